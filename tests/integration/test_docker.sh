#!/usr/bin/env bash
# docker/ without docker: the Dockerfile has its entrypoint, health check,
# ports, user and state volume; what it copies is in the build context;
# compose.yaml parses and its services agree with each other; and the
# compose federation's configs, made by docker/setup here as the setup
# service makes them, pass the daemons' --check. Then the broker and a node
# run on those configs (the host names swapped for loopback) and the image's
# health check asks them: 503 before the node has reached the broker, 200
# after. With a docker daemon at hand, `docker compose config` too.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${WN_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
DOCKER="$ROOT/docker"

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
notok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
skip() { echo "# skip: $*"; }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else notok "$what"; fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/wijknet-docker-test.XXXXXX") || { echo "not ok - mktemp"; exit 1; }
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

# --- the Dockerfile ---------------------------------------------------------
DF="$DOCKER/Dockerfile"
has() { grep -Eq "$1" "$DF"; }
check "the Dockerfile builds with make install DESTDIR" has '^RUN .*make install DESTDIR=/out PREFIX=/usr'
check "the Dockerfile has an ENTRYPOINT, the entrypoint script" \
    has '^ENTRYPOINT \["wijknet-entrypoint"\]'
check "the Dockerfile has a HEALTHCHECK on /healthz (wijknet-healthcheck)" \
    sh -c "grep -q '^HEALTHCHECK ' '$DF' && grep -q 'CMD \\[\"wijknet-healthcheck\"\\]' '$DF'"
check "the Dockerfile EXPOSEs ports" has '^EXPOSE [0-9]'
USER_LINE=$(sed -n 's/^USER  *//p' "$DF" | tail -n 1)
check "the Dockerfile runs as a user not root ($USER_LINE)" \
    sh -c "[ -n '$USER_LINE' ] && [ '$USER_LINE' != root ] && [ '${USER_LINE%%:*}' != 0 ]"
check "the Dockerfile has a VOLUME for the state" has '^VOLUME \["/var/lib/wijknet"\]'
EXPOSED=$(sed -n 's/^EXPOSE  *//p' "$DF" | tr ' ' '\n' | sed 's|/tcp$||')
METRICS=$(sed -n 's/^ENV WIJKNET_METRICS=//p' "$DF")
check "the Dockerfile names the health check's address" test -n "$METRICS"

for f in entrypoint setup; do
    check "docker/$f passes sh -n" sh -n "$DOCKER/$f"
done
check "docker/healthcheck passes bash -n" bash -n "$DOCKER/healthcheck"
# what the image copies from the context, and what its build needs
mapfile -t COPIED < <(sed -n 's/^COPY \(--chmod=[0-9]* \)\{0,1\}\(docker\/[^ ]*\) .*/\2/p' "$DF")
check "the Dockerfile copies the entrypoint, health check and setup" \
    test "${COPIED[*]}" = "docker/entrypoint docker/healthcheck docker/setup"
for f in "${COPIED[@]}"; do check "$f is executable" test -x "$ROOT/$f"; done
if command -v python3 >/dev/null 2>&1; then
    # .dockerignore as docker reads it: last matching pattern wins, a
    # pattern excludes what lies under a directory it matches
    IGNORED=$(python3 - "$ROOT/.dockerignore" "${COPIED[@]}" scripts/mkfederation certs/wijknet-ca \
        Makefile include/wijknet.h common/wijknet.json.5 <<'PY'
import os, re, sys
pats = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    neg = line.startswith('!')
    p = os.path.normpath(line.lstrip('!').strip()).lstrip('/')
    rx = ''
    i = 0
    while i < len(p):
        if p.startswith('**/', i):
            rx += '(?:.*/)?'; i += 3
        elif p.startswith('**', i):
            rx += '.*'; i += 2
        elif p[i] == '*':
            rx += '[^/]*'; i += 1
        elif p[i] == '?':
            rx += '[^/]'; i += 1
        else:
            rx += re.escape(p[i]); i += 1
    pats.append((neg, re.compile(rx + '$')))
for path in sys.argv[2:]:
    parts = path.split('/')
    out = False
    for neg, rx in pats:
        if any(rx.match('/'.join(parts[:k])) for k in range(1, len(parts) + 1)):
            out = not neg
    if out:
        print(path)
PY
)
    if [ -z "$IGNORED" ]; then ok ".dockerignore keeps what the image needs in the context"
    else notok ".dockerignore leaves out: $IGNORED"; fi
else
    skip "no python3: .dockerignore not checked"
