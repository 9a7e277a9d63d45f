#!/bin/sh
# make run-cluster's script (tests/cluster.sh) in a folder of its own: it
# prints the URL of nginx, which passes deliveries and PDFs to both nodes on
# one PostgreSQL and logs each client's address and the node that answered,
# the nodes log the client too and print nginx's URL in verification links;
# a body over the limit is refused by nginx; SIGTERM stops everything.
. "$(dirname "$0")/lib.sh"
CL_PID=
trap '[ -n "$CL_PID" ] && kill -TERM "$CL_PID" 2>/dev/null && wait "$CL_PID"; rm -rf "$TMP"' EXIT
GEN="$TOP/tests/gen-events.py"
CL=$TMP/cluster
chmod 755 "$TMP" # the cluster's PostgreSQL runs as nobody when this is root

CLUSTER_DIR=$CL CERTIFICA=$(cd "$TOP" && realpath "$CERTIFICA") sh "$TOP/tests/cluster.sh" \
	>"$TMP/out" 2>"$TMP/err" &
CL_PID=$!
wait_for "$TMP/out" "run-cluster: URL " 90
ok $? "run-cluster prints its URL"
URL=$(sed -n 's/^run-cluster: URL //p' "$TMP/out")
[ -n "$URL" ] || { sed 's/^/#   /' "$TMP/err"; done_testing; exit 1; }
TOKEN=$(cat "$CL/webhook-token")
STAFF=$(cat "$CL/staff-token")
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200 "/healthz through nginx: 200"

python3 "$GEN" 12 --seed 3 >"$TMP/ev.jsonl"
n201=0
while IFS= read -r line; do
	code=$(printf '%s' "$line" | curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOKEN" --data-binary @- "$URL/webhooks")
	[ "$code" = 201 ] && n201=$((n201 + 1))
done <"$TMP/ev.jsonl"
is "$n201" 12 "12 deliveries through nginx: 12 answers 201"
is "$(grep -c 'POST /webhooks' "$CL/nginx-access.log")" 12 "nginx logs each one"
check "with the client's address" grep -q '^127.0.0.1 .*POST /webhooks' "$CL/nginx-access.log"
is "$(sed -n 's/.*POST \/webhooks.* up=\([^ ]*\) .*/\1/p' "$CL/nginx-access.log" | sort -u | wc -l)" 2 \
	"and the deliveries went to both nodes"
is "$(curl -s -H "Authorization: Bearer $STAFF" "$URL/certificates?per_page=100" -H 'Accept: application/json' |
	grep -o '"id":"[a-z2-7]\{16\}"' | sort -u | wc -l)" 12 "the staff listing through nginx shows all 12"
# the verification links on the certificates and in the answers are nginx's
# URL, whichever node issued them, and the nodes name the client nginx saw
line=$(head -n 1 "$TMP/ev.jsonl")
printf '%s' "$line" | curl -s -X POST -H "Authorization: Bearer $TOKEN" \
	-H 'X-Forwarded-For: 198.51.100.44' --data-binary @- "$URL/webhooks" >"$TMP/answer"
check "an answer's verification link is on nginx's URL" grep -q "\"url\":\"$URL/verify/" "$TMP/answer"
id=$(sed -n 's/.*"id":"\([a-z2-7]*\)".*/\1/p' "$TMP/answer")
curl -s -o "$TMP/one.pdf" -H "Authorization: Bearer $STAFF" "$URL/certificates/$id.pdf"
check "so is the link printed on its PDF" sh -c "pdftotext '$TMP/one.pdf' - | grep -q '$URL/verify/'"
check "the node logged the client nginx passed on (--trust-proxy 127.0.0.1)" \
	grep -q "webhook 200 unchanged id=$id .*peer=198.51.100.44 " "$CL"/node*.log
head -c 300000 /dev/zero | tr '\0' 'x' >"$TMP/big"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
	--data-binary @"$TMP/big" "$URL/webhooks")" 413 "a body over 256 KiB: 413 from nginx"

kill -TERM "$CL_PID"
wait "$CL_PID"
is $? 0 "SIGTERM stops the cluster"
CL_PID=
check "nginx is gone" sh -c "! curl -s -o /dev/null '$URL/healthz'"
check "PostgreSQL is stopped" sh -c "! test -f '$CL/pg/postmaster.pid'"
done_testing
