#!/usr/bin/env bash
# Installs the tansu Kafka-protocol broker used by integration tests into the cache
# (about 10 minutes on 2 cores the first time; a no-op afterwards).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
if [ -x "$TANSU_BIN" ]; then
  echo "tansu $TANSU_VERSION already installed at $TANSU_BIN"
  exit 0
fi
mkdir -p "$TANSU_ROOT"
echo "installing tansu $TANSU_VERSION into $TANSU_ROOT (slow, once per machine)"
# Its own target dir: tansu's dependency graph must not churn the project's build cache.
CARGO_TARGET_DIR="$RAFTCONNECT_CACHE/tansu-build" \
  cargo install tansu --version "$TANSU_VERSION" --locked \
  --features dynostore,libsql,postgres --root "$TANSU_ROOT"
rm -rf "$RAFTCONNECT_CACHE/tansu-build"
"$TANSU_BIN" --version || true
