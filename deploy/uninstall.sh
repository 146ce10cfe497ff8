#!/usr/bin/env bash
# Removes what deploy/install.sh installed.
#
#   deploy/uninstall.sh [--root DIR] [--purge]
#
# Stops and disables the service, removes the unit and /opt/runnel. The config (/etc/runnel) and
# the data (/var/lib/runnel) stay unless --purge, which also removes them and the runnel user:
# a purged node has lost its replicas, so remove it from the cluster first.
set -euo pipefail

die() { echo "uninstall.sh: $*" >&2; exit 1; }

root="/"
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:-}"; shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || [ "$root" != "/" ] || die "run as root"
root="${root%/}"

if [ -z "$root" ] && [ -d /run/systemd/system ] && systemctl list-unit-files runnel.service >/dev/null 2>&1; then
  systemctl disable --now runnel.service >/dev/null 2>&1 || true
fi
rm -f "$root/etc/systemd/system/runnel.service"
[ -n "$root" ] || [ ! -d /run/systemd/system ] || systemctl daemon-reload
rm -rf "$root/opt/runnel" "$root/opt/runnel.new" "$root/opt/runnel.old"
[ "$(readlink "$root/usr/local/bin/runnel" 2>/dev/null)" != /opt/runnel/dist/cli/main.js ] || rm -f "$root/usr/local/bin/runnel"
if [ "$purge" -eq 1 ]; then
  rm -rf "$root/etc/runnel" "$root/var/lib/runnel"
  if [ -z "$root" ] && id runnel >/dev/null 2>&1; then userdel runnel; echo "removed the runnel user"; fi
  echo "removed Runnel, its config and its data"
else
  echo "removed Runnel; kept $root/etc/runnel and $root/var/lib/runnel (--purge removes them)"
fi
