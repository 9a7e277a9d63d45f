#!/bin/sh
# Staff downloads and public verification with wrk: `certifica serve` on a
# free 127.0.0.1 port with a small fresh archive in build/bench/web-store and
# a staff token, then
#  (a) PDF downloads: GET /certificates/{id}.pdf with the token as Bearer, the
#      whole file each time (sendfile), over keep-alive connections;
#  (b) verification pages: GET /verify/{code}, public HTML.
# Prints requests per second (target: 5,000 PDF downloads per second on
# loopback), p50/p99 latency and the answers by status; nothing here passes
# or fails on time. BENCH_SECONDS (10), BENCH_CONNECTIONS (16) and
# BENCH_THREADS (2) tune wrk; BENCH_SERVE_ARGS adds flags to `certifica serve`.
: "${CERTIFICA:=./certifica}"
: "${BENCH_SECONDS:=10}"
: "${BENCH_CONNECTIONS:=16}"
: "${BENCH_THREADS:=2}"
LUA="$(dirname "$0")/bench"
OUT=build/bench
STORE=$OUT/web-store
LOG=$OUT/web-serve.log

command -v wrk >/dev/null || { echo "bench-web: wrk is not installed (make deps)" >&2; exit 1; }
[ -x "$CERTIFICA" ] || { echo "bench-web: no '$CERTIFICA': run make first" >&2; exit 1; }
mkdir -p "$OUT"
. "$(dirname "$0")/bench-trash.sh"
bench_discard "$STORE"
: >"$LOG"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID"' EXIT
trap 'exit 130' INT TERM

python3 "$(dirname "$0")/gen-events.py" 20 >"$OUT/web-events.jsonl" &&
	"$CERTIFICA" import "$OUT/web-events.jsonl" --store "$STORE" >/dev/null 2>>"$LOG" ||
	{ echo "bench-web: cannot archive the events (see $LOG)" >&2; exit 1; }
TOKEN=$("$CERTIFICA" staff add bench --store "$STORE" 2>>"$LOG" | grep -oE '[A-Za-z0-9_-]{43}' |
	head -n 1)
[ -n "$TOKEN" ] || { echo "bench-web: certifica staff add gave no token (see $LOG)" >&2; exit 1; }

. "$(dirname "$0")/serve.sh"
# shellcheck disable=SC2086 # BENCH_SERVE_ARGS is a list of flags
if ! serve_start "$STORE" "$LOG" $BENCH_SERVE_ARGS; then
	echo "bench-web: the server did not start" >&2
	exit 1
fi
# The newest certificate, by the API: its id, code and PDF size.
META=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/certificates?per_page=1")
ID=$(printf %s "$META" | sed -n 's/.*"results":\[{"id":"\([a-z2-7]*\)".*/\1/p')
META=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/certificates/$ID")
CODE=$(printf %s "$META" | sed -n 's/.*"verification_code":"\([^"]*\)".*/\1/p')
SIZE=$(printf %s "$META" | sed -n 's/.*"size":\([0-9]*\).*/\1/p')
[ -n "$ID" ] && [ -n "$CODE" ] || { echo "bench-web: no certificate found by the API" >&2; exit 1; }

# run NAME PATH LABEL: wrk's whole report goes to build/bench/wrk-NAME.txt,
# the summary lines to stdout.
run() {
	wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_SECONDS}s" --timeout 10s \
		-s "$LUA/get-pdf.lua" "$URL$2" -- "$TOKEN" "$3" >"$OUT/wrk-$1.txt" 2>&1
	rc=$?
	grep "^$3: " "$OUT/wrk-$1.txt"
	if [ $rc != 0 ]; then
		echo "bench-web: wrk failed ($rc):" >&2
		cat "$OUT/wrk-$1.txt" >&2
		exit 1
	fi
}

echo "web: $BENCH_CONNECTIONS keep-alive connections, $BENCH_THREADS wrk threads," \
	"${BENCH_SECONDS} s per run, $(nproc) cores${BENCH_SERVE_ARGS:+, serve $BENCH_SERVE_ARGS}"
run pdf "/certificates/$ID.pdf" "web PDF downloads ($SIZE bytes each, staff Bearer)"
run verify "/verify/$CODE" "web verification page (public HTML)"
