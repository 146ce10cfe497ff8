#!/usr/bin/env bash
# Stops the local cluster started by scripts/cluster-up.sh: SIGTERM to every running node (a graceful
# stop: leadership moves away, writes are flushed, storage is closed), waits for them to exit, and
# SIGKILLs any node still running after the wait. Idempotent: nodes not running are skipped. Data in
# ./data/nodeN is kept (delete ./data to start from scratch).
#
#   scripts/cluster-down.sh [--wait-seconds N]   (default 30)
set -euo pipefail

# shellcheck source=scripts/cluster-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"
cd "$ROOT"

WAIT_SECONDS=30
while [[ $# -gt 0 ]]; do
  case "$1" in
    --wait-seconds)
      WAIT_SECONDS="${2:?--wait-seconds needs a value}"
      shift
      ;;
    -h | --help)
      sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "cluster-down: unknown argument: $1 (see --help)" >&2
      exit 64
      ;;
  esac
  shift
done
[[ "$WAIT_SECONDS" =~ ^[0-9]+$ ]] || { echo "cluster-down: --wait-seconds must be a whole number" >&2; exit 64; }

# Every node of either mode (see cluster-lib.sh), keyed "mode/N".
declare -A PIDS=()
for MODE in "${MODES[@]}"; do
  for n in "${NODES[@]}"; do
    if pid="$(node_pid "$n")"; then
      PIDS["$MODE/$n"]="$pid"
      echo "node $n ($MODE): SIGTERM (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
done
(( ${#PIDS[@]} > 0 )) || echo "cluster-down: no node is running"

alive() { kill -0 "$1" 2>/dev/null; }

deadline=$(( $(date +%s) + WAIT_SECONDS ))
for key in "${!PIDS[@]}"; do
  while alive "${PIDS[$key]}" && (( $(date +%s) < deadline )); do sleep 0.2; done
done

status=0
for key in "${!PIDS[@]}"; do
  pid="${PIDS[$key]}" MODE="${key%/*}" n="${key#*/}"
  if alive "$pid"; then
    echo "node $n ($MODE): still running after ${WAIT_SECONDS}s; SIGKILL (pid $pid)" >&2
    kill -KILL "$pid" 2>/dev/null || true
    log_tail "$n" 20
    status=1
  else
    echo "node $n ($MODE): stopped"
  fi
done
exit "$status"
