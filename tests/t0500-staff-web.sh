#!/bin/sh
# Staff and public web, through curl: staff sign-in on every staff route
# (Bearer and Basic, revoked tokens), search (accent-free partial names,
# e-mail, CPF, filters, pagination, bad parameters), certificate metadata,
# PDF downloads (ETag/304, ranges, file name), revocation, the public
# verification page (status, never e-mail or CPF), HTML escaping, security
# headers, gzip, and ids and codes that are not well-formed.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE="$TMP/store"
CSP="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
XSS='<script>alert(1)</script>'

# event USER_ID NAME EMAIL CPF COURSE_ID COURSE TYPE MONTH: one JSON line.
event() {
	printf '{"event":{"name":"x","slug":"activities.certificate.issued","send_at":"2024-%s-28 10:00:00"},' "$8"
	printf '"data":{"institution":{"id":42},"user":{"id":%s,"name":"%s","email":"%s","cpf":"%s"},' \
		"$1" "$2" "$3" "$4"
	printf '"course":{"id":%s,"name":"%s","workload":"40h","enrolled_at":"2024-01-02 08:00:00",' "$5" "$6"
	printf '"concluded_at":"2024-%s-20 18:00:00"},"school":{"id":3,"name":"Escola Estadual Ana Néri",' "$8"
	printf '"managers":[]},"certified":{"certified_at":"2024-%s-28 10:00:00","type":"%s",' "$8" "$7"
	printf '"approval_rate":87.5}}}\n'
}

{
	event 1001 "João da Silva" "joao.silva@example.com" "529.982.247-25" 10 "Gestão Escolar" \
		participation 03
	event 1002 "$XSS" "xss@example.com" "" 10 "<b>Curso</b> & \\\"aspas\\\"" achievement 04
	event 1003 "Mariana Souza" "mariana@example.com" "111.444.777-35" 11 "Libras Básico" \
		achievement 05
	i=1
	while [ $i -le 25 ]; do
		event $((2000 + i)) "Paginação Aluno $i" "pag$i@example.com" "" 77 "Curso Paginado" \
			participation "$(printf %02d $((i % 12 + 1)))"
		i=$((i + 1))
	done
} >"$TMP/events.jsonl"
cert import "$TMP/events.jsonl" --store "$STORE" >"$TMP/import.out" 2>&1
is $? 0 "28 events archived with import"

# staff add prints the token once; keep the URL-safe 43-character word.
staff_add() {
	cert staff add "$1" --store "$STORE" 2>>"$TMP/staff.err" | grep -oE '[A-Za-z0-9_-]{43}' | head -n 1
}
MARIA=$(staff_add maria)
PEDRO=$(staff_add pedro)
is "${#MARIA}" 43 "certifica staff add prints a 43-character token"
[ -n "$PEDRO" ] && [ "$PEDRO" != "$MARIA" ]
ok $? "each staff account has its own token"

serve() { serve_start "$STORE" "$TMP/serve.log" "$@"; }
serve || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"
BEARER="Authorization: Bearer $MARIA"

