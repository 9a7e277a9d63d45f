#!/bin/sh
# The webhook receiver as the platform meets it: `certifica serve` on a free
# 127.0.0.1 port with a temporary store, every row of SPEC §5's webhook
# table through curl, the generated token, Standard Webhooks signatures, the
# audit log, /healthz, /metrics, and a clean exit on SIGTERM.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# serve ARGS...: start the server on a free port; sets PORT, URL, SERVE_PID.
serve() { : >"$TMP/serve.log"; serve_start "$TMP/store" "$TMP/serve.log" "$@"; }

# SIGTERM, then the exit status.
stop() {
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	rc=$?
	SERVE_PID=
	return $rc
}

# req CURL-ARGS...: the status; body in $TMP/body, headers in $TMP/hdr.
req() {
	curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$@"
}
body() { cat "$TMP/body"; }
hdr() { grep -i "^$1:" "$TMP/hdr" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
json_str() { # KEY: a string field of the body
	sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$TMP/body"
}

T_START=$(now_epoch)
serve || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"

# --- the generated token ---
TOKEN=$(cat "$TMP/store/webhook-token" 2>/dev/null)
is "${#TOKEN}" 43 "a 43-character token is generated in the store"
is "$(stat -c %a "$TMP/store/webhook-token")" 600 "the token file has mode 0600"
check "stderr prints the webhook URL with its token" \
	wait_for "$TMP/serve.log" "$URL/webhooks?token=$TOKEN"
check "stderr says how to make a staff token" wait_for "$TMP/serve.log" "certifica staff add NAME"
check "log lines carry a level" grep -q "Z info: listening on 127.0.0.1:$PORT" "$TMP/serve.log"
W="$URL/webhooks?token=$TOKEN"
AUTH="Authorization: Bearer $TOKEN"

# --- 201, then 200 with the same body ---
# curl --data labels the body form-urlencoded: accepted as JSON (see README).
is "$(req -X POST --data @"$TESTDATA/seed-example.json" "$W")" 201 "a new certificate: 201"
cp "$TMP/body" "$TMP/first"
ID=$(json_str id)
CODE=$(json_str verification_code)
ok "$([ -n "$ID" ] && [ -n "$CODE" ]; echo $?)" "201 body has id and verification_code"
check "201 body has revision 1" grep -q '"revision":1' "$TMP/body"
is "$(json_str url)" "$URL/verify/$CODE" "url is the public verification link"
is "$(hdr Content-Type)" "application/json; charset=utf-8" "answer is JSON"
PDF=$(find "$TMP/store" -name "$ID-r1.pdf" | head -n 1)
ok "$([ -n "$PDF" ]; echo $?)" "the PDF is in the archive once 201 is answered"
[ -n "$PDF" ] && check "the archived PDF passes qpdf --check" qpdf --check "$PDF"

is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json; charset=utf-8' \
	--data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks")" 200 \
	"the same event again, Bearer token: 200"
check "200 has the same body as 201" cmp -s "$TMP/body" "$TMP/first"
is "$(req -X POST -H "$AUTH" -H 'Content-Type:' --data-binary @"$TESTDATA/seed-example.json" \
	"$URL/webhooks")" 200 "no Content-Type at all is accepted"

# --- 202, 400, 422 ---
is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary @"$TESTDATA/other-event.json" "$URL/webhooks")" 202 "another slug: 202"
is "$(body)" '{"status":"ignored"}' "202 body says ignored"
is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json' --data-binary 'not json' \
	"$URL/webhooks")" 400 "not JSON: 400"
check "400 body is a JSON error" grep -q '^{"error":"' "$TMP/body"
printf '{"event":{"slug":"activities.certificate.issued","name":"\377"},"data":{}}' >"$TMP/latin1"
is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$TMP/latin1" \
	"$URL/webhooks")" 400 "not UTF-8: 400"
is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json' --data-binary '' \
	"$URL/webhooks")" 400 "empty body: 400"
is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary @"$TESTDATA/invalid-missing-user-name.json" "$URL/webhooks")" 422 \
	"schema violation: 422"
check "422 lists the path" grep -q '"errors":\[{"path":"data.user.name","message":"' "$TMP/body"
is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json' \
	--data-binary @"$TESTDATA/invalid-date-format.json" "$URL/webhooks")" 422 \
	"bad date format: 422"

