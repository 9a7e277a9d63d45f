#!/bin/sh
# Two `certifica serve` nodes on one PostgreSQL behind nginx, under load
# through nginx: the same event posted 50 times at once gives one 201, 49
# 200s and one certificate; 1,000 distinct events from 16 threads (200 under
# valgrind) are all archived, and every PDF is served by each node with the
# SHA-256 the database keeps; one node killed with SIGKILL in the middle of
# a stream loses nothing it acknowledged, the other carries on, and what was
# not acknowledged is issued when posted again, also when deliveries went to
# the killed node straight and got no answer. PostgreSQL, the nodes and
# nginx run here on free 127.0.0.1 ports (tests/pg.sh, tests/nginx.sh); the
# client is tests/webhook-client.py.
# run alone: it loads two nodes and PostgreSQL and kills one mid-stream (tests/run.sh runs it after the others)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/nginx.sh"
CLIENT="$TOP/tests/webhook-client.py"
GEN="$TOP/tests/gen-events.py"
CERTIFICA=$(cd "$TOP" && realpath "$CERTIFICA")
TOKEN=cluster-load-token-0123456789abcdef
A_PID= B_PID= BG_PID= NGINX_PID=
trap '[ -n "$NGINX_PID" ] && kill -9 "$NGINX_PID" 2>/dev/null
	[ -n "$A_PID" ] && kill -9 "$A_PID" 2>/dev/null
	[ -n "$B_PID" ] && kill -9 "$B_PID" 2>/dev/null
	[ -n "$BG_PID" ] && kill -9 "$BG_PID" 2>/dev/null
	pg_stop; [ -n "$KEEP" ] || rm -rf "$TMP"' EXIT
if [ -n "$VALGRIND" ]; then MANY=200 STREAM=100; else MANY=1000 STREAM=400; fi

if ! pg_start; then
	ok 1 "PostgreSQL starts"
	done_testing
	exit 1
fi
ok 0 "PostgreSQL starts on port $PG_PORT"
pg_newdb cluster
sql() { pg_sql cluster "$1"; }

