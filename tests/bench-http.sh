#!/bin/sh
# The webhook receiver's throughput with wrk: `certifica serve` on a free
# 127.0.0.1 port with a fresh store in build/bench/http-store, then
#  (a) durable issuance: a new event per request over keep-alive connections
#      (tests/bench/post-distinct.lua), every answer 201;
#  (b) unchanged answers: the same event again and again
#      (tests/bench/post-same.lua), every answer but the first 200.
# Prints requests per second, p50 and p99 latency and the answers by status
# of each run; nothing here passes or fails on time.
# BENCH_SECONDS (10), BENCH_CONNECTIONS (16), BENCH_THREADS (2) tune wrk;
# BENCH_SERVE_ARGS adds flags to `certifica serve` (e.g. "--threads 8").
: "${CERTIFICA:=./certifica}"
: "${BENCH_SECONDS:=10}"
: "${BENCH_CONNECTIONS:=16}"
: "${BENCH_THREADS:=2}"
LUA="$(dirname "$0")/bench"
OUT=build/bench
STORE=$OUT/http-store
LOG=$OUT/http-serve.log

command -v wrk >/dev/null || { echo "bench-http: wrk is not installed (make deps)" >&2; exit 1; }
[ -x "$CERTIFICA" ] || { echo "bench-http: no '$CERTIFICA': run make first" >&2; exit 1; }
mkdir -p "$OUT"
rm -rf "$STORE"
: >"$LOG"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID"' EXIT
trap 'exit 130' INT TERM

# Start the server on a free port; sets URL and SERVE_PID.
. "$(dirname "$0")/serve.sh"
# shellcheck disable=SC2086 # BENCH_SERVE_ARGS is a list of flags
if ! serve_start "$STORE" "$LOG" $BENCH_SERVE_ARGS; then
	echo "bench-http: the server did not start" >&2
	exit 1
fi
TOKEN=$(cat "$STORE/webhook-token")

# run NAME SCRIPT LABEL: wrk's whole report goes to build/bench/wrk-NAME.txt,
# the script's summary lines to stdout.
run() {
	wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_SECONDS}s" --timeout 10s \
		-s "$LUA/$2" "$URL/webhooks" -- "$TOKEN" "$3" >"$OUT/wrk-$1.txt" 2>&1
	rc=$?
	grep "^$3: " "$OUT/wrk-$1.txt"
	if [ $rc != 0 ]; then
		echo "bench-http: wrk failed ($rc):" >&2
		cat "$OUT/wrk-$1.txt" >&2
		exit 1
	fi
}

echo "http: $BENCH_CONNECTIONS keep-alive connections, $BENCH_THREADS wrk threads," \
	"${BENCH_SECONDS} s per run, $(nproc) cores${BENCH_SERVE_ARGS:+, serve $BENCH_SERVE_ARGS}"
run issue post-distinct.lua "http durable issuance (distinct events)"
run unchanged post-same.lua "http unchanged (same event)"
echo "http: $(sqlite3 "$STORE/index.sqlite" 'SELECT count(*) FROM certificates' 2>/dev/null) certificates in the index"
