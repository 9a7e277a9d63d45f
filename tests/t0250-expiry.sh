#!/bin/sh
# Expiry as a verifier and the staff meet it: a course file's validity_months
# gives each certificate an expires_at, printed on the PDF, kept in the index,
# and shown on /verify ("expirado em DATA" once past, "válido até DATA"
# before; JSON status "expired" and expires_at); revoked beats expired; staff
# search takes status=expired, and a scoped account still sees only its own
# institution. The verify page carries the institution's name and logo.
# Every date is far in the past or the future, so the test passes on any day.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE="$TMP/store"
TEN="$TMP/tenants"
cp -R "$TOP/examples/tenants" "$TEN"
# 41270033 has a logo and course 8811 (24 months); a course valid for a
# century is added; 77001 (12 months for course 500) gets a name to escape.
printf '{"validity_months": 1200}\n' >"$TEN/41270033/courses/7002.json"
sed 's/"Instituto Horizonte"/"Instituto <Horizonte> \& Cia"/' "$TEN/77001/tenant.json" >"$TMP/t.json"
mv "$TMP/t.json" "$TEN/77001/tenant.json"

mk() { # name institution user course certified_at
	python3 "$TOP/tests/event-set.py" "$TOP/examples/seed-example.json" "$TMP/$1.json" \
		data.institution.id="$2" data.user.id="$3" data.user.name="Pessoa $1" \
		data.course.id="$4" data.course.enrolled_at=null data.course.concluded_at="$5" \
		data.certified.certified_at="$5"
}
mk velho 41270033 1 8811 "2001-03-10 09:00:00"   # + 24 months: expired in 2003
mk novo 41270033 2 7002 "2023-05-31 10:00:00"    # + 1200 months: valid until 2123
mk livre 41270033 3 9000 "2001-03-10 09:00:00"   # no course file: never expires
mk revogado 41270033 4 8811 "2001-03-10 09:00:00" # expired, then revoked
mk horizonte 77001 5 500 "2001-01-31 12:00:00"   # + 12 months: expired in 2002
mk sem 123 6 500 "2001-01-31 12:00:00"           # no tenant folder
mk gancho 41270033 7 8811 "2001-03-10 09:00:00"  # posted to the webhook
for n in velho novo livre revogado horizonte sem; do
	cat "$TMP/$n.json" && echo # one line each
done >"$TMP/all.jsonl"

# --- the PDF and the index ---
try "render: an expiring course" cert render --tenants "$TEN" "$TMP/velho.json" -o "$TMP/velho.pdf"
check "the PDF prints the validity date" sh -c \
	"pdftotext '$TMP/velho.pdf' - | tr -s ' \n' '  ' | grep -q 'válido até 10 de março de 2003'"
try "import with --tenants" cert import --store "$STORE" --tenants "$TEN" "$TMP/all.jsonl"
sql() { sqlite3 "$STORE/index.sqlite" "$1"; }
is "$(sql "SELECT user_id || '=' || coalesce(expires_at, 'NULL') FROM certificates ORDER BY user_id" |
	tr '\n' ' ')" \
	"1=2003-03-10 09:00:00 2=2123-05-31 10:00:00 3=NULL 4=2003-03-10 09:00:00 5=2002-01-31 12:00:00 6=NULL " \
	"the index keeps expires_at = certified_at + validity_months (NULL without one)"
is "$(sql "PRAGMA user_version")" 7 "a new index is schema 7"
code_of() { sql "SELECT r.code FROM revisions r JOIN certificates c ON c.id = r.id WHERE c.user_id = $1"; }
id_of() { sql "SELECT id FROM certificates WHERE user_id = $1"; }
cert revoke "$(id_of 4)" --reason "emitido por engano" --store "$STORE" >/dev/null 2>&1
is $? 0 "revoke the fourth"

# --- /verify ---
ADMIN=$(cert staff add admin --store "$STORE" 2>/dev/null | grep -oE '^[A-Za-z0-9_-]{43}$')
HOR=$(cert staff add horizonte --institution 77001 --store "$STORE" 2>/dev/null |
	grep -oE '^[A-Za-z0-9_-]{43}$')