# --- 413 ---
head -c 10485760 /dev/zero | tr '\0' ' ' >"$TMP/big"
st=$(curl -s -o "$TMP/body" -w '%{http_code} %{size_upload}' -X POST -H "$AUTH" \
	-H 'Content-Type: application/json' --data-binary @"$TMP/big" "$URL/webhooks")
is "$st" "413 0" "10 MB body: 413 before any of it is sent (Expect: 100-continue)"
# big_post HEADER: the status curl reports for the 10 MB body sent with
# HEADER (a lost answer tried again: past_reset).
big_post() {
	past_reset curl -s -o "$TMP/body" -w '%{http_code}' -X POST -H "$AUTH" -H "$1" \
		-H 'Content-Type: application/json' --data-binary @"$TMP/big" "$URL/webhooks"
}
is "$(big_post 'Expect:')" 413 "10 MB body sent at once: 413"
is "$(big_post 'Transfer-Encoding: chunked')" 413 "10 MB chunked body: 413"
check "413 body is a JSON error" grep -q '"error":"body larger than 262144 bytes"' "$TMP/body"

# --- 401, 405, 415, 404 ---
is "$(req -X POST --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks")" 401 \
	"no credentials: 401"
is "$(hdr WWW-Authenticate)" 'Bearer realm="certifica webhook"' "401 names the scheme"
is "$(req -X POST --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks?token=x$TOKEN")" \
	401 "wrong ?token=: 401"
is "$(req -X POST -H "Authorization: Bearer ${TOKEN%?}" \
	--data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks")" 401 "token missing a character: 401"
check "401 body is a JSON error" grep -q '"error":"missing or wrong credentials"' "$TMP/body"
is "$(req "$W")" 405 "GET /webhooks: 405"
is "$(hdr Allow)" POST "405 says Allow: POST"
is "$(req -X PUT --data-binary x "$W")" 405 "PUT /webhooks: 405"
is "$(req -X POST -H "$AUTH" -H 'Content-Type: text/plain' \
	--data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks")" 415 "text/plain: 415"
is "$(req -X POST -H "$AUTH" -H 'Content-Type: application/json; charset=latin1' \
	--data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks")" 415 "JSON in latin1: 415"
is "$(req "$URL/nowhere")" 404 "unknown path: 404"
check "404 body is JSON" grep -q '"error":"not found"' "$TMP/body"

# --- operations ---
is "$(req "$URL/healthz")" 200 "healthz: 200"
is "$(req -X POST "$URL/healthz")" 405 "POST /healthz: 405"
is "$(req "$URL/metrics")" 200 "metrics: 200"
check "metrics count webhook 201s" \
	grep -q '^certifica_http_requests_total{route="webhook",status="201"} 1$' "$TMP/body"
check "metrics count issued certificates" \
	grep -q '^certifica_certificates_total{outcome="issued"} 1$' "$TMP/body"
CALLS=$(awk '/^certifica_http_requests_total\{route="webhook"/ { n += $2 } END { print n }' "$TMP/body")
check "metrics have a render histogram" grep -q '^# TYPE certifica_render_seconds histogram' \
	"$TMP/body"
# Only the delivery that was rendered went to a webhook worker: the
# redeliveries and the refusals were answered on their connection's thread.
check "one delivery waited for a webhook worker: the one rendered" \
	grep -q '^certifica_webhook_wait_seconds_count 1$' "$TMP/body"

# --- the audit log ---
# One file per UTC day (a run that crosses midnight has two, the earlier one
# compressed when the day turned), each named for a day of this test. Their
# lines, in order, are $AUDIT.
days=" $(date -u -d "@$T_START" +%Y-%m-%d) $(date -u +%Y-%m-%d) "
AUDIT="$TMP/audit-all.jsonl"
collect_audit() {
	: >"$AUDIT"
	files="" strays=""
	for f in "$TMP"/store/audit/audit-*; do
		[ -f "$f" ] || continue
		name=${f##*/}; day=${name#audit-}; day=${day%%.*}
		files="$files $name"
		case "$days" in *" $day "*) ;; *) strays="$strays $name" ;; esac
		case "$f" in *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac >>"$AUDIT"
	done
}
collect_audit
check "there is an audit file ($files )" test -n "$files"
is "$strays" "" "audit files are named for the UTC days of the test:$days"
check "audit has the 201 with its id" grep -q "\"id\":\"$ID\",\"revision\":1,\"outcome\":\"issued\",\"status\":201" "$AUDIT"
check "audit has the 401" grep -q '"status":401,"error":"missing or wrong credentials"' "$AUDIT"
check "audit has the 413" grep -q '"status":413' "$AUDIT"
check "the token is not in the audit log" sh -c '! grep -q -e "$1" "$2"' - "$TOKEN" "$AUDIT"

