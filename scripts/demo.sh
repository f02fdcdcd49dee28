#!/bin/sh
# Installs what is missing (Debian 12, as root), builds, and diagnoses the bundled
# example incident: NGINX proxying to 127.0.0.1:3000 while SELinux denies httpd_t the
# connection, with Debian's real compiled policy.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh test
make demo
