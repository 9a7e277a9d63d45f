#!/bin/sh
# Behind nginx: with --trust-proxy naming the proxy, a delivery's client is
# the address the proxy put in X-Forwarded-For, in the log, the audit record
# and the limit on failed sign-ins; an address the client wrote itself in
# front of it, a header that does not parse, or a peer that is not a trusted
# proxy changes nothing. The proxy here is curl on 127.0.0.1 sending the
# header nginx would.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE=$TMP/store
TOKEN=trust-proxy-token-0123456789abcdef
stop() { kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; SERVE_PID=; }
post() { # TOKEN X-FORWARDED-FOR FILE: the status
	curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		${2:+-H "X-Forwarded-For: $2"} -H 'Content-Type: application/json' \
		--data-binary @"$3" "$URL/webhooks"
}
# the peer of the audit records, oldest first
peers() { cert audit --store "$STORE" | python3 -c '
import json, sys
for line in sys.stdin: print(json.loads(line)["peer"])'; }
# events of their own, so that each delivery is a new certificate
ev() { # N: an event with user id N
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
e["data"]["user"]["id"] = int(sys.argv[2])
print(json.dumps(e))' "$TESTDATA/seed-example.json" "$1" > "$TMP/ev-$1.json"
	echo "$TMP/ev-$1.json"
}

# --- a trusted proxy ---
serve_start "$STORE" "$TMP/serve.log" --webhook-token "$TOKEN" --trust-proxy "127.0.0.1, ::1" \
	--auth-fail-limit 3
ok $? "serve --trust-proxy 127.0.0.1,::1 starts"
is "$(post "$TOKEN" 198.51.100.23 "$(ev 1)")" 201 "a delivery through the proxy: 201"
is "$(post "$TOKEN" "203.0.113.9, 198.51.100.23" "$(ev 2)")" 201 \
	"one whose client wrote an address of its own in front: 201"
is "$(post "$TOKEN" "2001:db8::7" "$(ev 3)")" 201 "one from an IPv6 client: 201"
is "$(post "$TOKEN" "not-an-address" "$(ev 4)")" 201 "one with a header that does not parse: 201"
is "$(post "$TOKEN" "" "$(ev 5)")" 201 "one without the header: 201"
is "$(peers | tr '\n' ' ')" "198.51.100.23 198.51.100.23 2001:db8::7 127.0.0.1 127.0.0.1 " \
	"the audit records name the client the proxy saw, else the proxy"
check "so does the log" grep -q "webhook 201 issued .* peer=198.51.100.23 " "$TMP/serve.log"
# failed sign-ins are counted per client, not for the proxy as a whole
for i in 1 2 3; do post wrong-token 198.51.100.66 "$(ev 1)" >/dev/null; done
is "$(post wrong-token 198.51.100.66 "$(ev 1)")" 429 "a client that failed to sign in 3 times: 429"
is "$(post wrong-token 198.51.100.67 "$(ev 1)")" 401 "another client behind the same proxy: 401, not 429"
is "$(post "$TOKEN" 198.51.100.67 "$(ev 6)")" 201 "and its good token works"
stop

# --- the same proxy, not trusted: the header is the client's word only ---
rm -rf "$STORE"
serve_start "$STORE" "$TMP/serve2.log" --webhook-token "$TOKEN" --auth-fail-limit 3
ok $? "serve without --trust-proxy starts"
is "$(post "$TOKEN" 198.51.100.23 "$(ev 7)")" 201 "a delivery with the header: 201"
is "$(peers)" 127.0.0.1 "its record names the connection's peer, not the header's address"
for i in 1 2 3; do post wrong-token 198.51.100.66 "$(ev 1)" >/dev/null; done
is "$(post wrong-token 198.51.100.67 "$(ev 1)")" 429 \
	"failures under any header count for the one peer: 429"
stop

# --- a proxy chain: the hops of trusted proxies are skipped ---
rm -rf "$STORE"
serve_start "$STORE" "$TMP/serve3.log" --webhook-token "$TOKEN" \
	--trust-proxy 127.0.0.1,192.0.2.10
ok $? "serve --trust-proxy with two proxies starts"
is "$(post "$TOKEN" "203.0.113.9, 192.0.2.10" "$(ev 8)")" 201 "a delivery through both: 201"
is "$(peers)" 203.0.113.9 "its record names the client before both proxies"
stop

# --- bad values ---
for v in 300.1.1.1 "127.0.0.1," "10.0.0.0/8" "localhost"; do
	cert serve --store "$STORE" --trust-proxy "$v" >/dev/null 2>"$TMP/err"
	st=$?
	is "$st:$(grep -c "trust_proxy" "$TMP/err")" "2:1" "--trust-proxy '$v': exit 2, naming trust_proxy"
done
done_testing
