#!/usr/bin/env bash
# Brings up a single-node troupe cluster on this machine: installs what is missing, builds,
# and starts `troupe server` in the background (stop it with deploy/down.sh).
#   TROUPE_DATA_DIR   where the store lives (default: /var/lib/troupe as root, else
#                     ~/.local/share/troupe)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/deploy/build.sh"
troupe="$root/build/runtime/main/troupe"

if [ "$(id -u)" -eq 0 ]; then default_dir=/var/lib/troupe; else default_dir="$HOME/.local/share/troupe"; fi
data_dir="${TROUPE_DATA_DIR:-$default_dir}"
mkdir -p "$data_dir"
pid_file="$data_dir/server.pid"
log_file="$data_dir/server.log"

if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "troupe server already running (pid $(cat "$pid_file")); log: $log_file"
  exit 0
fi

setsid "$troupe" server --data-dir "$data_dir" >"$log_file" 2>&1 </dev/null &
echo $! >"$pid_file"
for _ in $(seq 1 100); do
  if grep -q "ready in" "$log_file" 2>/dev/null; then
    cat "$log_file"
    echo "troupe server running (pid $(cat "$pid_file")); log: $log_file; stop: bash deploy/down.sh"
    exit 0
  fi
  if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "troupe server failed to start:" >&2
    cat "$log_file" >&2
    exit 1
  fi
  sleep 0.1
done
echo "troupe server did not become ready in 10 s; log: $log_file" >&2
exit 1