# req CURL-ARGS...: the status; body in $TMP/body, headers in $TMP/hdr.
req() { : >"$TMP/body"; curl -s -o "$TMP/body" -D "$TMP/hdr" -w "%{http_code}" "$@"; }
sreq() { req -H "$BEARER" "$@"; }
hdr() { grep -i "^$1:" "$TMP/hdr" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
has() { grep -q -e "$1" "$TMP/body"; }
hasnt() { ! grep -q -e "$1" "$TMP/body"; }
json_str() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$TMP/body" | head -n 1; }
# the id of the first search hit whose user_name starts with $1
first_id() { grep -o "\"id\":\"[a-z2-7]*\",\"user_name\":\"$1" "$TMP/body" | head -n 1 | cut -d'"' -f4; }

# --- who is who ---
is "$(sreq "$URL/certificates?q=joao")" 200 "search q=joao: 200"
JOAO=$(first_id "Jo")
sreq "$URL/certificates?q=script" >/dev/null
XID=$(first_id '<script>')
is "${#JOAO}" 16 "the search finds João da Silva"
is "${#XID}" 16 "the search finds the <script> student"
sreq "$URL/certificates/$JOAO" >/dev/null
JCODE=$(json_str verification_code)
PDF=$(find "$STORE/pdf" -name "$JOAO-r1*.pdf" | head -n 1)
SIZE=$(wc -c <"$PDF" | tr -d ' ')
SHA=$(sha256sum "$PDF" | cut -d' ' -f1)
check "the archived PDF of João exists" test -s "$PDF"

# --- sign-in on every staff route ---
ROUTES="/ /certificates /certificates/$JOAO /certificates/$JOAO.pdf /certificates/$JOAO/r1.pdf"
for r in $ROUTES; do
	is "$(req "$URL$r")" 401 "GET $r without credentials: 401"
done
is "$(req -X POST -H 'Content-Type: application/json' --data '{"reason":"x"}' \
	"$URL/certificates/$JOAO/revoke")" 401 "POST revoke without credentials: 401"
is "$(req "$URL/certificates")" 401 "401 again to read its headers"
is "$(hdr WWW-Authenticate)" 'Basic realm="certifica", charset="UTF-8"' \
	"401 asks for Basic, so a browser shows its sign-in prompt"
check "401 body is a JSON error" has '"error":"missing or wrong staff credentials"'
is "$(req -H 'Accept: text/html' "$URL/")" 401 "a browser without credentials: 401"
check "... with a sign-in page" has 'staff add'
is "$(req -H "Authorization: Bearer x$MARIA" "$URL/certificates")" 401 "wrong Bearer token: 401"
is "$(req -u "maria:${MARIA%?}" "$URL/certificates")" 401 "wrong Basic password: 401"
is "$(req -H 'Authorization: Basic !!!' "$URL/certificates")" 401 "garbled Basic: 401"
for r in $ROUTES; do
	is "$(sreq "$URL$r")" 200 "GET $r with Bearer: 200"
done
for r in $ROUTES; do
	is "$(req -u "anyone:$MARIA" "$URL$r")" 200 "GET $r with Basic (any user, token as password): 200"
done
is "$(req -H "Authorization: Bearer $PEDRO" "$URL/certificates")" 200 "pedro's token works"
cert staff revoke pedro --store "$STORE" >/dev/null 2>>"$TMP/staff.err"
is $? 0 "certifica staff revoke pedro"
is "$(req -H "Authorization: Bearer $PEDRO" "$URL/certificates")" 401 "a revoked staff token: 401"
is "$(req -u "pedro:$PEDRO" "$URL/")" 401 "... also as Basic"
is "$(sreq "$URL/certificates")" 200 "maria's token still works"
is "$(req "$URL/verify/$JCODE")" 200 "verification is public: 200 without credentials"

# --- search ---
sreq "$URL/certificates?q=joao%20silv" >/dev/null
check "accent-free partial name 'joao silv' finds João da Silva" has "\"id\":\"$JOAO\""
check "... and only him" has '"total":1,'
sreq "$URL/certificates?q=JOÃO" >/dev/null
check "capitals and accents 'JOÃO' find him too" has "\"id\":\"$JOAO\""
sreq "$URL/certificates?q=joao.silva%40example.com" >/dev/null
check "search by e-mail" has "\"id\":\"$JOAO\""
sreq "$URL/certificates?q=52998224725" >/dev/null
check "search by CPF digits" has "\"id\":\"$JOAO\""
sreq "$URL/certificates?q=libras" >/dev/null
check "search by course name" has '"user_name":"Mariana Souza"'
sreq "$URL/certificates?q=zzzqqqxxx" >/dev/null
check "no match: total 0, empty list" has '"total":0,.*"results":\[\]'
sreq "$URL/certificates?type=achievement&course_id=11" >/dev/null
check "filters type and course_id" has '"total":1,.*"user_name":"Mariana Souza"'
sreq "$URL/certificates?institution_id=42&from=2024-05-01&to=2024-05-31&course_id=11" >/dev/null
check "filters institution_id, from, to" has '"total":1,'
is "$(sreq "$URL/certificates?course_id=77&per_page=10&page=1")" 200 "pagination: page 1"
check "25 matches in 3 pages of 10" has '"total":25,"page":1,"per_page":10,"pages":3'
grep -o '"id":"[a-z2-7]*"' "$TMP/body" | sort >"$TMP/p1"
is "$(wc -l <"$TMP/p1" | tr -d ' ')" 10 "page 1 has 10 results"
sreq "$URL/certificates?course_id=77&per_page=10&page=2" >/dev/null
grep -o '"id":"[a-z2-7]*"' "$TMP/body" | sort >"$TMP/p2"
is "$(comm -12 "$TMP/p1" "$TMP/p2" | wc -l | tr -d ' ')" 0 "page 2 shares nothing with page 1"
sreq "$URL/certificates?course_id=77&per_page=10&page=3" >/dev/null
is "$(grep -o '"id":"[a-z2-7]*"' "$TMP/body" | wc -l | tr -d ' ')" 5 "page 3 has the last 5"
sreq "$URL/certificates?course_id=77&per_page=10" >/dev/null
grep -o '"certified_at":"[^"]*"' "$TMP/body" >"$TMP/dates"
check "newest first" sh -c 'sort -r "$1" | cmp -s - "$1"' - "$TMP/dates"
is "$(sreq -H 'Accept: text/html' "$URL/certificates?course_id=77&per_page=10&page=2")" 200 \
	"the HTML list, page 2"
check "... links to the previous page" has 'rel="prev" href="/certificates?course_id=77&amp;per_page=10&amp;page=1"'
check "... and to the next" has 'rel="next" href="/certificates?course_id=77&amp;per_page=10&amp;page=3"'
check "... says which page" has 'Página 2 de 3'
for bad in "from=2024-13-01:from" "to=yesterday:to" "page=0:page" "page=x:page" \
	"course_id=-3:course_id" "institution_id=1e3:institution_id" "type=gold:type" \
	"status=maybe:status" "per_page=500:per_page" "from=2024-05-02%26to%3D2024-05-01:from"; do
	q=${bad%:*} p=${bad##*:}
	is "$(sreq "$URL/certificates?$q")" 400 "bad parameter $q: 400"
	check "... naming '$p'" has "parameter '$p'"
done
is "$(sreq "$URL/certificates?from=2024-05-02&to=2024-05-01")" 400 "from after to: 400"
is "$(sreq -H 'Accept: text/html' "$URL/certificates?from=2024-02-30")" 400 "bad date, browser: 400"
check "... a page naming the parameter" has 'Parâmetro “from”'

# --- the HTML search page ---
is "$(sreq -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' "$URL/certificates?q=joao")" \
	200 "a browser gets the search page"
is "$(hdr Content-Type)" "text/html; charset=utf-8" "... as HTML"
check "... with the search form" has '<form class="card grid" method="get" action="/certificates"'
check "... the result row links to the certificate" has "<a href=\"/certificates/$JOAO\"><bdi>João da Silva</bdi></a>"
check "... and to its PDF" has "href=\"/certificates/$JOAO.pdf\""
check "... shows course, type and status" has 'Gestão Escolar.*Participação.*válido'
check "... in Portuguese by default" has '<html lang="pt-BR">'
sreq -H 'Accept: text/html' "$URL/?q=joao&lang=en" >/dev/null
check "GET / is the same page; ?lang=en in English" has 'Name, e-mail, CPF or course'
sreq -H 'Accept: text/html' -H 'Accept-Language: en-GB,en;q=0.9,pt;q=0.5' "$URL/" >/dev/null
check "Accept-Language en picks English" has '<html lang="en">'
check "the page carries no script" hasnt '<script'
check "the page has a viewport for phones" has 'name="viewport" content="width=device-width'

# --- certificate metadata ---
is "$(sreq "$URL/certificates/$JOAO")" 200 "GET /certificates/ID: 200"
check "JSON metadata with its revisions" has "\"revisions\":\[{\"revision\":1,\"verification_code\":\"$JCODE\""
check "staff see the e-mail" has '"user_email":"joao.silva@example.com"'
check "no file system path is given out" hasnt "$STORE"
is "$(sreq -H 'Accept: text/html' "$URL/certificates/$JOAO")" 200 "the details page"
check "... shows name, e-mail and formatted CPF" has 'João da Silva.*joao.silva@example.com.*529.982.247-25'
check "... links the PDF and revision 1" has "href=\"/certificates/$JOAO/r1.pdf\""
check "... has a revoke form" has "action=\"/certificates/$JOAO/revoke\""
CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$TMP/body")
is "${#CSRF}" 64 "... with a form token"

# --- the PDF ---
is "$(sreq "$URL/certificates/$JOAO.pdf")" 200 "GET ID.pdf: 200"
is "$(hdr Content-Type)" application/pdf "Content-Type: application/pdf"
check "the bytes are the archived file's" cmp -s "$TMP/body" "$PDF"
is "$(hdr ETag)" "\"$SHA\"" "ETag is the file's SHA-256"
is "$(hdr Accept-Ranges)" bytes "Accept-Ranges: bytes"
is "$(hdr Content-Disposition)" \
	"inline; filename=\"certificado.pdf\"; filename*=UTF-8''Jo%C3%A3o%20da%20Silva%20-%20Gest%C3%A3o%20Escolar.pdf" \
	"inline, with the student's and course's names as file name"
is "$(sreq -H "If-None-Match: \"$SHA\"" "$URL/certificates/$JOAO.pdf")" 304 "If-None-Match: 304"
is "$(wc -c <"$TMP/body" | tr -d ' ')" 0 "304 has no body"
is "$(hdr ETag)" "\"$SHA\"" "304 repeats the ETag"
is "$(sreq -H "If-None-Match: \"abc\", W/\"$SHA\"" "$URL/certificates/$JOAO.pdf")" 304 \
	"If-None-Match with a list and a weak tag: 304"
