#!/usr/bin/env bash
# Brings up a single-node troupe cluster on this machine and runs the example app on it:
# installs what is missing, builds, starts `troupe server` (with its own node) in the
# background, applies examples/hello.yaml and waits until the app answers.
#   TROUPE_DATA_DIR   where the store lives (default: /var/lib/troupe as root, else
#                     ~/.local/share/troupe)
# Stop it with deploy/down.sh.
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
else
  setsid "$troupe" server --data-dir "$data_dir" >"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  for _ in $(seq 1 100); do
    grep -q "ready in" "$log_file" 2>/dev/null && break
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      echo "troupe server failed to start:" >&2
      cat "$log_file" >&2
      exit 1
    fi
    sleep 0.1
  done
  grep -q "ready in" "$log_file" || { echo "troupe server did not become ready in 10 s; log: $log_file" >&2; exit 1; }
  cat "$log_file"
fi

# The server's own node registers within a second or two.
for _ in $(seq 1 100); do
  "$troupe" get nodes 2>/dev/null | grep -q " Ready " && break
  sleep 0.2
done
"$troupe" apply -f "$root/examples/hello.yaml"
"$troupe" wait pod/hello --for=condition=Ready --timeout=60s
"$troupe" get nodes
"$troupe" get pods -o wide
ip="$("$troupe" get pod hello -o 'jsonpath={.status.podIP}')"
echo "the app answers at http://$ip:8080/: $(curl -s "http://$ip:8080/")"
echo "troupe is running (pid $(cat "$pid_file")); try: $troupe get pods -o wide"
echo "stop it with: bash deploy/down.sh"
