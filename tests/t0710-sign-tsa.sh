#!/bin/sh
# PAdES B-T: an RFC 3161 timestamp from a local TSA (`openssl ts -reply`
# behind tests/tsa-server.py) in every signature; a TSA that is down, slow or
# answers garbage fails the signature: exit 1 for render, 503 for a webhook
# with nothing archived. And a signed archive behind the webhook: the verify
# page and the staff download keep working, the PDF downloaded is signed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sign-lib.sh"

SERVE_PID= TSA_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
[ -n "$TSA_PID" ] && kill "$TSA_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

EV=$TESTDATA/seed-example.json
K=$TMP/keys
make_keys "$K" || { ok 1 "test keys made with openssl"; done_testing; exit 1; }
tsa_start "$TMP/tsa" || { ok 1 "the local TSA starts"; done_testing; exit 1; }
ok 0 "the local TSA listens on $TSA"
KEY="--sign-cert $K/ec.crt --sign-key $K/ec.key"

# --- B-T ---
# shellcheck disable=SC2086 # KEY is several arguments
try "render --sign --tsa-url" cert render "$EV" -o "$TMP/bt.pdf" --sign $KEY --tsa-url "$TSA/tsa"
check "B-T: pdfsig: Signature is Valid." pdfsig_says "$TMP/bt.pdf" "Signature is Valid."
check "B-T: pdfsig: Total document signed" pdfsig_says "$TMP/bt.pdf" "Total document signed"
check "the TSA was asked" grep -q '"POST /tsa' "$TMP/tsa/tsa.log"
cms_of "$TMP/bt.pdf" "$TMP/bt.p7s"
openssl cms -cmsout -print -inform DER -in "$TMP/bt.p7s" >"$TMP/bt.print" 2>&1
check "the CMS carries the timestamp as an unsigned attribute" \
	sh -c "sed -n '/unsignedAttrs/,\$p' '$TMP/bt.print' | grep -q id-smime-aa-timeStampToken"
check "the token is the local TSA's" grep -q "TSA Teste" "$TMP/bt.print"
# (the token is itself a signed CMS, with its own signing time)
check "still no signingTime in the signed attributes" \
	sh -c "! sed '/unsignedAttrs/,\$d' '$TMP/bt.print' | grep -qi signingTime"
signed_content "$TMP/bt.pdf" "$TMP/bt.content"
try "openssl cms -verify of the B-T CMS" \
	openssl cms -verify -binary -inform DER -in "$TMP/bt.p7s" -content "$TMP/bt.content" \
	-CAfile "$K/ec.crt" -purpose any -out /dev/null
try "qpdf --check passes" qpdf --check "$TMP/bt.pdf"

# --- a TSA that fails: exit 1, no file ---
# no_tsa CASE URL WANT
no_tsa() {
	rm -f "$TMP/no.pdf"
	# shellcheck disable=SC2086
	cert render "$EV" -o "$TMP/no.pdf" --sign $KEY --tsa-url "$2" >"$TMP/out" 2>&1
	is "$?" 1 "$1: render exits 1"
	check "$1: the error says '$3'" grep -qF -- "$3" "$TMP/out"
	check "$1: no PDF written" test ! -e "$TMP/no.pdf"
}
# a port nobody listens on: a second TSA's, once it is stopped
UP=$TSA UP_PID=$TSA_PID
tsa_start "$TMP/tsa2" && kill "$TSA_PID" && wait "$TSA_PID" 2>/dev/null
DOWN=$TSA TSA=$UP TSA_PID=$UP_PID
no_tsa "TSA down" "$DOWN/tsa" "timestamp authority '$DOWN/tsa'"
no_tsa "TSA answers 500" "$TSA/error" "HTTP status 500"
no_tsa "TSA answers garbage" "$TSA/garbage" "not an RFC 3161 response"
# a URL with a user and password: the messages never show the password
no_tsa "TSA with credentials in its URL" "$(echo "$TSA" | sed 's|//|//ana:tsa-S3nha@|')/error" \
	"timestamp authority '$TSA/error': HTTP status 500"
check "... and the password is not in the message" sh -c "! grep -q 'tsa-S3nha' '$TMP/out'"
# the archive commands fail alike: nothing archived
printf '%s\n' "$(tr -d '\n' <"$EV")" >"$TMP/one.jsonl"
# shellcheck disable=SC2086
cert import "$TMP/one.jsonl" --store "$TMP/imp" $KEY --tsa-url "$TSA/garbage" >"$TMP/out" 2>&1
is "$?" 1 "import with a failing TSA exits 1"
check "import: the event is reported failed" grep -q "1 failed" "$TMP/out"
check "import: no PDF archived" sh -c "! find '$TMP/imp' -name '*.pdf' | grep -q ."
t0=$(date +%s)
no_tsa "TSA silent" "$TSA/slow" "no answer within 10 s"
t1=$(date +%s)
# (the TSA would answer after 60 s; valgrind adds its own start-up time)
check "a silent TSA is given up after about 10 s" test $((t1 - t0)) -ge 9 -a $((t1 - t0)) -lt 50

# --- the webhook ---
serve() { : >"$TMP/serve.log"; serve_start "$TMP/$1" "$TMP/serve.log" $KEY --tsa-url "$2"; }
stop() { kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; SERVE_PID=; }
req() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }

serve down "$TSA/error" || { ok 1 "server starts"; done_testing; exit 1; }
check "the log says how it signs" wait_for "$TMP/serve.log" \
	"signing every archived PDF: .*Escola Teste ec.*B-T"
W="$URL/webhooks?token=$(cat "$TMP/down/webhook-token")"
is "$(req -X POST --data @"$EV" "$W")" 503 "TSA failing: the webhook answers 503"
check "503: nothing archived" sh -c "! find '$TMP/down' -name '*.pdf' | grep -q ."
# the webhook's log line is written once its answer is sent: wait for it
check "the log says why" wait_for "$TMP/serve.log" "HTTP status 500"
stop

serve up "$TSA/tsa" || { ok 1 "server starts"; done_testing; exit 1; }
W="$URL/webhooks?token=$(cat "$TMP/up/webhook-token")"
is "$(req -X POST --data @"$EV" "$W")" 201 "TSA up: the webhook answers 201"
ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$TMP/body")
CODE=$(sed -n 's/.*"verification_code":"\([^"]*\)".*/\1/p' "$TMP/body")
STAFF=$(cert staff add ana --store "$TMP/up" 2>/dev/null | grep -oE '[A-Za-z0-9_-]{43}' | head -n 1)
is "$(req -H "Authorization: Bearer $STAFF" "$URL/certificates/$ID.pdf")" 200 \
	"staff download of the signed PDF: 200"
mv "$TMP/body" "$TMP/dl.pdf"
check "the downloaded PDF is signed, whole and valid" pdfsig_says "$TMP/dl.pdf" \
	"Total document signed"
check "... Signature is Valid." pdfsig_says "$TMP/dl.pdf" "Signature is Valid."
cmp -s "$TMP/dl.pdf" "$(find "$TMP/up" -name "$ID-r1.pdf")"
ok $? "the download is the archived file"
is "$(req "$URL/verify/$CODE")" 200 "the verify page answers 200"
check "the verify page names the holder" grep -q "User Name" "$TMP/body"
is "$(req -X POST --data @"$EV" "$W")" 200 "the same event again: 200, nothing re-signed"
stop

done_testing
