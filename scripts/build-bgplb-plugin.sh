#!/bin/bash
# Build bgplb as a managed (v2) Docker plugin, offline: a rootfs holding this host's node and
# ip (iproute2) with the shared libraries they load, the built code (dist/src) and the runtime
# node_modules, plus plugins/bgplb/config.json; then `docker plugin create NAME DIR`.
#
#   npm run build && scripts/build-bgplb-plugin.sh [NAME]        (default NAME: bgplb)
#   docker plugin set NAME ROUTER_ID=... PEER_ADDRESS=... PEER_AS=... SIGUSR2_HANDLER=true
#   docker plugin enable NAME
#   docker network create --driver NAME:latest --ipam-driver NAME:latest --subnet 10.0.0.101/32 web1
#
# Environment: DOCKER (client, default /usr/bin/docker), DOCKER_HOST (as for the client),
# KEEP_DIR=1 keeps the build directory (printed). Run it where the daemon's socket is writable
# (root, or the docker group).
set -euo pipefail

name="${1:-bgplb}"
docker="${DOCKER:-/usr/bin/docker}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$repo/dist/src/cli/bgplb.js" ] || { echo "build-bgplb-plugin: $repo/dist/src/cli/bgplb.js missing: run npm run build first" >&2; exit 1; }
node_bin="$(command -v node)"
ip_bin="$(command -v ip)"

dir="$(mktemp -d "${TMPDIR:-/tmp}/bgplb-plugin-XXXXXX")"
cleanup() { if [ "${KEEP_DIR:-}" != 1 ]; then rm -rf "$dir"; else echo "build dir: $dir"; fi; }
trap cleanup EXIT
root="$dir/rootfs"
mkdir -p "$root"/{usr/bin,usr/sbin,opt/bgpipe,run/docker/plugins,var/lib/bgpipe,tmp,etc,proc,sys,dev}
chmod 1777 "$root/tmp"

# A binary and every library ldd names, at the same paths.
copy_with_libs() {
  local bin="$1" dest="$2"
  cp -L "$bin" "$root$dest"
  ldd "$bin" | grep -o '/[^ ]*' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
copy_with_libs "$(readlink -f "$node_bin")" /usr/bin/node
copy_with_libs "$(readlink -f "$ip_bin")" /usr/sbin/ip
ln -s ../usr/sbin/ip "$root/usr/bin/ip" 2>/dev/null || true
[ -d /etc/iproute2 ] && cp -r /etc/iproute2 "$root/etc/"
echo "bgplb:x:0:0::/:/bin/false" > "$root/etc/passwd"

cp -r "$repo/dist/src" "$root/opt/bgpipe/dist-src-tmp"
mkdir -p "$root/opt/bgpipe/dist" && mv "$root/opt/bgpipe/dist-src-tmp" "$root/opt/bgpipe/dist/src"
find "$root/opt/bgpipe/dist" -name '*.map' -delete
cp "$repo/package.json" "$root/opt/bgpipe/"
# The native addon for TCP MD5 (PEER_PASSWORD); without it bgplb refuses a password, never runs unsigned.
if [ -f "$repo/build/Release/sockopt.node" ]; then
  mkdir -p "$root/opt/bgpipe/build/Release" && cp "$repo/build/Release/sockopt.node" "$root/opt/bgpipe/build/Release/"
fi
# Runtime dependencies only (the dev tools stay out).
mkdir -p "$root/opt/bgpipe/node_modules"
for m in "$repo"/node_modules/*; do
  base="$(basename "$m")"
  case "$base" in typescript|@types|undici-types|.bin) continue ;; esac
  cp -rL "$m" "$root/opt/bgpipe/node_modules/"
done

cp "$repo/plugins/bgplb/config.json" "$dir/config.json"
"$docker" plugin create "$name" "$dir"