is "$(sreq -H 'If-None-Match: "0000"' "$URL/certificates/$JOAO.pdf")" 200 "another ETag: 200"
is "$(sreq -r 100-199 "$URL/certificates/$JOAO.pdf")" 206 "Range 100-199: 206"
is "$(hdr Content-Range)" "bytes 100-199/$SIZE" "Content-Range bytes 100-199/$SIZE"
dd if="$PDF" of="$TMP/want" bs=1 skip=100 count=100 2>/dev/null
check "... the right 100 bytes (dd)" cmp -s "$TMP/body" "$TMP/want"
is "$(sreq -r -500 "$URL/certificates/$JOAO.pdf")" 206 "Range -500 (the last 500 bytes): 206"
tail -c 500 "$PDF" >"$TMP/want"
check "... the right bytes" cmp -s "$TMP/body" "$TMP/want"
is "$(sreq -r 1000- "$URL/certificates/$JOAO.pdf")" 206 "Range 1000- (to the end): 206"
is "$(hdr Content-Range)" "bytes 1000-$((SIZE - 1))/$SIZE" "... Content-Range to the last byte"
dd if="$PDF" of="$TMP/want" bs=1 skip=1000 2>/dev/null
check "... the right bytes" cmp -s "$TMP/body" "$TMP/want"
is "$(sreq -r "$SIZE-" "$URL/certificates/$JOAO.pdf")" 416 "a range past the end: 416"
is "$(hdr Content-Range)" "bytes */$SIZE" "416 says the size"
is "$(sreq -r 0-1,5-6 "$URL/certificates/$JOAO.pdf")" 200 "several ranges: the whole file (200)"
is "$(sreq -r 0-9 -H 'If-Range: "0000"' "$URL/certificates/$JOAO.pdf")" 200 \
	"If-Range with another ETag: the whole file"
