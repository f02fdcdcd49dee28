#!/bin/sh
# Installs what why502 needs to build and test, on Debian 12 (as root). Safe to run
# again: packages already present are skipped by apt-get without downloading.
#
# RHEL / Rocky / Alma / Fedora (dnf) names for the same build dependencies:
#   dnf install gcc-c++ cmake ninja-build libsepol-static libsepol-devel libselinux-devel \
#       zlib-devel fmt-devel cli11-devel json-devel gtest-devel audit-libs-devel
#   (EPEL for cli11-devel; test oracles: setools-console policycoreutils-python-utils audit nginx)
set -eu

BUILD_PKGS="g++ cmake ninja-build make pkg-config libsepol-dev libselinux1-dev zlib1g-dev \
libfmt-dev libcli11-dev nlohmann-json3-dev libgtest-dev"
# Test oracles and real parts: the compiled policy, setools, audit2why, ausearch,
# libauparse, checkpolicy, nginx, curl, python3 for the generators, chromium for the
# HTML test.
TEST_PKGS="selinux-policy-default setools policycoreutils policycoreutils-python-utils auditd \
libauparse-dev checkpolicy nginx curl python3 procps iproute2 chromium acl tzdata time clang libclang-rt-14-dev \
python3-yaml python3-pil cmark-gfm libxml2-utils"

want="$BUILD_PKGS"
case "${1:-build}" in
  build) ;;
  test) want="$BUILD_PKGS $TEST_PKGS" ;;
  *) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run as root)" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Do not let the nginx package start a daemon on port 80 inside a container/CI.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends $missing
fi
