#!/usr/bin/env bash
# Issue #8's proof that deploy/ works on three hosts, on one machine:
#
#   scripts/three-hosts-test.sh              (as root: three network namespaces)
#   scripts/three-hosts-test.sh --loopback   (any user: 127.0.0.1/2/3, a paused node as the cut-off host)
#
# 1. Three hosts. As root the script re-executes itself in a private network and mount namespace
#    (nothing it creates is visible outside, and it all disappears with it) and makes three network
#    namespaces host1..3 on a bridge, with the addresses deploy/config/node{1,2,3}.properties use
#    (192.168.56.101-103); the driver (this script and the CLI) is 192.168.56.1 on the bridge.
# 2. Installs Runnel three times with deploy/install.sh --root <stage>/hostN --node-id N, checks the
#    unit with systemd-analyze verify, and starts each node with the unit's exact ExecStart line
#    inside its namespace, with the host's staged /opt/runnel, /etc/runnel and /var/lib/runnel
#    bind-mounted where the unit expects them.
# 3. The seed's walkthrough: create kafka1 (3 partitions, RF 3), list and describe it, produce 300
#    lines through host 2, read them back through host 3 --from-beginning.
# 4. Cuts host 3 off (its link down), produces 300 more through host 1 and reads all 600 through
#    host 2; restores the link and waits until every replica is in sync again.
# 5. Stops the nodes (SIGTERM, as systemd does) and compares every Raft group's committed log on
#    the three hosts' disks byte for byte (scripts/compare-replicas.ts): host 3 caught up.
#
# Exit 0 when every step passed. On failure the stage directory (configs, node logs, data) is kept.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
mode="netns"
[ "${1:-}" = "--loopback" ] && mode="loopback"
lines=300
step_timeout_s=60

say() { echo "three-hosts: $*"; }
die() { echo "three-hosts: FAILED: $*" >&2; exit 1; }

if [ "$mode" = "netns" ] && [ "${THREE_HOSTS_INSIDE:-}" != "1" ]; then
  [ "$(id -u)" -eq 0 ] || die "network namespaces need root; run as root, or with --loopback"
  [ -f "$repo/dist/cli/main.js" ] || die "no build: run npm run build first"
  setup='ip link set lo up && mkdir -p /run/netns && mount -t tmpfs -o size=1m three-hosts /run/netns && exec "$0" "$@"'
  exec unshare --net --mount --propagation private env THREE_HOSTS_INSIDE=1 bash -c "$setup" "$0" "$@"
fi

stage="$(mktemp -d "${TMPDIR:-/tmp}/runnel-three-hosts-XXXXXX")"
pids=()
made_dirs=()
ok=0
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -KILL "$p" 2>/dev/null || true; done
  for d in "${made_dirs[@]}"; do rmdir "$d" 2>/dev/null || true; done
  if [ "$ok" -eq 1 ]; then rm -rf "$stage"; else say "kept $stage (configs, node logs in hostN.log, data)"; fi
}
trap cleanup EXIT

runnel() { node "$repo/dist/cli/main.js" "$@"; }
addr() { if [ "$mode" = netns ]; then echo "192.168.56.10$1"; else echo "127.0.0.$1"; fi; }
client() { echo "$(addr "$1"):9092"; }

# Retries "$@" every 0.5 s until it succeeds, at most step_timeout_s seconds.
retry() {
  local what="$1"; shift
  local deadline=$((SECONDS + step_timeout_s))
  until "$@" >"$stage/last.out" 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { cat "$stage/last.out" >&2; die "$what did not succeed within ${step_timeout_s} s"; }
    sleep 0.5
  done
}

