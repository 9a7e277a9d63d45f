#!/bin/sh
# Tenants as an institution's staff meets them: examples/tenants holds two institutions;
# each certificate is drawn with the template its tenant's rules choose (its heading, its
# logo), in the tenant's locale, with the course's display name and validity date; the
# archive commands choose the same; `tenants check` reports each tenant and refuses broken
# folders naming the file and the key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

TEN="$TOP/examples/tenants"
mk() { # name institution school course type
	python3 "$TOP/tests/event-set.py" "$TOP/examples/seed-example.json" "$TMP/$1.json" \
		data.institution.id="$2" data.school.id="$3" data.course.id="$4" \
		data.certified.type="$5" data.user.cpf=null
}
mk nr35 41270033 19 8811 participation  # rule 1: course 8811 -> nr35
mk norte 41270033 20 9000 achievement   # rule 2: school 20 + achievement -> norte
mk viva 41270033 19 9000 achievement    # rule 3: the catch-all -> escola-viva
mk horizonte 77001 5 500 participation  # an English tenant with no rule for this type
mk plain 123 5 500 participation        # no tenant folder: the global templates

for n in nr35 norte viva horizonte plain; do
	try "$n: renders" cert render --tenants "$TEN" "$TMP/$n.json" -o "$TMP/$n.pdf"
	pdftotext "$TMP/$n.pdf" "$TMP/$n.txt" 2>/dev/null
	pdfimages -list "$TMP/$n.pdf" 2>/dev/null | tail -n +3 > "$TMP/$n.img"
done

check "nr35: the course rule's template (its heading)" grep -q "CERTIFICADO NR-35" "$TMP/nr35.txt"
check "nr35: the course's display_name replaces the event's" \
	grep -q "participou do curso NR-35 — Trabalho em Altura" "$TMP/nr35.txt"
check "nr35: validity_months 24 prints the expiry date" \
	grep -q "Emitido em 28 de agosto de 2023 · válido até 28 de agosto de 2025" "$TMP/nr35.txt"
is "$(pdfinfo "$TMP/nr35.pdf" | awk '/^Pages:/ {print $2}')" 2 "nr35: a second page for the syllabus"
pdftotext -f 2 "$TMP/nr35.pdf" "$TMP/nr35-2.txt"
check "nr35: page 2 is headed 'Conteúdo programático'" grep -q "^Conteúdo programático\$" "$TMP/nr35-2.txt"
is "$(grep -c '^• ' "$TMP/nr35-2.txt")" 7 "nr35: page 2 lists the 7 syllabus items"
# an item may wrap under its first word: read the lines of page 2 joined
check "nr35: the longest item is whole" sh -c "tr '\n' ' ' < '$TMP/nr35-2.txt' | grep -q \
	'• Equipamentos de proteção individual para trabalho em altura: seleção, inspeção, conservação e limitação de uso •'"
check "nr35: page 1 holds no syllabus" sh -c "! pdftotext -l 1 '$TMP/nr35.pdf' - | grep -q '^• '"
for n in norte horizonte plain; do
	is "$(pdfinfo "$TMP/$n.pdf" | awk '/^Pages:/ {print $2}')" 1 "$n: no syllabus, the empty page 2 is left out"
done
check "norte: the school+type rule's template" grep -q "CERTIFICADO · NORTE" "$TMP/norte.txt"
check "norte: no course file, no expiry" sh -c "! grep -q 'válido até' '$TMP/norte.txt'"
check "viva: the catch-all rule's template (no NR-35, no NORTE)" \
	sh -c "grep -q '^CERTIFICADO\$' '$TMP/viva.txt' && ! grep -q 'NORTE\|NR-35' '$TMP/viva.txt'"
for n in nr35 norte viva; do
	# the logo: a 96x96 RGB image, its transparency flattened onto the page (PDF/A)
	is "$(awk '$4 == 96 && $5 == 96 {print $3 "/" $6}' "$TMP/$n.img" | tr '\n' ' ')" "image/rgb " \
		"$n: the tenant's logo is on the page"
done
check "horizonte: the tenant's locale (en) without --locale" \
	grep -q "Issued on August 28, 2023 · valid until August 28, 2024" "$TMP/horizonte.txt"