is "$(sreq -I "$URL/certificates/$JOAO.pdf")" 200 "HEAD ID.pdf: 200"
is "$(hdr Content-Length)" "$SIZE" "HEAD gives the length"
is "$(sreq "$URL/certificates/$JOAO/r1.pdf")" 200 "GET ID/r1.pdf: 200"
check "r1 is the same file while it is the latest" cmp -s "$TMP/body" "$PDF"
is "$(sreq "$URL/certificates/$JOAO/r2.pdf")" 404 "a revision that does not exist: 404"

# --- a new revision supersedes the first ---
WTOKEN=$(cat "$STORE/webhook-token")
event 1001 "João da Silva Santos" "joao.silva@example.com" "529.982.247-25" 10 "Gestão Escolar" \
	participation 03 >"$TMP/rev.json"
is "$(req -X POST --data-binary @"$TMP/rev.json" "$URL/webhooks?token=$WTOKEN")" 201 \
	"a corrected name makes revision 2"
J2CODE=$(json_str verification_code)
sreq "$URL/certificates/$JOAO" >/dev/null
check "metadata lists both revisions, the first superseded" \
	has '"revision":1,[^}]*"superseded":true.*"revision":2,[^}]*"superseded":false'
PDF2=$(find "$STORE/pdf" -name "$JOAO-r2*.pdf" | head -n 1)
is "$(sreq "$URL/certificates/$JOAO.pdf")" 200 "ID.pdf after the revision"
check "ID.pdf is now revision 2" cmp -s "$TMP/body" "$PDF2"
sreq "$URL/certificates/$JOAO/r1.pdf" >/dev/null
check "ID/r1.pdf is still revision 1" cmp -s "$TMP/body" "$PDF"

