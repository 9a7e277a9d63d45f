#!/bin/sh
# Failed sign-ins cost bounded disk and never starve a valid delivery: past
# auth_fail_limit failures per address per auth_fail_window the answer is
# 429 with Retry-After, held back a second (so a flood gets at most one
# answer per second per connection), and only the first failure of each
# window is audited and logged one by one; the rest become one line with a
# count when
# the window ends (or at shutdown), so that the audit log and the log grow
# with time, not with requests. Valid deliveries and staff sign-ins from the
# same address go through all along. IPv6 clients count by /64.
# run alone: it floods the server and checks a valid delivery still gets through in time (tests/run.sh runs it after the others)
. "$(dirname "$0")/lib.sh"
CLIENT="$(dirname "$0")/hostile-client.py"
STORE="$TMP/store"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
if ! command -v python3 >/dev/null; then
	echo "ok - # SKIP flood tests: python3 is needed"
	exit 0
fi

# A long window, so that the flood below fits in one even under valgrind.
serve_start "$STORE" "$TMP/serve.log" --auth-fail-limit 5 --auth-fail-window 60 ||
	{ ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT (5 failures per 60 s)"
TOKEN=$(cat "$STORE/webhook-token")
STAFF=$(cert staff add t0630 --store "$STORE" 2>/dev/null | grep -oE '[A-Za-z0-9_-]{43}' | head -n 1)
AUDIT="$STORE/audit/audit-$(date -u +%Y-%m-%d).jsonl"

# nope [CURL-ARGS]: a delivery without the token; status, headers in $TMP/h.
nope() {
	curl -s -o "$TMP/body" -D "$TMP/h" -w '%{http_code}' -d '{}' "$@" "$URL/webhooks"
}
valid() {
	curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		--data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks"
}
# failures_audited: the failed sign-ins the audit log accounts for, lines
# standing for one or for "count" calls.
failures_audited() {
	python3 - "$AUDIT" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["status"] in (401, 429):
        n += e.get("count", 1)
print(n)
PY
}

got=""
for i in 1 2 3 4 5; do got="$got $(nope)"; done
is "$got" " 401 401 401 401 401" "5 deliveries without a token: 401 each"
st=$(curl -s -o "$TMP/body" -D "$TMP/h" -w '%{http_code} %{time_total}' -d '{}' "$URL/webhooks")
is "${st% *}" 429 "the 6th within the window: 429"
ok "$(awk -v t="${st#* }" 'BEGIN { exit !(t >= 0.9) }'; echo $?)" "  held back about a second (${st#* } s)"
RA=$(grep -i '^Retry-After:' "$TMP/h" | tr -dc '0-9')
ok "$([ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 60 ]; echo $?)" "  with Retry-After within the window ($RA s)"
check "  saying why" grep -q '"too many failed sign-ins from this address, retry in [0-9]* s"' "$TMP/body"
is "$(nope -H 'Authorization: Bearer wrong')" 429 "a wrong token counts too: 429"
is "$(valid)" 201 "a valid delivery from the same address meanwhile: 201"
is "$(valid)" 200 "and again: 200"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $STAFF" "$URL/certificates")" \
	200 "a staff sign-in meanwhile: 200 (staff failures count apart)"
is "$(grep -c '"status":40[19]\|"status":429' "$AUDIT")" 1 "7 failures so far, one audit line"
is "$(grep -c 'webhook 4[02][19] peer' "$TMP/serve.log")" 1 "... and one log line"

# --- a flood ---
A0=$(wc -c <"$AUDIT")
L0=$(wc -c <"$TMP/serve.log")
timeout 120 python3 "$CLIENT" flood 127.0.0.1 "$PORT" 500 100 /webhooks >"$TMP/flood" &
BG=$!
sleep 0.5
st=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" \
	--data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks")
is "${st% *}" 200 "a valid delivery while 100 clients flood without a token: 200"
ok "$(awk -v t="${st#* }" 'BEGIN { exit !(t < 1) }'; echo $?)" "  answered at once (${st#* } s)"
wait "$BG"
is "$(grep -c . "$TMP/flood")" 2 "500 more from 100 clients at once: one kind of answer"
check "  all 429" grep -q '^500 x 429$' "$TMP/flood"
A1=$(wc -c <"$AUDIT")
L1=$(wc -c <"$TMP/serve.log")
ok "$([ $((A1 - A0)) -lt 1024 ]; echo $?)" "the audit log grew by less than 1 KB ($((A1 - A0)) bytes)"
ok "$([ $((L1 - L0)) -lt 1024 ]; echo $?)" "the log grew by less than 1 KB ($((L1 - L0)) bytes)"

# --- staff ---
got=""
for i in 1 2 3 4 5 6; do
	got="$got $(curl -s -o "$TMP/body" -D "$TMP/h" -w '%{http_code}' -H 'Accept: text/html' \
		-u "x:wrong$i" "$URL/certificates")"
done
is "$got" " 401 401 401 401 401 429" "6 wrong staff tokens: 401 five times, then 429"
check "  the page says so" grep -q 'Tentativas demais' "$TMP/body"
check "  with Retry-After" grep -qi '^Retry-After: [1-9]' "$TMP/h"
is "$(curl -s -o /dev/null -w '%{http_code}' -u "x:$STAFF" "$URL/certificates")" 200 \
	"the right staff token meanwhile: 200"

# --- shutdown writes what is still counted ---
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
is $? 0 "SIGTERM: exit 0"
SERVE_PID=
check "at shutdown, one line counts the failures of the open window" \
	grep -q '"status":429,"error":"506 more failed sign-ins in [0-9]* s (502 answered 429), counted, not written one by one","duration_ms":0,"count":506' "$AUDIT"
check "  and so does the log" \
	grep -q 'warn: webhook 429 peer=127.0.0.1: 506 more failed sign-ins in [0-9]* s (502 answered 429)' "$TMP/serve.log"
is "$(failures_audited)" 507 "the audit accounts for all 507 failures"

# --- a window that ends: its count is written at the next request ---
serve_start "$STORE" "$TMP/serve.log" --auth-fail-limit 2 --auth-fail-window 1 ||
	{ ok 1 "server restarts"; done_testing; exit 1; }
for i in 1 2 3 4 5; do nope >/dev/null; done
sleep 1.5
curl -s -o /dev/null "$URL/healthz"
check "a second after the window, a line counts its failures (the server still running)" \
	sh -c '[ "$(grep -c "\"count\":" "$1")" -ge 2 ]' - "$AUDIT"
is "$(failures_audited)" 512 "  the audit accounts for those 5 too (512)"
is "$(nope)" 401 "a new window: 401 again"
# 429s are held back a second without a thread: a stop lets them go.
timeout 60 python3 "$CLIENT" flood 127.0.0.1 "$PORT" 300 100 /webhooks >/dev/null 2>&1 &
BG=$!
sleep 1
T0=$(date +%s)
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
is $? 0 "SIGTERM while 100 clients wait for their 429: exit 0"
ok "$([ $(($(date +%s) - T0)) -le 5 ]; echo $?)" "  within a few seconds ($(($(date +%s) - T0)) s)"
SERVE_PID=
wait "$BG"

# --- IPv6, counted by /64 ---
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	P6=$(awk -v s="$$" 'BEGIN { srand(s); print 20000 + int(rand() * 40000) }')
	$VALGRIND "$CERTIFICA" serve --listen "[::1]:$P6" --store "$STORE" --auth-fail-limit 5 \
		--auth-fail-window 60 2>>"$TMP/serve6.log" &
	SERVE_PID=$!
	i=0
	while ! curl -s -g -o /dev/null "http://[::1]:$P6/healthz" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	timeout 60 python3 "$CLIENT" flood ::1 "$P6" 300 100 /webhooks >"$TMP/flood6"
	check "300 failures over IPv6: 5 x 401, then 429" sh -c \
		'grep -q "^5 x 401$" "$1" && grep -q "^295 x 429$" "$1"' - "$TMP/flood6"
	is "$(curl -s -g -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		--data-binary @"$TESTDATA/seed-example.json" "http://[::1]:$P6/webhooks")" 200 \
		"  a valid delivery over IPv6 meanwhile: 200"
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	SERVE_PID=
	check "  one line counts them, for the /64" grep -q '"peer":"::/64","method":"POST".*"count":299' "$AUDIT"
	is "$(grep -c 'webhook 4[02][19] peer=' "$TMP/serve6.log")" 2 "  two log lines in all"
else
	echo "ok - # SKIP IPv6: no ::1 here"
fi
done_testing
