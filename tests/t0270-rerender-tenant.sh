#!/bin/sh
# A rebrand of one institution: after its template changes, `rerender
# --institution A` re-makes A's certificates (same codes and revisions, new
# files, the verify page still answers for them) and leaves every file of
# institution B as it was, byte for byte, though B's course file changed too;
# the summary counts only A's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

S=$TMP/store
TEN=$TMP/tenants
A=41270033
B=77001
cp -r "$TOP/examples/tenants" "$TEN"
sql() { sqlite3 "$S/index.sqlite" "$1"; }

for u in 1 2 3; do
	python3 "$TOP/tests/tenant-event.py" "$TOP/examples/seed-example.json" - "$A" 19 9000 achievement "$u" "Pessoa $A-$u"
	python3 "$TOP/tests/tenant-event.py" "$TOP/examples/seed-example.json" - "$B" 5 500 participation "$u" "Pessoa $B-$u"
done > "$TMP/all.jsonl"
try "import: three certificates for each institution" \
	cert import --store "$S" --tenants "$TEN" "$TMP/all.jsonl"
q="SELECT c.institution_id, r.id, r.revision, r.code, r.pdf_path
   FROM revisions r JOIN certificates c ON c.id = r.id ORDER BY r.id, r.revision"
sql "$q" > "$TMP/before"
is "$(wc -l < "$TMP/before")" 6 "six revisions archived"
for f in $(cut -d'|' -f5 "$TMP/before"); do sha256sum "$S/$f"; done > "$TMP/sums-before"
grep "^$A|" "$TMP/before" | cut -d'|' -f5 | head -1 > "$TMP/a-path"
check "before: A's certificates have the template's heading" \
	sh -c "pdftotext '$S/$(cat "$TMP/a-path")' - | grep -qx CERTIFICADO"

# the rebrand of A, and a change for B that a re-made PDF of B would show
sed -i 's/"text": "CERTIFICADO"/"text": "CERTIFICADO · NOVA MARCA"/' "$TEN/$A/templates/escola-viva.json"
sed -i 's/Workplace Safety Fundamentals/Changed Course Name/' "$TEN/$B/courses/500.json"

cert rerender --store "$S" --tenants "$TEN" --institution abc > /dev/null 2>"$TMP/err"
is "$?" 2 "--institution abc: exit 2"
check "... saying what it wants" grep -q "institution id > 0" "$TMP/err"
is "$(cert rerender --store "$S" --tenants "$TEN" --institution 999 2>&1)" "0 certificates re-made" \
	"an institution with nothing archived: nothing re-made"
is "$(cert rerender --store "$S" --tenants "$TEN" --institution "$A" 2>&1)" "3 certificates re-made" \
	"rerender --institution A: the summary counts only A's three"
sql "$q" > "$TMP/after"
paste -d'|' "$TMP/before" "$TMP/after" | awk -F'|' -v a="$A" '
	$2 != $7 || $3 != $8 { bad = "rows differ: " $2; exit }
	$4 != $9 { bad = "code changed for " $2; exit }
	$1 == a && $5 == $10 { bad = "A not re-made: " $2; exit }
	$1 != a && $5 != $10 { bad = "B re-made: " $2; exit }
	END { if (bad) { print "# " bad; exit 1 } }'
ok $? "same ids, revisions and codes; new files for A's rows only"
fails=0
grep "^$A|" "$TMP/after" | cut -d'|' -f5 > "$TMP/a-new"
for f in $(cat "$TMP/a-new"); do
	pdftotext "$S/$f" - | grep -qx "CERTIFICADO · NOVA MARCA" || { fails=$((fails + 1)); echo "# $f: no new heading"; }
done
is "$fails" 0 "A's three PDFs show the new heading"
left=0
for f in $(grep "^$A|" "$TMP/before" | cut -d'|' -f5); do [ -e "$S/$f" ] && left=$((left + 1)); done
is "$left" 0 "A's previous files were removed after the commit"
grep "^$B|" "$TMP/before" | cut -d'|' -f5 | while read -r f; do grep " $S/$f\$" "$TMP/sums-before"; done > "$TMP/b-before"
(cd / && sha256sum -c --quiet "$TMP/b-before") > "$TMP/b-check" 2>&1
ok $? "B's three PDFs are byte for byte as they were"
is "$(wc -l < "$TMP/b-before")" 3 "... all three of them checked"
check "B's PDFs still show the old course name" \
	sh -c "pdftotext '$S/$(grep "^$B|" "$TMP/after" | cut -d'|' -f5 | head -1)' - | grep -q 'Workplace Safety Fundamentals'"

# the verify page answers for a re-made certificate with its old code
code=$(grep "^$A|" "$TMP/after" | cut -d'|' -f4 | head -1)
name=$(sql "SELECT user_name FROM certificates WHERE id = '$(grep "^$A|" "$TMP/after" | cut -d'|' -f2 | head -1)'")
if serve_start "$S" "$TMP/serve.log" --tenants "$TEN" --webhook-token tok-rerender-0123456789; then
	st=$(curl -s -o "$TMP/verify.json" -w '%{http_code}' -H 'Accept: application/json' "$URL/verify/$code")
	is "$st" 200 "verify: the old code of a re-made certificate answers"
	check "verify: it is valid and names its holder" sh -c \
		"grep -q '\"valid\":true' '$TMP/verify.json' && grep -q '$name' '$TMP/verify.json'"
	kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
else
	ok 1 "the server starts for the verify page"
fi
done_testing
