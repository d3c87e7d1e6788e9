#!/bin/sh
# pki.sh: a sub-district's certificate authority and node certificates for
# Outpost's node-to-node mTLS (see README "Security").
#
#   tools/pki.sh DIR ca                       # DIR/ca.pem, DIR/ca.key (keep offline)
#   tools/pki.sh DIR node NODE_ID [SAN...]    # DIR/NODE_ID.pem, DIR/NODE_ID.key
#   tools/pki.sh DIR revoke NODE_ID           # revokes DIR/NODE_ID.pem; DIR/crl.pem
#   tools/pki.sh DIR crl                      # DIR/crl.pem anew (revocations so far)
#
# A node certificate names the node id as its subject CN and as a DNS SAN; the
# replication peer's CN must equal the node id it claims in Hello. Extra SANs
# (e.g. DNS:office.example or IP:10.0.0.5) name the addresses other nodes dial;
# DNS:localhost and IP:127.0.0.1 are always added for development and tests.
# Keys are EC P-256, written with mode 0600.
set -eu

usage() {
  echo "usage: $0 DIR ca | $0 DIR node NODE_ID [SAN...] | $0 DIR revoke NODE_ID | $0 DIR crl" >&2
  exit 2
}

# The CA's revocation list, DIR/crl.pem, signed by the CA: give it to central
# as outpostd --tls_crl=DIR/crl.pem (it rereads the file when it changes).
gencrl() {
  [ -e "$dir/ca.key" ] || { echo "$0: no CA in $dir (run: $0 $dir ca)" >&2; exit 1; }
  [ -e "$dir/ca.cnf" ] || printf '%s\n' "[ ca ]" "default_ca = outpost" \
    "[ outpost ]" "database = $dir/index.txt" "crlnumber = $dir/crlnumber" \
    "default_md = sha256" "default_crl_days = 3650" >"$dir/ca.cnf"
  [ -e "$dir/index.txt" ] || : >"$dir/index.txt"
  [ -e "$dir/crlnumber" ] || echo 01 >"$dir/crlnumber"
  openssl ca -config "$dir/ca.cnf" -keyfile "$dir/ca.key" -cert "$dir/ca.pem" \
    -gencrl -out "$dir/crl.pem.tmp" 2>/dev/null
  chmod 644 "$dir/crl.pem.tmp"
  mv "$dir/crl.pem.tmp" "$dir/crl.pem"  # whole or not at all for a reader
  echo "$dir/crl.pem"
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
crl) gencrl ;;
revoke)
  [ $# -eq 1 ] || usage
  [ -e "$dir/$1.pem" ] || { echo "$0: no certificate $dir/$1.pem" >&2; exit 1; }
  gencrl >/dev/null  # the CA database, if this is the first revocation
  openssl ca -config "$dir/ca.cnf" -keyfile "$dir/ca.key" -cert "$dir/ca.pem" \
    -revoke "$dir/$1.pem" 2>/dev/null || {
    echo "$0: could not revoke $dir/$1.pem (revoked already?)" >&2
    exit 1
  }
  gencrl
  ;;
*) usage ;;
esac