serve_start "$STORE" "$TMP/serve.log" --tenants "$TEN" --webhook-token tok-expiry-0123456789 ||
	{ ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts"
req() { : >"$TMP/body"; curl -s -o "$TMP/body" -w "%{http_code}" "$@"; }
has() { grep -qF -- "$1" "$TMP/body" || { echo "# body lacks: $1"; return 1; }; }
says() { sed 's/<[^>]*>//g' "$TMP/body" | grep -qF -- "$1" || { echo "# page does not say: $1"; return 1; }; }
lacks() { ! grep -qF -- "$1" "$TMP/body" || { echo "# body has: $1"; return 1; }; }
is "$(req -X POST -H 'Authorization: Bearer tok-expiry-0123456789' -H 'Content-Type: application/json' \
	--data-binary "@$TMP/gancho.json" "$URL/webhooks")" 201 "the webhook issues an expiring course: 201"
is "$(sql "SELECT expires_at FROM certificates WHERE user_id = 7")" "2003-03-10 09:00:00" \
	"and archives its expires_at as import does"
json() { python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/body" "$1"; }

req -H 'Accept: application/json' "$URL/verify/$(code_of 1)" >/dev/null
is "$(json 'd["status"]')" expired "JSON: past expires_at, status expired"
is "$(json 'd["expires_at"]')" "2003-03-10 09:00:00" "JSON: with its expires_at"
is "$(json 'd["valid"]')" False "JSON: not valid"
req -H 'Accept: application/json' "$URL/verify/$(code_of 2)" >/dev/null
is "$(json 'd["status"] + " " + d["expires_at"]')" \
	"valid 2123-05-31 10:00:00" "JSON: before expires_at, valid, with expires_at"
req -H 'Accept: application/json' "$URL/verify/$(code_of 3)" >/dev/null
is "$(json 'd["status"] + " " + str(d["expires_at"])')" \
	"valid None" "JSON: no validity, valid, expires_at null"
req -H 'Accept: application/json' "$URL/verify/$(code_of 4)" >/dev/null
is "$(json 'd["status"]')" revoked "JSON: revoked beats expired"

is "$(req -H 'Accept: text/html' "$URL/verify/$(code_of 1)")" 200 "page of the expired one: 200"
check "it says expirado em DATA" says "expirado em 10 de março de 2003"
lacks "válido até" && ok 0 "and not válido até" || ok 1 "and not válido até"
check "it shows the institution's name" has '<strong><bdi>Rede Escola Viva</bdi></strong>'
LOGO=$(base64 -w0 "$TEN/41270033/images/logo.png")
check "and its logo inline, as a data: URI of images/logo.png" \
	has "<img class=\"logo\" alt=\"\" src=\"data:image/png;base64,$LOGO\">"
is "$(req -H 'Accept: text/html' "$URL/verify/$(code_of 1)?lang=en")" 200 "in English: 200"
check "expired on DATE" says "expired on March 10, 2003"
req -H 'Accept: text/html' "$URL/verify/$(code_of 2)" >/dev/null
check "the valid one: válido até DATA" says "válido até 31 de maio de 2123"
req -H 'Accept: text/html' "$URL/verify/$(code_of 2)?lang=en" >/dev/null
check "valid until DATE" says "valid until May 31, 2123"
req -H 'Accept: text/html' "$URL/verify/$(code_of 3)" >/dev/null
check "no validity: plain válido" has "Situação: válido</p>"
req -H 'Accept: text/html' "$URL/verify/$(code_of 4)" >/dev/null
check "revoked and expired: the page says revoked" has "revogado em"
lacks "expirado em" && ok 0 "and not expired" || ok 1 "and not expired"
req -H 'Accept: text/html' "$URL/verify/$(code_of 5)?lang=en" >/dev/null
check "another tenant: its name, escaped" has '<bdi>Instituto &lt;Horizonte&gt; &amp; Cia</bdi>'
lacks '<img' && ok 0 "no logo without images/logo.png" || ok 1 "no logo without images/logo.png"
check "expired on January 31, 2002" says "expired on January 31, 2002"
req -H 'Accept: text/html' "$URL/verify/$(code_of 6)" >/dev/null
lacks 'class="institution"' && ok 0 "no tenant folder: no institution line" ||
	ok 1 "no tenant folder: no institution line"
lacks '<img' && ok 0 "nor any image" || ok 1 "nor any image"
check "the page's policy still allows only inline data: images" sh -c \
	"curl -sI -H 'Accept: text/html' '$URL/verify/$(code_of 1)' | grep -qi \"img-src 'self' data:\""

# --- staff search ---
ids() { python3 -c 'import json,sys; print(" ".join(sorted(r["id"] + ":" + r["status"] for r in json.load(open(sys.argv[1]))["results"])))' "$TMP/body"; }
E1=$(id_of 1) E5=$(id_of 5) E7=$(id_of 7)
is "$(req -H "Authorization: Bearer $ADMIN" "$URL/certificates?status=expired")" 200 "status=expired: 200"
is "$(ids)" "$(printf '%s\n' "$E1:expired" "$E5:expired" "$E7:expired" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"status=expired: the three expired, not the revoked one"
is "$(req -H "Authorization: Bearer $ADMIN" "$URL/certificates?status=valid")" 200 "status=valid: 200"
is "$(json 'd["total"]')" 3 "status=valid: neither expired nor revoked (three)"
req -H "Authorization: Bearer $ADMIN" "$URL/certificates?status=expired&q=pessoa+velho" >/dev/null
is "$(ids)" "$E1:expired" "status=expired with words"
is "$(json 'd["results"][0]["expires_at"]')" "2003-03-10 09:00:00" "a hit carries expires_at"
req -H "Authorization: Bearer $ADMIN" "$URL/certificates?status=valid&q=pessoa" >/dev/null
is "$(json 'd["total"]')" 3 "status=valid with words: the same three"
req -H "Authorization: Bearer $ADMIN" "$URL/certificates?q=pessoa+revogado" >/dev/null
is "$(ids)" "$(id_of 4):revoked" "a revoked, expired one: status revoked"
is "$(req -H "Authorization: Bearer $ADMIN" "$URL/certificates?status=vencido")" 400 \
	"an unknown status: 400"
check "naming the choices" has "expected valid, revoked or expired"
is "$(req -H "Authorization: Bearer $ADMIN" -H 'Accept: text/html' "$URL/certificates?status=expired")" \
	200 "the staff page with status=expired: 200"
check "shows the expired badge" has '<span class="badge warn">expirado</span>'
check "and the date" says "expirado em 10 de março de 2003"
check "the form offers Expirados" has '<option value="expired" selected>Expirados</option>'
is "$(req -H "Authorization: Bearer $ADMIN" "$URL/certificates/$E1")" 200 "details JSON: 200"
is "$(json 'd["status"] + " " + d["expires_at"]')" \
	"expired 2003-03-10 09:00:00" "details JSON: status expired and expires_at"
req -H "Authorization: Bearer $ADMIN" -H 'Accept: text/html' "$URL/certificates/$E1" >/dev/null
check "details page: expirado em" says "expirado em 10 de março de 2003"

# --- a scoped account ---
req -H "Authorization: Bearer $HOR" "$URL/certificates?status=expired" >/dev/null
is "$(ids)" "$E5:expired" "a scoped account's status=expired: its institution's only"
is "$(req -H "Authorization: Bearer $HOR" "$URL/certificates/$E1")" 404 \
	"another institution's expired certificate: 404"
cp "$TMP/body" "$TMP/other"
req -H "Authorization: Bearer $HOR" "$URL/certificates/aaaaaaaaaaaaaaaa" >/dev/null
check "exactly as an unknown id" cmp -s "$TMP/body" "$TMP/other"
is "$(req -H "Authorization: Bearer $HOR" "$URL/certificates/$E1.pdf")" 404 "nor its PDF"

kill "$SERVE_PID" 2>/dev/null
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=

# --- rerender after the course's validity changed ---
printf '{"display_name": "NR-35", "validity_months": 1200}\n' >"$TEN/41270033/courses/8811.json"
try "rerender with the new course file" cert rerender --store "$STORE" --tenants "$TEN"
is "$(sql "SELECT expires_at FROM certificates WHERE user_id = 1")" "2101-03-10 09:00:00" \
	"the index follows the new validity"
PDF1="$STORE/$(sql "SELECT r.pdf_path FROM revisions r JOIN certificates c ON c.id = r.id WHERE c.user_id = 1")"
check "and agrees with the new PDF" sh -c \
	"pdftotext '$PDF1' - | tr -s ' \n' '  ' | grep -q 'válido até 10 de março de 2101'"
is "$(sql "SELECT coalesce(expires_at, 'NULL') FROM certificates WHERE user_id = 3")" NULL \
	"a course without a file still never expires"
done_testing
