#!/usr/bin/env bash
# Remove what a crashed interop test run left behind: network namespaces
# named bgpt-* (and only those). Processes still inside such a namespace are
# killed by PID (`ip netns pids`), never by name. Also removes the labs'
# temp dirs (/tmp/bgpt-*) whose namespace no longer exists.
set -u
if [ "$(id -u)" -ne 0 ]; then
  echo "cleanup-test-leftovers: must run as root" >&2
  exit 1
fi
status=0
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^bgpt-' || true); do
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      alive=""
      for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
      [ -z "$alive" ] && break
      sleep 0.3
    done
    [ -n "${alive:-}" ] && kill -KILL $alive 2>/dev/null || true
  fi
  if ip netns del "$ns"; then
    echo "removed namespace $ns"
  else
    echo "could not remove namespace $ns" >&2
    status=1
  fi
done
tmp="${TMPDIR:-/tmp}"
for d in "$tmp"/bgpt-*; do
  [ -d "$d" ] || continue
  ns=$(basename "$d" | sed -E 's/-[A-Za-z0-9]{6}$//')
  if [ ! -e "/run/netns/$ns" ]; then
    rm -rf -- "$d" && echo "removed $d"
  fi
done
exit $status
