#!/usr/bin/env bash
# The wijknet CLI's contract, the same for every command: --help exits 0 on
# every command and subcommand, --version, exit statuses (0 done, 1 refused,
# 2 usage, 3 partial, 4 failure) and JSON errors under --json. No node is
# needed: a command that must reach one fails with status 4, once its
# command line holds.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${WN_BUILD:-$HERE/../../build}
case $BUILD in /*) ;; *) BUILD="$HERE/../../$BUILD" ;; esac
WN="$BUILD/wijknet"

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
notok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else notok "$what"; fi
}
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

T=$(mktemp -d "${TMPDIR:-/tmp}/wijknet-cli-test.XXXXXX") || { echo "not ok - mktemp"; exit 1; }
trap 'rm -rf "$T"' EXIT

check "wijknet is built" test -x "$WN"
check_rc "--version exits 0" 0 "$WN" --version
check "--version names the version" grep -qE '^wijknet [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"
check_rc "--help exits 0" 0 "$WN" --help
check "--help documents the exit statuses" grep -q '3 done in part' "$T/out"
check_rc "no command is a usage error" 2 "$WN"
check_rc "an unknown global option is a usage error" 2 "$WN" --bogus health

for cmd in "health" "directory" "lookup" "request" "duty assert" "thirdparty propose" \
    "rights request" "rights show" "rights decide" "rights status" "rights answer" "notices list" \
    "notices render" "report access" "report html" "stats" "audit verify" "records import" \
    "case open" "case informed" "consent register" "member join" "policy propose" \
    "admin status" "breaches list" "outbox list"; do
    # shellcheck disable=SC2086
    check_rc "$cmd --help exits 0" 0 "$WN" --socket "ipc://$T/none.sock" $cmd --help
    first=${cmd%% *}
    check "$cmd --help names the command" grep -q "$first" "$T/out"
done

# --help gives a command's own options, not only its summary
check_rc "case open --help exits 0" 0 "$WN" case open --help
check "case open --help names the urgent file's format" grep -q -- "--urgent" "$T/out"
check "case person --help names the reasons" grep -q "moved_in" "$T/out"
check_rc "records --help exits 0" 0 "$WN" records put --help
check "records --help names put's options" grep -q -- "--retention" "$T/out"
check_rc "member join --help exits 0" 0 "$WN" member join --help
check "member join --help names the accession's covenant" grep -q "covenant (heerlen" "$T/out"

# the node cannot be reached: a failure (4), said in JSON too under --json
ID=0123456789abcdef0123456789abcdef
check_rc "an unreachable node is a failure" 4 \
    "$WN" --socket "ipc://$T/none.sock" lookup --bsn 111222333 --purpose intake --ground consent \
    --consent $ID
check_rc "--json: an unreachable node is a failure" 4 \
    "$WN" --socket "ipc://$T/none.sock" health --json
check "--json: the error is JSON on stdout" \
    sh -c "grep -q '\"error\"' '$T/out' && grep -q '\"exit\": 4' '$T/out'"
check_rc "an unknown command is a usage error, said before connecting" 2 \
    "$WN" --socket "ipc://$T/none.sock" bogus --json
check "--json: it names the command" grep -q '"command": "bogus"' "$T/out"
check_rc "a socket that is no ipc:// URL is invalid input" 2 "$WN" --socket "$T/none.sock" health
check_rc "an offline command's unknown option is a usage error" 2 \
    "$WN" report html "$T/none.json" --frobnicate

check_rc "report html of a missing file is invalid input" 2 "$WN" report html "$T/none.json"
check_rc "--json: an offline command's missing file is invalid input" 2 \
    "$WN" audit verify "$T/none.db" --json
check "--json: that error is JSON on stdout" grep -q '"exit": 2' "$T/out"
check_rc "--json: a number option that is no number is invalid input" 2 \
    "$WN" audit prove "$T/none.db" --entry 1x --json
check "--json: it names the option" grep -q -- "--entry" "$T/out"
for args in "breaches show 1x" "admin status --frobnicate"; do
    # shellcheck disable=SC2086
    check_rc "--json: $args is invalid input" 2 "$WN" $args --admin "ipc://$T/none.sock" --json
    check "--json: $args reports one error, once" \
        sh -c "[ \"\$(grep -c '\"error\"' '$T/out')\" -eq 1 ]"
done
# the command line is checked before the node is asked: with no node at the
# socket, a missing or malformed argument is invalid input (2) naming it, not
# an unreachable node (4); a complete one reaches for the node (4)
NONE="ipc://$T/none.sock"
while IFS='|' read -r args names; do
    # shellcheck disable=SC2086
    check_rc "no node, $args: invalid input" 2 "$WN" --socket "$NONE" $args
    check "no node, $args: names $names" grep -q -- "$names" "$T/err"
done <<ARGS
member approve|missing PROPOSAL
member approve xyz|PROPOSAL: 'xyz' is not an id
member withdraw 12ab --reason fout|PROPOSAL: '12ab' is not an id
policy withdraw|missing PROPOSAL
member end xonar|missing --reason
outbox retry|missing --item or --failed
case open --cluster jeugd --people 111222333|missing --consents or --urgent
outbox retry --item 42|--item: '42' is not an id
outbox retry --item $ID --failed|not both
case join --case $ID|missing --partner
case join --case 12 --partner radar|--case: '12' is not an id
lookup --bsn 111222333 --ground consent --consent $ID|missing --purpose
lookup --bsn 12345 --purpose intake --ground consent --consent $ID|--bsn: the value is not a BSN
case open --cluster jeugd --people 111222333,111222334 --consents $ID,$ID|--people: item 2 is not a BSN
lookup --bsn 111222333 --purpose intake --ground consent|--consent ID
lookup --bsn 111222333 --purpose intake --ground public_task --cluster ouderen|--cluster: 'ouderen'
lookup --bsn 111222333 --purpose onderzoek --ground public_task|--purpose: 'onderzoek'
lookup --bsn 111222333 --purpose intake --ground public_task --deadline 1x|--deadline
request --case $ID --to radar --bsn 111222333 --categories leefgebied.huisvesting --purpose intake|missing --ground
records delete --bsn 111222333|missing --category
rights show --request nope|--request: 'nope' is not an id
stats|missing --month
ARGS
check_rc "no node, a mistyped BSN: invalid input" 2 \
    "$WN" --socket "$NONE" lookup --bsn 111222334 --purpose intake --ground public_task
check "a mistyped BSN is not repeated on stderr" sh -c "! grep -q 11122233 '$T/err'"
check_rc "no node, --json: a missing argument is invalid input" 2 \
    "$WN" --socket "$NONE" case close --json
check "--json: it names the argument" grep -q -- 'missing --case' "$T/out"
for args in "member withdraw $ID" "member approve $ID" "case close --case $ID" "stats --month 2026-11"; do
    # shellcheck disable=SC2086
    check_rc "no node, $args: complete, so the node is asked: a failure" 4 \
        "$WN" --socket "$NONE" $args
    check "no node, $args: says the node cannot be reached" grep -q "cannot reach the node" "$T/err"
done

# a config that cannot be used is said once, as the command's error, with
# what is wrong with it; JSON too under --json
check_rc "a config that is not there is invalid input" 2 "$WN" --config "$T/none.json" health
check "it names the file and why" grep -q "health: --config $T/none.json: unable to open" "$T/err"
check "it says nothing else" sh -c "[ \"\$(wc -l < '$T/err')\" -eq 1 ]"
echo '{"id": "x",' > "$T/cut.json"
check_rc "--json: a config that is no JSON is invalid input" 2 \
    "$WN" --config "$T/cut.json" outbox list --json
check "--json: it names the line" grep -q 'not a JSON config (line 2' "$T/out"
check "--json: it is said once" sh -c "[ \"\$(grep -c '\"error\"' '$T/out')\" -eq 1 ]"
WIJKNET_CONFIG="$T/none.json" check_rc "WIJKNET_CONFIG that is not there is invalid input" 2 \
    "$WN" health
check "it names WIJKNET_CONFIG" grep -q "WIJKNET_CONFIG $T/none.json" "$T/err"
check_rc "admin: a config that is not there is invalid input" 2 \
    "$WN" --config "$T/none.json" admin status
check "admin: it says why, once" \
    sh -c "grep -q 'unable to open' '$T/err' && [ \"\$(wc -l < '$T/err')\" -eq 1 ]"
printf '{"id": "broker", "listen": "tls+tcp://127.0.0.1:7400"}\n' > "$T/broker.json"
check_rc "a node's command with a broker's config is invalid input" 2 \
    "$WN" --config "$T/broker.json" backup --out "$T/b" --json
check "it says it is a broker's config, once" sh -c "grep -q \"broker's config\" '$T/err' && \
    [ \"\$(wc -l < '$T/err')\" -eq 1 ] && grep -q \"broker's config\" '$T/out'"

check_rc "--json: an unknown global option is a usage error" 2 "$WN" --bogus health --json
check "--json: that error is JSON on stdout" grep -q '"exit": 2' "$T/out"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