# --- public verification ---
is "$(req "$URL/verify/$J2CODE")" 200 "verify the latest code: 200"
is "$(hdr Content-Type)" "text/html; charset=utf-8" "... a page"
check "... names the holder" has 'João da Silva Santos'
check "... says válido" has 'Situação: válido'
check "... shows course, workload, school and type" \
	has 'Gestão Escolar.*40 horas.*Participação.*Escola Estadual Ana Néri'
check "... and dates" has '20 de março de 2024.*28 de março de 2024'
check "... never the e-mail" hasnt 'joao.silva@example.com'
check "... never the CPF" sh -c '! grep -q -e 52998224725 -e 529.982.247-25 -e "529\.982" "$1"' - "$TMP/body"
check "... at most masked" has '\*\*\*\.982\.247-\*\*'
is "$(req "$URL/verify/$JCODE")" 200 "verify the first code: 200"
check "... says superseded" has 'substituído por uma revisão mais recente'
check "... shows that revision's name" has '<strong><bdi>João da Silva</bdi></strong>'
is "$(req "$URL/verify/$JCODE?lang=en")" 200 "?lang=en"
check "... superseded by a newer revision" has 'superseded by a newer revision'
is "$(req -H 'Accept-Language: en-US,en;q=0.9' "$URL/verify/$J2CODE")" 200 "Accept-Language: en"
check "... valid" has 'Status: valid'
LOWER=$(printf %s "$J2CODE" | tr 'A-Z' 'a-z' | tr -d '-')
is "$(req -H 'Accept: application/json' "$URL/verify/$LOWER")" 200 \
	"JSON, code typed in lower case without dashes"
check "... same data: status valid" has '"status":"valid","valid":true'
check "... holder and course" has '"holder_name":"João da Silva Santos".*"course_name":"Gestão Escolar"'
check "... no e-mail, no CPF" sh -c '! grep -q -e @ -e 52998224725 "$1"' - "$TMP/body"
is "$(req "$URL/verify/ZZZZZ-ZZZZZ-ZZZZZ")" 404 "an unknown code: 404"
check "... a page that says so" has 'Nenhum certificado tem o código “<bdi>ZZZZZ-ZZZZZ-ZZZZZ</bdi>”'
is "$(req -H 'Accept: application/json' "$URL/verify/ZZZZZ-ZZZZZ-ZZZZZ")" 404 "... JSON 404"
is "$(req "$URL/verify")" 200 "GET /verify: the form"
check "... asks for a code" has '<input id="code" name="code"'
is "$(req "$URL/verify?code=$LOWER")" 303 "GET /verify?code=...: 303"
is "$(hdr Location)" "/verify/$J2CODE" "... to /verify/CODE"

# --- revocation ---
is "$(sreq -X POST --data "reason=engano" "$URL/certificates/$JOAO/revoke")" 403 \
	"form post without the form token: 403"
is "$(sreq -X POST --data "csrf=$CSRF" "$URL/certificates/$JOAO/revoke")" 400 \
	"form post without a reason: 400"
is "$(sreq -X POST -H 'Content-Type: application/json' --data '{"reason":"  "}' \
	"$URL/certificates/$JOAO/revoke")" 400 "JSON with a blank reason: 400"
check "... naming reason" has '"error":"reason: required'
is "$(sreq -X POST -H 'Content-Type: text/plain' --data 'reason=x' \
	"$URL/certificates/$JOAO/revoke")" 415 "text/plain: 415"
is "$(sreq "$URL/certificates/$JOAO/revoke")" 405 "GET .../revoke: 405"
is "$(hdr Allow)" POST "... Allow: POST"
try "the test's clock is the one tests/run.sh asked for (${TEST_CLOCK:-the real one})" clock_is_faked
before=$(now_epoch)
is "$(req -u "maria:$MARIA" -X POST --data "csrf=$CSRF&reason=Emitido+por+engano" \
	"$URL/certificates/$JOAO/revoke")" 303 "the page's form: 303"
