#!/usr/bin/env bash
# Installs Runnel on this machine as a systemd service, for one node of a cluster.
#
#   deploy/install.sh --node-id N [--config FILE] [--root DIR] [--no-start] [--force-config]
#
# Run it as root from a built checkout (npm ci && npm run build). It is idempotent: run it again
# after pulling a new version to upgrade in place (the service is restarted; the data is kept).
#
#   --node-id N      which node this machine is: installs deploy/config/nodeN.properties
#   --config FILE    install FILE as the node's config instead (its node.id wins)
#   --root DIR       install under DIR instead of / (a staging root: no user, no systemctl);
#                    scripts/three-hosts-test.sh uses it
#   --no-start       install and enable, but do not (re)start the service
#   --force-config   replace an existing /etc/runnel/server.properties (default: keep it and
#                    write the new one next to it as server.properties.new)
#
# What goes where:
#   /opt/runnel                         the app: dist/, proto/, production node_modules
#   /etc/runnel/server.properties       the node's config
#   /etc/runnel/tls/                    certificates, if you use TLS (deploy/gen-certs.sh)
#   /var/lib/runnel                     the node's data (log.dirs), owned by the runnel user
#   /etc/systemd/system/runnel.service  the unit (deploy/systemd/runnel.service)
#   /usr/local/bin/runnel               the CLI (a link to /opt/runnel/dist/cli/main.js)
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
node_id=""
config=""
root="/"
start=1
force_config=0
while [ $# -gt 0 ]; do
  case "$1" in
    --node-id) node_id="${2:-}"; shift 2 ;;
    --config) config="${2:-}"; shift 2 ;;
    --root) root="${2:-}"; shift 2 ;;
    --no-start) start=0; shift ;;
    --force-config) force_config=1; shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ -n "$node_id" ] || [ -n "$config" ] || die "say which node this is: --node-id N (or --config FILE)"
if [ -z "$config" ]; then
  [[ "$node_id" =~ ^[0-9]+$ ]] || die "--node-id must be a number, not '$node_id'"
  config="$repo/deploy/config/node$node_id.properties"
fi
[ -f "$config" ] || die "no config file $config"
[ -f "$repo/dist/cli/main.js" ] || die "no build in $repo/dist: run 'npm ci && npm run build' first"
[ -d "$repo/node_modules" ] || die "no node_modules in $repo: run 'npm ci && npm run build' first"
[ "$(id -u)" -eq 0 ] || [ "$root" != "/" ] || die "run as root (it creates a user and writes /etc, /opt, /var/lib)"
node_bin="$(command -v node)" || die "node (Node.js 20 or newer) is not on PATH"
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js $node_major is too old: Runnel needs 20 or newer"

root="${root%/}"
app="$root/opt/runnel"
etc="$root/etc/runnel"
data="$root/var/lib/runnel"
unit="$root/etc/systemd/system/runnel.service"
owner=""

# 1. The service user (a system user without a shell or a home of its own).
if [ -z "$root" ]; then
  if ! id runnel >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/runnel --no-create-home --shell /usr/sbin/nologin --user-group runnel
    echo "created system user runnel"
  fi
  owner="runnel:runnel"
fi

# 2. Directories.
install -d -m 0755 "$app" "$etc" "$(dirname "$unit")"
install -d -m 0750 "$data"
[ -z "$owner" ] || chown "$owner" "$data"

# 3. The app, replaced as a whole (a half-copied upgrade never runs): dist, proto, package files,
#    and node_modules without the development dependencies.
staging="$app.new"
rm -rf "$staging"
mkdir -p "$staging"
cp -a "$repo/dist" "$repo/proto" "$repo/package.json" "$repo/package-lock.json" "$staging/"
mkdir -p "$staging/deploy" && cp -a "$repo/deploy/README.md" "$staging/deploy/"
cp -a "$repo/node_modules" "$staging/"
(cd "$staging" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
rm -rf "$app.old"
[ ! -e "$app" ] || mv "$app" "$app.old"
mv "$staging" "$app"
rm -rf "$app.old"

# 4. The config: an existing one is the operator's and is kept unless --force-config.
if [ -f "$etc/server.properties" ] && ! cmp -s "$config" "$etc/server.properties" && [ "$force_config" -eq 0 ]; then
  install -m 0640 "$config" "$etc/server.properties.new"
  echo "kept $etc/server.properties (it differs from $config; the new one is server.properties.new)"
else
  install -m 0640 "$config" "$etc/server.properties"
fi
[ -z "$owner" ] || chgrp runnel "$etc/server.properties"
# The config must parse before the service is (re)started: a bad key stops here, not in a loop.
"$node_bin" "$app/dist/cli/main.js" server-start --check "$etc/server.properties" >/dev/null \
  || die "the config $etc/server.properties is not valid (see the line above)"

# 5. The unit, with this machine's node binary.
sed "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" "$repo/deploy/systemd/runnel.service" > "$unit.tmp"
chmod 0644 "$unit.tmp" && mv "$unit.tmp" "$unit"

# 6. The CLI on PATH: `runnel topics ...`, as in deploy/README.md.
install -d -m 0755 "$root/usr/local/bin"
ln -sfn /opt/runnel/dist/cli/main.js "$root/usr/local/bin/runnel"

echo "installed Runnel into ${root:-/} (node config $etc/server.properties, data $data)"

# 7. Enable and (re)start, on a machine that runs systemd.
if [ -n "$root" ]; then
  exit 0
fi
if [ ! -d /run/systemd/system ]; then
  echo "systemd is not running here: start the node with: sudo -u runnel $node_bin $app/dist/cli/main.js server-start $etc/server.properties"
  exit 0
fi
systemctl daemon-reload
systemctl enable runnel.service >/dev/null
if [ "$start" -eq 1 ]; then
  systemctl restart runnel.service
  echo "started: systemctl status runnel; journalctl -u runnel -f"
else
  echo "enabled; start it with: systemctl start runnel"
fi
