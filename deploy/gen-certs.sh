#!/usr/bin/env bash
# Makes the TLS material of a Runnel cluster with openssl: a CA, one certificate per node (for its
# CLIENT and PEER listeners, and for dialling its peers: mutual TLS), and one client certificate for
# the CLI and applications when the nodes require client certificates (ssl.client.auth=required).
#
#   deploy/gen-certs.sh [--out DIR] [--days N] [--force] [NAME=HOST[,HOST...] ...]
#
#   NAME=HOSTS   a node's file name and every host its certificate must name: the host of its
#                advertised listeners and its controller.quorum.voters entry (IP addresses or DNS
#                names). Default: the three VMs of deploy/config (node1=192.168.56.101 ...).
#   --out DIR    where the files go (default: ./tls); copy DIR/ca.crt, DIR/nodeN.crt and
#                DIR/nodeN.key to /etc/runnel/tls on node N (deploy/README.md)
#   --days N     validity of every certificate (default 825)
#   --force      make a new CA even when DIR/ca.key exists (then every certificate is re-issued)
#
# Files: ca.crt (trust this), ca.key (keep it offline), NAME.crt/NAME.key per node, client.crt and
# client.key. Running it again keeps the CA and re-issues only what is missing, so a node added
# later gets a certificate the others already trust.
set -euo pipefail

die() { echo "gen-certs.sh: $*" >&2; exit 1; }

out="tls"
days=825
force=0
nodes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:-}"; shift 2 ;;
    --days) days="${2:-}"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *=*) nodes+=("$1"); shift ;;
    *) die "expected NAME=HOST[,HOST...], got '$1'" ;;
  esac
done
[ ${#nodes[@]} -gt 0 ] || nodes=(node1=192.168.56.101 node2=192.168.56.102 node3=192.168.56.103)
[[ "$days" =~ ^[0-9]+$ ]] || die "--days must be a number"
command -v openssl >/dev/null || die "openssl is not installed (Debian: apt-get install openssl)"

mkdir -p "$out"
umask 077

if [ "$force" -eq 1 ] || [ ! -f "$out/ca.key" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=Runnel cluster CA" \
    -keyout "$out/ca.key" -out "$out/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  rm -f "$out"/*.srl
  echo "made a new CA: $out/ca.crt (keep $out/ca.key offline)"
  force=1
fi

# issue NAME SUBJECT_ALT_NAMES EXTENDED_KEY_USAGE
issue() {
  local name="$1" san="$2" eku="$3"
  if [ "$force" -eq 0 ] && [ -f "$out/$name.crt" ] && [ -f "$out/$name.key" ]; then
    echo "kept $out/$name.crt"
    return
  fi
  local ext
  ext="$(mktemp)"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' "$eku" "${san:+subjectAltName=$san}" > "$ext"
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$out/$name.key" -out "$out/$name.csr" 2>/dev/null
  openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -sha256 -days "$days" \
    -extfile "$ext" -out "$out/$name.crt" 2>/dev/null
  rm -f "$out/$name.csr" "$ext"
  echo "issued $out/$name.crt${san:+ for $san}"
}

for spec in "${nodes[@]}"; do
  name="${spec%%=*}"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad node name '$name'"
  san=""
  IFS=',' read -r -a hosts <<< "${spec#*=}"
  for h in "${hosts[@]}"; do
    [ -n "$h" ] || continue
    if [[ "$h" =~ ^[0-9.]+$ ]] || [[ "$h" == *:* ]]; then san+="${san:+,}IP:$h"; else san+="${san:+,}DNS:$h"; fi
  done
  [ -n "$san" ] || die "node $name: give at least one host (NAME=HOST)"
  # serverAuth for its listeners, clientAuth for dialling its peers (mutual TLS on PEER).
  issue "$name" "$san" "serverAuth,clientAuth"
done
issue client "" "clientAuth"
chmod 0644 "$out"/*.crt
echo "done: $out (node N needs ca.crt, nodeN.crt, nodeN.key; clients need ca.crt, and client.crt/client.key with ssl.client.auth=required)"
