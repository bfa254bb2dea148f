#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) to build bgpipe and run every test:
# the real BGP daemons the interop tests run against, the kernel tools, and npm dependencies.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(gobgpd frr bird2 exabgp iproute2 iputils-ping tshark procps)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-host: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # frr's and bird2's maintainer scripts must not start system-wide daemons: tests run their own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  rm -f /usr/sbin/policy-rc.d
fi
npm ci --no-audit --no-fund