node() { # NAME: a node in its own folder; sets NODE_PORT, NODE_PID
	serve_in "$TMP/$1" "$PG_URI" "$TMP/$1.log" --webhook-token "$TOKEN" --threads 8 \
		--max-connections-per-ip 0 || return 1
	NODE_PORT=$PORT NODE_PID=$SERVE_PID
}
node a && A_PORT=$NODE_PORT A_PID=$NODE_PID
ok $? "node a starts"
node b && B_PORT=$NODE_PORT B_PID=$NODE_PID
ok $? "node b starts"
NG=$TMP/nginx
mkdir -p "$NG/nginx-tmp"
chmod 755 "$TMP" "$NG"
[ "$(id -u)" = 0 ] && chown nobody "$NG/nginx-tmp"
NG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nginx_conf "$NG" "$NG_PORT" "$A_PORT" "$B_PORT"
nginx_start "$NG" "$NG_PORT"
ok $? "nginx starts in front of both"
[ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null || { sed 's/^/#   /' "$NG/nginx-error.log"; done_testing; exit 1; }
URL=http://127.0.0.1:$NG_PORT
STAFF=$(cert staff add ops --store "$PG_URI" 2>/dev/null)

post() { # EVENTS THREADS [--barrier]: through nginx
	timeout 300 python3 "$CLIENT" post "$URL/webhooks" "$TOKEN" "$1" --threads "$2" ${3:+"$3"}
}
count() { # RESULTS STATUS-REGEX
	awk -v s="^($2)\$" '$2 ~ s { n++ } END { print n + 0 }' "$1"
}
kill_b_midway() { # RESULTS: with the client just started in the background,
	# SIGKILL node b once a fifth of the stream is answered; wait for the client
	BG_PID=$!
	_i=0
	while [ "$(wc -l <"$1")" -lt $((STREAM / 5)) ] && [ $_i -lt 600 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	kill -9 "$B_PID"
	wait "$B_PID" 2>/dev/null
	B_PID=
	wait "$BG_PID"
	BG_PID=
}
acked_missing() { # RESULTS: how many of its 2xx answers name a revision not in the database
	sql "SELECT id, revision, code FROM revisions" | tr '|' ' ' >"$TMP/rows"
	awk 'NR == FNR { have[$0] = 1; next } $2 ~ /^20[01]$/ && !(($3 " " $4 " " $5) in have)' \
		"$TMP/rows" "$1" | wc -l
}
again() { # LOST EVENTS LO HI: the lines of EVENTS that LOST numbers, into
	# $TMP/again.jsonl; prints how many of them are for users LO..HI the
	# database does not have yet (posted again, each of those gets a 201)
	awk 'NR == FNR { l[$1] = 1; next } FNR in l' "$1" "$2" >"$TMP/again.jsonl"
	sql "SELECT user_id FROM certificates WHERE user_id BETWEEN $3 AND $4" | sort >"$TMP/have"
	python3 -c 'import json, sys
for ln in open(sys.argv[1]): print(json.loads(ln)["data"]["user"]["id"])' "$TMP/again.jsonl" |
		sort >"$TMP/again-users"
	comm -23 "$TMP/again-users" "$TMP/have" | wc -l
}
uplog() { # how many distinct nodes nginx passed the last N deliveries to
	grep 'POST /webhooks' "$NG/nginx-access.log" | tail -n "$1" |
		sed -n 's/.* up=\([^ ,]*\).*/\1/p' | sort -u | wc -l
}

# --- 1. one event 50 times at once through nginx ---
python3 "$GEN" 1 --seed 21 --offset 30000 >"$TMP/one.jsonl"
i=0
while [ $i -lt 50 ]; do cat "$TMP/one.jsonl"; i=$((i + 1)); done >"$TMP/same.jsonl"
post "$TMP/same.jsonl" 50 --barrier >"$TMP/r1"
is "$(count "$TMP/r1" 201)" 1 "the same event 50 times at once through nginx: exactly one 201"
is "$(count "$TMP/r1" 200)" 49 "and 49 answers 200"
is "$(awk '{ print $3, $4, $5 }' "$TMP/r1" | sort -u | wc -l)" 1 \
	"all 50 answers carry the same id, revision and code"
is "$(uplog 50)" 2 "nginx split them across both nodes"
is "$(sql 'SELECT count(*) FROM certificates WHERE user_id = 40000')" 1 "one certificate"
is "$(sql 'SELECT count(*) FROM revisions r JOIN certificates c USING (id) WHERE c.user_id = 40000')" \
	1 "one revision"

# --- 2. many distinct events from 16 threads ---
python3 "$GEN" "$MANY" --seed 22 --offset 40000 >"$TMP/many.jsonl"
t0=$(date +%s.%N)
post "$TMP/many.jsonl" 16 >"$TMP/r2"
t1=$(date +%s.%N)
echo "# $MANY distinct events through nginx, 16 threads: $(echo "$t0 $t1" |
	awk -v n="$MANY" '{ printf "%.1f s, %.0f/s", $2 - $1, n / ($2 - $1) }')"
is "$(count "$TMP/r2" 201)" "$MANY" "$MANY distinct events through nginx: $MANY answers 201"
is "$(uplog "$MANY")" 2 "both nodes issued some"
is "$(sql 'SELECT count(*), count(DISTINCT code) FROM revisions r JOIN certificates c USING (id)
	WHERE c.user_id BETWEEN 50000 AND 59999')" "$MANY|$MANY" \
	"$MANY revisions with distinct codes in the database"
sql 'SELECT r.id, r.sha256 FROM revisions r JOIN certificates c USING (id)
	WHERE c.user_id BETWEEN 50000 AND 59999' | tr '|' ' ' | sort >"$TMP/want"
awk '$2 == 201 { print $3 }' "$TMP/r2" | sort >"$TMP/ids"
is "$(cut -d' ' -f1 "$TMP/want" | cmp - "$TMP/ids" >/dev/null && echo same)" same \
	"the ids answered are the ids in the database"
for n in a b; do
	eval "p=\$$(echo "$n" | tr a-z A-Z)_PORT"
	mkdir -p "$TMP/pdf-$n"
	while read -r id _; do
		printf 'url = "http://127.0.0.1:%s/certificates/%s.pdf"\noutput = "%s/pdf-%s/%s"\n' \
			"$p" "$id" "$TMP" "$n" "$id"
	done <"$TMP/want" >"$TMP/curl-$n"
	curl -s -f -H "Authorization: Bearer $STAFF" -K "$TMP/curl-$n"
	ok $? "node $n serves all $MANY PDFs directly"
	(cd "$TMP/pdf-$n" && sha256sum -- *) | awk '{ print $2, $1 }' | sort >"$TMP/got-$n"
	is "$(cmp "$TMP/want" "$TMP/got-$n" >/dev/null && echo same)" same \
		"each PDF from node $n has the SHA-256 the database keeps"
done

# --- 3. node b killed with SIGKILL in the middle of a stream ---
python3 "$GEN" "$STREAM" --seed 23 --offset 60000 >"$TMP/s.jsonl"
: >"$TMP/r3"
post "$TMP/s.jsonl" 4 >"$TMP/r3" &
kill_b_midway "$TMP/r3"
ok 0 "node b killed with SIGKILL after $(wc -l <"$TMP/r3") of $STREAM answers"
is "$(wc -l <"$TMP/r3")" "$STREAM" "every delivery of the stream was answered"
is "$(awk '$2 !~ /^(200|201|502|503|504)$/' "$TMP/r3" | wc -l)" 0 \
	"the stream saw only 2xx, 502, 503 or 504 (no error, no lost connection)"
echo "# stream: $(count "$TMP/r3" '200|201') acknowledged, $(count "$TMP/r3" '502|503|504') refused," \
	"$(grep 'POST /webhooks' "$NG/nginx-access.log" | tail -n "$STREAM" | grep -c ' up=[^ ]*, ')" \
	"passed on by nginx to the other node"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A_PORT/healthz")" 200 \
	"node a carries on: /healthz 200"
is "$(acked_missing "$TMP/r3")" 0 "every acknowledged delivery is in the database"
# What was not acknowledged, posted again: 201, or 200 for one node b had
# committed just before it died (it is then in the database already).
awk '$2 !~ /^20[01]$/ { print $1 }' "$TMP/r3" >"$TMP/lost"
want_201=$(again "$TMP/lost" "$TMP/s.jsonl" 70000 79999)
post "$TMP/again.jsonl" 4 >"$TMP/r4"
is "$(count "$TMP/r4" 201)" "$want_201" \
	"the $(wc -l <"$TMP/lost") not acknowledged, posted again: 201 for each not in the database ($want_201)"
is "$(count "$TMP/r4" '200|201')" "$(wc -l <"$TMP/lost")" "and all of them 2xx"
is "$(sql 'SELECT count(*) FROM certificates WHERE user_id BETWEEN 70000 AND 79999')" "$STREAM" \
	"$STREAM certificates, one per event"
is "$(sql 'SELECT count(*) FROM revisions r JOIN certificates c USING (id)
	WHERE c.user_id BETWEEN 70000 AND 79999')" "$STREAM" "and one revision each"

# --- 4. node b again, killed while deliveries go to it directly ---
# Through nginx the deliveries node b dropped were passed on to node a (none
# refused, above). Sent to node b itself, those after the kill get no answer,
# and the platform posts them again: through nginx, to the node still up.
node b && B_PORT=$NODE_PORT B_PID=$NODE_PID
ok $? "node b starts again"
URL=http://127.0.0.1:$NG_PORT # nginx's, which node() set to the node's
python3 "$GEN" "$STREAM" --seed 24 --offset 80000 >"$TMP/d.jsonl"
: >"$TMP/r5"
timeout 300 python3 "$CLIENT" post "http://127.0.0.1:$B_PORT/webhooks" "$TOKEN" "$TMP/d.jsonl" \
	--threads 4 >"$TMP/r5" &
kill_b_midway "$TMP/r5"
is "$(count "$TMP/r5" ERR)" 4 \
	"straight to node b, killed mid-stream: each of the 4 client threads got no answer once (and stopped)"
is "$(awk '$2 !~ /^(200|201|ERR)$/' "$TMP/r5" | wc -l)" 0 "every other delivery got a 2xx"
# not acknowledged: the deliveries without an answer and those never sent
awk -v n="$STREAM" '$2 ~ /^20[01]$/ { a[$1] = 1 } END { for (i = 1; i <= n; i++) if (!(i in a)) print i }' \
	"$TMP/r5" >"$TMP/lost2"
echo "# straight to node b: $(count "$TMP/r5" '200|201') acknowledged, $(wc -l <"$TMP/lost2") not"
check "some deliveries were not acknowledged" test -s "$TMP/lost2"
is "$(acked_missing "$TMP/r5")" 0 "every delivery node b acknowledged is in the database"
want_201=$(again "$TMP/lost2" "$TMP/d.jsonl" 90000 99999)
echo "# of those, $(($(wc -l <"$TMP/lost2") - want_201)) were committed by node b before it died"
post "$TMP/again.jsonl" 4 >"$TMP/r6"
is "$(count "$TMP/r6" 201)" "$want_201" \
	"posted again through nginx: 201 for each not in the database ($want_201)"
is "$(count "$TMP/r6" '200|201')" "$(wc -l <"$TMP/lost2")" "and all of them 2xx"
is "$(sql 'SELECT count(*) FROM certificates WHERE user_id BETWEEN 90000 AND 99999')" "$STREAM" \
	"$STREAM certificates, one per event"
is "$(sql 'SELECT count(*) FROM revisions r JOIN certificates c USING (id)
	WHERE c.user_id BETWEEN 90000 AND 99999')" "$STREAM" "and one revision each"

kill -QUIT "$NGINX_PID"
wait "$NGINX_PID"
NGINX_PID=
kill -TERM "$A_PID"
wait "$A_PID"
ok $? "node a stops cleanly on SIGTERM"
A_PID=
if [ -n "$VALGRIND" ]; then
	check "no leak or memory error in node a" sh -c "! grep -q 'definitely lost: [1-9]\|Invalid' '$TMP/a.log'"
fi
done_testing
