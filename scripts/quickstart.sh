#!/usr/bin/env bash
# Kafka's standalone quickstart on raftconnect: a FileStream source reads a file into
# the topic connect-test, a FileStream sink writes it to another file.
#   scripts/quickstart.sh            uses the in-process development broker (NOT durable)
#   scripts/quickstart.sh --broker   starts a real tansu broker first (slow first install)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
cd "$here/.."
work="$(mktemp -d -t raftconnect-quickstart.XXXX)"
cargo build --release --locked -p raftconnect
bin="$CARGO_TARGET_DIR/release/raftconnect"

broker_flag=(--dev-broker)
bootstrap=unused:9092
if [ "${1:-}" = "--broker" ]; then
  "$here/broker.sh" "$work/broker" > "$work/broker.log" 2>&1 &
  broker_pid=$!
  trap 'kill $broker_pid 2>/dev/null || true' EXIT
  bootstrap="127.0.0.1:$RAFTCONNECT_BROKER_PORT"
  broker_flag=()
  for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/"$RAFTCONNECT_BROKER_PORT") 2>/dev/null && break; sleep 0.2; done
fi

sed "s#^bootstrap.servers=.*#bootstrap.servers=$bootstrap#; s#@WORK@#$work#g" \
  config/connect-standalone.properties > "$work/connect-standalone.properties"
sed "s#@WORK@#$work#g" config/connect-file-source.properties > "$work/connect-file-source.properties"
sed "s#@WORK@#$work#g" config/connect-file-sink.properties > "$work/connect-file-sink.properties"
seq 1 1000 | sed 's/^/hello raftconnect, line /' > "$work/test.txt"

echo "work dir: $work"
"$bin" standalone "${broker_flag[@]}" "$work/connect-standalone.properties" \
  "$work/connect-file-source.properties" "$work/connect-file-sink.properties" &
worker=$!
for _ in $(seq 1 300); do
  [ -f "$work/test.sink.txt" ] && [ "$(wc -l < "$work/test.sink.txt")" -ge 1000 ] && break
  sleep 0.1
done
curl -s localhost:8083/connectors?expand=status; echo
kill -TERM $worker; wait $worker || true
if cmp -s "$work/test.txt" "$work/test.sink.txt"; then
  echo "quickstart OK: $work/test.sink.txt is identical to $work/test.txt"
else
  echo "quickstart FAILED: output differs (see $work)" >&2; exit 1
fi
