#!/usr/bin/env bash
# Installs the real servers the S3 and Elasticsearch sinks' tests talk to, into the cache
# (once per machine; a no-op afterwards):
# - s3s-fs: an S3 API over a local directory (checks SigV4 signatures), from crates.io;
#   0.14.1 is the last version our rustc builds.
# - osmem-server: an in-memory OpenSearch-compatible server, from PyPI (a wheel that
#   bundles the binary), in its own virtualenv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"

if [ -x "$S3S_FS_BIN" ]; then
  echo "s3s-fs $S3S_FS_VERSION already installed at $S3S_FS_BIN"
else
  root="$(dirname "$(dirname "$S3S_FS_BIN")")"
  echo "installing s3s-fs $S3S_FS_VERSION into $root (a few minutes, once per machine)"
  # Its own target dir, removed afterwards, like tansu's.
  CARGO_TARGET_DIR="$RAFTCONNECT_CACHE/s3s-fs-build" \
    cargo install s3s-fs --version "$S3S_FS_VERSION" --locked --features binary --root "$root"
  rm -rf "$RAFTCONNECT_CACHE/s3s-fs-build"
fi

if [ -x "$OSMEM_SERVER_BIN" ]; then
  echo "osmem-server $OSMEM_VERSION already installed at $OSMEM_SERVER_BIN"
else
  command -v python3 >/dev/null || { echo "python3 is required for osmem-server" >&2; exit 1; }
  echo "installing osmem-server $OSMEM_VERSION into $OSMEM_VENV"
  python3 -m venv "$OSMEM_VENV"
  "$OSMEM_VENV/bin/pip" install --quiet --disable-pip-version-check "osmem-server==$OSMEM_VERSION"
  # The wheel has no launcher for the server: link the binary it bundles.
  bin="$("$OSMEM_VENV/bin/python" -c 'import osmem_server, os; print(os.path.join(os.path.dirname(osmem_server.__file__), "bin", "osmem-server"))')"
  ln -sf "$bin" "$OSMEM_SERVER_BIN"
fi
"$OSMEM_SERVER_BIN" -version
