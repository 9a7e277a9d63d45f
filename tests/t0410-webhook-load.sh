#!/bin/sh
# The webhook receiver under load, as the platform and an operator see it:
# 200 concurrent deliveries of distinct events, 50 concurrent deliveries of one
# event, kill -9 and SIGTERM in the middle of a stream of deliveries, and
# clients that stall while others are served. The client is
# tests/webhook-client.py; everything talks to 127.0.0.1 only.
# run alone: it loads the server with concurrent deliveries and times them (tests/run.sh runs it after the others)
. "$(dirname "$0")/lib.sh"
CLIENT="$(dirname "$0")/webhook-client.py"
GEN="$(dirname "$0")/gen-events.py"
STORE="$TMP/store"
INDEX="$STORE/index.sqlite"

SERVE_PID=
BG_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
	[ -n "$BG_PID" ] && kill -9 "$BG_PID" 2>/dev/null
	rm -rf "$TMP"' EXIT

if ! command -v python3 >/dev/null || ! command -v sqlite3 >/dev/null; then
	echo "ok - # skip load tests: python3 and sqlite3 are needed"
	exit 0
fi

# Timing bounds, in milliseconds; looser under valgrind.
SLOW=1
[ -n "$VALGRIND" ] && SLOW=10

# serve ARGS...: start the server on a free port; sets PORT, URL, SERVE_PID.
serve() { serve_start "$STORE" "$TMP/serve.log" "$@"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# SIGTERM, then wait at most $1 ms; sets STOP_MS and STOP_RC (255: still running).
stop_within() {
	t0=$(now_ms)
	kill -TERM "$SERVE_PID"
	while kill -0 "$SERVE_PID" 2>/dev/null && [ $(($(now_ms) - t0)) -lt "$1" ]; do
		sleep 0.05
	done
	STOP_MS=$(($(now_ms) - t0))
	if kill -0 "$SERVE_PID" 2>/dev/null; then
		kill -9 "$SERVE_PID"
		wait "$SERVE_PID" 2>/dev/null
		STOP_RC=255
	else
		wait "$SERVE_PID"
		STOP_RC=$?
	fi
	SERVE_PID=
}

# post EVENTS THREADS [--barrier]: one result line per event on stdout
# ("LINE STATUS ID REVISION CODE" or "LINE ERR REASON").
post() {
	timeout 60 python3 "$CLIENT" post "$URL/webhooks" "$TOKEN" "$1" --threads "$2" ${3:+"$3"}
}

# Start a stream of deliveries of EVENTS in the background into RESULTS
# (4 threads, keep-alive) and return once at least N have been answered.
stream() { # EVENTS RESULTS N
	: >"$2"
	post "$1" 4 >"$2" &
	BG_PID=$!
	i=0
	while [ "$(wc -l <"$2")" -lt "$3" ] && [ $i -lt 300 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
stream_end() {
	wait "$BG_PID"
	BG_PID=
}

count() { # RESULTS STATUS-REGEX
	awk -v s="^($2)\$" '$2 ~ s { n++ } END { print n + 0 }' "$1"
}
sql() { sqlite3 -cmd ".timeout 5000" "$INDEX" "$@"; }

# Every revision row of the index: "id revision code pdf_path sha256".
rows() { sql -separator ' ' "SELECT id, revision, code, pdf_path, sha256 FROM revisions"; }

# Answered events (2xx) of RESULTS that have no row with their id, revision
# and code; prints their count.
missing_rows() {
	rows >"$TMP/rows"
	awk 'NR == FNR { have[$1 " " $2 " " $3] = 1; next }
		$2 ~ /^20[01]$/ && !(($3 " " $4 " " $5) in have) { n++ } END { print n + 0 }' \
		"$TMP/rows" "$1"
}

# 0 when the PDF of every answered event of RESULTS (or of every row, with no
# RESULTS) exists and its SHA-256 is the one in the index.
pdfs_match() {
	rows >"$TMP/rows"
	if [ $# = 1 ]; then
		awk '$2 ~ /^20[01]$/ { print $3 " " $4 " " $5 }' "$1" >"$TMP/want"
	else
		awk '{ print $1 " " $2 " " $3 }' "$TMP/rows" >"$TMP/want"
	fi
	awk -v dir="$STORE" 'NR == FNR { want[$0] = 1; next }
		($1 " " $2 " " $3) in want { print $5 "  " dir "/" $4 }' "$TMP/want" "$TMP/rows" \
		>"$TMP/sums"
	[ "$(wc -l <"$TMP/sums")" = "$(wc -l <"$TMP/want")" ] &&
		sha256sum -c --quiet "$TMP/sums" >/dev/null 2>&1
}

# Temporary files in the store: PDFs being written, probes, token drafts.
temp_files() { find "$STORE" -name '*.tmp' -o -name '.*' -type f | wc -l; }

serve || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"
TOKEN=$(cat "$STORE/webhook-token")

# --- 1. 200 concurrent deliveries of 200 distinct events ---
python3 "$GEN" 200 --seed 41 --offset 0 >"$TMP/distinct.jsonl"
post "$TMP/distinct.jsonl" 200 --barrier >"$TMP/r1"
is "$(count "$TMP/r1" 201)" 200 "200 concurrent distinct events: 200 answers 201"
is "$(awk '$2 == 201 { print $3 }' "$TMP/r1" | sort -u | wc -l)" 200 "200 distinct ids answered"
is "$(sql 'SELECT count(*) FROM certificates')" 200 "200 certificates in the index"
is "$(sql 'SELECT count(DISTINCT user_id) FROM certificates')" 200 "one certificate per person"
is "$(sql 'SELECT count(*), count(DISTINCT code) FROM revisions')" "200|200" \
	"200 revisions with 200 distinct verification codes"
is "$(missing_rows "$TMP/r1")" 0 "every answered id, revision and code is in the index"
check "every PDF matches its SHA-256 in the index" pdfs_match "$TMP/r1"
# /metrics shows how the 200 were committed: every one in some commit group.
curl -s "$URL/metrics" >"$TMP/metrics"
is "$(sed -n 's/^certifica_commit_group_size_sum //p' "$TMP/metrics")" 200 \
	"/metrics: the commit groups hold the 200 certificates"
groups=$(sed -n 's/^certifica_commit_group_size_count //p' "$TMP/metrics")
check "in 1 to 200 index commits ($groups)" test "${groups:-0}" -ge 1 -a "${groups:-0}" -le 200
is "$(sed -n 's/^certifica_commit_seconds_count //p' "$TMP/metrics")" "$groups" \
	"one commit time per group"
fsyncs=$(sed -n 's/^certifica_fsync_seconds_count //p' "$TMP/metrics")
check "and fsync times: the 200 PDF files', and the groups' folders ($fsyncs)" \
	test "${fsyncs:-0}" -ge 200 -a "${fsyncs:-0}" -le $((200 + groups))

# --- 2. one event delivered 50 times at once ---
python3 "$GEN" 1 --seed 42 --offset 500 >"$TMP/one.jsonl"
i=0
while [ $i -lt 50 ]; do cat "$TMP/one.jsonl"; i=$((i + 1)); done >"$TMP/same.jsonl"
post "$TMP/same.jsonl" 50 --barrier >"$TMP/r2"
is "$(count "$TMP/r2" 201)" 1 "the same event 50 times at once: exactly one 201"
is "$(count "$TMP/r2" 200)" 49 "and 49 answers 200"
is "$(awk '{ print $3, $4, $5 }' "$TMP/r2" | sort -u | wc -l)" 1 \
	"all 50 answers carry the same id, revision and code"
ID=$(awk '$2 == 201 { print $3 }' "$TMP/r2")
is "$(sql 'SELECT count(*) FROM certificates WHERE user_id = 10500')" 1 "one certificate"
is "$(sql "SELECT count(*) FROM revisions WHERE id = '$ID'")" 1 "one revision"

# --- 3. kill -9 during a stream of deliveries, then restart ---
python3 "$GEN" 1000 --seed 43 --offset 1000 >"$TMP/stream.jsonl"
stream "$TMP/stream.jsonl" "$TMP/r3" 40
kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
stream_end
N3=$(count "$TMP/r3" '20[01]')
ok "$([ "$N3" -ge 40 ] && [ "$(count "$TMP/r3" ERR)" -ge 1 ]; echo $?)" \
	"kill -9 cut the stream after $N3 answers"
is "$(count "$TMP/r3" '[0-9]+')" "$N3" "every answer before the kill was 2xx"
serve || { ok 1 "server restarts after kill -9"; done_testing; exit 1; }
ok 0 "server restarts on the same store after kill -9"
is "$(missing_rows "$TMP/r3")" 0 "every event answered 2xx before the kill has its row"
check "and its PDF, whose SHA-256 matches the row" pdfs_match "$TMP/r3"
check "every row of the index has a matching PDF" pdfs_match
is "$(sql 'PRAGMA integrity_check')" ok "the index passes integrity_check"
is "$(temp_files)" 0 "no temporary files after recovery"
awk '$2 ~ /^20[01]$/' "$TMP/r3" | sort -n >"$TMP/answered"
awk 'NR == FNR { want[$1] = 1; next } FNR in want' "$TMP/answered" "$TMP/stream.jsonl" \
	>"$TMP/again.jsonl"
post "$TMP/again.jsonl" 4 >"$TMP/r3b"
is "$(count "$TMP/r3b" 200)" "$N3" "re-posting the $N3 answered events: 200 unchanged"
awk '{ print $3, $4, $5 }' "$TMP/answered" >"$TMP/want"
sort -n "$TMP/r3b" | awk '{ print $3, $4, $5 }' >"$TMP/got"
check "with the same id, revision and code as before the kill" cmp -s "$TMP/want" "$TMP/got"

# --- 4. SIGTERM during a stream of deliveries ---
python3 "$GEN" 1000 --seed 44 --offset 3000 >"$TMP/stream2.jsonl"
stream "$TMP/stream2.jsonl" "$TMP/r4" 40
stop_within $((5000 * SLOW))
stream_end
N4=$(count "$TMP/r4" '20[01]')
is "$STOP_RC" 0 "SIGTERM during load: exit status 0"
ok "$([ "$STOP_MS" -lt $((5000 * SLOW)) ]; echo $?)" "and within 5 s (${STOP_MS} ms)"
check "the stop is logged" grep -q "info: stopped" "$TMP/serve.log"
ok "$([ "$N4" -ge 40 ]; echo $?)" "$N4 events were answered before the stop"
is "$(count "$TMP/r4" '[0-9]+')" "$N4" "every answer during the stop was 2xx"
is "$(missing_rows "$TMP/r4")" 0 "every event answered 2xx has its row"
check "and its PDF, whose SHA-256 matches the row" pdfs_match "$TMP/r4"
check "every row of the index has a matching PDF" pdfs_match
is "$(temp_files)" 0 "no temporary files in the store"
ok "$([ ! -e "$INDEX-wal" ]; echo $?)" "the index was closed cleanly (no WAL left)"

# --- 5. stalled clients are dropped while others are served ---
serve --connection-timeout 2 || { ok 1 "server starts with --connection-timeout 2"; done_testing; exit 1; }
timeout 30 python3 "$CLIENT" stall 127.0.0.1 "$PORT" "$TOKEN" 20 8 >"$TMP/stall" &
BG_PID=$!
i=0
while ! grep -q '^stalled$' "$TMP/stall" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
python3 "$GEN" 1 --seed 45 --offset 5000 >"$TMP/during.jsonl"
st=$(curl -s -o "$TMP/body" --max-time 10 -w '%{http_code} %{time_total}' -X POST \
	-H "Authorization: Bearer $TOKEN" --data-binary @"$TMP/during.jsonl" "$URL/webhooks")
is "${st% *}" 201 "a delivery while 20 clients stall after their headers: 201"
ok "$(awk -v t="${st#* }" -v m="$SLOW" 'BEGIN { exit !(t < 1 * m) }'; echo $?)" \
	"answered promptly (${st#* } s)"
stream_end
is "$(grep -c '^stalled closed .* -$' "$TMP/stall")" 20 \
	"the 20 stalled clients are dropped, without an answer"
ok "$(awk -v m="$SLOW" '/^stalled closed/ { if ($3 < 1.5 || $3 > 5 * m) bad++ }
	END { exit bad > 0 }' "$TMP/stall"; echo $?)" "after the 2 s timeout ($(awk \
	'/^stalled closed/ { print $3; exit }' "$TMP/stall") s)"
check "so is a client that sends nothing" grep -q '^idle closed [1-9].* -$' "$TMP/stall"
check "one stalling without credentials is answered 401 at once" \
	grep -q '^anonymous closed 0\.[0-9]* 401$' "$TMP/stall"
check "the drop is logged" grep -q "warn: webhook 0 peer=127.0.0.1 .*: connection timed out" \
	"$TMP/serve.log"
stop_within $((5000 * SLOW))
is "$STOP_RC" 0 "SIGTERM: exit 0"

done_testing
