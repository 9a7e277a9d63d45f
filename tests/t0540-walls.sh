#!/bin/sh
# The walls between institutions, over HTTP: institutions' own webhook tokens
# (their own institution 201, another's 403 with nothing stored and an audit
# line, a revoked token 401, the server-wide token for every institution
# until require_institution_tokens), and scoped staff accounts on every staff
# route: another institution's (or school's) certificate answers exactly as
# an unknown id does, byte for byte; their own answer 200.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE="$TMP/store"
DATA="$(dirname "$0")/data"
UNKNOWN=aaaaaaaaaaaaaaaa # well-formed, in no archive

# req CURL-ARGS...: the status; body in $TMP/body.
req() { : >"$TMP/body"; curl -s -o "$TMP/body" -w "%{http_code}" "$@"; }
post() { # URL EVENT [CURL-ARGS...]
	_u=$1 _e=$2
	shift 2
	req -X POST -H "Content-Type: application/json" --data-binary "@$DATA/walls-$_e.json" "$@" "$_u"
}
token_of() { grep -oE '^[A-Za-z0-9_-]{43}$' "$1" | head -n 1; }
total() { sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$TMP/body"; }

# --- institutions' webhook tokens ---
cert webhook-token add --institution 1101 --label rede-a --store "$STORE" \
	--public-url https://certificados.example >"$TMP/ta" 2>"$TMP/ta.err"
is $? 0 "webhook-token add --institution 1101"
TA=$(token_of "$TMP/ta")
is "${#TA}" 43 "prints a 43-character token"
check "and the URL to paste" grep -qx "https://certificados.example/webhooks?token=$TA" "$TMP/ta"
cert webhook-token add --institution 2202 --store "$STORE" >"$TMP/tb" 2>/dev/null
TB=$(token_of "$TMP/tb")
cert webhook-token add --institution 2202 --label rede-a --store "$STORE" >/dev/null 2>"$TMP/dup"
is $? 1 "a label already active is refused"
check "saying so" grep -q "'rede-a' already exists" "$TMP/dup"
cert webhook-token list --store "$STORE" >"$TMP/list"
check "list shows label and institution" grep -qE '^rede-a +1101 ' "$TMP/list"
check "list shows the default label" grep -qE '^institution-2202 +2202 ' "$TMP/list"
check "list never shows a token" sh -c "! grep -q -e '$TA' -e '$TB' '$TMP/list'"
check "the index keeps no token" sh -c "! grep -q -e '$TA' -e '$TB' '$STORE/index.sqlite'"

# --- staff accounts with scopes ---
staff_add() {
	cert staff add "$@" --store "$STORE" 2>>"$TMP/staff.err" | grep -oE '^[A-Za-z0-9_-]{43}$'
}
ADMIN=$(staff_add admin)
SA=$(staff_add rede-a --institution 1101)
SB=$(staff_add rede-b --institution 2202)
SUL=$(staff_add sul --institution 1101 --school 2)
cert staff list --store "$STORE" >"$TMP/staff"
check "staff list: an unscoped account sees all" grep -qE '^admin .* all$' "$TMP/staff"
check "staff list: institution scope" grep -qE '^rede-a .* institution 1101$' "$TMP/staff"
check "staff list: school scope" grep -qE '^sul .* institution 1101, school 2$' "$TMP/staff"
cert staff add x --school 2 --store "$STORE" 2>/dev/null
is $? 2 "--school without --institution: usage error"

serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts"
SERVER=$(cat "$STORE/webhook-token")

is "$(post "$URL/webhooks?token=$TA" a-norte)" 201 "institution 1101's token, its own event: 201"
AID=$(sed -n 's/.*"id":"\([a-z2-7]*\)".*/\1/p' "$TMP/body")
is "$(post "$URL/webhooks" a-sul -H "Authorization: Bearer $TA")" 201 "as Bearer too: 201"
SULID=$(sed -n 's/.*"id":"\([a-z2-7]*\)".*/\1/p' "$TMP/body")
is "$(post "$URL/webhooks?token=$TA" b)" 403 "institution 1101's token, 2202's event: 403"
is "$(cat "$TMP/body")" '{"error":"token of institution 1101 may not issue for institution 2202"}' \
	"the 403 names the refusal"
is "$(post "$URL/webhooks?token=$TA" b-invalid)" 403 "an invalid event of 2202: the same 403"
is "$(cat "$TMP/body")" '{"error":"token of institution 1101 may not issue for institution 2202"}' \
	"and nothing of what validation would say"
is "$(req -H "Authorization: Bearer $ADMIN" "$URL/certificates?q=carla")" 200 "admin searches"
is "$(total)" 0 "nothing was stored for 2202"
check "nor any PDF" sh -c "! ls '$STORE/pdf' -R | grep -q pdf || [ \$(find '$STORE/pdf' -name '*.pdf' | wc -l) = 2 ]"
is "$(post "$URL/webhooks?token=$SERVER" b)" 201 "the server-wide token issues for any institution"
BID=$(sed -n 's/.*"id":"\([a-z2-7]*\)".*/\1/p' "$TMP/body")
is "$(post "$URL/webhooks?token=$TB" b)" 200 "2202's own token: its event (unchanged): 200"
is "$(post "$URL/webhooks?token=${TB}x" b)" 401 "a token one character longer: 401"

cert webhook-token revoke rede-a --store "$STORE" >/dev/null
is $? 0 "webhook-token revoke rede-a"
is "$(post "$URL/webhooks?token=$TA" a-norte)" 401 "a revoked institution token: 401"
cert webhook-token revoke rede-a --store "$STORE" 2>/dev/null
is $? 1 "revoking it again: exit 1"

# --- every staff route, scoped ---
# same STATUS WHO PATH CURL-ARGS...: the status and body of a request for
# another institution's id and for an unknown one; both must be the same.
same() {
	_want=$1 _who=$2 _path=$3
	_id=$(echo "$_path" | cut -c 1-16)
	shift 3
	_s1=$(req -H "Authorization: Bearer $_who" "$@" "$URL/certificates/$_path")
	# (with --head the headers are the body: their Date may differ)
	sed -e "s/$_id/ID/g" -e '/^[Dd]ate:/d' "$TMP/body" >"$TMP/other"
	_s2=$(req -H "Authorization: Bearer $_who" "$@" "$URL/certificates/$UNKNOWN${_path#$_id}")
	sed -e "s/$UNKNOWN/ID/g" -e '/^[Dd]ate:/d' "$TMP/body" >"$TMP/unknown"
	is "$_s1" "$_want" "$WHAT: another's $_path $*: $_want"
	# The pages link to the path asked for (its English version): that is
	# the requester's own id, the same in both once written as ID.
	try "$WHAT: ... the same status and body as an unknown id" \
		sh -c "[ '$_s1' = '$_s2' ] && cmp -s '$TMP/other' '$TMP/unknown' ||
			{ echo '$_s1 / $_s2'; diff '$TMP/other' '$TMP/unknown' | cut -c 1-200; exit 1; }"
}
own() { # WHO PATH DESCRIPTION CURL-ARGS...: 200
	_who=$1 _path=$2 _d=$3
	shift 3
	is "$(req -H "Authorization: Bearer $_who" "$@" "$URL/certificates/$_path")" 200 "$_d"
}
routes() { # WHO ID: another's id on every staff route that takes one
	same 404 "$1" "$2"
	same 404 "$1" "$2" -H "Accept: text/html"
	same 404 "$1" "$2" --head
	same 404 "$1" "$2.pdf"
	same 404 "$1" "$2.pdf" --head
	same 404 "$1" "$2/r1.pdf"
	same 404 "$1" "$2/r1.pdf" -H "Range: bytes=0-3"
	same 404 "$1" "$2/revoke" -X POST -H "Content-Type: application/json" --data '{"reason":"x"}'
	# A form without this account's form token is refused before any lookup.
	same 403 "$1" "$2/revoke" -X POST --data "reason=x&csrf=00"
}
WHAT="institution 1101" routes "$SA" "$BID"
WHAT="institution 2202" routes "$SB" "$AID"
WHAT="school 2" routes "$SUL" "$AID"

own "$SA" "$AID" "1101: its own details"
own "$SA" "$AID" "1101: its own page" -H "Accept: text/html"
own "$SA" "$AID.pdf" "1101: its own PDF"
own "$SA" "$SULID/r1.pdf" "1101: its school 2's revision PDF"
own "$SB" "$BID" "2202: its own details"
own "$SUL" "$SULID.pdf" "school 2: its own PDF"
is "$(req -H "Authorization: Bearer $ADMIN" "$URL/certificates/$BID")" 200 "admin: 2202's too"

is "$(req -H "Authorization: Bearer $SA" "$URL/certificates")" 200 "1101 searches"
is "$(total)" 2 "and finds its 2"
check "... never 2202's" sh -c "! grep -q '$BID' '$TMP/body'"
req -H "Authorization: Bearer $SA" "$URL/certificates?q=carla" >/dev/null
is "$(total)" 0 "1101: words of 2202's student find nothing"
req -H "Authorization: Bearer $SA" "$URL/certificates?institution_id=2202" >/dev/null
is "$(total)" 0 "1101: asking for institution 2202 finds nothing"
is "$(req -H "Authorization: Bearer $SA" "$URL/")" 200 "1101: the home page"
check "... lists its students" grep -q "Ana Norte" "$TMP/body"
check "... and not 2202's" sh -c "! grep -q 'Carla' '$TMP/body'"
req -H "Authorization: Bearer $SUL" -H "Accept: text/html" "$URL/certificates?q=ana" >/dev/null
check "school 2's search page: not school 1's Ana Norte" sh -c "! grep -q 'Ana Norte' '$TMP/body'"
req -H "Authorization: Bearer $SUL" "$URL/certificates" >/dev/null
is "$(total)" 1 "school 2 finds only its one"
check "... Bruno Sul" grep -q "Bruno Sul" "$TMP/body"
req -H "Authorization: Bearer $ADMIN" "$URL/certificates" >/dev/null
is "$(total)" 3 "admin finds all 3"

is "$(req -H "Authorization: Bearer $SB" -X POST -H "Content-Type: application/json" \
	--data '{"reason":"erro"}' "$URL/certificates/$BID/revoke")" 200 "2202 revokes its own"
req -H "Authorization: Bearer $ADMIN" "$URL/certificates/$AID" >/dev/null
check "... and 1101's stayed valid through every refused revoke" grep -q '"status":"valid"' "$TMP/body"
req -H "Authorization: Bearer $ADMIN" "$URL/certificates/$BID" >/dev/null
check "... while 2202's is revoked" grep -q '"status":"revoked"' "$TMP/body"

# --- the audit says which institution was refused ---
AUDIT=$(cat "$STORE"/audit/audit-* 2>/dev/null)
check "the audit has the refusal of institution 2202 with 403" sh -c \
	"echo '$AUDIT' | grep -q '\"outcome\":\"refused: institution 2202\",\"status\":403'"

kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=

# --- require_institution_tokens ---
serve_start "$STORE" "$TMP/serve2.log" --require-institution-tokens ||
	{ ok 1 "server starts"; done_testing; exit 1; }
is "$(post "$URL/webhooks?token=$SERVER" b)" 401 "--require-institution-tokens: the server-wide token, 401"
is "$(post "$URL/webhooks?token=$TB" b)" 200 "... an institution's own still works"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
printf 'require_institution_tokens = true\n' >"$TMP/c.conf"
serve_start "$STORE" "$TMP/serve3.log" --config "$TMP/c.conf" ||
	{ ok 1 "server starts"; done_testing; exit 1; }
is "$(post "$URL/webhooks?token=$SERVER" b)" 401 "require_institution_tokens = true in the config: 401"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
CERTIFICA_REQUIRE_INSTITUTION_TOKENS=false serve_start "$STORE" "$TMP/serve4.log" \
	--config "$TMP/c.conf" || { ok 1 "server starts"; done_testing; exit 1; }
is "$(post "$URL/webhooks?token=$SERVER" b)" 200 "the environment's false beats the file's true"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=

done_testing
