#!/bin/sh
# The whole test suite, as CI runs it. Installs what is missing (Debian 12, as root),
# then: the build with warnings as errors and every test (unit tests per stage, golden
# cases, end-to-end with real nginx and Chromium, fuzz corpus replays); the same suite
# under ASan+UBSan; and every fuzz target under libFuzzer for a bounded time.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh test
make test
make asan
make fuzz FUZZ_SECONDS="${WHY502_FUZZ_SECONDS:-10}"