mk hsyl 77001 5 501 participation
mkdir -p "$TMP/t2"; cp -r "$TEN/77001" "$TMP/t2/"
printf '{"syllabus": ["Hazards", "Fire safety"]}\n' > "$TMP/t2/77001/courses/501.json"
try "an English tenant with a syllabus renders" cert render --tenants "$TMP/t2" "$TMP/hsyl.json" -o "$TMP/hsyl.pdf"
check "... its page 2 is headed 'Syllabus' and lists both" \
	sh -c "pdftotext -f 2 '$TMP/hsyl.pdf' - | tr '\n' '|' | grep -q '^Syllabus|.*• Hazards|• Fire safety'"
check "horizonte: the course's display name in English" \
	grep -q "Workplace Safety Fundamentals" "$TMP/horizonte.txt"
is "$(wc -l < "$TMP/horizonte.img")" 0 "horizonte: the global template has no logo"
is "$(wc -l < "$TMP/plain.img")" 0 "no tenant folder: no logo"
check "no tenant folder: the global template in pt-BR, the event's course name" \
	sh -c "grep -q 'Emitido em 28 de agosto de 2023\$' '$TMP/plain.txt' && ! grep -q 'Workplace' '$TMP/plain.txt'"

# signatures: managers 410 and 411 have signatures/<id>.png, 412 has none
python3 - "$TMP/nr35.json" "$TMP/sig.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
e["data"]["school"]["managers"] = [{"manager_id": i, "manager_name": "Gestor %d" % i} for i in (410, 411, 412)]
json.dump(e, open(sys.argv[2], "w"))
PY
try "three managers, two with a signature file: renders" \
	cert render --tenants "$TEN" "$TMP/sig.json" -o "$TMP/sig.pdf"
pdfimages -list "$TMP/sig.pdf" | tail -n +3 > "$TMP/sig.img"
is "$(awk '$4 == 240 && $5 == 60 {print $3}' "$TMP/sig.img" | sort | uniq -c | tr -s ' \n' '  ')" \
	" 2 image " "two signature images, their transparency flattened (PDF/A)"
is "$(awk '$1 == 1' "$TMP/sig.img" | wc -l)" 3 "all on page 1, beside the logo"
check "every manager's name is still printed" \
	sh -c "pdftotext '$TMP/sig.pdf' - | grep -q 'Gestor 410' && pdftotext '$TMP/sig.pdf' - | grep -q 'Gestor 412'"
python3 - "$TMP/sig.json" "$TMP/sig2.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
e["data"]["institution"]["id"] = 77001
json.dump(e, open(sys.argv[2], "w"))
PY
cert render --tenants "$TEN" "$TMP/sig2.json" -o "$TMP/sig2.pdf" >/dev/null 2>&1
is "$(pdfimages -list "$TMP/sig2.pdf" | tail -n +3 | wc -l)" 0 \
	"another institution's managers 410, 411 get no signature of the first's"

try "--locale beats the tenant's locale" \
	cert render --locale pt-BR --tenants "$TEN" "$TMP/horizonte.json" -o "$TMP/h-pt.pdf"
check "... so the English tenant's certificate is in Portuguese" \
	sh -c "pdftotext '$TMP/h-pt.pdf' - | grep -q 'válido até 28 de agosto de 2024'"
try "--template beats the rules" \
	cert render --template participation --tenants "$TEN" "$TMP/nr35.json" -o "$TMP/t.pdf"
check "... so nr35's heading is not there" sh -c "! pdftotext '$TMP/t.pdf' - | grep -q 'CERTIFICADO NR-35'"
CERTIFICA_TENANTS="$TEN" cert render "$TMP/norte.json" -o "$TMP/env.pdf" >/dev/null 2>&1
check "CERTIFICA_TENANTS names the folder too" \
	sh -c "pdftotext '$TMP/env.pdf' - | grep -q 'CERTIFICADO · NORTE'"

# the archive commands choose alike: import, then rerender
cat "$TMP/nr35.json" > "$TMP/all.jsonl"; echo >> "$TMP/all.jsonl"
cat "$TMP/norte.json" >> "$TMP/all.jsonl"; echo >> "$TMP/all.jsonl"
try "import with --tenants" cert import --store "$TMP/store" --tenants "$TEN" "$TMP/all.jsonl"
n=0
for f in $(find "$TMP/store" -name '*-r1.pdf' | sort); do
	pdftotext "$f" - >> "$TMP/imported.txt" 2>/dev/null
	n=$((n + 1))
