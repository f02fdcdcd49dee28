#!/usr/bin/env bash
# End-to-end: a real nginx on loopback in front of backends that refuse, hang, reset,
# close early, are missing, and a root-owned mode-0600 unix socket its workers cannot
# open; requests from a bounded client; then why502 diagnoses the error log nginx wrote.
set -euo pipefail
bin=$(readlink -f "${1:?usage: nginx_offline.sh PATH/TO/why502}")
here=$(cd "$(dirname "$0")" && pwd)
command -v nginx >/dev/null || { echo "nginx_offline: nginx is not installed (make test-deps)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "nginx_offline: needs root (nginx workers as www-data)"; exit 1; }

work=$(mktemp -d /tmp/why502-e2e.XXXXXX)
chmod 755 "$work"
base=$((18000 + RANDOM % 900))
p_nginx=$base p_refused=$((base + 1)) p_hang=$((base + 2)) p_reset=$((base + 3)) p_close=$((base + 4)) p_ok=$((base + 5)) p_big=$((base + 6))
backend_pid=""
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null || true
  sleep 0.2
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/root" "$work/sock"
chmod 755 "$work/sock"
timeout 60 python3 "$here/lib/backends.py" --lifetime 45 --healthy "$p_ok" --hang "$p_hang" --reset "$p_reset" \
  --close "$p_close" --big-header "$p_big" --unix "$work/sock/app.sock" --unix-mode 0600 > "$work/backends.out" &
backend_pid=$!
for _ in $(seq 50); do grep -q ready "$work/backends.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/backends.out" || { echo "nginx_offline: backends did not start"; exit 1; }

cat > "$work/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/tmp_body;
  proxy_temp_path $work/tmp_proxy;
  fastcgi_temp_path $work/tmp_fcgi;
  uwsgi_temp_path $work/tmp_uwsgi;
  scgi_temp_path $work/tmp_scgi;
  server {
    listen 127.0.0.1:$p_nginx;
    server_name e2e.example.test;
    proxy_read_timeout 1s;
    proxy_connect_timeout 1s;
    location /refused { proxy_pass http://127.0.0.1:$p_refused; }
    location /hang    { proxy_pass http://127.0.0.1:$p_hang; }
    location /reset   { proxy_pass http://127.0.0.1:$p_reset; }
    location /close   { proxy_pass http://127.0.0.1:$p_close; }
    location /big     { proxy_pass http://127.0.0.1:$p_big; }
    location /missing { proxy_pass http://unix:$work/sock/missing.sock:/; }
    location /private { proxy_pass http://unix:$work/sock/app.sock:/; }
    location /ok      { proxy_pass http://127.0.0.1:$p_ok; }
  }
}
CONF
TZ=UTC nginx -c "$work/nginx.conf" -p "$work" -g "daemon on;" 2> "$work/nginx.stderr" || {
  echo "nginx_offline: nginx did not start: $(head -c 300 "$work/nginx.stderr")"; exit 1; }
for _ in $(seq 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done

declare -A want_code=([refused]=502 [hang]=504 [reset]=502 [close]=502 [big]=502 [missing]=502 [private]=502 [ok]=200)
for loc in refused hang reset close big missing private ok; do
  for i in 1 2; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: e2e.example.test' \
      "http://127.0.0.1:$p_nginx/$loc/req$i" || true)
    if [ "$code" != "${want_code[$loc]}" ]; then
      echo "nginx_offline: /$loc answered $code, expected ${want_code[$loc]}"; exit 1
    fi
  done
done
sleep 0.3

set +e
NO_COLOR=1 "$bin" --error-log "$work/error.log" --tz UTC --format json > "$work/out.json" 2> "$work/why502.err"
status=$?
set -e
[ "$status" -eq 1 ] || { echo "nginx_offline: why502 exit status $status, expected 1: $(head -c 300 "$work/why502.err")"; exit 1; }

python3 - "$work/out.json" "$work" "$p_refused" "$p_hang" "$p_reset" "$p_close" "$p_big" "$p_ok" <<'PY'
import json, sys
out, work, p_refused, p_hang, p_reset, p_close, p_big, p_ok = sys.argv[1:]
d = json.load(open(out))
assert d["schema"] == "why502/diagnosis@1", d.get("schema")
found = {(f["cause"], f["upstream"]["address"]): f for f in d["findings"]}
want = {
    ("backend.refused", "127.0.0.1:" + p_refused): 2,
    ("backend.timeout", "127.0.0.1:" + p_hang): 2,
    ("backend.reset", "127.0.0.1:" + p_reset): 2,
    ("backend.closed", "127.0.0.1:" + p_close): 2,
    ("upstream.header_too_big", "127.0.0.1:" + p_big): 2,
    ("backend.socket_missing", "unix:" + work + "/sock/missing.sock"): 2,
    ("dac.socket_permission", "unix:" + work + "/sock/app.sock"): 2,
}
errors = []
for key, count in want.items():
    f = found.get(key)
    if not f:
        errors.append("missing finding %s (have %s)" % (key, sorted(found)))
        continue
    if f["count"] != count:
        errors.append("%s: count %d, expected %d" % (key, f["count"], count))
    if f["selinux"] is not None:
        errors.append("%s: selinux should be null" % (key,))
    if not f["evidence"] or f["evidence"][0]["source"] != "nginx" or f["evidence"][0]["line"] < 1:
        errors.append("%s: no nginx evidence with a line number" % (key,))
    if not f["fixes"]:
        errors.append("%s: no fix" % (key,))
for key in found:
    if key not in want:
        errors.append("unexpected finding %s" % (key,))
if any("127.0.0.1:" + p_ok == k[1] for k in found):
    errors.append("the healthy backend has a finding")
u = found.get(("backend.refused", "127.0.0.1:" + p_refused), {}).get("upstream", {})
if u.get("transport") != "tcp" or u.get("port") != int(p_refused) or u.get("path") is not None:
    errors.append("refused upstream fields wrong: %s" % u)
if errors:
    print("nginx_offline: " + "; ".join(errors))
    sys.exit(1)
print("nginx_offline: %d findings as expected" % len(found))
PY
