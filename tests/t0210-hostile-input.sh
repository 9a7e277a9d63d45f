#!/bin/sh
# What a hostile tester feeds the command line and the webhook: names that
# draw nothing, names with bidi controls, ids written as other JSON texts,
# inputs larger than the event size limit (render /dev/zero), and file names
# with newlines and other control characters.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
S="$TESTDATA/participation-accented.json"

# A copy of the sample with one change, on one line: mod PYTHON-EXPR > OUT
# (e is the event; strings may use \u escapes).
mod() {
	python3 -c "import json,sys; e=json.load(open(sys.argv[1])); $1; print(json.dumps(e, ensure_ascii=False))" "$S"
}

# --- names that draw nothing ---
# The tester's six, and neighbours: other format characters, a joiner, the
# Hangul filler, other spaces.
n=0
for name in '\u200b' '\u202e' '\ufeff' '\u00ad' '\u3000' '\u2003\u2003' \
	'\u2066\u2069' '\u200d' '\u3164' '\u2060 \u180e' '\u205f\u1680'; do
	n=$((n + 1))
	mod "e['data']['user']['name'] = '$name'" >"$TMP/inv$n.json"
	cert render "$TMP/inv$n.json" -o "$TMP/inv$n.pdf" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	is "$rc $(cat "$TMP/err")" "2 $TMP/inv$n.json: data.user.name: required, empty" \
		"render of user.name '$name': exit 2, required, empty"
	[ -e "$TMP/inv$n.pdf" ]
	ok $((!$?)) "no PDF for user.name '$name'"
done
mod "e['data']['course']['name'] = '\u200b\u202e'" >"$TMP/course.json"
cert validate "$TMP/course.json" >/dev/null 2>"$TMP/err"
is "$? $(cat "$TMP/err")" "2 $TMP/course.json: data.course.name: required, empty" \
	"validate of an invisible course name: exit 2, required, empty"
mod "e['data']['school']['managers'] = [{'manager_id': 7, 'manager_name': '\ufeff'}]" >"$TMP/mgr.json"
cert validate "$TMP/mgr.json" >/dev/null 2>"$TMP/err"
is "$? $(cat "$TMP/err")" "2 $TMP/mgr.json: data.school.managers[0].manager_name: required, empty" \
	"validate of an invisible manager name: exit 2, required, empty"

# A visible name with bidi controls inside prints without them.
mod "e['data']['user']['name'] = '\u202eAna\u202c Lu\u00edza \u2067Silva\u2069\u200b'" >"$TMP/bidi.json"
cert render "$TMP/bidi.json" -o "$TMP/bidi.pdf" >/dev/null 2>&1
ok $? "a name with bidi controls inside renders"
pdftotext "$TMP/bidi.pdf" "$TMP/bidi.txt" 2>/dev/null
grep -q "Ana Luíza Silva" "$TMP/bidi.txt"
ok $? "the page shows the name without them: 'Ana Luíza Silva'"
[ -s "$TMP/bidi.txt" ] && ! grep -q "$(printf '\342\200\256\|\342\201\247')" "$TMP/bidi.txt"
ok $? "no U+202E or U+2067 on the page"

# ... and is the same certificate as the name without them.
mod "e['data']['user']['name'] = 'Ana Luíza Silva'" >"$TMP/plain.json"
cert render "$S" --store "$TMP/store" >/dev/null 2>&1
cert render "$TMP/plain.json" --store "$TMP/store" >"$TMP/out1" 2>&1
cert render "$TMP/bidi.json" --store "$TMP/store" >"$TMP/out2" 2>&1
grep -q ": revised .* r2 " "$TMP/out1"
ok $? "the corrected name makes revision 2"
grep -q ": unchanged .* r2 " "$TMP/out2"
ok $? "the same name with bidi controls: unchanged, still revision 2"

# --- ids as JSON text ---
for id in 00312 0312 -012 1. -.5; do
	sed "s/\"id\": *41270033/\"id\": $id/" "$S" >"$TMP/id.json"
	grep -q "\"id\": $id" "$TMP/id.json" || echo "# sample changed: no institution id 41270033"
	cert validate "$TMP/id.json" >/dev/null 2>"$TMP/err"
	is "$? $(cat "$TMP/err")" "2 $TMP/id.json: data.institution.id: not a valid JSON number: '$id'" \
		"institution id $id: exit 2 naming the path"
done
for id in 41270033.000000000000001 4127003.31e1 1e-3; do
	sed "s/\"id\": *41270033/\"id\": $id/" "$S" >"$TMP/id.json"
	cert validate "$TMP/id.json" >/dev/null 2>"$TMP/err"
	is "$? $(cat "$TMP/err")" "2 $TMP/id.json: data.institution.id: must be an integer" \
		"institution id $id: exit 2, must be an integer"