stop
is $? 0 "SIGTERM: exit 0"
check "the stop is logged" grep -q "info: stopped" "$TMP/serve.log"
# Failed sign-ins after the first of a window are written as one line with
# a count when the window ends, at the stop at the latest.
collect_audit
is "$(awk '/"method":/ { n += match($0, /"count":[0-9]+/) ? substr($0, RSTART + 8, RLENGTH - 8) : 1 }
	END { print n }' "$AUDIT")" "$CALLS" "every webhook call is accounted for in the audit ($CALLS)"

# --- the token is kept across restarts ---
serve || { ok 1 "server restarts"; done_testing; exit 1; }
is "$(cat "$TMP/store/webhook-token")" "$TOKEN" "the same token after a restart"
is "$(req -X POST -H "$AUTH" --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks")" 200 \
	"the archive survives the restart: 200"
stop
is $? 0 "second SIGTERM: exit 0"

# --- Standard Webhooks signatures ---
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
sign() { # ID TIMESTAMP FILE: "v1,<base64>"
	key=$(printf %s "${SECRET#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	printf 'v1,%s' "$( (printf '%s.%s.' "$1" "$2"; cat "$3") |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)"
}
if command -v openssl >/dev/null; then
	CERTIFICA_SIGNING_SECRET=$SECRET serve --webhook-token "$TOKEN" ||
		{ ok 1 "server starts with a signing secret"; done_testing; exit 1; }
	EV="$TESTDATA/participation-accented.json"
	NOW=$(date +%s)
	SIG=$(sign msg_1 "$NOW" "$EV")
	spost() { # ID TIMESTAMP SIGNATURES
		req -X POST -H "$AUTH" -H "webhook-id: $1" -H "webhook-timestamp: $2" \
			-H "webhook-signature: $3" --data-binary @"$EV" "$URL/webhooks"
	}
	is "$(spost msg_1 "$NOW" "$SIG")" 201 "signed delivery: 201"
	is "$(spost msg_1 "$NOW" "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=")" 401 \
		"wrong signature: 401"
	is "$(spost msg_2 "$NOW" "$SIG")" 401 "signature of another id: 401"
	OLD=$((NOW - 400))
	is "$(spost msg_1 "$OLD" "$(sign msg_1 "$OLD" "$EV")")" 401 "stale timestamp: 401"
	check "stale is explained" grep -q 'more than 5 minutes old' "$TMP/body"
	NEW=$((NOW + 400))
	is "$(spost msg_1 "$NEW" "$(sign msg_1 "$NEW" "$EV")")" 401 "future timestamp: 401"
	is "$(spost msg_1 "$NOW" "v1,bm9wZQ== v2,$SIG $SIG v1,!!")" 200 \
		"one valid signature among invalid ones: 200"
	is "$(req -X POST -H "$AUTH" --data-binary @"$EV" "$URL/webhooks")" 401 \
		"unsigned delivery: 401"
	is "$(req -X POST -H "webhook-id: msg_1" -H "webhook-timestamp: $NOW" \
		-H "webhook-signature: $SIG" --data-binary @"$EV" "$URL/webhooks")" 401 \
		"signed but without the token: 401"
	check "a configured token is not printed" sh -c '! grep -q -e "$1" "$2"' - "$TOKEN" \
		"$TMP/serve.log"
	stop
	is $? 0 "SIGTERM with signatures: exit 0"
else
	echo "ok - # skip signatures: no openssl command"
fi

# --- bad configuration ---
$VALGRIND "$CERTIFICA" serve --listen nowhere --store "$TMP/store" 2>"$TMP/err"
is $? 2 "a bad --listen exits 2"
check "the error names the option" grep -q "option --listen: listen: 'nowhere' is not ADDR:PORT" \
	"$TMP/err"
CERTIFICA_MAX_BODY=lots $VALGRIND "$CERTIFICA" serve --store "$TMP/store" 2>"$TMP/err"
is $? 2 "a bad CERTIFICA_MAX_BODY exits 2"
check "the error names the variable" grep -q "environment CERTIFICA_MAX_BODY" "$TMP/err"

done_testing
