#!/bin/sh
# pki.sh: a sub-district's certificate authority and node certificates for
# Outpost's node-to-node mTLS (see README "Security").
#
#   tools/pki.sh DIR ca                       # DIR/ca.pem, DIR/ca.key (keep offline)
#   tools/pki.sh DIR node NODE_ID [SAN...]    # DIR/NODE_ID.pem, DIR/NODE_ID.key
#
# A node certificate names the node id as its subject CN and as a DNS SAN; the
# replication peer's CN must equal the node id it claims in Hello. Extra SANs
# (e.g. DNS:office.example or IP:10.0.0.5) name the addresses other nodes dial;
# DNS:localhost and IP:127.0.0.1 are always added for development and tests.
# Keys are EC P-256, written with mode 0600.
set -eu

usage() {
  echo "usage: $0 DIR ca | $0 DIR node NODE_ID [SAN...]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
dir=$1
cmd=$2
shift 2
mkdir -p "$dir"
umask 077

case "$cmd" in
ca)
  [ -e "$dir/ca.key" ] && { echo "$0: $dir/ca.key exists; not overwriting" >&2; exit 1; }
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 3650 \
    -subj "/O=Outpost/CN=Outpost sub-district CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 644 "$dir/ca.pem"
  echo "$dir/ca.pem"
  ;;
node)
  [ $# -ge 1 ] || usage
  id=$1
  shift
  case "$id" in
  *[!A-Za-z0-9_-]* | "") echo "$0: node id \"$id\" must be letters, digits, _ or -" >&2; exit 2 ;;
  esac
  [ -e "$dir/ca.key" ] || { echo "$0: no CA in $dir (run: $0 $dir ca)" >&2; exit 1; }
  san="DNS:$id,DNS:localhost,IP:127.0.0.1"
  for extra in "$@"; do san="$san,$extra"; done
  ext=$(mktemp)
  trap 'rm -f "$ext" "$dir/$id.csr"' EXIT
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/$id.key" -out "$dir/$id.csr" \
    -subj "/O=Outpost/CN=$id" 2>/dev/null
  openssl x509 -req -in "$dir/$id.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -out "$dir/$id.pem" -days 825 -extfile "$ext" 2>/dev/null
  chmod 644 "$dir/$id.pem"
  echo "$dir/$id.pem"
  ;;
*) usage ;;
esac
