#!/bin/sh
# Two `certifica serve` nodes on one PostgreSQL database, as a load balancer
# would use them: events posted to either are archived once, PDFs are served
# by both, the same event posted 50 times at once across both gives one
# certificate, and PostgreSQL stopped in the middle of a stream of deliveries
# gives only 503s (with Retry-After) or 2xx, /healthz 503, then recovery on
# its own with nothing acknowledged lost. The audit records of both nodes are
# in the database. PostgreSQL 15 and both nodes run
# here on free 127.0.0.1 ports; the client is tests/webhook-client.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
CLIENT="$TOP/tests/webhook-client.py"
GEN="$TOP/tests/gen-events.py"
CERTIFICA=$(cd "$TOP" && realpath "$CERTIFICA")
TOKEN=node-shared-token-0123456789abcdef
A_PID= B_PID= BG_PID=
trap '[ -n "$A_PID" ] && kill -9 "$A_PID" 2>/dev/null
	[ -n "$B_PID" ] && kill -9 "$B_PID" 2>/dev/null
	[ -n "$BG_PID" ] && kill -9 "$BG_PID" 2>/dev/null
	pg_stop; [ -n "$KEEP" ] || rm -rf "$TMP"' EXIT

if ! pg_start; then
	ok 1 "PostgreSQL starts"
	done_testing
	exit 1
fi
ok 0 "PostgreSQL starts on port $PG_PORT"
pg_newdb nodes
sql() { pg_sql nodes "$1"; }

# node NAME: start a node in its own folder; sets NODE_URL, NODE_PID.
node() {
	serve_in "$TMP/$1" "$PG_URI" "$TMP/$1.log" --webhook-token "$TOKEN" --threads 8 || return 1
	NODE_URL=$URL NODE_PID=$SERVE_PID
}
node a && A_URL=$NODE_URL A_PID=$NODE_PID
ok $? "node a starts"
node b && B_URL=$NODE_URL B_PID=$NODE_PID
ok $? "node b starts"
[ "$A_URL" != "$B_URL" ] && kill -0 "$A_PID" && kill -0 "$B_PID"
ok $? "two nodes, two processes on two ports"
check "a node's log names the database without its user" \
	grep -q "store 'postgresql://127.0.0.1:$PG_PORT/nodes'" "$TMP/a.log"

post() { # URL EVENTS THREADS [--barrier]
	timeout 120 python3 "$CLIENT" post "$1/webhooks" "$TOKEN" "$2" --threads "$3" ${4:+"$4"}
}
count() { # RESULTS STATUS-REGEX
	awk -v s="^($2)\$" '$2 ~ s { n++ } END { print n + 0 }' "$1"
}

# --- 1. distinct events to node a, PDFs from node b ---
python3 "$GEN" 40 --seed 7 --offset 0 >"$TMP/d.jsonl"
post "$A_URL" "$TMP/d.jsonl" 8 >"$TMP/r1"
is "$(count "$TMP/r1" 201)" 40 "40 distinct events to node a: 40 answers 201"
is "$(sql 'SELECT count(*), count(DISTINCT code) FROM revisions')" "40|40" \
	"40 revisions with distinct codes in the database"
is "$(sql 'SELECT count(*) FROM revision_files')" 40 "and their 40 PDFs"
STAFF=$(cert staff add ops --store "$PG_URI" 2>/dev/null)
bad=0
for id in $(awk '$2 == 201 { print $3 }' "$TMP/r1" | head -n 10); do
	want=$(sql "SELECT sha256 FROM revisions WHERE id = '$id' AND revision = 1")
	for u in "$A_URL" "$B_URL"; do
		got=$(curl -s -H "Authorization: Bearer $STAFF" "$u/certificates/$id.pdf" | sha256sum |
			cut -d' ' -f1)
		[ "$got" = "$want" ] || bad=$((bad + 1))
	done
done
is "$bad" 0 "each PDF is served by both nodes with the SHA-256 the database keeps"
id=$(awk '$2 == 201 { print $3; exit }' "$TMP/r1")
is "$(curl -s -o "$TMP/part" -w '%{http_code}' -H 'Range: bytes=0-4' \
	-H "Authorization: Bearer $STAFF" "$B_URL/certificates/$id.pdf"):$(cat "$TMP/part")" \
	"206:%PDF-" "a range of a PDF from the database: 206 with those bytes"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $STAFF" \
	"$B_URL/certificates?q=escola")" 200 "node b searches what node a archived"

