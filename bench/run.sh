#!/usr/bin/env bash
# make bench: throughput and peak memory of why502 against its peers on the same files,
# in one run. Generates the inputs once (bench/out/, BENCH_SIZE each, default 1G) with
# the shared generators, whose --stats give the exact expected counts.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
gen=${WHY502_BENCH_GEN:-$top/../shared/bench}
size=${BENCH_SIZE:-1G}
out=$here/out
mkdir -p "$out"
bin=$top/$build/why502
[ -x "$bin" ] || { echo "bench: build first ($bin missing)"; exit 2; }
[ -d "$gen" ] || { echo "bench: generators not found at $gen (set WHY502_BENCH_GEN)"; exit 2; }

audit=$out/audit-$size.log
nginx=$out/error-$size.log
if [ ! -s "$audit" ]; then
  echo "generating $audit ..."
  python3 "$gen/gen_audit.py" -s "$size" -o "$audit" --stats "$audit.stats.json" 2>/dev/null
fi
if [ ! -s "$nginx" ]; then
  echo "generating $nginx ..."
  python3 "$gen/gen_nginx.py" -s "$size" -o "$nginx" --stats "$nginx.stats.json" 2>/dev/null
fi

# Quarter-size copies (the first quarter of each, cut at a line end), to check that the
# time grows linearly with the input and the memory does not.
quarter() {  # src dst
  [ -s "$2" ] && return 0
  local q=$(( $(stat -c %s "$1") / 4 ))
  head -c "$q" "$1" | python3 -c 'import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d[:d.rfind(b"\n") + 1])' > "$2"
}
audit_q=$out/audit-$size-quarter.log
nginx_q=$out/error-$size-quarter.log
quarter "$audit" "$audit_q"
quarter "$nginx" "$nginx_q"

# Warm the page cache so every tool reads from memory, as the targets assume.
cat "$audit" "$nginx" "$audit_q" "$nginx_q" > /dev/null

results=$out/results.tsv
: > "$results"
runs=${BENCH_RUNS:-3}
ab=$(stat -c %s "$audit")
nb=$(stat -c %s "$nginx")
both=$((ab + nb))

# The commands: a name, the bytes it reads, whether its output is kept (1) for the
# checks below, and its words.
names=() ; declare -A bytes_of out_of cmd_of
add() {  # name bytes keep-output command...
  local name=$1; names+=("$name"); bytes_of[$name]=$2; out_of[$name]=$3; shift 3
  cmd_of[$name]=$(printf '%q ' "$@")
}
add "cat both" "$both" 0 cat "$audit" "$nginx"
add "why502 (diagnosis, both)" "$both" 1 "$bin" --error-log "$nginx" --audit-log "$audit" --tz UTC \
  --policy /etc/selinux/default/policy/policy.33 --format json
add "why502 (diagnosis, both, quarter size)" "$(( $(stat -c %s "$audit_q") + $(stat -c %s "$nginx_q") ))" 0 \
  "$bin" --error-log "$nginx_q" --audit-log "$audit_q" --tz UTC --policy /etc/selinux/default/policy/policy.33 \
  --format json
add "why502 (audit only)" "$ab" 1 "$bin" --audit-log "$audit" --tz UTC --format json
add "grep -c 'avc:  denied' audit" "$ab" 1 grep -c 'avc:  denied' "$audit"
add "ausearch -if -m AVC --raw" "$ab" 1 ausearch -if "$audit" -m AVC --raw

# Rounds: every command once per round, so that all of them see the same state of this
# (shared, noisy) machine; the table keeps each one's median time and largest peak RSS.
declare -A times rss_of
run_once() {  # name
  local name=$1 t0 t1 r dest=/dev/null
  [ "${out_of[$name]}" = 1 ] && dest="$out/$name.out"
  t0=$(date +%s.%N)
  eval "/usr/bin/time -f '%M' -o \"\$out/rss\" ${cmd_of[$name]}" > "$dest" 2> "$out/$name.err" || true
  t1=$(date +%s.%N)
  times[$name]="${times[$name]:-} $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')"
  r=$(tail -n 1 "$out/rss")
  [ "$r" -gt "${rss_of[$name]:-0}" ] && rss_of[$name]=$r
  return 0
}
for _ in $(seq "$runs"); do
  for name in "${names[@]}"; do run_once "$name"; done
