#!/usr/bin/env bash
# `make install` into a DESTDIR as a packager would, then what an integrator
# does with it: libwijknet.so.1 with its soname exporting the public API
# only, wijknet.pc, and a program built with pkg-config against the installed
# tree; `make uninstall` takes it all away again.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
notok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else notok "$what"; fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/wijknet-install-test.XXXXXX") || { echo "not ok - mktemp"; exit 1; }
trap 'rm -rf "$T"' EXIT
D="$T/root"

if make -s -C "$ROOT" --no-print-directory install DESTDIR="$D" PREFIX=/usr >"$T/make.log" 2>&1
then ok "make install DESTDIR PREFIX=/usr"
else notok "make install DESTDIR PREFIX=/usr"; sed 's/^/#   /' "$T/make.log"; fi
for f in usr/bin/wijknet usr/bin/wijknet-ca usr/sbin/wijknet-broker usr/sbin/wijknet-node \
    usr/lib/libwijknet.so.1 usr/lib/libwijknet.so usr/lib/libwijknet.a \
    usr/include/wijknet.h usr/lib/pkgconfig/wijknet.pc; do
    check "installed $f" test -e "$D/$f"
done
for m in man1/wijknet.1 man1/wijknet-ca.1 man3/libwijknet.3 man5/wijknet.json.5 \
    man8/wijknet-node.8 man8/wijknet-broker.8; do
    check "installed the page $m" test -f "$D/usr/share/man/$m"
    if command -v man >/dev/null 2>&1; then
        check "$m renders without warnings" \
            sh -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$D/usr/share/man/$m' 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
    fi
done
check "configs and keys go to /etc/wijknet, no other's to read" \
    test "$(stat -c %a "$D/etc/wijknet")" = 750
check "state goes to /var/lib/wijknet, the owner's alone" \
    test "$(stat -c %a "$D/var/lib/wijknet")" = 700
check "the soname is libwijknet.so.1" \
    sh -c "readelf -d '$D/usr/lib/libwijknet.so.1' | grep -q 'SONAME.*libwijknet.so.1'"
EXPORTED=$(nm -D --defined-only "$D/usr/lib/libwijknet.so.1" | awk '$2 ~ /^[TDBRV]$/ {print $3}')
check "it exports wn_* symbols" test "$(printf '%s\n' "$EXPORTED" | grep -c '^wn_')" -gt 40
OTHER=$(printf '%s\n' "$EXPORTED" | grep -v -e '^wn_' -e '^WIJKNET_1$' -e '^$')
if [ -z "$OTHER" ]; then ok "it exports nothing but wn_*"; else notok "it exports others: $(echo $OTHER | head -c 300)"; fi

# One page per exported function (scripts/mkman3 from wijknet.h), each with
# the errors its comment lists, and no page of a function not exported.
MAN3="$D/usr/share/man/man3"
printf '%s\n' "$EXPORTED" | sed 's/@.*//' | grep '^wn_' | sort -u >"$T/symbols"
(cd "$MAN3" 2>/dev/null && ls) | sed -n 's/^\(wn_.*\)\.3$/\1/p' | sort -u >"$T/pages"
NOPAGE=$(comm -23 "$T/symbols" "$T/pages")
if [ -z "$NOPAGE" ]; then ok "every exported function has its page in man3 ($(wc -l <"$T/symbols"))"
else notok "exported functions without a page: ${NOPAGE//$'\n'/ }"; fi
NOFUNC=$(comm -13 "$T/symbols" "$T/pages")
if [ -z "$NOFUNC" ]; then ok "every wn_ page is of an exported function"
else notok "pages of functions not exported: ${NOFUNC//$'\n'/ }"; fi
# a page of a function returning int lists its errors, or says it has none
# beyond the common ones; every page says what the function returns
NOERR=
while read -r f; do
    [ -f "$MAN3/$f.3" ] || continue
    awk '/^\.SH RETURN VALUE/ { rv = 1 } /^\\fBint / { isint = 1 }
         rv && (/^\.B WN_E/ || /^None beyond/) { errs = 1 }
         END { exit !(rv && (!isint || errs)) }' "$MAN3/$f.3" || NOERR="$NOERR $f"
done <"$T/symbols"
if [ -z "$NOERR" ]; then ok "every function's page has its return value and errors"
else notok "pages without their errors:$NOERR"; fi
if command -v groff >/dev/null 2>&1; then
    BAD=
    for p in "$MAN3"/wn_*.3; do
        [ -z "$(groff -man -Tutf8 -ww -z "$p" 2>&1)" ] || BAD="$BAD $(basename "$p")"
    done
    if [ -z "$BAD" ]; then ok "the wn_ pages render with groff -ww without warnings"
    else notok "groff warns on:$BAD"; fi
else
    echo "# groff is not installed: the wn_ pages are not rendered"