# --- 2. one event 50 times at once, split across the two nodes ---
python3 "$GEN" 1 --seed 9 --offset 700 >"$TMP/one.jsonl"
i=0
while [ $i -lt 25 ]; do cat "$TMP/one.jsonl"; i=$((i + 1)); done >"$TMP/same.jsonl"
post "$A_URL" "$TMP/same.jsonl" 25 --barrier >"$TMP/r2a" &
pa=$!
post "$B_URL" "$TMP/same.jsonl" 25 --barrier >"$TMP/r2b"
wait $pa
cat "$TMP/r2a" "$TMP/r2b" >"$TMP/r2"
is "$(count "$TMP/r2" 201)" 1 "the same event 50 times on two nodes: exactly one 201"
is "$(count "$TMP/r2" 200)" 49 "and 49 answers 200"
is "$(awk '{ print $3, $4, $5 }' "$TMP/r2" | sort -u | wc -l)" 1 \
	"all 50 answers carry the same id, revision and code"
is "$(sql 'SELECT count(*) FROM certificates WHERE user_id = 10700')" 1 "one certificate"
is "$(sql "SELECT count(*) FROM revisions r JOIN certificates c USING (id) WHERE c.user_id = 10700")" \
	1 "one revision"
# The first deliveries of a new event racing each other, again and again:
# the second's claim must wait for the first, not deadlock with it (with only
# the id as the claim's arbiter, about one burst in ten of 16 such posts
# ended with a 503 after PostgreSQL's deadlock_timeout). A race, so a guard
# rather than a proof: these 30 bursts caught it in 2 of 3 runs of the old
# claim here.
python3 "$GEN" 30 --seed 9 --offset 800 >"$TMP/rounds.jsonl"
timeout 300 python3 "$CLIENT" burst 127.0.0.1 "${A_URL##*:}" "$TOKEN" "$TMP/rounds.jsonl" 16 \
	>"$TMP/r2r"
is "$(grep -c '^201$' "$TMP/r2r"):$(grep -c '^200$' "$TMP/r2r"):$(wc -l <"$TMP/r2r")" "30:450:480" \
	"30 new events, each posted 16 times at once: 30 answers 201 and 450 answers 200"
is "$(sql 'SELECT count(*) FROM revisions r JOIN certificates c USING (id) WHERE c.user_id BETWEEN 10800 AND 10829')" \
	30 "one revision for each"
check "and no deadlock in PostgreSQL's log" sh -c "! grep -q 'deadlock detected' '$PG_DIR/server.log'"
# A redelivery archives nothing, so it does not wait for the WAL to reach
# the disk: its audit record is committed without that wait (40 in a row
# flushed the WAL 40 times when the audit record waited for it). A backend
# reports its WAL counts when it ends, so node a is restarted around them.
restart_a() {
	kill -TERM "$A_PID" && wait "$A_PID"
	node a && A_URL=$NODE_URL A_PID=$NODE_PID
}
restart_a
w0=$(sql 'SELECT wal_sync FROM pg_stat_wal')
i=0
while [ $i -lt 40 ]; do
	curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" --data-binary @"$TMP/one.jsonl" \
		"$A_URL/webhooks"
	i=$((i + 1))
done
restart_a
w1=$(sql 'SELECT wal_sync FROM pg_stat_wal')
check "40 redeliveries one after another: fewer than 20 WAL flushes ($((w1 - w0)))" \
	test $((w1 - w0)) -lt 20
# Both nodes write their audit lines to the database, one log for the cluster.
is "$(sql 'SELECT count(*) FROM audit')" 610 "610 deliveries, 610 audit records in the database"
# (records that arrive together share one insert: each must still be whole)
is "$(cert audit --store "$PG_URI" | python3 -c 'import json, sys
print(sum(1 for line in sys.stdin if json.loads(line)["status"] in (200, 201)))')" 610 \
	"each of them a whole JSON line with its status"
is "$(cert audit --status 201 --store "$PG_URI" | wc -l)" 71 \
	"certifica audit --store postgresql://... --status 201: the 71 issued"
is "$(find "$TMP/a" "$TMP/b" -path '*audit*' -type f | wc -l)" 0 "and no audit file on a node"
# A new delivery reads the archive once before its write (store_peek, on
# the connection's thread, so that a redelivery is answered there), and its
# write, on a webhook worker, does not read it again: 7 index scans of the
# certificates table for each new certificate, where reading it twice made
# 8. (Counted by PostgreSQL per backend, reported when node a restarts.)
python3 "$GEN" 20 --seed 9 --offset 900 >"$TMP/new20.jsonl"
# Node b restarted first: its connections' counts of the earlier sections
# are reported when they end, not in the middle of this count.
kill -TERM "$B_PID" && wait "$B_PID"
node b && B_URL=$NODE_URL B_PID=$NODE_PID
sleep 1
x0=$(sql "SELECT idx_scan FROM pg_stat_user_tables WHERE relname = 'certificates'")
while read -r line; do
	printf '%s' "$line" | curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
		--data-binary @- "$A_URL/webhooks"
