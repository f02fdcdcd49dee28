#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer under ASan+UBSan, bounded per target.
# usage: fuzz/run.sh [BUILD_DIR] [SECONDS_PER_TARGET]
# Seeds: fuzz/corpus/ (from the test fixtures). A crash leaves its input in
# fuzz/crashes/<target>/ and fails the run: turn it into a regression seed under
# fuzz/corpus/regressions/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
secs=${2:-60}
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWHY502_SANITIZE=ON -DWHY502_FUZZ_LIBFUZZER=ON -DWHY502_TESTS=OFF > /dev/null
targets=$(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
ninja -C "$build" -j "${JOBS:-2}" $targets
failed=0
for t in $targets; do
  work=$(mktemp -d)
  mkdir -p "fuzz/crashes/$t"
  echo "fuzzing $t for ${secs}s"
  if ! "$build/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
       -artifact_prefix="fuzz/crashes/$t/" -print_final_stats=1 "$work" fuzz/corpus \
       > "$work.log" 2>&1; then
    echo "CRASH in $t:"; tail -30 "$work.log"
    failed=$((failed + 1))
  else
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work.log" | tr '\n' ' '; echo
  fi
  rm -rf "$work" "$work.log"
  rmdir "fuzz/crashes/$t" 2>/dev/null || true
done
rmdir fuzz/crashes 2>/dev/null || true
[ "$failed" -eq 0 ] || { echo "fuzz: $failed target(s) crashed"; exit 1; }
echo "fuzz: all targets ran ${secs}s without a crash"