fi
# the generator refuses a function whose comment lists no errors: the
# header with the Errors line of wn_record_delete taken out
awk 'inerr { held = held "\n" $0; if ($0 ~ /\*\/$/) inerr = 0; next }
     /^ \* Errors:/ { held = $0; inerr = ($0 !~ /\*\/$/); next }
     held != "" { print ($0 ~ /^int wn_record_delete\(/ ? " */" : held); held = "" }
     { print }' "$ROOT/include/wijknet.h" >"$T/noerrors.h"
WITH=$(grep -c 'Errors:' "$ROOT/include/wijknet.h")
if ! grep -B1 '^int wn_record_delete(' "$T/noerrors.h" | grep -q 'Errors:' &&
    [ "$(grep -c 'Errors:' "$T/noerrors.h")" -eq $((WITH - 1)) ] &&
    ! sh "$ROOT/scripts/mkman3" "$T/noerrors.h" "$T/man3" 2>"$T/mkman3.log" &&
    grep -q 'wn_record_delete.*Errors' "$T/mkman3.log"
then ok "mkman3 refuses a function returning int without an Errors line"
else
    notok "mkman3 does not refuse a function without an Errors line"
    sed 's/^/#   /' "$T/mkman3.log"
fi

for u in wijknet-broker wijknet-node; do
    unit="$D/usr/lib/systemd/system/$u.service"
    check "installed the $u unit" test -f "$unit"
    check "$u runs as its own user, hardened" \
        sh -c "grep -q '^User=wijknet' '$unit' && grep -q '^ProtectSystem=strict' '$unit' &&
               grep -q '^NoNewPrivileges=yes' '$unit' && grep -q '^UMask=0077' '$unit' &&
               grep -q '^StateDirectory=wijknet' '$unit' && grep -q '^RuntimeDirectory=wijknet' '$unit'"
    check "$u starts the installed daemon" grep -q "^ExecStart=/usr/sbin/$u --config /etc/wijknet/" "$unit"
    if command -v systemd-analyze >/dev/null 2>&1; then
        sed "s|/usr/sbin/|$D/usr/sbin/|" "$unit" >"$T/$u.service"
        if systemd-analyze verify --man=no "$T/$u.service" >"$T/verify.log" 2>&1
        then ok "systemd-analyze verify $u"
        else notok "systemd-analyze verify $u"; sed 's/^/#   /' "$T/verify.log"; fi
    else
        echo "# systemd-analyze is not installed: $u.service not verified"
    fi
done

export PKG_CONFIG_PATH="$D/usr/lib/pkgconfig"
check "pkg-config knows wijknet" pkg-config --exists wijknet
check "pkg-config gives the version" \
    test "$(pkg-config --modversion wijknet)" = "$("$D/usr/bin/wijknet" --version | cut -d' ' -f2)"
FLAGS=$(pkg-config --define-prefix --cflags --libs wijknet 2>/dev/null ||
    pkg-config --cflags --libs wijknet | sed "s|/usr|$D/usr|g")
# shellcheck disable=SC2086
if cc -std=c11 -Wall -Wextra -Werror -o "$T/sample" "$ROOT/tests/integrator/sample.c" $FLAGS \
    >"$T/cc.log" 2>&1; then ok "a program builds with pkg-config --cflags --libs wijknet"
else notok "a program builds with pkg-config"; sed 's/^/#   /' "$T/cc.log"; fi
check "it links libwijknet.so.1" sh -c "readelf -d '$T/sample' | grep -q 'NEEDED.*libwijknet.so.1'"
if LD_LIBRARY_PATH="$D/usr/lib" "$T/sample" "ipc://$T/no-node.sock" >"$T/run.log" 2>&1
then ok "it runs, and its own client_call does not clash with the library's"
else notok "the sample program runs"; sed 's/^/#   /' "$T/run.log"; fi
check "it reports the node unreachable" grep -q 'health: ' "$T/run.log"
# linked statically, with the README's line: the archive keeps its internal
# names to itself as well, and the .pc's Libs.private are all it needs
check "Libs.private are the README's static libraries" \
    test "$(pkg-config --static --libs-only-l wijknet | sed 's/-lwijknet //' | xargs)" = \
    "-lnng -lssl -lcrypto -ljansson -lsqlite3 -lmicrohttpd -lpthread"
if cc -std=c11 -Wall -Wextra -Werror -o "$T/sample-static" "$ROOT/tests/integrator/sample.c" \
    -I"$D/usr/include" "$D/usr/lib/libwijknet.a" -lnng -lssl -lcrypto -ljansson -lsqlite3 \
    -lmicrohttpd -lpthread \
    >"$T/cc.log" 2>&1; then ok "a program links libwijknet.a with its own client_call"
else notok "a program links libwijknet.a statically"; sed 's/^/#   /' "$T/cc.log"; fi
check "the static program needs no libwijknet.so" \
    sh -c "test -x '$T/sample-static' && ! readelf -d '$T/sample-static' | grep -q 'NEEDED.*libwijknet'"
check "it runs and reports the node unreachable" \
    sh -c "'$T/sample-static' 'ipc://$T/no-node.sock' 2>&1 | grep -q 'health: '"

if make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr >"$T/make.log" 2>&1
then ok "make uninstall"
else notok "make uninstall"; sed 's/^/#   /' "$T/make.log"; fi
LEFT=$(find "$D" -type f -o -type l)
if [ -z "$LEFT" ]; then ok "uninstall leaves no file"; else notok "uninstall left: $LEFT"; fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
