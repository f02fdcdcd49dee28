#!/usr/bin/env bash
# Golden whole-program cases: tests/golden/<case>/cmd holds the arguments (one line,
# run from the case folder; shell words as written; an optional `setup` script runs first), expected.out the standard output
# and expected.status the exit status (expected.err the stderr of input errors). WHY502_REFRESH=1 rewrites the expectations
# after an intended change (review the diff before committing it).
set -u
bin=$(readlink -f "${1:?usage: run.sh PATH/TO/why502}")
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
for dir in "$here"/*/; do
  case=$(basename "$dir")
  [ -f "$dir/cmd" ] || continue
  args=$(cat "$dir/cmd")
  # An optional setup script prepares the folder (e.g. pins file times).
  if [ -f "$dir/setup" ]; then (cd "$dir" && sh ./setup); fi
  out=$(cd "$dir" && eval "NO_COLOR=1 TZ=UTC \"$bin\" $args" 2>"$dir/.stderr")
  status=$?
  if [ "${WHY502_REFRESH:-}" = 1 ]; then
    printf '%s\n' "$out" > "$dir/expected.out"
    echo "$status" > "$dir/expected.status"
    # Input errors: the one-line message on stderr is part of the contract.
    if [ "$status" = 2 ]; then cp "$dir/.stderr" "$dir/expected.err"; else rm -f "$dir/expected.err"; fi
    echo "refreshed $case"
    continue
  fi
  want_status=$(cat "$dir/expected.status" 2>/dev/null || echo missing)
  if [ "$status" != "$want_status" ]; then
    echo "FAIL $case: exit status $status, expected $want_status"; cat "$dir/.stderr"
    fail=$((fail + 1)); continue
  fi
  if ! diff -u "$dir/expected.out" <(printf '%s\n' "$out") > "$dir/.diff"; then
    echo "FAIL $case: output differs"; head -40 "$dir/.diff"
    fail=$((fail + 1)); continue
  fi
  if [ -f "$dir/expected.err" ] && ! diff -u "$dir/expected.err" "$dir/.stderr" > "$dir/.diff"; then
    echo "FAIL $case: stderr differs"; head -20 "$dir/.diff"
    fail=$((fail + 1)); continue
  fi
  rm -f "$dir/.diff" "$dir/.stderr"
  pass=$((pass + 1))
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