fi

# --- compose.yaml -------------------------------------------------------------
COMPOSE="$DOCKER/compose.yaml"
PARTNERS="gemeente-heerlen alcander radar"
PORT=7400
if python3 -c 'import yaml' 2>/dev/null; then
    if python3 - "$COMPOSE" "$ROOT" "$METRICS" >"$T/compose.out" 2>&1 <<'PY'
import os, sys, yaml
path, root, metrics = sys.argv[1], sys.argv[2], sys.argv[3]
c = yaml.safe_load(open(path))
s = c['services']
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)
for name, svc in s.items():
    b = svc.get('build') or {}
    ctx = os.path.normpath(os.path.join(os.path.dirname(path), b.get('context', '.')))
    need(ctx == os.path.normpath(root), f'{name}: build context {ctx} is not the tree')
    need(b.get('dockerfile') == 'docker/Dockerfile', f'{name}: not built from docker/Dockerfile')
    need(svc.get('image') == s['setup'].get('image'), f'{name}: another image than setup')
setup = s['setup']
env = setup.get('environment') or {}
partners = str(env.get('WIJKNET_PARTNERS', '')).split()
port = int(env.get('WIJKNET_PORT', 7400))
need(setup.get('command') == 'setup', 'setup: command is not setup')
need(setup.get('restart', 'no') == 'no', 'setup: a one-shot service restarts')
vols = {v.split(':')[0]: v.split(':')[1] for v in setup.get('volumes', [])}
need(vols.get('config') == '/var/lib/wijknet-config' and vols.get('ca') == '/var/lib/wijknet-ca',
     'setup: not its config and CA volumes')
nodes = [n for n in s if n not in ('setup', 'broker')]
need(sorted(nodes) == sorted(partners), f'node services {nodes} are not WIJKNET_PARTNERS {partners}')
need(sum(1 for p in partners if p.startswith('gemeente')) == 1, 'not one municipality (gemeente-*)')
for name in ['broker'] + nodes:
    svc = s[name]
    want = 'broker' if name == 'broker' else 'node'
    need(svc.get('command') == want, f'{name}: command is not {want}')
    cfg = (svc.get('environment') or {}).get('WIJKNET_CONFIG')
    need(cfg == f'/etc/wijknet/{name}.json', f'{name}: WIJKNET_CONFIG is {cfg}')
    dep = svc.get('depends_on') or {}
    need((dep.get('setup') or {}).get('condition') == 'service_completed_successfully',
         f'{name}: does not wait for setup to complete successfully')
    if name != 'broker':
        need((dep.get('broker') or {}).get('condition') == 'service_healthy',
             f'{name}: does not wait for a healthy broker')
        need('ports' not in svc, f'{name}: publishes a port')
    v = svc.get('volumes', [])
    need('config:/etc/wijknet:ro' in v, f'{name}: config not mounted read-only')
    need(f'{name}-state:/var/lib/wijknet' in v, f'{name}: no state volume of its own')
    need(not any(x.startswith('ca:') for x in v), f'{name}: sees the CA volume')
need(s['broker'].get('ports') == [f'{port}:{port}'], f'broker: does not publish {port} alone')
for v in ['ca', 'config', 'broker-state'] + [n + '-state' for n in nodes]:
    need(v in (c.get('volumes') or {}), f'volume {v} not declared')
for b in bad:
    print('#   ' + b)
print('PARTNERS=' + ' '.join(partners))
print('PORT=%d' % port)
sys.exit(1 if bad else 0)
PY
    then ok "compose.yaml parses; every service is docker/Dockerfile's image, and they agree"
    else notok "compose.yaml"; grep '^#' "$T/compose.out"; fi
    PARTNERS=$(sed -n 's/^PARTNERS=//p' "$T/compose.out")
    PORT=$(sed -n 's/^PORT=//p' "$T/compose.out")
else
    skip "python3 has no yaml module: compose.yaml not parsed; the setup defaults are used"
fi

# --- the compose federation's configs, as the setup service makes them ------
ETC="$T/etc"
CA="$T/ca"
if env WIJKNET_PARTNERS="$PARTNERS" WIJKNET_PORT="$PORT" sh "$DOCKER/setup" "$ETC" "$CA" \
    >"$T/setup.log" 2>&1; then ok "docker/setup makes the federation"
else notok "docker/setup"; sed 's/^/#   /' "$T/setup.log"; fi
check "the broker's config passes wijknet-broker --check" \
    "$BUILD/wijknet-broker" --check --config "$ETC/broker.json"
