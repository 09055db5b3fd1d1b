#!/usr/bin/env bash
# Starts a tansu broker on 127.0.0.1:$RAFTCONNECT_BROKER_PORT (default 19092) with the
# sqlite storage engine, in the foreground, for development and the quickstart.
# Data lives in $RAFTCONNECT_CACHE/broker (or the directory given as $1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
"$here/install-tansu.sh" >&2
dir="${1:-$RAFTCONNECT_CACHE/broker}"
mkdir -p "$dir"
cd "$dir"  # tansu resolves the sqlite path against its working directory
url="tcp://127.0.0.1:$RAFTCONNECT_BROKER_PORT"
echo "tansu broker on $url, data in $dir/tansu.db" >&2
exec "$TANSU_BIN" broker --listener-url "$url" --advertised-listener-url "$url" \
  --storage-engine "sqlite://tansu.db"