done
for id in 41270033.0 4127003.3e1 1e3; do
	sed "s/\"id\": *41270033/\"id\": $id/" "$S" >"$TMP/id.json"
	cert validate "$TMP/id.json" >"$TMP/out" 2>"$TMP/err"
	is "$? $(cat "$TMP/out")" "0 $TMP/id.json: ok" "institution id $id: a whole number, accepted"
done

# --- inputs larger than the event size limit ---
# /dev/zero never ends: refused at once, in bounded memory (under a 200 MB
# address-space limit the old slurping died of it, and took seconds).
# Memory is measured on a plain build only: a sanitizer's shadow memory is
# neither small nor allowed by ulimit -v.
plain=1
grep -q __asan_init "$CERTIFICA" && plain=
bounded() { # COMMAND...: run it for at most 10 s, in 200 MB of address space
	if [ -n "$plain" ]; then (ulimit -v 200000 && exec timeout 10 "$@"); else timeout 10 "$@"; fi
}
start=$(date +%s)
bounded "$CERTIFICA" render /dev/zero -o "$TMP/zero.pdf" >/dev/null 2>"$TMP/err"
rc=$?
is "$rc $(cat "$TMP/err")" \
	"2 /dev/zero: event larger than 262144 bytes, the event size limit (CERTIFICA_MAX_BODY)" \
	"render /dev/zero: exit 2 naming the file"