for id in $PARTNERS; do
    check "$id's config passes wijknet-node --check" \
        "$BUILD/wijknet-node" --check --config "$ETC/$id.json"
    check "$id is reached by its service name" \
        grep -q "\"address\": \"tls+tcp://$id:$((PORT + 1))\"" "$ETC/broker.json"
    check "$id reaches the broker by its service name" \
        grep -q "^  \"broker\": \"tls+tcp://broker:$PORT\",$" "$ETC/$id.json"
    check "$id listens in its container" \
        grep -q "^  \"listen\": \"tls+tcp://0.0.0.0:$((PORT + 1))\",$" "$ETC/$id.json"
    check "$id keeps its database in the state volume" \
        grep -q "^  \"database\": \"/var/lib/wijknet/$id.db\",$" "$ETC/$id.json"
    check "$id's local socket is in the container's /run/wijknet" \
        grep -q '^  "local": "ipc:///run/wijknet/node.sock",$' "$ETC/$id.json"
    check "$id's private key is its alone" test "$(stat -c %a "$ETC/ca/$id.pem")" = 600
done
check "the municipality is gemeente-*" \
    sh -c "grep '\"role\": \"municipality\"' '$ETC/broker.json' | grep -q '\"ca/gemeente'"
check "the broker listens in its container" \
    grep -q "^  \"listen\": \"tls+tcp://0.0.0.0:$PORT\",$" "$ETC/broker.json"
check "the broker keeps its database in the state volume" \
    grep -q '^  "database": "/var/lib/wijknet/broker.db",$' "$ETC/broker.json"
for id in broker $PARTNERS; do
    check "$id's metrics are the health check's address" \
        grep -q "^  \"metrics\": \"$METRICS\",$" "$ETC/$id.json"
done
exposes() { printf '%s\n' "$EXPOSED" | grep -qx "$1"; }
check "the Dockerfile EXPOSEs the broker's port $PORT" exposes "$PORT"
check "the Dockerfile EXPOSEs the nodes' port $((PORT + 1))" exposes "$((PORT + 1))"
LEAK=$(find "$ETC" -name ca.key -o -name index.txt -o -name serial -o -name newcerts)
check "the CA's key and database stay out of the configs ($LEAK)" test -z "$LEAK"
check "the CA's key is in the CA's directory, its owner's alone" \
    test "$(stat -c %a "$CA/ca.key" 2>/dev/null)" = 600
cp -r "$ETC" "$T/etc.before"
if sh "$DOCKER/setup" "$ETC" "$CA" >"$T/setup.log" 2>&1; then ok "docker/setup runs again"
else notok "docker/setup runs again"; sed 's/^/#   /' "$T/setup.log"; fi
check "a second setup keeps the configs and keys" \
    sh -c "for f in '$T/etc.before'/*.json '$T/etc.before'/ca/*.pem; do
               case \$f in */crl.pem) continue ;; esac
               cmp -s \"\$f\" '$ETC'/\"\${f#$T/etc.before/}\" || exit 1
           done"
check "a second setup renews the CRL" \
    sh -c "! cmp -s '$T/etc.before/ca/crl.pem' '$ETC/ca/crl.pem'"
# as the image has it: the setup in /usr/local/bin, mkfederation in
# /usr/share/wijknet, wijknet-ca on the PATH; no source tree beside them
IMG="$T/img"
mkdir -p "$IMG/usr/local/bin" "$IMG/usr/bin" "$IMG/usr/share/wijknet"
cp "$DOCKER/setup" "$IMG/usr/local/bin/wijknet-setup"
cp "$ROOT/certs/wijknet-ca" "$IMG/usr/bin/wijknet-ca"
cp "$ROOT/scripts/mkfederation" "$IMG/usr/share/wijknet/mkfederation"
if env PATH="$IMG/usr/bin:$PATH" WIJKNET_MKFEDERATION="$IMG/usr/share/wijknet/mkfederation" \
    WIJKNET_PARTNERS="$PARTNERS" WIJKNET_PORT="$PORT" \
    sh "$IMG/usr/local/bin/wijknet-setup" "$IMG/config" "$IMG/ca" >"$T/setup.log" 2>&1
then ok "the setup as installed in the image makes the federation"
else notok "the setup as installed in the image"; sed 's/^/#   /' "$T/setup.log"; fi
check "...the same configs" sh -c "for id in broker $PARTNERS; do
        cmp -s '$ETC/'\$id.json '$IMG/config/'\$id.json || exit 1; done"
