#!/bin/sh
# render and validate as a user runs them: PDFs that qpdf accepts, fonts
# embedded, the right words in the right places, every word inside the page,
# byte-identical output, and clear errors with exit codes.
. "$(dirname "$0")/lib.sh"

# A copy of a sample with one field changed: mod FILE PYTHON-EXPR > OUT
mod() {
	python3 -c "import json,sys; e=json.load(open(sys.argv[1])); $2; print(json.dumps(e, ensure_ascii=False))" "$1"
}

# Every word of page 1 lies inside the border (18 pt from each edge).
inside_page() {
	pdftotext -bbox "$1" - | python3 -c '
import re, sys
page = None; bad = []
for line in sys.stdin:
    m = re.search(r"<page width=\"([\d.]+)\" height=\"([\d.]+)\"", line)
    if m: page = (float(m.group(1)), float(m.group(2)))
    m = re.search(r"xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">(.*)</word>", line)
    if m:
        x0, y0, x1, y1 = map(float, m.groups()[:4])
        if x0 < 18 or y0 < 18 or x1 > page[0] - 18 or y1 > page[1] - 18: bad.append(m.group(5))
if bad: print("outside:", bad); sys.exit(1)
'
}

# Text boxes of page 1 do not overlap one another (two words never share ink).
no_overlap() {
	pdftotext -bbox "$1" - | python3 -c '
import re, sys
w = []
for line in sys.stdin:
    m = re.search(r"xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">(.*)</word>", line)
    if m: w.append(tuple(map(float, m.groups()[:4])) + (m.group(5),))
for i in range(len(w)):
    for j in range(i + 1, len(w)):
        a, b = w[i], w[j]
        ox = min(a[2], b[2]) - max(a[0], b[0]); oy = min(a[3], b[3]) - max(a[1], b[1])
        if ox > 0.5 and oy > 2.5:
            print("overlap:", a[4], b[4]); sys.exit(1)
'
}

text_of() { pdftotext -layout "$1" - 2>&1 | tr -s " \n" "  "; }

for s in participation-accented achievement-long-names seed-example; do
	cp "$TESTDATA/$s.json" "$TMP/$s.json"
	out=$(cert render "$TMP/$s.json" 2>"$TMP/err")
	ok $? "render $s exits 0"
	is "$out" "$TMP/$s.pdf" "render $s prints the PDF written next to the input"
	check "$s: qpdf --check passes" qpdf --check "$TMP/$s.pdf"
	check "$s: every font is embedded" sh -c "pdffonts '$TMP/$s.pdf' | awk 'NR > 2 && \$(NF-4) != \"yes\" { exit 1 }'"
	check "$s: poppler reads it without warnings" sh -c "pdftotext '$TMP/$s.pdf' - 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
	check "$s: every word inside the page border" inside_page "$TMP/$s.pdf"
	check "$s: no two words overlap" no_overlap "$TMP/$s.pdf"
	cp "$TMP/$s.pdf" "$TMP/$s.first"
	cert render "$TMP/$s.json" >/dev/null 2>&1
	check "$s: a second run gives the same bytes" cmp "$TMP/$s.pdf" "$TMP/$s.first"
	size=$(wc -c < "$TMP/$s.pdf")
	check "$s: under 20 KB ($size bytes)" test "$size" -lt 20480
done

t=$(text_of "$TMP/participation-accented.pdf")
for want in "Letícia Conceição Araújo" "Educação Ambiental e Cidadania no Território" "32 horas" \
	"4 de março de 2024" "17 de maio de 2024" "Emitido em 20 de maio de 2024" \
	"Iracema Lúcia Brandão" "Tomás Ângelo Vieira Júnior" "Colégio Municipal José de Alencar" \
	"PARTICIPAÇÃO"; do
	case "$t" in *"$want"*) ok 0 "participation certificate shows '$want'" ;;
	*) ok 1 "participation certificate shows '$want'"; echo "# text: $t" ;; esac
done
case "$t" in *"%"*) ok 1 "participation certificate shows no approval rate" ;;
*) ok 0 "participation certificate shows no approval rate" ;; esac
case "$t" in *"leticia.araujo@example.org"*|*"390.533.447"*|*"Lelê"*) ok 1 "e-mail, CPF and nickname are not printed" ;;
*) ok 0 "e-mail, CPF and nickname are not printed" ;; esac

t=$(text_of "$TMP/achievement-long-names.pdf")
for want in "Maria Conceição Gonçalves de Araújo Vasconcelos Brandão Lacerda Falcão" \
	"240 horas" "85%" "APROVEITAMENTO" "1º de fevereiro de 2024" "6 de novembro de 2024"; do
	case "$t" in *"$want"*) ok 0 "achievement certificate shows '$want'" ;;
	*) ok 1 "achievement certificate shows '$want'"; echo "# text: $t" ;; esac
