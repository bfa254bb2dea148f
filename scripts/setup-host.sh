#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) to build bgpipe and run every test:
# the real BGP daemons the interop tests run against, the kernel tools, and npm dependencies.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

# python3-networking-bagpipe is the real bagpipe-bgp (the daemon bgpipe replaces, run by
# test/interop/bagpipe-bgp.test.ts); it does not pull in python3-twisted (bagpipe-fakerr), kmod
# (modprobe, which its linux EVPN driver calls) nor bridge-utils (brctl, which that driver runs to
# make its bridges: test/dataplane/bagpipe-interop-lab.test.ts): see
# ../shared/specs/bagpipe-bgp-reference.md §1.
# containernetworking-plugins gives /usr/lib/cni/host-local, the IPAM plugin the CNI plugin
# `bagpipe` delegates to (test/cni/).
# podman + runc + busybox-static run real containers through the CNI plugin (test/cni/podman*);
# docker.io is the real engine the Docker plugins bgplb and bgpipe-l3 are tested with (test/docker/).
PACKAGES=(gobgpd frr bird2 exabgp iproute2 iputils-ping tshark procps
  python3-networking-bagpipe python3-twisted kmod bridge-utils containernetworking-plugins
  podman runc busybox-static docker.io
  python3 make g++)  # node-gyp builds native/sockopt.c (TCP MD5, GTSM) during npm ci
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