done <"$TMP/new20.jsonl"
restart_a
x1=$(sql "SELECT idx_scan FROM pg_stat_user_tables WHERE relname = 'certificates'")
check "20 new deliveries one after another: fewer than 150 index scans of certificates ($((x1 - x0)))" \
	test $((x1 - x0)) -lt 150
# Each new certificate is a commit of its own on PostgreSQL, in /metrics
# (read apart from the count above: /metrics reads the store's totals).
python3 "$GEN" 5 --seed 10 --offset 950 >"$TMP/new5.jsonl"
metric() { curl -s "$A_URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
c0=$(metric certifica_commit_seconds_count) g0=$(metric certifica_commit_group_size_sum)
while read -r line; do
	printf '%s' "$line" | curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
		--data-binary @- "$A_URL/webhooks"
done <"$TMP/new5.jsonl"
is "$(($(metric certifica_commit_seconds_count) - c0)):$(($(metric certifica_commit_group_size_sum) - g0))" \
	5:5 "/metrics: 5 new deliveries, 5 commits of one certificate each"

# --- 3. PostgreSQL stopped in the middle of a stream ---
python3 "$GEN" 300 --seed 11 --offset 1000 >"$TMP/s.jsonl"
: >"$TMP/r3"
post "$A_URL" "$TMP/s.jsonl" 4 >"$TMP/r3" &
BG_PID=$!
i=0
while [ "$(wc -l <"$TMP/r3")" -lt 40 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
pg_halt
ok $? "PostgreSQL stopped while deliveries go on"
t0=$(date +%s)
curl -s -D "$TMP/h503" -o "$TMP/b503" -X POST -H "Authorization: Bearer $TOKEN" \
	--data-binary @"$TMP/one.jsonl" "$A_URL/webhooks"
t1=$(date +%s)
check "while it is down, a webhook gets 503" grep -q "^HTTP/1.1 503" "$TMP/h503"
check "with Retry-After" grep -qi "^Retry-After: " "$TMP/h503"
ok $((t1 - t0 > 5)) "within the connection timeout ($((t1 - t0)) s)"
is "$(curl -s -o /dev/null -w '%{http_code}' "$B_URL/healthz")" 503 "/healthz says 503"
sleep 1
pg_resume
ok $? "PostgreSQL started again"
wait "$BG_PID"
BG_PID=
up=0
i=0
while [ $i -lt 100 ]; do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$A_URL/healthz")" = 200 ] && { up=1; break; }
	sleep 0.1
	i=$((i + 1))
done
is "$up" 1 "node a recovers on its own: /healthz 200"
is "$(awk '$2 !~ /^(200|201|503)$/' "$TMP/r3" | wc -l)" 0 \
	"the stream saw only 201, 200 or 503 (no error, no lost connection)"
is "$(wc -l <"$TMP/r3")" 300 "every delivery of the stream was answered"
ok $(($(count "$TMP/r3" 503) == 0)) "some deliveries were refused while it was down ($(count "$TMP/r3" 503))"
sql "SELECT id, revision, code FROM revisions" | tr '|' ' ' >"$TMP/rows"
is "$(awk 'NR == FNR { have[$0] = 1; next } $2 ~ /^20[01]$/ && !(($3 " " $4 " " $5) in have)' \
	"$TMP/rows" "$TMP/r3" | wc -l)" 0 "every acknowledged delivery is in the database"
post "$B_URL" "$TMP/s.jsonl" 4 >"$TMP/r4"
is "$(count "$TMP/r4" '200|201')" 300 "the platform's retries, to node b: all 2xx"
is "$(count "$TMP/r4" 201)" "$(count "$TMP/r3" 503)" "201 exactly for the ones refused before"
is "$(sql 'SELECT count(*) FROM certificates WHERE user_id BETWEEN 11000 AND 11299')" 300 \
	"300 certificates, one per event"
is "$(sql "SELECT count(*) FROM revisions r JOIN certificates c USING (id)
	WHERE c.user_id BETWEEN 11000 AND 11299")" 300 "and one revision each"

kill -TERM "$A_PID" "$B_PID"
wait "$A_PID"
ra=$?
wait "$B_PID"
rb=$?
A_PID= B_PID=
is "$ra:$rb" "0:0" "both nodes stop cleanly on SIGTERM"
if [ -n "$VALGRIND" ]; then
	check "no leak or memory error in node a" sh -c "! grep -q 'definitely lost: [1-9]\|Invalid' '$TMP/a.log'"
	check "no leak or memory error in node b" sh -c "! grep -q 'definitely lost: [1-9]\|Invalid' '$TMP/b.log'"
fi
done_testing
