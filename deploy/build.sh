#!/usr/bin/env bash
# Configures and builds troupe into ./build (Release, Ninja). Used by test.sh and up.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/deploy/install-deps.sh"
jobs="${TROUPE_BUILD_JOBS:-$(nproc)}"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$jobs"
