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
check "configs go to /etc/wijknet" test -d "$D/etc/wijknet"
check "state goes to /var/lib/wijknet, the owner's alone" \
    test "$(stat -c %a "$D/var/lib/wijknet")" = 700
check "the soname is libwijknet.so.1" \
    sh -c "readelf -d '$D/usr/lib/libwijknet.so.1' | grep -q 'SONAME.*libwijknet.so.1'"
EXPORTED=$(nm -D --defined-only "$D/usr/lib/libwijknet.so.1" | awk '$2 ~ /^[TDBRV]$/ {print $3}')
check "it exports wn_* symbols" test "$(printf '%s\n' "$EXPORTED" | grep -c '^wn_')" -gt 40
OTHER=$(printf '%s\n' "$EXPORTED" | grep -v -e '^wn_' -e '^WIJKNET_1$' -e '^$')
if [ -z "$OTHER" ]; then ok "it exports nothing but wn_*"; else notok "it exports others: $(echo $OTHER | head -c 300)"; fi

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

if make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr >"$T/make.log" 2>&1
then ok "make uninstall"
else notok "make uninstall"; sed 's/^/#   /' "$T/make.log"; fi
LEFT=$(find "$D" -type f -o -type l)
if [ -z "$LEFT" ]; then ok "uninstall leaves no file"; else notok "uninstall left: $LEFT"; fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
