#!/usr/bin/env bash
# Live mode end to end: a real nginx on loopback (its own prefix, pid, logs; user
# www-data) in front of three backends — a healthy one, a port nothing listens on, and
# a root-owned mode-0600 unix socket — then `why502 --nginx-conf CONF --format json`
# must find dac.socket_permission (www-data, 0600) and backend.refused (the probe
# confirming), nothing for the healthy backend, honour --no-probe, and report the
# host's SELinux state. Everything started here is stopped by the trap.
set -u
WHY502=${1:?usage: live_mode.sh PATH_TO_WHY502}
NAME=live_mode

fail() { echo "$NAME: FAIL: $*"; exit 1; }
skip() { echo "$NAME: skipped: $*"; exit 0; }

NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || NGINX=/usr/sbin/nginx
[ -x "$NGINX" ] || skip "nginx is not installed"
[ "$(id -u)" = 0 ] || skip "needs root (nginx switches to www-data; the socket is root-only)"
id www-data >/dev/null 2>&1 || skip "no www-data user"
PY=$(command -v python3 || true)
[ -n "$PY" ] || skip "python3 is not installed"
command -v curl >/dev/null || skip "curl is not installed"
[ -x "$WHY502" ] || fail "$WHY502 is not an executable"

T=$(mktemp -d /tmp/why502_live.XXXXXX) || fail "mktemp"
chmod 755 "$T"   # the walk must stop at the socket, not at the temp dir
PIDS=()
cleanup() {
    if [ -s "$T/nginx.pid" ]; then
        kill -QUIT "$(cat "$T/nginx.pid")" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e "$T/nginx.pid" ] || break; sleep 0.2; done
        [ -s "$T/nginx.pid" ] && kill -KILL "$(cat "$T/nginx.pid")" 2>/dev/null
    fi
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

# Three free loopback ports in 18000-18999: nginx, the healthy backend, a dead one.
read -r NPORT OKPORT DEADPORT < <("$PY" - <<'EOF'
import random, socket
found = []
for p in random.sample(range(18000, 19000), 1000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        found.append(p)
    except OSError:
        pass
    finally:
        s.close()
    if len(found) == 3:
        break
print(*found)
EOF
)
[ -n "${DEADPORT:-}" ] || fail "no free ports in 18000-18999"

mkdir -p "$T/logs" "$T/run" "$T/tmp"
SOCK="$T/run/app.sock"

# Backends: a minimal HTTP responder, bounded to 120 s of life, on TCP or a unix socket.
backend() {  # backend tcp PORT | backend unix PATH
    "$PY" - "$1" "$2" <<'EOF' &
import os, socket, sys, time
kind, where = sys.argv[1], sys.argv[2]
if kind == "tcp":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(where)))
else:
    s = socket.socket(socket.AF_UNIX)
    s.bind(where)
    os.chmod(where, 0o600)   # root-owned, mode 0600: www-data may not connect
s.listen(16)
s.settimeout(1.0)
end = time.time() + 120
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(2.0)
    try:
        c.recv(65536)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    except OSError:
        pass
    c.close()
EOF
    PIDS+=($!)
}
backend tcp "$OKPORT"
backend unix "$SOCK"

