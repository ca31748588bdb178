#!/usr/bin/env bash
# Stops the cluster deploy/up.sh started, and the pods its node runs (their processes are in
# sessions of their own, as a container runtime's are, so they outlive the server otherwise).
# The store stays in the data dir: up.sh starts it again as it was.
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then default_dir=/var/lib/troupe; else default_dir="$HOME/.local/share/troupe"; fi
data_dir="${TROUPE_DATA_DIR:-$default_dir}"
pid_file="$data_dir/server.pid"

if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  pid="$(cat "$pid_file")"
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then echo "troupe server (pid $pid) did not stop in 10 s" >&2; exit 1; fi
  echo "troupe server stopped"
else
  echo "troupe server is not running"
fi
rm -f "$pid_file"

# Each pod container runs under a `troupe shim` whose command line names its log file in the
# data dir: stop the container's process group, then the shim.
for shim in $(pgrep -f -- "troupe shim --log $data_dir/" || true); do
  for child in $(cat "/proc/$shim/task/$shim/children" 2>/dev/null || true); do
    kill -KILL -- "-$child" 2>/dev/null || true
  done
  kill -KILL "$shim" 2>/dev/null || true
done

# The containers' groups (cgroup v1's memory and cpu hierarchies, or v2's), once their processes
# are gone, and the node's parent group; a group still in use stays.
for parent in /sys/fs/cgroup/troupe /sys/fs/cgroup/memory/troupe /sys/fs/cgroup/cpu/troupe; do
  [ -d "$parent" ] || continue
  for _ in $(seq 1 50); do
    find "$parent" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
    rmdir "$parent" 2>/dev/null && break
    sleep 0.1
  done
done
