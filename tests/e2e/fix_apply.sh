#!/usr/bin/env bash
# `why502 fix --apply`: with stub setsebool/semanage/restorecon on PATH that record their
# arguments, the least-privilege fix of the classic incident is run word for word, and
# nothing else; inputs that are not this host's own logs are refused.
set -euo pipefail
bin=$(readlink -f "${1:?usage: fix_apply.sh PATH/TO/why502}")
top=$(cd "$(dirname "$0")/../.." && pwd)
policy=/etc/selinux/default/policy/policy.33
[ -f "$policy" ] || { echo "fix_apply: $policy missing (make test-deps)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "fix_apply: skipped (needs root)"; exit 0; }

logs=$(mktemp -d /var/log/why502-apply-test.XXXXXX)
stubs=$(mktemp -d)
trap 'rm -rf "$logs" "$stubs"' EXIT
cp "$top/examples/classic/error.log" "$top/examples/classic/audit.log" "$logs/"
for tool in setsebool semanage restorecon semodule checkmodule semodule_package getsebool; do
  cat > "$stubs/$tool" <<STUB
#!/bin/sh
printf '%s' "$tool" >> "$stubs/calls"
for a in "\$@"; do printf ' [%s]' "\$a" >> "$stubs/calls"; done
echo >> "$stubs/calls"
STUB
  chmod +x "$stubs/$tool"
done

set +e
PATH="$stubs:$PATH" "$bin" fix --apply --yes --error-log "$logs/error.log" --audit-log "$logs/audit.log" \
  --policy "$policy" --tz Europe/Paris > "$stubs/out" 2> "$stubs/err"
status=$?
set -e
[ "$status" -eq 0 ] || { echo "fix_apply: exit status $status: $(cat "$stubs/err" "$stubs/out" | head -c 400)"; exit 1; }
expected="setsebool [-P] [httpd_graceful_shutdown] [1]
semanage [port] [-a] [-t] [http_port_t] [-p] [tcp] [3000]"
if [ "$(cat "$stubs/calls")" != "$expected" ]; then
  echo "fix_apply: the stubs received:"; cat "$stubs/calls"; echo "expected:"; echo "$expected"; exit 1
fi
grep -q "cannot re-check" "$stubs/out" || { echo "fix_apply: no re-check report: $(cat "$stubs/out")"; exit 1; }

# Someone else's logs (outside /var/log): refused, nothing run.
: > "$stubs/calls"
set +e
PATH="$stubs:$PATH" "$bin" fix --apply --yes --error-log "$top/examples/classic/error.log" \
  --audit-log "$top/examples/classic/audit.log" --policy "$policy" --tz Europe/Paris > /dev/null 2> "$stubs/err"
status=$?
set -e
[ "$status" -eq 2 ] || { echo "fix_apply: foreign logs: exit status $status, expected 2"; exit 1; }
grep -q "refuses" "$stubs/err" || { echo "fix_apply: no refusal message: $(cat "$stubs/err")"; exit 1; }
[ ! -s "$stubs/calls" ] || { echo "fix_apply: a command ran for foreign logs"; exit 1; }
echo "fix_apply: applied exactly the least-privilege fix; foreign logs refused"