after=$(now_epoch)
is "$(hdr Location)" "/certificates/$JOAO" "... back to the details page"
sreq "$URL/certificates/$JOAO" >/dev/null
check "metadata says revoked, with the reason" \
	has '"status":"revoked","revoked_at":"[0-9: -]*","revoke_reason":"Emitido por engano"'
REVOKED_AT=$(grep -o '"revoked_at":"[^"]*"' "$TMP/body" | cut -d'"' -f4)
try "revoked_at is the UTC time of the revocation ('$REVOKED_AT')" in_window "$REVOKED_AT" "$before" "$after"
REVOKED_ON=$(date_pt "$REVOKED_AT")
sreq -H 'Accept: text/html' "$URL/certificates/$JOAO" >/dev/null
check "the details page says revogado em $REVOKED_ON: REASON" \
	has "revogado em <bdi>$REVOKED_ON</bdi>: <bdi>Emitido por engano</bdi>"
check "... and has no revoke form any more" hasnt 'name="csrf"'
sreq "$URL/certificates?status=revoked" >/dev/null
check "search status=revoked finds it" has "\"total\":1,.*\"id\":\"$JOAO\".*\"status\":\"revoked\""
sreq "$URL/certificates?status=valid&q=joao" >/dev/null
check "search status=valid does not" has '"total":0,'
sreq -H 'Accept: text/html' "$URL/certificates?q=joao" >/dev/null
check "the list shows it revoked" has '<span class="badge bad">revogado</span>'
req "$URL/verify/$J2CODE" >/dev/null
check "verify says revogado em $REVOKED_ON: REASON" \
	has "revogado em <bdi>$REVOKED_ON</bdi>: <bdi>Emitido por engano</bdi>"
req "$URL/verify/$JCODE" >/dev/null
check "... for every revision" has "revogado em <bdi>$REVOKED_ON</bdi>: <bdi>Emitido por engano</bdi>"
req -H 'Accept: application/json' "$URL/verify/$J2CODE" >/dev/null
check "verify JSON: revoked with the reason" has '"status":"revoked","valid":false.*"revoke_reason":"Emitido por engano"'
is "$(sreq -X POST -H 'Content-Type: application/json' --data '{"reason":"outra"}' \
	"$URL/certificates/$XID/revoke")" 200 "JSON revoke: 200"
check "... answers the metadata" has "\"id\":\"$XID\".*\"status\":\"revoked\".*\"revoke_reason\":\"outra\""
is "$(sreq -X POST -H 'Content-Type: application/json' --data '{"reason":"x"}' \
	"$URL/certificates/aaaaaaaaaaaaaaaa/revoke")" 404 "revoke an unknown id: 404"
check "the revocation is logged with the staff name" grep -q "revoked id=$JOAO by staff 'maria'" \
	"$TMP/serve.log"

# --- escaping: a student named <script>alert(1)</script> ---
sreq "$URL/certificates/$XID" >/dev/null
XCODE=$(json_str verification_code)
for page in "/certificates?q=script" "/certificates/$XID"; do
	sreq -H 'Accept: text/html' "$URL$page" >/dev/null
	check "$page: the name comes back escaped" has '&lt;script&gt;alert(1)&lt;/script&gt;'
	check "$page: no <script> tag at all" hasnt '<script'
	check "$page: the course name is escaped too" has '&lt;b&gt;Curso&lt;/b&gt; &amp; &quot;aspas&quot;'
done
req "$URL/verify/$XCODE" >/dev/null
check "/verify: the name comes back escaped" has '&lt;script&gt;alert(1)&lt;/script&gt;'
check "/verify: no <script> tag at all" hasnt '<script'
req "$URL/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E" >/dev/null
check "an unknown code is echoed escaped" hasnt '<script'
sreq -H 'Accept: text/html' "$URL/certificates?q=%3Cscript%3E%22" >/dev/null
check "the search text is echoed escaped in the form" has 'value="&lt;script&gt;&quot;"'
is "$(sreq "$URL/certificates/$XID.pdf")" 200 "the <script> student's PDF"
is "$(hdr Content-Disposition | sed 's/.*filename\*=//')" \
	"UTF-8''script%20alert%281%29%20script%20-%20b%20Curso%20b%20%26%20aspas.pdf" \
	"... a file name without quotes, slashes or angle brackets"