CONF="$T/nginx.conf"
cat > "$CONF" <<EOF
user www-data;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/tmp/body;
    proxy_temp_path $T/tmp/proxy;
    fastcgi_temp_path $T/tmp/fastcgi;
    uwsgi_temp_path $T/tmp/uwsgi;
    scgi_temp_path $T/tmp/scgi;
    server {
        listen 127.0.0.1:$NPORT;
        server_name live.test;
        location /ok/ { proxy_pass http://127.0.0.1:$OKPORT; }
        location /dead/ { proxy_pass http://127.0.0.1:$DEADPORT; }
        location /sock/ { proxy_pass http://unix:$SOCK:/; }
    }
}
EOF

for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "the unix backend did not start"
"$NGINX" -p "$T/" -c "$CONF" -e "$T/logs/error.log" 2>"$T/nginx.err" \
    || "$NGINX" -p "$T/" -c "$CONF" 2>"$T/nginx.err" \
    || fail "nginx did not start: $(head -1 "$T/nginx.err")"
for _ in $(seq 1 50); do [ -s "$T/nginx.pid" ] && break; sleep 0.1; done

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$NPORT$1"; }
ok=$(code /ok/); dead=$(code /dead/); sock=$(code /sock/)
dead2=$(code /dead/again); sock2=$(code /sock/again)
[ "$ok" = 200 ] || fail "healthy backend answered $ok through nginx, want 200"
[ "$dead" = 502 ] && [ "$dead2" = 502 ] || fail "dead backend gave $dead/$dead2, want 502"
[ "$sock" = 502 ] && [ "$sock2" = 502 ] || fail "0600 socket gave $sock/$sock2, want 502"
grep -q "(13: Permission denied) while connecting to upstream" "$T/logs/error.log" \
    || fail "nginx did not log the socket's EACCES"
grep -q "(111: Connection refused) while connecting to upstream" "$T/logs/error.log" \
    || fail "nginx did not log the refused connection"

SELINUX_ON=0
[ -e /sys/fs/selinux/enforce ] && SELINUX_ON=1

check() {  # check JSON_FILE PROBING(1|0)
    "$PY" - "$1" "$2" "$SOCK" "$OKPORT" "$DEADPORT" "$SELINUX_ON" <<'EOF'
import json, sys
path, probing, sock, okport, deadport, selinux_on = sys.argv[1:]
probing, okport, deadport = probing == "1", int(okport), int(deadport)
d = json.load(open(path))
def die(msg):
    print(msg)
    sys.exit(1)
if d.get("schema") != "why502/diagnosis@1":
    die("schema is %r" % d.get("schema"))
fs = d.get("findings", [])
causes = [f.get("cause") for f in fs]
def blob(f):  # every text of a finding a reader would see: facts, evidence, explanation
    return json.dumps([f.get("facts", {}), f.get("evidence", []), f.get("explanation", "")])
dac = [f for f in fs if f.get("cause") == "dac.socket_permission"]
if not dac:
    die("no dac.socket_permission finding (causes: %s)" % causes)
f = dac[0]
if (f.get("upstream") or {}).get("path") != sock:
    die("dac finding's upstream path is %r" % (f.get("upstream") or {}).get("path"))
if "www-data" not in blob(f):
    die("dac finding does not name www-data")
if "0600" not in blob(f):
    die("dac finding does not show mode 0600")
ref = [f for f in fs if f.get("cause") == "backend.refused" and (f.get("upstream") or {}).get("port") == deadport]
if not ref:
    die("no backend.refused finding for port %d (causes: %s)" % (deadport, causes))
probe_facts = [f for f in fs if "probe" in (f.get("facts") or {})]
if probing:
    p = ref[0].get("facts", {}).get("probe", "")
    if "111" not in p and "refused" not in p.lower():
        die("the probe does not confirm the refusal: %r" % p)
elif probe_facts:
    die("--no-probe, yet findings carry probe facts: %s" % [f.get("cause") for f in probe_facts])
elif "probes" in (d.get("host") or {}):
    die("--no-probe, yet the host object has probes")
healthy = [f for f in fs if (f.get("upstream") or {}).get("port") == okport]
if healthy:
    die("a finding for the healthy backend: %s" % [f.get("cause") for f in healthy])
host = d.get("host") or {}
if selinux_on == "0":
    sel = host.get("selinux") or {}
    if sel.get("mode") != "disabled" or "disabled" not in str(sel.get("summary", "")):
        die("the host object does not say SELinux is disabled: %r" % sel)
EOF
}

"$WHY502" --nginx-conf "$CONF" --format json > "$T/probe.json" 2> "$T/probe.err"
rc=$?
[ "$rc" = 1 ] || fail "why502 exited $rc, want 1 (findings): $(head -1 "$T/probe.err")"
why=$(check "$T/probe.json" 1) || fail "with probes: $why"

"$WHY502" --nginx-conf "$CONF" --no-probe --format json > "$T/noprobe.json" 2> "$T/noprobe.err"
rc=$?
[ "$rc" = 1 ] || fail "why502 --no-probe exited $rc, want 1: $(head -1 "$T/noprobe.err")"
why=$(check "$T/noprobe.json" 0) || fail "with --no-probe: $why"

echo "$NAME: PASS (dac.socket_permission for www-data 0600, backend.refused probed, healthy backend silent, --no-probe honoured)"
exit 0
