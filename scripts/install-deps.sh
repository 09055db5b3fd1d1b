#!/usr/bin/env bash
# Installs what building and testing raftconnect needs on a fresh Debian machine:
# a C toolchain and zlib for the bundled librdkafka, and the tansu broker (cached).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"

need=()
for pkg in gcc g++ make zlib1g-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi
command -v cargo >/dev/null || { echo "cargo (Rust toolchain) is required" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt || true
"$here/install-tansu.sh"
# PostgreSQL and MariaDB binaries for the JDBC connector's tests (no services started).
"$here/install-databases.sh"
"$here/install-test-servers.sh"
