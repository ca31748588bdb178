#!/usr/bin/env bash
# Builds troupe and runs the whole test suite (unit, cross-actor and multi-process tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/deploy/build.sh"
cd "$root/build"
ctest --output-on-failure -j "${TROUPE_TEST_JOBS:-2}" "$@"
