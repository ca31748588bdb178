#!/usr/bin/env bash
# Installs every Debian 12 package troupe needs to build, test and run. Idempotent: it only
# calls apt-get when something is missing. Run as root (or with sudo available).
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config ccache make
  # libraries
  libcaf-dev capnproto libcapnp-dev liblmdb-dev libyaml-cpp-dev libssl-dev zlib1g-dev catch2
  libgoogle-perftools-dev
  # tools the runtime and the tests use
  lmdb-utils procps iproute2 busybox curl python3 openssl
  # the IANA time zones a CronJob's spec.timeZone is checked against
  tzdata
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
