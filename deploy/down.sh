#!/usr/bin/env bash
# Stops the cluster deploy/up.sh started (the store stays in the data dir).
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then default_dir=/var/lib/troupe; else default_dir="$HOME/.local/share/troupe"; fi
data_dir="${TROUPE_DATA_DIR:-$default_dir}"
pid_file="$data_dir/server.pid"
if [ ! -f "$pid_file" ] || ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "troupe server is not running"
  rm -f "$pid_file"
  exit 0
fi
pid="$(cat "$pid_file")"
kill -TERM "$pid"
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { rm -f "$pid_file"; echo "troupe server stopped"; exit 0; }
  sleep 0.1
done
echo "troupe server (pid $pid) did not stop in 10 s" >&2
exit 1