# --- security headers, gzip ---
for what in "-H Accept:text/html $URL/certificates" "$URL/certificates" "$URL/certificates/$JOAO.pdf" \
	"-H Accept:text/html $URL/verify/$J2CODE" "$URL/nowhere"; do
	# shellcheck disable=SC2086 # what holds curl arguments
	sreq $what >/dev/null
	is "$(hdr Content-Security-Policy)" "$CSP" "CSP on ${what##* }"
	is "$(hdr X-Content-Type-Options)" nosniff "nosniff on ${what##* }"
	is "$(hdr Referrer-Policy)" no-referrer "Referrer-Policy on ${what##* }"
done
req "$URL/certificates" >/dev/null
is "$(hdr Content-Security-Policy)" "$CSP" "CSP on a 401"
is "$(sreq -H 'Accept-Encoding: gzip' "$URL/certificates?course_id=77")" 200 "Accept-Encoding: gzip"
is "$(hdr Content-Encoding)" gzip "JSON is gzip-compressed"
is "$(hdr Vary)" Accept-Encoding "Vary: Accept-Encoding"
check "... and decompresses to the list" sh -c 'gzip -dc "$1" | grep -q "\"total\":25,"' - "$TMP/body"
sreq "$URL/certificates?course_id=77" >/dev/null
is "$(hdr Content-Encoding)" "" "not compressed when not asked"
is "$(sreq -H 'Accept-Encoding: gzip;q=0, br' "$URL/certificates")" 200 "gzip;q=0"
is "$(hdr Content-Encoding)" "" "... is not compressed"

# --- ids and codes that are not well-formed: 404, never a file ---
for p in "/certificates/..%2f..%2fetc%2fpasswd" "/certificates/..%2f..%2f..%2f..%2fetc%2fpasswd.pdf" \
	"/certificates/$JOAO%00.pdf" "/certificates/$JOAO.pdf%00" "/certificates/$JOAO/r1.pdf%00.txt" \
	"/certificates/$(printf 'a%.0s' $(seq 1 300)).pdf" "/certificates/${JOAO}a.pdf" \
	"/certificates/$(printf %s "$JOAO" | tr a-z A-Z).pdf" "/certificates/$JOAO/r0.pdf" \
	"/certificates/$JOAO/r01.pdf" "/certificates/$JOAO/r99999999999999999999.pdf" \
	"/certificates/$JOAO/../../index.sqlite" "/certificates/%2e%2e/index.sqlite" \
	"/certificates/$JOAO/r1.pdf/../../../index.sqlite" "/certificates/aaaaaaaaaaaaaaaa.pdf" \
	"/verify/..%2f..%2findex.sqlite" "/verify/%00" "/verify/$J2CODE%00" \
	"/verify/$(printf 'A%.0s' $(seq 1 500))" "/verify/../index.sqlite"; do
	st=$(sreq --path-as-is "$URL$p")
	is "$st" 404 "404: $(printf %s "$p" | cut -c1-60)"
	check "... and no file's content" sh -c '! grep -q -a -e "root:" -e "SQLite format" -e "%PDF" "$1"' \
		- "$TMP/body"
done

# --- ids near 2^53 come back exactly ---
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); d=e["data"]
d["institution"]["id"]=9007199254740991; d["user"]["id"]=9007199254740990; d["course"]["id"]=9007199254740989
print(json.dumps(e))' "$TESTDATA/seed-example.json" > "$TMP/big-ids.json"
is "$(req -X POST -H "Authorization: Bearer $(cat "$STORE/webhook-token")" \
	-H 'Content-Type: application/json' --data-binary @"$TMP/big-ids.json" "$URL/webhooks")" 201 \
	"an event with ids near 2^53 is archived"
BIG=$(json_str id)
sreq "$URL/certificates/$BIG" >/dev/null
check "its metadata gives the institution id exactly" has '"institution_id":9007199254740991'
check "... the user id" has '"user_id":9007199254740990'
check "... and the course id" has '"course_id":9007199254740989'

# --- metrics ---
req "$URL/metrics" >/dev/null
check "metrics count the staff routes" has '^certifica_http_requests_total{route="certificates",status="200"}'
check "metrics count verification" has '^certifica_http_requests_total{route="verify",status="200"}'

kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
is $? 0 "SIGTERM: exit 0"
SERVE_PID=
done_testing