done
if [ "${BENCH_AUDIT2ALLOW:-1}" = 1 ]; then  # slow: once
  add "audit2allow -i audit" "$ab" 1 audit2allow -p /etc/selinux/default/policy/policy.33 -i "$audit"
  run_once "audit2allow -i audit"
fi
for name in "${names[@]}"; do
  med=$(echo ${times[$name]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  printf '%s\t%s\t%s\t%s\n' "$name" "${bytes_of[$name]}" "$med" "${rss_of[$name]}" >> "$results"
done

python3 - "$results" "$out" "$audit.stats.json" "$nginx.stats.json" <<'PY'
import json, sys
res, out, astats, nstats = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip()]
by = {r[0]: r for r in rows}
cat_s = float(by["cat both"][2])
print("| tool | input | seconds | MB/s | peak RSS (MB) | time vs cat |")
print("|---|---|---|---|---|---|")
for name, b, s, rss in rows:
    b, s, rss = int(b), float(s), int(rss or 0)
    print("| %s | %.0f MB | %.2f | %.0f | %.1f | %.2fx |" % (name, b / 1e6, s, b / 1e6 / s if s else 0, rss / 1024, s / cat_s))
w = float(by["why502 (audit only)"][2])
a = float(by["ausearch -if -m AVC --raw"][2])
print()
print("why502 diagnosis of both files: %.2fx the time of cat (target <= 2x)" % (float(by["why502 (diagnosis, both)"][2]) / cat_s))
print("why502 on the audit file vs ausearch -m AVC --raw: %.1fx faster (target >= 10x)" % (a / w))
full, quarter = by["why502 (diagnosis, both)"], by["why502 (diagnosis, both, quarter size)"]
(b1, t1), (b2, t2) = (int(quarter[1]), float(quarter[2])), (int(full[1]), float(full[2]))
per_gb = (t2 - t1) / (b2 - b1) * 1e9
print("why502 diagnosis at a quarter and at the full size: %.2f s and %.2f s, i.e. %.0f ms + %.0f ms per GB;"
      " peak RSS %.1f MB and %.1f MB" % (t1, t2, (t1 - per_gb * b1 / 1e9) * 1e3, per_gb * 1e3,
                                        int(quarter[3]) / 1024, int(full[3]) / 1024))
# Counts against the generators' ground truth.
d = json.load(open(out + "/why502 (diagnosis, both).out"))
A, N = json.load(open(astats)), json.load(open(nstats))
def s(f, cause=None, transport=None, key="count"):
    tot = 0
    for x in d["findings"]:
        if cause and not x["cause"] in cause: continue
        if transport and x["upstream"]["transport"] != transport: continue
        tot += (x["selinux"] or {}).get("avc_count", 0) if key == "avc" else x["count"]
    return tot
checks = [
    ("errno-13 failure lines", s(d, ("selinux.name_connect", "selinux.unlogged_denial", "selinux.socket_file_label", "selinux.unix_socket_connect", "dac.socket_permission")), N["perm_denied_13_upstream"]),
    ("refused (tcp) lines", s(d, ("backend.refused",), "tcp"), N["conn_refused_111"]),
    ("timed out lines", s(d, ("backend.timeout",)), N["timed_out_110"]),
    ("no live upstreams lines", s(d, ("upstream.no_live",)), N["no_live_upstreams"]),
    ("httpd_t name_connect AVCs", s(d, ("selinux.name_connect",), key="avc"), A["nginx_name_connect_tcp"] + A["phpfpm_httpd_t"]),
    ("nginx connectto AVCs", s(d, ("selinux.unix_socket_connect",), key="avc"), A["nginx_connectto_unix"]),
    ("nginx sock_file write AVCs", s(d, ("selinux.socket_file_label",), key="avc"), A["nginx_sock_file_write"]),
]
print()
print("| count | why502 | ground truth | |")
print("|---|---|---|---|")
bad = 0
for name, got, want in checks:
    ok = got == want
    bad += not ok
    print("| %s | %d | %d | %s |" % (name, got, want, "ok" if ok else "MISMATCH"))
sys.exit(1 if bad else 0)
PY
