# Sourced by the other scripts: where slow, reusable things live (outside the clone, so a
# machine builds them once) and the port of the development broker (scripts/broker.sh).
# Tests start their own brokers on free ports.
RAFTCONNECT_CACHE="${RAFTCONNECT_CACHE:-$HOME/.cache/raftconnect}"
export RAFTCONNECT_CACHE
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$RAFTCONNECT_CACHE/target}"
TANSU_VERSION=0.6.0
TANSU_ROOT="$RAFTCONNECT_CACHE/tansu-$TANSU_VERSION"
export TANSU_BIN="$TANSU_ROOT/bin/tansu"
export RAFTCONNECT_BROKER_PORT="${RAFTCONNECT_BROKER_PORT:-19092}"
# Test servers for the S3 and Elasticsearch sinks (scripts/install-test-servers.sh).
S3S_FS_VERSION=0.14.1
export S3S_FS_BIN="${S3S_FS_BIN:-$RAFTCONNECT_CACHE/s3s-fs-$S3S_FS_VERSION/bin/s3s-fs}"
OSMEM_VERSION=0.1.6
OSMEM_VENV="$RAFTCONNECT_CACHE/osmem-$OSMEM_VERSION"
export OSMEM_SERVER_BIN="${OSMEM_SERVER_BIN:-$OSMEM_VENV/bin/osmem-server}"
