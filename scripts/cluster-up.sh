#!/usr/bin/env bash
# Starts a local 3-node Runnel cluster in the background from config/cluster/node{1,2,3}.properties
# and waits until every node's health check says SERVING. Idempotent: nodes already running are left
# alone. Stop it with scripts/cluster-down.sh.
#
#   scripts/cluster-up.sh [--loopback-hosts] [--wait-seconds N]
#
#   --loopback-hosts  node N on 127.0.0.N with CLIENT port 9092 and PEER port 9093 on each host (the
#                     3-VM layout, same ports everywhere); needs 127.0.0.2 and .3 to be local
#                     addresses (they are on Linux; on macOS: sudo ifconfig lo0 alias 127.0.0.2 up).
#                     Default: all on 127.0.0.1, node N on CLIENT 9N92 and PEER 9N93.
#   --wait-seconds N  how long to wait for all nodes to be SERVING (default 30).
#
# Output of node N goes to ./data/nodeN/runnel.log, its data to ./data/nodeN (its LevelDB in db/,
# its pid in runnel.pid); with --loopback-hosts to ./data/loopback/nodeN. Rebuilds dist/ first when
# src/ or proto/ is newer than the last build.
set -euo pipefail

# shellcheck source=scripts/cluster-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"
cd "$ROOT"

MODE=ports
WAIT_SECONDS=30
while [[ $# -gt 0 ]]; do
  case "$1" in
    --loopback-hosts) MODE=loopback-hosts ;;
    --wait-seconds)
      WAIT_SECONDS="${2:?--wait-seconds needs a value}"
      shift
      ;;
    -h | --help)
      sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "cluster-up: unknown argument: $1 (see --help)" >&2
      exit 64
      ;;
  esac
  shift
done
[[ "$WAIT_SECONDS" =~ ^[0-9]+$ ]] || { echo "cluster-up: --wait-seconds must be a whole number" >&2; exit 64; }

build_if_stale() {
  local main="$ROOT/dist/cli/main.js"
  if [[ ! -f "$main" ]] || [[ -n "$(find src proto tsconfig.json tsconfig.build.json package.json -newer "$main" -print -quit)" ]]; then
    echo "cluster-up: building dist/ (npm run build)"
    npm run build --silent
  fi
}

# Extra flags for node N: in loopback-hosts mode its listeners, the voters and its data move.
node_overrides() {
  local n="$1" voters="" v
  [[ "$MODE" == loopback-hosts ]] || return 0
  for v in "${NODES[@]}"; do voters+="${voters:+,}$v@127.0.0.$v:9093"; done
  printf '%s\n' --override "listeners=CLIENT://127.0.0.$n:9092,PEER://127.0.0.$n:9093" \
    --override "controller.quorum.voters=$voters" --override "log.dirs=$(node_dir "$n")"
}

start_node() {
  local n="$1" pid overrides=()
  if pid="$(node_pid "$n")"; then
    echo "node $n: already running (pid $pid)"
    return 0
  fi
  mkdir -p "$(node_dir "$n")"
  mapfile -t overrides < <(node_overrides "$n")
  # Runnel reads every RUNNEL_* variable as a config key: the files alone must decide here.
  # shellcheck disable=SC2046 # word splitting of the variable names is intended
  nohup env $(env | awk -F= '/^RUNNEL_/ {printf "-u %s ", $1}') \
    node dist/cli/main.js server-start "$(node_config "$n")" "${overrides[@]}" \
    >>"$(node_log "$n")" 2>&1 </dev/null &
  STARTED[n]=$!
  echo "node $n: started (pid ${STARTED[n]}), log $(node_log "$n")"
}

wait_healthy() {
  local n="$1" deadline="$2" remaining_ms pid status=0
  remaining_ms=$(( (deadline - $(date +%s)) * 1000 ))
  (( remaining_ms > 0 )) || remaining_ms=1
  pid="$(node_pid "$n" || echo "${STARTED[n]:-}")"
  node_modules/.bin/tsx scripts/cluster-wait-healthy.ts --address "$(node_client_address "$n")" \
    ${pid:+--pid "$pid"} --timeout-ms "$remaining_ms" || status=$?
  if (( status != 0 )); then
    echo "cluster-up: node $n is not SERVING at $(node_client_address "$n")" >&2
    log_tail "$n"
    return 1
  fi
}

build_if_stale
declare -a STARTED=()
for n in "${NODES[@]}"; do start_node "$n"; done

deadline=$(( $(date +%s) + WAIT_SECONDS ))
failed=0
for n in "${NODES[@]}"; do wait_healthy "$n" "$deadline" || failed=1; done
if (( failed )); then
  echo "cluster-up: the cluster did not come up within ${WAIT_SECONDS}s; stop what did start with scripts/cluster-down.sh" >&2
  exit 1
fi

bootstrap=""
for n in "${NODES[@]}"; do bootstrap+="${bootstrap:+,}$(node_client_address "$n")"; done
echo "cluster-up: 3 nodes SERVING"
echo "bootstrap servers: $bootstrap"
