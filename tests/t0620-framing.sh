#!/bin/sh
# Request framing and request limits, as RFC 9112 §6.3 asks of a server
# behind a proxy: differing Content-Length headers get 400 and the
# connection closed (the rest of the body never runs as a second request),
# Content-Length with Transfer-Encoding is answered and closed, a transfer
# coding other than chunked gets 501 at once, a compressed webhook body 415;
# hundreds of query parameters get 414 at once, a search text over its
# limits 400 naming q, a Basic user name of any length signs in, and the
# webhook token parameter is exactly "token". Raw bytes go through
# tests/hostile-client.py (exchange: the statuses, and whether and when the
# server closed the connection); everything talks to 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"
CLIENT="$(dirname "$0")/hostile-client.py"
STORE="$TMP/store"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
if ! command -v python3 >/dev/null; then
	echo "ok - # SKIP framing tests: python3 is needed"
	exit 0
fi
SLOW=1
[ -n "$VALGRIND" ] && SLOW=10

# An idle connection is closed after 5 s: "open" within 3 s means kept alive.
serve_start "$STORE" "$TMP/serve.log" --connection-timeout 5 --auth-fail-limit 0 ||
	{ ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"
TOKEN=$(cat "$STORE/webhook-token")
STAFF=$(cert staff add t0620 --store "$STORE" 2>/dev/null | grep -oE '[A-Za-z0-9_-]{43}' | head -n 1)

# xchg [WAIT]: send stdin raw; the summary line "STATUS... END SECONDS" is
# printed, the whole answer kept in $TMP/answer.
xchg() {
	timeout 30 python3 "$CLIENT" exchange 127.0.0.1 "$PORT" "${1:-3}" >"$TMP/answer"
	head -n 1 "$TMP/answer"
}
# fast SUMMARY: the connection was closed within a second.
fast() { echo "$1" | awk -v m="$SLOW" '{ exit !($(NF - 1) == "closed" && $NF < 1 * m) }'; }
answer_has() { grep -q -e "$1" "$TMP/answer"; }
SMUGGLED='GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
POST="POST /webhooks?token=$TOKEN HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

# --- Content-Length ---
r=$(printf "${POST}Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}$SMUGGLED" | xchg)
is "${r%% *}" 400 "two differing Content-Length headers (2, 40): 400"
ok "$(fast "$r"; echo $?)" "  and the connection is closed at once ($r)"
check "  the answer says why" answer_has '{"error":"Content-Length headers differ"}'
check "  the rest of the body never ran as a request (no second answer)" \
	sh -c '[ "$(grep -c "^HTTP/1.1 " "$1")" = 1 ]' - "$TMP/answer"
r=$(printf "${POST}Content-Length: 40\r\nContent-Length: 2\r\n\r\n{}$SMUGGLED" | xchg)
is "${r%% *}" 400 "the same the other way round (40, 2): 400"
ok "$(fast "$r"; echo $?)" "  closed at once, no wait for 40 bytes ($r)"
r=$(printf "${POST}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" | xchg)
is "$r" "422 open 3.0" "two equal Content-Length headers are one length (RFC 9110 §8.6): the body is read (422), the connection kept"
r=$(printf "${POST}Content-Length: 2, 2\r\n\r\n{}$SMUGGLED" | xchg)
is "${r%% *}" 400 "a list '2, 2' in one header: 400 (libmicrohttpd's own answer)"
ok "$(fast "$r"; echo $?)" "  closed at once ($r)"
check "  no request ran from the body" sh -c '! grep -q "^HTTP/1.1 200" "$1"' - "$TMP/answer"
r=$(printf "${POST}Content-Length: 2\r\nContent-Length: 2x\r\n\r\n{}" | xchg)
is "${r%% *}" 400 "a second Content-Length that is not a number: 400"
ok "$(fast "$r"; echo $?)" "  closed at once ($r)"

# --- Transfer-Encoding ---
r=$(printf "${POST}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n$SMUGGLED" | xchg)
is "${r%% *}" 422 "Content-Length and Transfer-Encoding: the chunked body is read (422)"
ok "$(fast "$r"; echo $?)" "  then the connection is closed ($r)"
check "  the answer says Connection: close" answer_has '^Connection: close'
check "  and what followed never ran" sh -c '[ "$(grep -c "^HTTP/1.1 " "$1")" = 1 ]' - "$TMP/answer"
r=$(printf "${POST}Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" | xchg)
is "${r%% *}" 501 "Transfer-Encoding: xchunked: 501"
ok "$(fast "$r"; echo $?)" "  at once, and closed ($r)"
check "  naming the coding" answer_has "transfer coding 'xchunked' is not supported"
r=$(printf "${POST}Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" | xchg)
is "${r%% *}" 501 "Transfer-Encoding: gzip, chunked: 501 (only chunked is read)"
ok "$(fast "$r"; echo $?)" "  closed ($r)"
r=$(printf "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n" | xchg)
is "${r%% *}" 501 "Transfer-Encoding: identity on a GET: 501 too"
r=$(printf "${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" | xchg)
is "${r%% *}" 400 "Transfer-Encoding: chunked in two headers: 400 (chunked at most once)"
ok "$(fast "$r"; echo $?)" "  closed ($r)"
r=$(printf "${POST}Transfer-Encoding: chunked, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" | xchg)
is "${r%% *}" 400 "Transfer-Encoding: chunked, chunked: 400"
r=$(printf "${POST}Transfer-Encoding: ,chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" | xchg)
is "${r%% *}" 400 "Transfer-Encoding: ',chunked' (which libmicrohttpd would not read as chunked): 400"
ok "$(fast "$r"; echo $?)" "  closed, not a wait for the timeout ($r)"
r=$(printf "POST /webhooks?token=$TOKEN HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" | xchg)
is "${r%% *}" 422 "Transfer-Encoding in HTTP/1.0: read (422)"
ok "$(fast "$r"; echo $?)" "  and closed (RFC 9112 §6.1) ($r)"
r=$(printf "${POST}Transfer-Encoding: Chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n$SMUGGLED" | xchg)
is "$r" "422 200 open 3.0" "a plain chunked body (any case) and a second request: both answered, kept alive"

# --- Content-Encoding on a webhook ---
post_ce() {
	curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H "Content-Encoding: $1" --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks"
}
is "$(post_ce gzip)" 415 "Content-Encoding: gzip on a webhook: 415"
check "  naming it" grep -q "content encoding 'gzip' is not supported" "$TMP/body"
is "$(post_ce 'identity, br')" 415 "Content-Encoding: identity, br: 415"
is "$(post_ce identity)" 201 "Content-Encoding: identity: the body as is (201)"

# --- parameters ---
python3 -c 'import sys; sys.stdout.write("GET /healthz?" + "&".join("p%d=v" % i for i in range(460)) + " HTTP/1.1\r\nHost: x\r\n\r\n")' >"$TMP/req"
r=$(xchg <"$TMP/req")
is "${r%% *}" 414 "a query string of 460 parameters: 414"
ok "$(fast "$r"; echo $?)" "  at once, and closed ($r)"
check "  saying the limit" answer_has '{"error":"query string has more than 100 parameters"}'
python3 -c 'import sys; sys.stdout.write("GET /healthz?" + "&".join("p%d=v" % i for i in range(3000)) + " HTTP/1.1\r\nHost: x\r\n\r\n")' >"$TMP/req"
r=$(xchg <"$TMP/req")
is "${r%% *}" 414 "3000 parameters: 414 too"
ok "$(fast "$r"; echo $?)" "  at once ($r)"
python3 -c 'import sys; sys.stdout.write("GET /healthz?" + "&".join("p%d=v" % i for i in range(100)) + " HTTP/1.1\r\nHost: x\r\n\r\n")' >"$TMP/req"
r=$(xchg <"$TMP/req")
is "${r%% *}" 200 "100 parameters: answered (200)"

# --- the search text ---
search() { # Q [CURL-ARGS]: the status of a staff search for Q (as written)
	q=$1
	shift
	curl -s -o "$TMP/body" -w '%{http_code}' -G -H "Authorization: Bearer $STAFF" \
		--data-urlencode "q=$q" "$@" "$URL/certificates"
}
is "$(search "$(python3 -c 'print("a" * 256)')")" 200 "q of 256 bytes: 200"
for n in 257 280 300 301 1000; do
	is "$(search "$(python3 -c "print('a' * $n)")")" 400 "q of $n bytes: 400"
	check "  naming q and its limits" grep -q "parameter 'q': at most 256 bytes and 16 words of UTF-8 text" "$TMP/body"
done
is "$(search "$(python3 -c 'print(" ".join(["ab"] * 16))')")" 200 "q of 16 words: 200"
is "$(search "$(python3 -c 'print(" ".join(["ab"] * 17))')")" 400 "q of 17 words: 400"
check "  naming q" grep -q "parameter 'q': at most 256 bytes and 16 words" "$TMP/body"
is "$(search "$(python3 -c 'print("\t".join(["ab"] * 17))')")" 400 "17 words between tabs: 400"
is "$(search "$(python3 -c 'print(" ".join(["ab"] * 17))')" -H 'Accept: text/html')" 400 "17 words from a browser: 400"
check "  the page names q" grep -q 'Parâmetro “q”: até 256 bytes e 16 palavras de texto em UTF-8.' "$TMP/body"

# --- staff sign-in with a long Basic user name ---
basic() { # USER: status of GET /certificates with Basic USER:$STAFF
	curl -s -o /dev/null -w '%{http_code}' -u "$1:$STAFF" "$URL/certificates"
}
is "$(basic "$(python3 -c 'print("u" * 340)')")" 200 "Basic with a 340-character user name and a valid token: 200"
is "$(basic "$(python3 -c 'print("ú" * 5000)')")" 200 "... a 10,000-byte user name: 200"
is "$(curl -s -o /dev/null -w '%{http_code}' -u "$(python3 -c 'print("u" * 340)'):wrong" "$URL/certificates")" \
	401 "... with a wrong token: 401"

# --- the webhook token parameter ---
tok() { # NAME: status of a delivery with ?NAME=TOKEN
	curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks?$1=$TOKEN"
}
is "$(tok token)" 200 "?token=: accepted (200, the same event again)"
is "$(tok TOKEN)" 401 "?TOKEN=: 401 (the name is exactly token)"
is "$(tok Token)" 401 "?Token=: 401"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks?Token=x&token=$TOKEN")" \
	200 "?Token=x&token=TOKEN: the one named token counts"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
is $? 0 "SIGTERM: exit 0"
SERVE_PID=
done_testing
