# shellcheck shell=bash
# Shared by scripts/cluster-up.sh and scripts/cluster-down.sh (sourced, not run).
#
# The local cluster: node N runs from config/cluster/nodeN.properties with its data (LevelDB in db/),
# pid file (runnel.pid, written by the node) and output (runnel.log) in one directory:
#   ports mode (default):  node N on 127.0.0.1, CLIENT port 9N92, PEER 9N93 (as in the files), ./data/nodeN
#   loopback-hosts mode:   node N on 127.0.0.N, CLIENT port 9092, PEER 9093 (like 3 VMs), ./data/loopback/nodeN
# The modes keep separate data: a cluster's stored metadata (node addresses, cluster id) belongs to
# the addresses it was formed with. The two modes use different addresses, so both can run at once.

# shellcheck disable=SC2034 # NODES and MODES are used by the scripts that source this.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODES=(1 2 3)
MODES=(ports loopback-hosts)
# The mode the functions below describe; cluster-down.sh sets it for each mode in turn.
MODE="${MODE:-ports}"

node_config() { echo "$ROOT/config/cluster/node$1.properties"; }
node_dir() {
  if [[ "$MODE" == loopback-hosts ]]; then echo "$ROOT/data/loopback/node$1"; else echo "$ROOT/data/node$1"; fi
}
node_log() { echo "$(node_dir "$1")/runnel.log"; }
node_pid_file() { echo "$(node_dir "$1")/runnel.pid"; }

node_host() {
  if [[ "$MODE" == loopback-hosts ]]; then echo "127.0.0.$1"; else echo "127.0.0.1"; fi
}

node_client_port() {
  if [[ "$MODE" == loopback-hosts ]]; then echo 9092; else echo "9${1}92"; fi
}

node_peer_port() {
  if [[ "$MODE" == loopback-hosts ]]; then echo 9093; else echo "9${1}93"; fi
}

node_client_address() { echo "$(node_host "$1"):$(node_client_port "$1")"; }

# The pid of node N if it is running: from its pid file, and only if that process really is a
# Runnel node started from node N's config (a stale pid file may name a pid reused by another process).
node_pid() {
  local n="$1" pid_file pid args
  pid_file="$(node_pid_file "$n")"
  [[ -f "$pid_file" ]] || return 1
  pid="$(tr -d '[:space:]' <"$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  args="$(ps -o args= -p "$pid" 2>/dev/null)" || return 1
  [[ "$args" == *server-start*"node$n.properties"* ]] || return 1
  echo "$pid"
}

log_tail() {
  local n="$1" lines="${2:-40}"
  echo "----- last $lines lines of $(node_log "$n") -----" >&2
  tail -n "$lines" "$(node_log "$n")" >&2 2>/dev/null || echo "(no log)" >&2
  echo "-----" >&2
}