# ---- 1. hosts -------------------------------------------------------------------------------------
if [ "$mode" = netns ]; then
  ip link add rn3br type bridge
  ip addr add 192.168.56.1/24 dev rn3br
  ip link set rn3br up
  for n in 1 2 3; do
    ip netns add "host$n"
    ip link add "h$n-br" type veth peer name "h$n-ns"
    ip link set "h$n-ns" netns "host$n"
    ip link set "h$n-br" master rn3br up
    ip -n "host$n" link set lo up
    ip -n "host$n" addr add "$(addr "$n")/24" dev "h$n-ns"
    ip -n "host$n" link set "h$n-ns" up
  done
  say "hosts host1..3 at 192.168.56.101-103 (network namespaces), driver at 192.168.56.1"
fi

# ---- 2. install and start -----------------------------------------------------------------------
command -v systemd-analyze >/dev/null || die "systemd-analyze is missing (Debian: apt-get install systemd)"
systemd-analyze verify "$repo/deploy/systemd/runnel.service" || die "systemd-analyze verify failed on deploy/systemd/runnel.service"
say "systemd-analyze verify: deploy/systemd/runnel.service is valid"
for n in 1 2 3; do
  h="$stage/host$n"
  bash "$repo/deploy/install.sh" --root "$h" --node-id "$n" --no-start >/dev/null
  if [ "$mode" = loopback ]; then
    # The same config with this machine's loopback addresses and the staged data directory.
    sed -i -e "s/192\.168\.56\.10\([0-9]\)/127.0.0.\1/g" -e "s#^log.dirs=/var/lib/runnel#log.dirs=$h/var/lib/runnel#" "$h/etc/runnel/server.properties"
  fi
done
exec_start="$(sed -n 's/^ExecStart=//p' "$stage/host1/etc/systemd/system/runnel.service")"
[ -n "$exec_start" ] || die "no ExecStart line in the installed unit"
say "ExecStart=$exec_start"

start_host() {
  local n="$1" h="$stage/host$1"
  if [ "$mode" = netns ]; then
    # The unit's paths, bind-mounted from this host's stage in a mount namespace of the node's own.
    local binds="mount --bind $h/opt/runnel /opt/runnel && mount --bind $h/etc/runnel /etc/runnel && mount --bind $h/var/lib/runnel /var/lib/runnel"
    ip netns exec "host$n" unshare --mount --propagation private bash -c "$binds && exec $exec_start" >>"$stage/host$n.log" 2>&1 &
  else
    local cmd="${exec_start//\/opt\/runnel/$h/opt/runnel}"
    cmd="${cmd//\/etc\/runnel/$h/etc/runnel}"
    # shellcheck disable=SC2086 # the ExecStart line is words
    $cmd >>"$stage/host$n.log" 2>&1 &
  fi
  pids[n]=$!
}
if [ "$mode" = netns ]; then
  for d in /opt/runnel /etc/runnel /var/lib/runnel; do
    if [ ! -d "$d" ]; then mkdir -p "$d"; made_dirs=("$d" "${made_dirs[@]}"); fi
  done
fi
for n in 1 2 3; do start_host "$n"; done
# Up: a controller elected and all three nodes registered ("N host:port" lines).
retry "a controller and three nodes in describe-cluster" bash -c "node '$repo/dist/cli/main.js' describe-cluster --bootstrap-server $(client 1) > '$stage/cluster.out' && grep -q '^Controller: [1-3]' '$stage/cluster.out' && [ \$(grep -Ec '^[1-3] ' '$stage/cluster.out') -eq 3 ]"
say "cluster up: $(runnel describe-cluster --bootstrap-server "$(client 1)" | tr '\n' ' ')"

# ---- 3. the seed's walkthrough ------------------------------------------------------------------
retry "topics --create kafka1" runnel topics --create --bootstrap-server "$(client 1)" --topic kafka1 --partitions 3 --replication-factor 3
runnel topics --list --bootstrap-server "$(client 2)" | grep -qx kafka1 || die "topics --list through host 2 does not show kafka1"
retry "a leader and a full ISR for every partition" bash -c "node '$repo/dist/cli/main.js' topics --describe --bootstrap-server $(client 1) --topic kafka1 > '$stage/describe.out' && [ \$(grep -c 'Leader: [1-3]' '$stage/describe.out') -eq 3 ]"
say "kafka1: $(grep -c Partition: "$stage/describe.out") partitions, RF 3"

