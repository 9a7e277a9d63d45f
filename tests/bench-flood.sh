#!/bin/sh
# A flood of deliveries without a valid token (wrk, BENCH_FLOOD_SECONDS, 8 s)
# against `certifica serve` with the default limits, on a fresh store in
# build/bench/flood-store: how much the audit log and the log grow from the
# failures, how many answers the flood gets per second, and the rate of
# valid deliveries without the flood and during it, for two kinds: new
# certificates (durable issuance, 201: tests/bench/post-distinct.lua) and
# the same event again (200: tests/bench/post-same.lua, bound by the CPU,
# which the flood's own wrk shares on this machine). Valid deliveries should
# keep at least 80% of their rate; the figures are printed, nothing here
# passes or fails. BENCH_FLOOD_CONNECTIONS (16) and BENCH_CONNECTIONS (4)
# set the connections of the flood and of the valid deliveries.
: "${CERTIFICA:=./certifica}"
: "${BENCH_FLOOD_SECONDS:=8}"
: "${BENCH_FLOOD_CONNECTIONS:=16}"
: "${BENCH_CONNECTIONS:=4}"
LUA="$(dirname "$0")/bench"
OUT=build/bench
STORE=$OUT/flood-store
LOG=$OUT/flood-serve.log

command -v wrk >/dev/null || { echo "bench-flood: wrk is not installed (make deps)" >&2; exit 1; }
[ -x "$CERTIFICA" ] || { echo "bench-flood: no '$CERTIFICA': run make first" >&2; exit 1; }
mkdir -p "$OUT"
. "$(dirname "$0")/bench-trash.sh"
bench_discard "$STORE"
: >"$LOG"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID"' EXIT
trap 'exit 130' INT TERM
. "$(dirname "$0")/serve.sh"
serve_start "$STORE" "$LOG" || { echo "bench-flood: the server did not start" >&2; exit 1; }
TOKEN=$(cat "$STORE/webhook-token")
AUDIT="$STORE/audit/audit-$(date -u +%Y-%m-%d).jsonl"

# valid NAME SCRIPT SERIES: valid deliveries for BENCH_FLOOD_SECONDS; their
# rate. The runs of distinct events each take their own series: the run
# during the flood posting the events of the run before it would measure
# redeliveries, not new certificates.
valid() {
	wrk -t 1 -c "$BENCH_CONNECTIONS" -d "${BENCH_FLOOD_SECONDS}s" --timeout 10s \
		-s "$LUA/$2" "$URL/webhooks" -- "$TOKEN" "valid" "$3" >"$OUT/wrk-flood-$1.txt" 2>&1
	sed -n 's/^valid: \([0-9.]*\) requests\/s.*/\1/p' "$OUT/wrk-flood-$1.txt"
}
flood() {
	wrk -t 1 -c "$BENCH_FLOOD_CONNECTIONS" -d "${BENCH_FLOOD_SECONDS}s" --timeout 10s \
		-s "$LUA/post-flood.lua" "$URL/webhooks" -- "" "flood" >"$OUT/wrk-flood-$1.txt" 2>&1
}
# The bytes of failed sign-ins in the audit log and the log.
fail_bytes() {
	echo "$(grep -h '"status":4[02][19],' "$AUDIT" 2>/dev/null | wc -c)" \
		"$(grep -h 'webhook 4[02][19] peer=' "$LOG" | wc -c)"
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (a > 0 ? 100 * b / a : 0) }'; }

echo "flood: $BENCH_FLOOD_CONNECTIONS connections without a token, $BENCH_FLOOD_SECONDS s;" \
	"valid deliveries on $BENCH_CONNECTIONS connections; $(nproc) cores"
set -- $(fail_bytes)
flood alone
set -- $(fail_bytes) "$@"
grep '^flood: ' "$OUT/wrk-flood-alone.txt" | grep -v 'NOT 2xx'
echo "flood: failures added $(($1 - $3)) bytes to the audit log, $(($2 - $4)) bytes to the log" \
	"(one line per address per window, see README)"
for kind in distinct same; do
	R0=$(valid "$kind-alone" "post-$kind.lua" 1)
	flood "$kind" &
	FLOOD=$!
	R1=$(valid "$kind-during" "post-$kind.lua" 2)
	wait "$FLOOD"
	echo "flood: valid deliveries ($kind events) ${R0}/s alone, ${R1}/s during the flood" \
		"($(pct "$R0" "$R1")%, want >= 80%)"
done
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=
set -- $(fail_bytes)
echo "flood: in all, $(grep -c '"count":' "$AUDIT") audit lines count the failures;" \
	"failures take $1 bytes of the audit log and $2 bytes of the log"
