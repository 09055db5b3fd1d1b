#!/usr/bin/env bash
# The whole test suite: unit tests and integration tests against a real broker.
# Integration tests start their own tansu broker (installed by scripts/install-deps.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
cd "$here/.."
if [ ! -x "$TANSU_BIN" ]; then
  echo "the tansu broker is not installed: run scripts/install-deps.sh first" >&2
  exit 1
fi
# Integration tests start several processes each; two at a time suit a 2-core machine.
cargo test --workspace --locked -- --test-threads=2 "$@"