check "...that pass --check" "$BUILD/wijknet-broker" --check --config "$IMG/config/broker.json"
check "the entrypoint runs the daemon with \$WIJKNET_CONFIG" \
    env PATH="$BUILD:$PATH" WIJKNET_CONFIG="$ETC/broker.json" sh "$DOCKER/entrypoint" broker --check
check "the entrypoint refuses no command" sh -c "! sh '$DOCKER/entrypoint' 2>/dev/null"

# --- broker and node on those configs, asked by the health check ------------
free_ports() { # N consecutive free loopback ports from a random start
    local p
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        p=$((30000 + RANDOM % 25000))
        if python3 - "$p" "$1" 2>/dev/null <<'PY'
import socket, sys
p, n = int(sys.argv[1]), int(sys.argv[2])
for q in range(p, p + n):
    s = socket.socket()
    s.bind(('127.0.0.1', q))
    s.close()
PY
        then echo "$p"; return 0; fi
        command -v python3 >/dev/null 2>&1 || { echo "$p"; return 0; }
    done
    return 1
}
LP=$(free_ports 4)
LIVE="$T/live"
env WIJKNET_PARTNERS="$PARTNERS" WIJKNET_PORT="$LP" WIJKNET_METRICS="127.0.0.1:$((LP + 2))" \
    WIJKNET_STATE_DIR="$LIVE/state" WIJKNET_RUN_DIR="$LIVE/run" \
    sh "$DOCKER/setup" "$LIVE/etc" "$CA" >"$T/setup.log" 2>&1 ||
    { notok "docker/setup for the live run"; sed 's/^/#   /' "$T/setup.log"; }
NODE=${PARTNERS%% *}
# on loopback here: the compose network's names are not this host's
sed -i 's|tls+tcp://0\.0\.0\.0:|tls+tcp://127.0.0.1:|' "$LIVE/etc/broker.json"
sed -i -e 's|tls+tcp://0\.0\.0\.0:|tls+tcp://127.0.0.1:|' \
    -e "s|tls+tcp://broker:|tls+tcp://127.0.0.1:|" \
    -e "s|\"127.0.0.1:$((LP + 2))\"|\"127.0.0.1:$((LP + 3))\"|" "$LIVE/etc/$NODE.json"
HC="$DOCKER/healthcheck"
"$BUILD/wijknet-node" --config "$LIVE/etc/$NODE.json" 2>"$T/node.log" &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do
    bash "$HC" "127.0.0.1:$((LP + 3))" >"$T/hc.out" 2>&1
    grep -q '^HTTP/' "$T/hc.out" && break
    sleep 0.1
done
check "the health check fails while the node has not reached the broker" \
    sh -c "! bash '$HC' '127.0.0.1:$((LP + 3))' >'$T/hc.out' 2>&1"
check "...and says why (503)" \
    sh -c "grep -q ' 503 ' '$T/hc.out' && grep -q 'broker has not been reached' '$T/hc.out'"
"$BUILD/wijknet-broker" --config "$LIVE/etc/broker.json" 2>"$T/broker.log" &
PIDS="$PIDS $!"
up=1
for _ in $(seq 1 100); do
    WIJKNET_METRICS="127.0.0.1:$((LP + 2))" bash "$HC" >/dev/null 2>&1 && { up=0; break; }
    sleep 0.1
done
if [ $up -eq 0 ]; then ok "the broker from the compose config is healthy (\$WIJKNET_METRICS)"
else notok "the broker is not healthy"; tail -5 "$T/broker.log" | sed 's/^/#   /'; fi
up=1
for _ in $(seq 1 200); do
    bash "$HC" "127.0.0.1:$((LP + 3))" >/dev/null 2>&1 && { up=0; break; }
    sleep 0.1
done
if [ $up -eq 0 ]; then ok "$NODE from the compose config is healthy once it has reached the broker"
else notok "$NODE is not healthy"; tail -5 "$T/node.log" | sed 's/^/#   /'; fi
check "the health check fails where nothing answers" \
    sh -c "! bash '$HC' '127.0.0.1:$((LP + 1))' 2>/dev/null"

# --- docker itself, when there is one ------------------------------------------
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    if docker compose -f "$COMPOSE" config -q >"$T/dc.log" 2>&1; then ok "docker compose config"
    else notok "docker compose config"; sed 's/^/#   /' "$T/dc.log"; fi
else
    skip "no docker daemon: docker compose config not run"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
