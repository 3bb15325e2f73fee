#!/usr/bin/env bash
# Integration test for certs/wijknet-ca (the federation CA script).
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed" last;
# exits non-zero if any check failed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
CA="$HERE/../../certs/wijknet-ca"
PARTNERS="gemeente-heerlen alcander gastenhof-koraalgroep meander-groep mondriaan
sevagram bureau-jeugdzorg-limburg radar mee-zuid-limburg xonar"
ALL="broker $PARTNERS"

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
notok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check DESCRIPTION CMD...: passes when CMD exits 0
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else notok "$what"; fi
}
# check_rc DESCRIPTION WANT_RC CMD...: passes when CMD exits with WANT_RC
check_rc() {
    local what=$1 want=$2 rc
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        ok "$what"
    else
        notok "$what (exit $rc, wanted $want)"
        sed 's/^/#   /' "$T/err" "$T/out"
    fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/wijknet-ca-test.XXXXXX") || { echo "not ok - mktemp"; exit 1; }
trap 'rm -rf "$T"' EXIT
D="$T/demo"

if ! command -v openssl >/dev/null 2>&1; then
    echo "not ok - openssl is not installed"
    echo "0 passed, 1 failed"
    exit 1
fi

# --- the script itself ----------------------------------------------------
check "wijknet-ca exists and is executable" test -x "$CA"
check "wijknet-ca passes sh -n" sh -n "$CA"
if command -v dash >/dev/null 2>&1; then
    check "wijknet-ca passes dash -n" dash -n "$CA"
    SH=dash     # run it under dash, the Debian /bin/sh
else
    SH="sh"
fi
run_ca() { "$SH" "$CA" "$@"; }

check_rc "--help exits 0" 0 run_ca --help
check "--help prints usage" grep -q '^usage: wijknet-ca' "$T/out"
check_rc "no arguments prints usage, exit 0" 0 run_ca
check_rc "unknown command exits 2" 2 run_ca --dir "$T/x" frobnicate
check "unknown command message on stderr" grep -q '^wijknet-ca: unknown command' "$T/err"
check_rc "unknown global option exits 2" 2 run_ca --bogus list
check_rc "unknown issue option exits 2" 2 run_ca --dir "$D" issue radar --bogus

# --- demo ---------------------------------------------------------------------
check_rc "demo succeeds" 0 run_ca demo "$D"
check "demo prints one line per issued identity" \
    test "$(grep -c '^issued ' "$T/out")" -eq 11
check "demo is quiet on stderr" test ! -s "$T/err"
for f in ca.crt ca.key crl.pem openssl.cnf index.txt; do
    check "demo made $f" test -s "$D/$f"
done
check "ca.key is mode 600" test "$(stat -c %a "$D/ca.key")" = 600
check "CA is self-signed with CN 'wijknet federation CA'" \
    sh -c "openssl x509 -in '$D/ca.crt' -noout -subject -nameopt RFC2253 | grep -qx 'subject=CN=wijknet federation CA'"
check "CA has basicConstraints critical CA:TRUE" \
    sh -c "openssl x509 -in '$D/ca.crt' -noout -text | grep -A1 'Basic Constraints: critical' | grep -q 'CA:TRUE'"
check "CA keyUsage is keyCertSign,cRLSign" \
    sh -c "openssl x509 -in '$D/ca.crt' -noout -text | grep -A1 'Key Usage: critical' | grep -q 'Certificate Sign, CRL Sign'"
check "CRL is PEM and signed by the CA" \
    sh -c "openssl crl -in '$D/crl.pem' -CAfile '$D/ca.crt' -noout 2>&1 | grep -q 'verify OK'"

for id in $ALL; do
    pem="$D/$id.pem" crt="$D/$id.crt"
    if [ -s "$pem" ] && [ -s "$crt" ]; then ok "$id: .pem and .crt exist"; else notok "$id: .pem and .crt exist"; continue; fi
    check "$id: .pem is mode 600" test "$(stat -c %a "$pem")" = 600
    check "$id: .crt is mode 644" test "$(stat -c %a "$crt")" = 644
    check "$id: verifies against ca.crt" sh -c "openssl verify -CAfile '$D/ca.crt' '$crt' >/dev/null 2>&1"
    check "$id: subject is CN=$id" \
        sh -c "openssl x509 -in '$crt' -noout -subject -nameopt RFC2253 | grep -qx 'subject=CN=$id'"
    text=$(openssl x509 -in "$crt" -noout -text)
    check "$id: DNS SAN is $id" grep -qx "[[:space:]]*DNS:$id" <<<"$text"
    check "$id: EKU serverAuth+clientAuth" \
        grep -q 'TLS Web Server Authentication, TLS Web Client Authentication' <<<"$text"
    check "$id: key is P-256 (prime256v1)" grep -q 'ASN1 OID: prime256v1' <<<"$text"
    check "$id: signed with ecdsa-with-SHA256" grep -q 'Signature Algorithm: ecdsa-with-SHA256' <<<"$text"
    check "$id: not a CA" grep -q 'CA:FALSE' <<<"$text"
    check "$id: .pem starts with the certificate" \
        test "$(head -n1 "$pem")" = "-----BEGIN CERTIFICATE-----"
    check "$id: .pem holds an unencrypted PKCS#8 key" grep -q '^-----BEGIN PRIVATE KEY-----$' "$pem"
    check "$id: .pem certificate equals .crt" \
        test "$(openssl x509 -in "$pem" -outform DER | od -An -tx1)" = "$(openssl x509 -in "$crt" -outform DER | od -An -tx1)"
    kpub=$(openssl pkey -in "$pem" -pubout 2>/dev/null)
    cpub=$(openssl x509 -in "$pem" -noout -pubkey 2>/dev/null)
    check "$id: private key matches the certificate" test -n "$kpub" -a "$kpub" = "$cpub"
done

# --- idempotent demo ----------------------------------------------------------
sums() { (cd "$D" && sha256sum ./*.pem ./*.crt ca.key crl.pem index.txt); }
before=$(sums)
check_rc "second demo run succeeds" 0 run_ca demo "$D"
check "second demo run issues nothing" test "$(grep -c '^issued ' "$T/out")" -eq 0
check "second demo run leaves certificates, keys and database unchanged" test "$before" = "$(sums)"

# --- list -----------------------------------------------------------------------
check_rc "list succeeds" 0 run_ca --dir "$D" list
check "list has one line per certificate" test "$(wc -l <"$T/out")" -eq 11
check "list shows alcander valid" grep -Eq '^alcander +[0-9A-F]+ +valid +20[0-9-]+T' "$T/out"
check_rc "WIJKNET_CA_DIR selects the CA" 0 env WIJKNET_CA_DIR="$D" "$SH" "$CA" list

# --- revoke -----------------------------------------------------------------------
check "alcander passes the CRL check before revocation" \
    sh -c "openssl verify -crl_check -CRLfile '$D/crl.pem' -CAfile '$D/ca.crt' '$D/alcander.crt' >/dev/null 2>&1"
check_rc "revoke alcander succeeds" 0 run_ca --dir "$D" revoke alcander
check "revoked alcander fails verify -crl_check" \
    sh -c "! openssl verify -crl_check -CRLfile '$D/crl.pem' -CAfile '$D/ca.crt' '$D/alcander.crt' >'$T/v' 2>&1"
check "failure reason is 'certificate revoked'" grep -q 'certificate revoked' "$T/v"
check "radar still verifies with -crl_check" \
    sh -c "openssl verify -crl_check -CRLfile '$D/crl.pem' -CAfile '$D/ca.crt' '$D/radar.crt' >/dev/null 2>&1"
check "CRL still signed by the CA" \
    sh -c "openssl crl -in '$D/crl.pem' -CAfile '$D/ca.crt' -noout 2>&1 | grep -q 'verify OK'"
check_rc "list after revoke" 0 run_ca --dir "$D" list
check "list shows alcander revoked" grep -Eq '^alcander +[0-9A-F]+ +revoked ' "$T/out"
check_rc "revoking an unknown id exits 2" 2 run_ca --dir "$D" revoke nobody-here
check_rc "revoking alcander again exits 2" 2 run_ca --dir "$D" revoke alcander

# --- expired certificate -----------------------------------------------------
check_rc "issue with --not-before/--not-after in the past" 0 \
    run_ca --dir "$D" issue old-partner --not-before 20200101000000Z --not-after 20210101000000Z
check "past certificate fails verify" \
    sh -c "! openssl verify -CAfile '$D/ca.crt' '$D/old-partner.crt' >'$T/v' 2>&1"
check "failure reason is 'certificate has expired'" grep -q 'certificate has expired' "$T/v"
check_rc "list after expired issue" 0 run_ca --dir "$D" list
check "list shows old-partner expired, notAfter 2021-01-01" \
    grep -Eq '^old-partner +[0-9A-F]+ +expired +2021-01-01T00:00:00Z$' "$T/out"
check_rc "re-issuing an id whose certificate expired needs no --force" 0 \
    run_ca --dir "$D" issue old-partner --days 30
check_rc "malformed --not-after exits 2" 2 run_ca --dir "$D" issue foo --not-after 2021-01-01

# --- bad ids -------------------------------------------------------------------------
for bad in Bad_ID 1abc -abc 'a b' "$(printf 'a%.0s' $(seq 64))" ''; do
    check_rc "bad id '${bad:0:20}' exits 2" 2 run_ca --dir "$D" issue "$bad"
done
run_ca --dir "$D" issue Bad_ID 2>"$T/err" >/dev/null
check "bad id message names the rule" grep -q '^wijknet-ca: invalid id .Bad_ID.' "$T/err"
check_rc "longest allowed id (63 chars) is accepted" 0 \
    run_ca --dir "$D" issue "$(printf 'a%.0s' $(seq 63))"

# --- init twice ------------------------------------------------------------------------
check_rc "init in the demo dir refuses" 2 run_ca --dir "$D" init
check "init refusal says so on stderr" grep -q '^wijknet-ca: .*already holds a CA' "$T/err"
check_rc "init in a fresh dir" 0 run_ca --dir "$T/fresh" init --days 100 --crl-days 7
check "fresh ca.key is mode 600" test "$(stat -c %a "$T/fresh/ca.key")" = 600
check_rc "second init refuses" 2 run_ca --dir "$T/fresh" init
check_rc "issue in a dir without CA exits 2" 2 run_ca --dir "$T/none" issue radar

# nextUpdate helper: seconds from now to the CRL's nextUpdate
next_in() {
    local nu
    nu=$(openssl crl -in "$1" -noout -nextupdate) || return 1
    echo $(($(date -u -d "${nu#nextUpdate=}" +%s) - $(date -u +%s)))
}
near() { [ "$1" -ge $(($2 - 3600)) ] && [ "$1" -le $(($2 + 60)) ]; }
check "init --crl-days 7 gives nextUpdate ~7 days ahead" near "$(next_in "$T/fresh/crl.pem")" $((7 * 86400))

# --- crl --days -------------------------------------------------------------------------------
check_rc "crl --days 2" 0 run_ca --dir "$D" crl --days 2
check "CRL nextUpdate is about 2 days ahead" near "$(next_in "$D/crl.pem")" $((2 * 86400))
check "new CRL still lists alcander" \
    sh -c "! openssl verify -crl_check -CRLfile '$D/crl.pem' -CAfile '$D/ca.crt' '$D/alcander.crt' >/dev/null 2>&1"
check_rc "crl without --days" 0 run_ca --dir "$D" crl
check "default CRL nextUpdate is about 30 days ahead" near "$(next_in "$D/crl.pem")" $((30 * 86400))
check_rc "crl --days 0 exits 2" 2 run_ca --dir "$D" crl --days 0

# --- reissue with and without --force ---------------------------------------------------------
old=$(sha256sum <"$D/radar.pem")
old_serial=$(openssl x509 -in "$D/radar.crt" -noout -serial | cut -d= -f2)
check_rc "issue radar again without --force refuses" 2 run_ca --dir "$D" issue radar
check "refusal mentions --force" grep -q -- '--force' "$T/err"
check "refused issue left radar.pem untouched" test "$old" = "$(sha256sum <"$D/radar.pem")"
cp "$D/radar.crt" "$T/radar-old.crt"
check_rc "issue radar --force succeeds" 0 run_ca --dir "$D" issue radar --force
new_serial=$(openssl x509 -in "$D/radar.crt" -noout -serial | cut -d= -f2)
check "radar has a new serial" test -n "$new_serial" -a "$new_serial" != "$old_serial"
check "new radar passes verify -crl_check" \
    sh -c "openssl verify -crl_check -CRLfile '$D/crl.pem' -CAfile '$D/ca.crt' '$D/radar.crt' >/dev/null 2>&1"
check "old radar certificate is now revoked in the CRL" \
    sh -c "! openssl verify -crl_check -CRLfile '$D/crl.pem' -CAfile '$D/ca.crt' '$T/radar-old.crt' >/dev/null 2>&1"
check_rc "list after --force" 0 run_ca --dir "$D" list
check "list shows old radar revoked" grep -Eq "^radar +$old_serial +revoked " "$T/out"
check "list shows new radar valid" grep -Eq "^radar +$new_serial +valid " "$T/out"
# --- enrolment from the partner's own key (r22): the key never leaves its house ----------------
P="$T/partner-house"
mkdir -p "$P"
check_rc "request makes a key and a CSR without a CA" 0 run_ca request nieuw-partner --out "$P"
check "the partner's key is mode 600" test "$(stat -c %a "$P/nieuw-partner.key")" = 600
check "the CSR names the partner" \
    sh -c "openssl req -in '$P/nieuw-partner.csr' -noout -subject | grep -q 'CN *= *nieuw-partner'"
check_rc "request refuses to overwrite a key" 2 run_ca request nieuw-partner --out "$P"
check_rc "sign issues from the CSR" 0 run_ca --dir "$D" sign "$P/nieuw-partner.csr"
check "no key at the CA for the enrolled partner" test ! -e "$D/nieuw-partner.pem"
check "the issued certificate verifies against the CA" \
    sh -c "openssl verify -CAfile '$D/ca.crt' '$D/nieuw-partner.crt' >/dev/null 2>&1"
check "the certificate belongs to the partner's key" test \
    "$(openssl x509 -in "$D/nieuw-partner.crt" -noout -pubkey | sha256sum)" = \
    "$(openssl pkey -in "$P/nieuw-partner.key" -pubout | sha256sum)"
check "the certificate carries its id as DNS name" \
    sh -c "openssl x509 -in '$D/nieuw-partner.crt' -noout -ext subjectAltName | grep -q 'DNS:nieuw-partner'"
check_rc "sign refuses a second valid certificate without --force" 2 \
    run_ca --dir "$D" sign "$P/nieuw-partner.csr"
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/rsa.key" -subj "/CN=rsa-partner" \
    -out "$T/rsa.csr" >/dev/null 2>&1
check_rc "sign refuses a key that is not P-256" 2 run_ca --dir "$D" sign "$T/rsa.csr"
openssl req -new -key "$P/nieuw-partner.key" -subj "/CN=Not An Id" -out "$T/bad.csr" >/dev/null 2>&1
check_rc "sign refuses a CN that is not a partner id" 2 run_ca --dir "$D" sign "$T/bad.csr"
check_rc "sign refuses garbage" 2 run_ca --dir "$D" sign "$CA"

# --- renewal: the same key, a later date, the previous certificate not revoked ---------------

cp "$D/mondriaan.crt" "$T/mondriaan-old.crt"
check_rc "renew refuses a certificate that would lapse sooner" 2 \
    run_ca --dir "$D" renew mondriaan --days 1
check_rc "renew mondriaan (the key the CA holds)" 0 run_ca --dir "$D" renew mondriaan --days 900
check "the renewed certificate is for the same key" test \
    "$(openssl x509 -in "$D/mondriaan.crt" -noout -pubkey | sha256sum)" = \
    "$(openssl x509 -in "$T/mondriaan-old.crt" -noout -pubkey | sha256sum)"
check "mondriaan.pem holds the renewed certificate and its key" test \
    "$(openssl x509 -in "$D/mondriaan.pem" -noout -serial)" = \
    "$(openssl x509 -in "$D/mondriaan.crt" -noout -serial)"
check "the renewed certificate runs later" \
    sh -c "[ \"\$(date -d \"\$(openssl x509 -in '$D/mondriaan.crt' -noout -enddate | cut -d= -f2)\" +%s)\" -gt \
        \"\$(date -d \"\$(openssl x509 -in '$T/mondriaan-old.crt' -noout -enddate | cut -d= -f2)\" +%s)\" ]"
check "the previous certificate stays valid" \
    sh -c "openssl verify -crl_check -CAfile '$D/ca.crt' -CRLfile '$D/crl.pem' '$T/mondriaan-old.crt' >/dev/null 2>&1"
check "list shows both as valid" \
    test "$(run_ca --dir "$D" list | grep -c '^mondriaan .* valid ')" = 2
check_rc "a partner's renewal needs its CSR when the CA holds no key" 2 \
    run_ca --dir "$D" renew nieuw-partner
check "the refusal says how" grep -q -- 'request nieuw-partner --key' "$T/err"
check_rc "request --key makes a CSR for the existing key" 0 \
    run_ca request nieuw-partner --out "$T" --key "$P/nieuw-partner.key"
check_rc "renew from that CSR" 0 run_ca --dir "$D" renew nieuw-partner --csr "$T/nieuw-partner.csr"
check "the partner's renewed certificate belongs to its key" test \
    "$(openssl x509 -in "$D/nieuw-partner.crt" -noout -pubkey | sha256sum)" = \
    "$(openssl pkey -in "$P/nieuw-partner.key" -pubout | sha256sum)"
check_rc "renew refuses a CSR for another key" 2 run_ca --dir "$D" renew mondriaan --csr "$P/nieuw-partner.csr"
check_rc "renew refuses an id without a certificate" 2 run_ca --dir "$D" renew niemand
check_rc "revoke after a renewal" 0 run_ca --dir "$D" revoke mondriaan
check "revoking revokes the renewed certificate's predecessor too" \
    sh -c "! openssl verify -crl_check -CAfile '$D/ca.crt' -CRLfile '$D/crl.pem' '$T/mondriaan-old.crt' >/dev/null 2>&1"
check_rc "a revoked partner is not renewed" 2 run_ca --dir "$D" renew mondriaan

# --- a new key under the same id (r20): nothing revoked until asked, then only the old key ------
cp "$D/sevagram.crt" "$T/sevagram-old.crt"
sev_old=$(openssl x509 -in "$D/sevagram.crt" -noout -serial | cut -d= -f2)
check_rc "rekey sevagram (a new key made at the CA)" 0 run_ca --dir "$D" rekey sevagram --days 900
sev_new=$(openssl x509 -in "$D/sevagram.crt" -noout -serial | cut -d= -f2)
check "the rekey names the serial to keep" grep -q -- "--except $sev_new" "$T/out"
check_rc "rekey refuses --days ending before the current certificate (the broker would)" 2 \
    run_ca --dir "$D" rekey sevagram --days 100
check "and says so" grep -q 'runs later (--days)' "$T/err"
check "and leaves the certificate as it was" test \
    "$(openssl x509 -in "$D/sevagram.crt" -noout -serial | cut -d= -f2)" = "$sev_new"
check "the new certificate is for another key" test \
    "$(openssl x509 -in "$D/sevagram.crt" -noout -pubkey | sha256sum)" != \
    "$(openssl x509 -in "$T/sevagram-old.crt" -noout -pubkey | sha256sum)"
check "sevagram.pem holds the new certificate and its key" test \
    "$(openssl x509 -in "$D/sevagram.pem" -noout -pubkey | sha256sum)" = \
    "$(openssl pkey -in "$D/sevagram.pem" -pubout | sha256sum)"
check "the old key's certificate stays valid until revoked" \
    sh -c "openssl verify -crl_check -CAfile '$D/ca.crt' -CRLfile '$D/crl.pem' '$T/sevagram-old.crt' >/dev/null 2>&1"
check_rc "revoke --except refuses a serial that is not the id's" 2 \
    run_ca --dir "$D" revoke sevagram --except "$old_serial"
check_rc "revoke --except refuses what is not a serial" 2 run_ca --dir "$D" revoke sevagram --except xyz
check_rc "revoke --serial and --except together are refused" 2 \
    run_ca --dir "$D" revoke sevagram --serial "$sev_old" --except "$sev_new"
check_rc "revoke the old key's certificates, keeping the new one" 0 \
    run_ca --dir "$D" revoke sevagram --except "$(printf '%s' "$sev_new" | tr 'A-F' 'a-f')"
check "the old certificate is revoked in the CRL" \
    sh -c "! openssl verify -crl_check -CAfile '$D/ca.crt' -CRLfile '$D/crl.pem' '$T/sevagram-old.crt' >/dev/null 2>&1"
check "the new certificate stays valid" \
    sh -c "openssl verify -crl_check -CAfile '$D/ca.crt' -CRLfile '$D/crl.pem' '$D/sevagram.crt' >/dev/null 2>&1"
check_rc "revoke --except again revokes nothing more" 0 run_ca --dir "$D" revoke sevagram --except "$sev_new"
check "and says so" grep -q '^revoked nothing' "$T/out"
check_rc "revoke --serial of a revoked one is refused" 2 run_ca --dir "$D" revoke sevagram --serial "$sev_old"
check_rc "rekey refuses a CSR for the current key (a renewal)" 2 \
    run_ca --dir "$D" rekey nieuw-partner --csr "$T/nieuw-partner.csr"
check_rc "rekey refuses a CSR for another id" 2 run_ca --dir "$D" rekey radar --csr "$T/nieuw-partner.csr"
check_rc "rekey refuses an id without a certificate" 2 run_ca --dir "$D" rekey niemand
check_rc "rekey refuses a revoked partner" 2 run_ca --dir "$D" rekey mondriaan
run_ca request nieuw-partner --out "$P/new" >/dev/null 2>&1 ||
    { mkdir -p "$P/new" && run_ca request nieuw-partner --out "$P/new" >/dev/null 2>&1; }
check_rc "rekey from the partner's CSR for its new key" 0 \
    run_ca --dir "$D" rekey nieuw-partner --csr "$P/new/nieuw-partner.csr"
check "the certificate belongs to the partner's new key" test \
    "$(openssl x509 -in "$D/nieuw-partner.crt" -noout -pubkey | sha256sum)" = \
    "$(openssl pkey -in "$P/new/nieuw-partner.key" -pubout | sha256sum)"
check_rc "revoke --serial revokes exactly that one" 0 \
    run_ca --dir "$D" revoke nieuw-partner --serial \
    "$(openssl x509 -in "$D/nieuw-partner.crt" -noout -serial | cut -d= -f2)"
check "list shows the earlier key's certificates still valid" \
    test "$(run_ca --dir "$D" list | grep -c '^nieuw-partner .* valid ')" = 2
check_rc "a partner whose new key's certificate was revoked is given another" 0 \
    run_ca --dir "$D" rekey nieuw-partner

check "no scratch or lock files left behind" \
    test -z "$(find "$D" -maxdepth 1 -name '.*' ! -name . -print)"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
