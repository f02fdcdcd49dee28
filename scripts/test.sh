#!/bin/sh
# Installs what is missing (Debian 12, as root), builds with warnings as errors, and runs
# the whole test suite: unit tests per stage, golden cases, end-to-end with real nginx.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh test
make test