done
is "$n" 2 "import archived both"
check "import: nr35 drawn with its tenant's template" grep -q "CERTIFICADO NR-35" "$TMP/imported.txt"
check "import: norte too" grep -q "CERTIFICADO · NORTE" "$TMP/imported.txt"
check "import: the verify link is the tenant's public_url" \
	grep -q "https://certificados.escolaviva.example/verify/" "$TMP/imported.txt"
try "rerender with --tenants" cert rerender --store "$TMP/store" --tenants "$TEN"

# the webhook chooses alike, and answers with the tenant's verification URL
if serve_start "$TMP/wstore" "$TMP/serve.log" --tenants "$TEN" --webhook-token tok-tenants-0123456789; then
	st=$(curl -s -o "$TMP/wbody" -w '%{http_code}' -H 'Authorization: Bearer tok-tenants-0123456789' \
		--data-binary @"$TMP/nr35.json" "$URL/webhooks")
	is "$st" 201 "webhook: the NR-35 event is issued"
	check "webhook: its url is on the tenant's public_url" \
		grep -q '"url":"https://certificados.escolaviva.example/verify/' "$TMP/wbody"
	st=$(curl -s -o "$TMP/wbody2" -w '%{http_code}' -H 'Authorization: Bearer tok-tenants-0123456789' \
		--data-binary @"$TMP/plain.json" "$URL/webhooks")
	check "webhook: an institution without a folder keeps the server's public_url" \
		sh -c "[ $st = 201 ] && grep -q '\"url\":\"$URL/verify/' '$TMP/wbody2'"
	f=$(find "$TMP/wstore" -name '*-r1.pdf' | head -100)
	check "webhook: the archived NR-35 PDF has its template and syllabus page" sh -c \
		"for f in $(echo $f); do pdftotext \"\$f\" - ; done | grep -q 'CERTIFICADO NR-35' && for f in $(echo $f); do pdfinfo \"\$f\"; done | grep -q 'Pages: *2'"
	kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
else
	ok 1 "webhook: the server starts with --tenants"
fi
cp -r "$TEN" "$TMP/bs"; printf '{"nmae": 1}\n' > "$TMP/bs/77001/tenant.json"
cert serve --listen 127.0.0.1:1 --store "$TMP/wstore2" --tenants "$TMP/bs" > /dev/null 2>"$TMP/serr"
is "$?" 1 "serve with a broken tenant folder: exit 1"
check "... naming the file and the key" grep -qF "bs/77001/tenant.json: nmae: unknown key (did you mean 'name'?)" "$TMP/serr"

# tenants check
cert tenants check --tenants "$TEN" > "$TMP/check" 2>&1
ok $? "tenants check: the examples are fine"
check "one line for the institution with a logo" grep -q \
	"^41270033 Rede Escola Viva: 3 templates, 3 rules, 1 course (1 with a syllabus, 1 with a validity), 2 signatures, 1 image\$" "$TMP/check"
check "one line for the other" grep -q "^77001 Instituto Horizonte: 0 templates, 1 rule, 1 course" "$TMP/check"

broken() { # description expected-message: the copy in $TMP/b must fail to check with it
	cert tenants check --tenants "$TMP/b" > "$TMP/out" 2>&1
	st=$?
	is "$st" 1 "$1: exit 1"
	check "$1: says '$2'" grep -qF "$2" "$TMP/out"
	cert render --tenants "$TMP/b" "$TMP/plain.json" -o "$TMP/x.pdf" > /dev/null 2>&1
	is "$?" 1 "$1: render refuses to start too"
	rm -rf "$TMP/b"
	cp -r "$TEN" "$TMP/b"
}
rm -rf "$TMP/b"; cp -r "$TEN" "$TMP/b"
printf '{"name": "x",' > "$TMP/b/77001/tenant.json"
broken "bad JSON" "b/77001/tenant.json: not a JSON object (bad JSON)"
sed 's/"locale"/"lcoale"/' "$TEN/77001/tenant.json" > "$TMP/b/77001/tenant.json"
broken "unknown key" "b/77001/tenant.json: lcoale: unknown key (did you mean 'locale'?)"
sed 's/"nr35"/"nr53"/' "$TEN/41270033/tenant.json" > "$TMP/b/41270033/tenant.json"
broken "missing template" "b/41270033/tenant.json: templates[0].template: template 'nr53' not found"
rm "$TMP/b/41270033/images/logo.png"
broken "missing image" "elements[2].src: image file 'logo.png' not found"
sed 's/DejaVuSerif-Bold.ttf/NoSuchFont.ttf/' "$TEN/41270033/templates/norte.json" > "$TMP/b/41270033/templates/norte.json"
broken "missing font" "font file 'NoSuchFont.ttf' not found"
printf '{"display_name": "x", "validity": 3}\n' > "$TMP/b/77001/courses/500.json"
broken "unknown course key" "b/77001/courses/500.json: validity: unknown key"
# a course file's texts print on the certificate: a character no font has stops the start
printf '{"display_name": "Curso \356\200\200 Seguro", "syllabus": ["Riscos", "Fogo \364\217\277\275"]}\n' \
	> "$TMP/b/77001/courses/500.json"