done
# a manager's name may wrap inside its cell: read the text in drawing order
r=$(pdftotext -raw "$TMP/achievement-long-names.pdf" - 2>&1 | tr -s " \n" "  ")
for want in "Antônio Marcos Peçanha" "Sebastião Ribeiro Leão"; do
	case "$r" in *"$want"*) ok 0 "achievement certificate shows '$want'" ;;
	*) ok 1 "achievement certificate shows '$want'"; echo "# text: $r" ;; esac
done

t=$(text_of "$TMP/seed-example.pdf")
case "$t" in *"carga horária"*) ok 1 "a zero workload leaves the workload clause out" ;;
*) ok 0 "a zero workload leaves the workload clause out" ;; esac

# English, fractional rate, 1h30min
mod "$TESTDATA/achievement-long-names.json" 'e["data"]["course"]["workload"]="1h30min"; e["data"]["certified"]["approval_rate"]=72.5' > "$TMP/en.json"
cert render --locale en "$TMP/en.json" -o "$TMP/en-out.pdf" >/dev/null 2>&1
ok $? "render --locale en -o FILE exits 0"
t=$(text_of "$TMP/en-out.pdf")
for want in "CERTIFICATE" "1 hour and 30 minutes" "72.5%" "February 1, 2024" "November 6, 2024"; do
	case "$t" in *"$want"*) ok 0 "English certificate shows '$want'" ;;
	*) ok 1 "English certificate shows '$want'"; echo "# text: $t" ;; esac
done
cert render "$TMP/en.json" -o "$TMP/pt-out.pdf" >/dev/null 2>&1
t=$(text_of "$TMP/pt-out.pdf")
case "$t" in *"72,5%"*"1 hora e 30 minutos"*|*"1 hora e 30 minutos"*"72,5%"*) ok 0 "Portuguese uses a decimal comma and words for 1h30min" ;;
*) ok 1 "Portuguese uses a decimal comma and words for 1h30min"; echo "# text: $t" ;; esac

# names in other scripts DejaVu covers
for name in "Ελένη Παπαδοπούλου" "Владимир Иванович Соколов" "Nguyễn Thị Minh Khai" "Zoë Łukasiewicz-Øster"; do
	mod "$TESTDATA/participation-accented.json" "e['data']['user']['name']='$name'" > "$TMP/script.json"
	cert render "$TMP/script.json" -o "$TMP/script.pdf" >/dev/null 2>&1
	t=$(text_of "$TMP/script.pdf")
	case "$t" in *"$name"*) ok 0 "a name in another script comes back from the PDF: $name" ;;
	*) ok 1 "a name in another script comes back from the PDF: $name"; echo "# text: $t" ;; esac
	check "no extraction warnings for $name" sh -c "pdftotext '$TMP/script.pdf' - 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
done

# a 300-character name and seven managers still fit on the page
long=$(python3 -c 'print(("Wolfeschlegelsteinhausenbergerdorff " * 9)[:300].strip())')
mod "$TESTDATA/achievement-long-names.json" "e['data']['user']['name']='$long'; e['data']['school']['managers']=[{'manager_id':i+1,'manager_name':'Gestora Número %d da Silva Albuquerque' % (i+1)} for i in range(7)]" > "$TMP/big.json"
cert render "$TMP/big.json" -o "$TMP/big.pdf" >/dev/null 2>&1
ok $? "a 300-character name with seven managers renders"
check "300-character name: every word inside the page" inside_page "$TMP/big.pdf"
check "300-character name: no two words overlap" no_overlap "$TMP/big.pdf"
t=$(text_of "$TMP/big.pdf")
n=$(printf '%s' "$t" | grep -o "Gestora Número [0-9]" | sort -u | wc -l)
is "$n" 7 "all seven managers are on the certificate"

# no managers: no signature row, nothing else missing
mod "$TESTDATA/participation-accented.json" "e['data']['school']['managers']=[]" > "$TMP/nomgr.json"
cert render "$TMP/nomgr.json" -o "$TMP/nomgr.pdf" >/dev/null 2>&1
ok $? "an empty managers list renders"
t=$(text_of "$TMP/nomgr.pdf")
case "$t" in *"Gestão escolar"*) ok 1 "no managers: no signature labels" ;; *) ok 0 "no managers: no signature labels" ;; esac