[ $(($(date +%s) - start)) -le 3 ]
ok $? "render /dev/zero: within 3 s"
if [ -n "$plain" ] && [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$TMP/rss" "$CERTIFICA" validate /dev/zero >/dev/null 2>&1
	[ "$(tail -n 1 "$TMP/rss")" -lt 30000 ]
	ok $? "validate /dev/zero: under 30 MB resident ($(tail -n 1 "$TMP/rss") KB)"
fi
bounded "$CERTIFICA" validate - </dev/zero >/dev/null 2>"$TMP/err"
is "$? $(cat "$TMP/err")" \
	"2 <stdin>: event larger than 262144 bytes, the event size limit (CERTIFICA_MAX_BODY)" \
	"validate - < /dev/zero: exit 2 naming standard input"

# A file one byte over the limit; the limit is the server's CERTIFICA_MAX_BODY.
size=$(wc -c <"$S")
CERTIFICA_MAX_BODY=$((size - 1)) cert validate "$S" >/dev/null 2>"$TMP/err"
is "$? $(cat "$TMP/err")" \
	"2 $S: event larger than $((size - 1)) bytes, the event size limit (CERTIFICA_MAX_BODY)" \
	"a file one byte over CERTIFICA_MAX_BODY: exit 2"
CERTIFICA_MAX_BODY=$size cert validate "$S" >"$TMP/out" 2>&1
is "$? $(cat "$TMP/out")" "0 $S: ok" "a file exactly at CERTIFICA_MAX_BODY: ok"
CERTIFICA_MAX_BODY=lots cert validate "$S" >/dev/null 2>"$TMP/err"
is "$?" 2 "a bad CERTIFICA_MAX_BODY: exit 2"
grep -q "CERTIFICA_MAX_BODY" "$TMP/err"
ok $? "... naming it"

# JSON Lines: a good event padded to 300000 bytes between two good ones; the
# good ones are still handled, the long one is named by file and line.
tr -d '\n' <"$S" >"$TMP/one"
{
	cat "$TMP/one"; echo
	cat "$TMP/one"; head -c 300000 /dev/zero | tr '\0' ' '; echo
	cat "$TMP/one"; echo
} >"$TMP/l.jsonl"
cert validate "$TMP/l.jsonl" >"$TMP/out" 2>"$TMP/err"
is "$? $(cat "$TMP/err")" \
	"2 $TMP/l.jsonl:2: line larger than 262144 bytes, the event size limit (CERTIFICA_MAX_BODY)" \
	"validate: a JSONL line over the limit: exit 2 naming file and line"
is "$(cat "$TMP/out" | tr '\n' ' ')" "$TMP/l.jsonl:1: ok $TMP/l.jsonl:3: ok " \
	"validate: the lines around it are checked"
cert render "$TMP/l.jsonl" -o "$TMP/lpdf/" >"$TMP/out" 2>"$TMP/err"
is "$? $(wc -l <"$TMP/out") $(cut -d: -f2 "$TMP/err")" "2 2 2" \
	"render: two PDFs, line 2 refused, exit 2"
cert validate - <"$TMP/l.jsonl" >"$TMP/out" 2>"$TMP/err"
is "$? $(cat "$TMP/err")" \
	"2 <stdin>:2: line larger than 262144 bytes, the event size limit (CERTIFICA_MAX_BODY)" \
	"validate - with JSON Lines: the long line named"
cert import "$TMP/l.jsonl" --store "$TMP/istore" >"$TMP/out" 2>"$TMP/err"
rc=$?
grep -q "^$TMP/l.jsonl:2: line larger than 262144 bytes" "$TMP/err"
ok $? "import: the long line named by file and line"
is "$rc $(cat "$TMP/out")" \
	"2 3 events: 1 issued, 1 unchanged, 0 revised, 0 stale, 0 ignored, 1 rejected, 0 failed" \
	"import: the others archived, the long line rejected, exit 2"
# A line of 40 MB is skipped in bounded memory too.
{ head -c 40000000 /dev/zero | tr '\0' ' '; echo; cat "$TMP/one"; echo; } >"$TMP/huge.jsonl"
if [ -n "$plain" ] && [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$TMP/rss" "$CERTIFICA" validate "$TMP/huge.jsonl" >"$TMP/out" 2>/dev/null
	[ "$(tail -n 1 "$TMP/rss")" -lt 30000 ]
	ok $? "a 40 MB line: under 30 MB resident ($(tail -n 1 "$TMP/rss") KB)"
else
	"$CERTIFICA" validate "$TMP/huge.jsonl" >"$TMP/out" 2>/dev/null
fi
is "$(cat "$TMP/out")" "$TMP/huge.jsonl:2: ok" "the line after a 40 MB line is checked"

# --- file names with newlines and other control characters ---
nl='
'
cp "$S" "$TMP/a${nl}b.json"
cert validate "$TMP/a${nl}b.json" >"$TMP/out" 2>&1
is "$(cat "$TMP/out")" "$TMP/a\\nb.json: ok" "a name with a newline is printed escaped"
cp "$TESTDATA/invalid-missing-user-name.json" "$TMP/c${nl}d.json"
cert validate "$TMP/c${nl}d.json" >/dev/null 2>"$TMP/err"
is "$(head -n 1 "$TMP/err")" "$TMP/c\\nd.json: data.user.name: required, missing" \
	"... in an error message too"
esc=$(printf '\033')
cert validate "$TMP/x${esc}[31m.json" >/dev/null 2>"$TMP/err"
is "$(cat "$TMP/err")" \
	"certifica: cannot open '$TMP/x\\x1B[31m.json': No such file or directory" \
	"a missing file with an escape character: printed escaped"
rlo=$(printf '\342\200\256')
cp "$S" "$TMP/e${rlo}fdp.json"
cert render "$TMP/e${rlo}fdp.json" >"$TMP/out" 2>&1
is "$(cat "$TMP/out")" "$TMP/e\\u202Efdp.pdf" "render prints the PDF made from a name with U+202E escaped"
[ -f "$TMP/e${rlo}fdp.pdf" ]
ok $? "... and writes it under its real name"
tab=$(printf '\t')
mkdir "$TMP/in${tab}dir"
{ cat "$TMP/one"; echo; } >"$TMP/in${tab}dir/ev${nl}s.jsonl"
mkdir "$TMP/pdfs"
cert render "$TMP/in${tab}dir/ev${nl}s.jsonl" -o "$TMP/pdfs" >"$TMP/out" 2>&1
is "$(cat "$TMP/out")" "$TMP/pdfs/ev\\ns-1.pdf" "render of a JSONL with a newline in its name"
printf '{}\n' >"$TMP/in${tab}dir/bad${nl}1.jsonl"
cert import "$TMP/in${tab}dir" --store "$TMP/istore" >/dev/null 2>"$TMP/err"
grep -q "^$TMP/in\\\\tdir/bad\\\\n1.jsonl:1: event: required, missing" "$TMP/err"
ok $? "import names a bad line of a folder's file, escaped"
is "$(grep -vc "^import: " "$TMP/err")" 1 "... on one line"

# --- over HTTP: an invisible name is 422 ---
: >"$TMP/serve.log"
if serve_start "$TMP/hstore" "$TMP/serve.log"; then
	TOKEN=$(cat "$TMP/hstore/webhook-token")
	mod "e['data']['user']['name'] = '\u200b\u2003'" >"$TMP/h.json"
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary @"$TMP/h.json" "$URL/webhooks")
	is "$code" 422 "webhook with an invisible user.name: 422"
	grep -q '"path":"data.user.name","message":"required, empty"' "$TMP/body"
	ok $? "the answer names data.user.name: required, empty"
	sed 's/"id": *41270033/"id": 00312/' "$S" >"$TMP/h.json"
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary @"$TMP/h.json" "$URL/webhooks")
	is "$code" 422 "webhook with institution id 00312: 422"
	grep -q '"path":"data.institution.id"' "$TMP/body"
	ok $? "the answer names data.institution.id"
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	SERVE_PID=
else
	ok 1 "server starts"
fi

done_testing