broken "unprintable display_name" \
	"b/77001/courses/500.json: display_name: U+E000 cannot be printed: no font has it"
check "... and the syllabus item, each with its key" \
	grep -qF "b/77001/courses/500.json: syllabus[1]: U+10FFFD cannot be printed: no font has it" "$TMP/out"
# what the chosen template's fonts lack is refused per certificate, naming the course file
printf '{"display_name": "مقدمة في البرمجة"}\n' > "$TMP/b/77001/courses/500.json"
python3 - "$TOP/templates/participation.en.json" "$TMP/narrow.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["fonts"] = {k: {"file": v, "fallback": "none"} for k, v in t["fonts"].items()}
json.dump(t, open(sys.argv[2], "w"))
PY
cert render --tenants "$TMP/b" --store "$TMP/narrow-store" --template "$TMP/narrow.json" \
	"$TMP/horizonte.json" > /dev/null 2> "$TMP/out"
is "$?" 2 "an Arabic display_name with a template without fallbacks: exit 2"
check "... naming the course file's key and the character" \
	grep -qF "courses/500.json: display_name: U+0645 cannot be printed: no font has it" "$TMP/out"
is "$(sqlite3 "$TMP/narrow-store/index.sqlite" 'SELECT count(*) FROM certificates' 2>/dev/null || echo 0)" 0 \
	"... nothing archived"
try "... the shipped template prints it" cert render --tenants "$TMP/b" "$TMP/horizonte.json" -o "$TMP/ar.pdf"
check "... and pdftotext gives it back" sh -c "pdftotext '$TMP/ar.pdf' - | grep -q 'مقدمة في البرمجة'"
# the event's course name is not printed when a display_name replaces it
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); e["data"]["course"]["name"]="Curso \ue000"; json.dump(e, open(sys.argv[2], "w"))' \
	"$TMP/horizonte.json" "$TMP/hpua.json"
try "an event course name with U+E000 that the display_name replaces renders" \
	cert render --tenants "$TMP/b" "$TMP/hpua.json" -o "$TMP/hpua.pdf"
rm -rf "$TMP/b"; cp -r "$TEN" "$TMP/b"
# a tenant's own fonts/ is looked up before the global fonts/
mkdir -p "$TMP/b/41270033/fonts"
cp -L "$TOP/fonts/DejaVuSerif.ttf" "$TMP/b/41270033/fonts/TenantOnly.ttf"
sed 's/"DejaVuSerif.ttf"/"TenantOnly.ttf"/' "$TEN/41270033/templates/norte.json" > "$TMP/b/41270033/templates/norte.json"
try "a template naming a font of the tenant's fonts/ checks" cert tenants check --tenants "$TMP/b"
try "... and renders" cert render --tenants "$TMP/b" "$TMP/norte.json" -o "$TMP/tf.pdf"
check "... with the body text" sh -c "pdftotext '$TMP/tf.pdf' - | grep -q 'CERTIFICADO · NORTE'"
rm "$TMP/b/41270033/fonts/TenantOnly.ttf"
broken "the tenant's font removed" "font file 'TenantOnly.ttf' not found"

cert tenants check --tenants "$TMP/none" > "$TMP/out" 2>&1
ok $? "no tenants folder: fine, nothing to check"

done_testing