seq 1 "$lines" | sed 's/^/first-/' > "$stage/first.txt"
runnel console-producer --bootstrap-server "$(client 2)" --topic kafka1 < "$stage/first.txt"
runnel console-consumer --bootstrap-server "$(client 3)" --topic kafka1 --from-beginning --max-messages "$lines" --timeout-ms 30000 > "$stage/read1.txt"
cmp -s <(sort "$stage/first.txt") <(sort "$stage/read1.txt") || die "host 3 read back $(wc -l < "$stage/read1.txt") lines, not the $lines produced through host 2"
say "$lines lines produced through host 2, read back through host 3"

# ---- 4. one host cut off, and back --------------------------------------------------------------
cut_host3() { if [ "$mode" = netns ]; then ip link set h3-br down; else kill -STOP "${pids[3]}"; fi; }
restore_host3() { if [ "$mode" = netns ]; then ip link set h3-br up; else kill -CONT "${pids[3]}"; fi; }
cut_host3
cut_at=$SECONDS
say "host 3 cut off ($([ "$mode" = netns ] && echo 'link down' || echo 'SIGSTOP'))"
seq 1 "$lines" | sed 's/^/second-/' > "$stage/second.txt"
runnel console-producer --bootstrap-server "$(client 1)" --topic kafka1 < "$stage/second.txt"
produced_at=$SECONDS
runnel console-consumer --bootstrap-server "$(client 2)" --topic kafka1 --from-beginning --max-messages $((2 * lines)) --timeout-ms 30000 > "$stage/read2.txt"
cmp -s <(sort "$stage/first.txt" "$stage/second.txt") <(sort "$stage/read2.txt") || die "with host 3 cut off, host 2 read $(wc -l < "$stage/read2.txt") lines, not $((2 * lines))"
say "with host 3 cut off: $lines more lines produced through host 1 ($((produced_at - cut_at)) s), all $((2 * lines)) read through host 2 ($((SECONDS - produced_at)) s)"
restore_host3
# Caught up: a partition's leader hands leadership back to its preferred replica only once that
# replica has the whole log, so host 3 leading the partition it prefers (Replicas: 3,...) shows it
# is back and current; then the ISR must be all three replicas everywhere.
retry "host 3 leading its preferred partition again, every ISR full" bash -c "node '$repo/dist/cli/main.js' topics --describe --bootstrap-server $(client 1) --topic kafka1 > '$stage/describe.out' && grep -E 'Replicas: 3,' '$stage/describe.out' | grep -q 'Leader: 3' && [ \$(grep -Ec 'Isr: [1-3],[1-3],[1-3]\$' '$stage/describe.out') -eq 3 ]"
say "host 3 restored: it leads its preferred partition again (it has the whole log), every ISR is 3 replicas"

# ---- 5. stop, and compare the three disks ------------------------------------------------------
for n in 1 2 3; do kill -TERM "${pids[n]}"; done
for n in 1 2 3; do wait "${pids[n]}" || die "node $n did not stop cleanly on SIGTERM (see $stage/host$n.log)"; done
pids=()
(cd "$repo" && npx tsx scripts/compare-replicas.ts 1="$stage/host1/var/lib/runnel" 2="$stage/host2/var/lib/runnel" 3="$stage/host3/var/lib/runnel") > "$stage/compare.out" \
  || { cat "$stage/compare.out" >&2; die "the hosts' logs differ"; }
say "graceful stop; every group's committed log identical on the three hosts: $(grep -c identical "$stage/compare.out") groups"
ok=1
say "PASSED ($mode)"
