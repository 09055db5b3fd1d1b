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
