#!/bin/sh
# pdftotext gives lines that mix directions back in logical order, exactly: a
# Latin name with an Arabic one inside, a Hebrew name with digits, an Arabic
# name with Latin words and digits, the line of the Portuguese sentence with
# an Arabic course name in it, brackets; and the same on a page whose text is mostly
# Arabic (poppler reads such a page from the right). Poppler wraps
# right-to-left runs in U+202B ... U+202C, and the actual text certifica
# gives such lines has U+200E / U+200F where a run must end: these
# direction marks are all that may differ from the text as sent. The drawing
# stays as it was (the same ink as without the actual text), same input gives
# the same bytes, and poppler reads it without a warning.
. "$(dirname "$0")/lib.sh"
DATA="$TOP/tests/data"

# event OUT USER COURSE: the accented example with that user and course name
event() {
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); e["data"]["user"]["name"]=sys.argv[3]; e["data"]["course"]["name"]=sys.argv[4]; json.dump(e, open(sys.argv[2], "w"), ensure_ascii=False)' \
		"$DATA/participation-accented.json" "$@"
}
# lines PDF: pdftotext's lines of page 1 without the direction marks, one per line
lines() {
	pdftotext -f 1 -l 1 "$1" - | python3 -c '
import re, sys
for l in sys.stdin.read().split("\n"):
    l = re.sub("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", l)
    if l.strip(): print(l)'
}
# has_line PDF LINE: pdftotext gives LINE, exactly, as a line of its own
has_line() {
	lines "$1" >"$TMP/lines"
	if grep -qxF -e "$2" "$TMP/lines"; then return 0; fi
	echo "#   got:"; sed 's/^/#     /' "$TMP/lines"
	return 1
}
quiet() { [ -z "$(pdftotext "$1" - 2>&1 >/dev/null)" ]; }

n=0
while IFS='|' read -r user course want_user want_course; do
	n=$((n + 1))
	event "$TMP/e$n.json" "$user" "$course"
	cert render -o "$TMP/e$n.pdf" "$TMP/e$n.json" >/dev/null 2>"$TMP/err"
	ok $? "render '$user' / '$course' exits 0"
	try "... pdftotext gives the name back: '$want_user'" has_line "$TMP/e$n.pdf" "$want_user"
	try "... and the sentence's line with it: '$want_course'" has_line "$TMP/e$n.pdf" "$want_course"
	check "... without warnings" quiet "$TMP/e$n.pdf"
	cert render -o "$TMP/e$n.again.pdf" "$TMP/e$n.json" >/dev/null 2>&1
	check "... a second run gives the same bytes" cmp "$TMP/e$n.pdf" "$TMP/e$n.again.pdf"
done <<'EOF_CASES'
Ana محمد Silva|مقدمة في البرمجة|Ana محمد Silva|participou do curso مقدمة في البرمجة, com carga horária de 32 horas, realizado de 4 de
דוד כהן 2024|מבוא 2024|דוד כהן 2024|participou do curso מבוא 2024, com carga horária de 32 horas, realizado de 4 de março
محمد الخطيب Silva 2024|البرمجة بلغة C 101|محمد الخطيب Silva 2024|participou do curso البرمجة بلغة C 101, com carga horária de 32 horas, realizado de 4 de
Ana (محمد) Silva|Turma 3 – מבוא לתכנות 101|Ana (محمد) Silva|participou do curso Turma 3 – מבוא לתכנות 101, com carga horária de 32 horas, realizado
EOF_CASES

# The drawing is the glyphs' alone: the page has the same ink with and without the
# marked-content operators (qpdf keeps the rest as it is).
dark() {
	pdftoppm -gray -r 72 -f 1 -l 1 "$1" "$TMP/dark"
	python3 -c '
import re, sys
pgm = open(sys.argv[1], "rb").read()
m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
print(sum(1 for b in pgm[m.end():] if b < 128))' "$TMP/dark-1.pgm"
}
qpdf --qdf --object-streams=disable "$TMP/e1.pdf" "$TMP/e1.qdf"
check "the actual text is a marked-content span" grep -qai '/Span <</ActualText <FEFF' "$TMP/e1.qdf"
python3 - "$TMP/e1.qdf" "$TMP/e1.plain.qdf" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
d = re.sub(rb"/Span <</ActualText <[0-9A-Fa-f]*>>> BDC\n", b"", d).replace(b"EMC\n", b"")
open(sys.argv[2], "wb").write(d)
PY
fix-qdf <"$TMP/e1.plain.qdf" >"$TMP/e1.plain.pdf" 2>/dev/null
a=$(dark "$TMP/e1.pdf") b=$(dark "$TMP/e1.plain.pdf")
is "$a" "$b" "the page has the same ink without the spans ($a dark pixels)"

# a page whose text is mostly Arabic
for pair in "محمد عبد الرحمن 2024|قد أتم دورة البرمجة 101 في المدرسة الجديدة للعلوم والتقنية" \
	"Ana Silva|قد أتم دورة Programação em C في المدرسة الجديدة للعلوم والتقنية"; do
	user=${pair%%|*} line=${pair#*|}
	course=$(echo "$line" | sed 's/^قد أتم دورة //; s/ في المدرسة الجديدة للعلوم والتقنية$//')
	n=$((n + 1))
	event "$TMP/e$n.json" "$user" "$course"
	cert render --template "$DATA/template-rtl.json" -o "$TMP/e$n.pdf" "$TMP/e$n.json" >/dev/null 2>"$TMP/err"
	ok $? "right-to-left page: render '$user' exits 0"
	check "... the page's own text" has_line "$TMP/e$n.pdf" "شهادة مشاركة"
	try "... the name: '$user'" has_line "$TMP/e$n.pdf" "$user"
	try "... the sentence: '$line'" has_line "$TMP/e$n.pdf" "$line"
	check "... without warnings" quiet "$TMP/e$n.pdf"
done
done_testing