# invalid input: exit 2 and the field named on stderr
cert render "$TESTDATA/invalid-missing-user-name.json" -o "$TMP/x.pdf" >/dev/null 2>"$TMP/err"
is $? 2 "a missing user name exits 2"
check "the error names data.user.name" grep -q "invalid-missing-user-name.json: data.user.name: required, missing" "$TMP/err"
check "no PDF is written for an invalid event" test ! -e "$TMP/x.pdf"
cert validate "$TESTDATA/invalid-date-format.json" >/dev/null 2>"$TMP/err"
is $? 2 "validate: a bad date exits 2"
check "validate names data.course.concluded_at" grep -q "data.course.concluded_at" "$TMP/err"
out=$(cert validate "$TESTDATA/participation-accented.json" 2>&1)
is "$?" 0 "validate: a good event exits 0"
out=$(cert render "$TESTDATA/other-event.json" -o "$TMP/other.pdf" 2>&1)
is "$?" 0 "another slug is not an error"
case "$out" in *ignored*) ok 0 "another slug is reported as ignored" ;; *) ok 1 "another slug is reported as ignored" ;; esac
cert render "$TMP/does-not-exist.json" 2>"$TMP/err"
is $? 1 "a missing file exits 1"
check "the message names the file" grep -q "cannot open '$TMP/does-not-exist.json'" "$TMP/err"
cert render --locale fr "$TESTDATA/seed-example.json" 2>/dev/null
is $? 2 "an unknown locale is a usage error"

# JSON Lines: a bad line is reported with its number and does not stop the others
{
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$TESTDATA/participation-accented.json"
	echo '{"event": {"slug": "activities.certificate.issued"'
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$TESTDATA/achievement-long-names.json"
} > "$TMP/batch.jsonl"
mkdir -p "$TMP/outdir"
cert render "$TMP/batch.jsonl" -o "$TMP/outdir/" >"$TMP/out" 2>"$TMP/err"
is $? 2 "a .jsonl with one bad line exits 2"
check "the bad line is named by number" grep -q "batch.jsonl:2: " "$TMP/err"
check "line 1 was rendered" test -s "$TMP/outdir/batch-1.pdf"
check "line 3 was rendered" test -s "$TMP/outdir/batch-3.pdf"
is "$(grep -c '//' "$TMP/out")" 0 "-o DIR/ prints each path with one slash"
cert render "$TMP/batch.jsonl" -o "$TMP/one.pdf" >/dev/null 2>&1
is $? 2 "-o FILE with several events is a usage error"

# standard input
cert render - < "$TESTDATA/participation-accented.json" > "$TMP/stdin.pdf" 2>/dev/null
ok $? "render - reads standard input and writes the PDF to standard output"
check "the PDF from standard input is valid" qpdf --check "$TMP/stdin.pdf"
check "standard input gives the same bytes as the file" cmp "$TMP/stdin.pdf" "$TMP/participation-accented.pdf"

# --template NAME and PATH
cp "$TOP/templates/participation.en.json" "$TMP/mine.json"
cert render --template "$TMP/mine.json" "$TESTDATA/participation-accented.json" -o "$TMP/mine.pdf" >/dev/null 2>&1
ok $? "--template PATH renders"
case "$(text_of "$TMP/mine.pdf")" in *"CERTIFICATE"*) ok 0 "--template PATH is the template used" ;; *) ok 1 "--template PATH is the template used" ;; esac
cert render --template nope "$TESTDATA/participation-accented.json" -o "$TMP/nope.pdf" 2>"$TMP/err"
is $? 1 "an unknown template name fails"
check "the message names the template" grep -q "template 'nope' not found" "$TMP/err"
printf '{"fonts": {"body": "DejaVuSerif.ttf"}, "elements": [{"type": "text", "x": 10, "y": 10, "w": 100, "h": 20, "font": "bdy", "text": "x"}]}' > "$TMP/broken.json"
cert render --template "$TMP/broken.json" "$TESTDATA/participation-accented.json" -o "$TMP/b.pdf" 2>"$TMP/err"
is $? 1 "a broken template fails"
check "the template error names the file and the key" grep -q "broken.json: elements\[0\].font" "$TMP/err"

# a user's own TrueType file dropped into fonts/ can be named in a template
USERFONT="$TOP/fonts/zz-test-user-font.ttf"
trap 'rm -rf "$TMP" "$USERFONT"' EXIT
cp /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf "$USERFONT"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["fonts"]["body"]="zz-test-user-font.ttf"
json.dump(t, open(sys.argv[2], "w"))' "$TOP/templates/participation.pt-BR.json" "$TMP/userfont.json"
cert render --template "$TMP/userfont.json" "$TESTDATA/participation-accented.json" -o "$TMP/userfont.pdf" >/dev/null 2>&1
ok $? "a template naming a font dropped into fonts/ renders"
check "that font is embedded" sh -c "pdffonts '$TMP/userfont.pdf' | grep -q 'DejaVuSansMono'"
rm -f "$USERFONT"

done_testing
