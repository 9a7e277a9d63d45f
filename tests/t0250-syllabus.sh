#!/bin/sh
# A course's syllabus as the school reads it on the certificate's back: short, long (60 items
# of 80 characters), many short ones (200) and very long (500 items) lists are printed whole
# and in order, inside the template's list box and above a footer, at 6 pt or more; what
# cannot fit on one page continues on copies of it, each with its heading and footer; past
# 8 copies the certificate is refused naming the course file and its syllabus.
. "$(dirname "$0")/lib.sh"

checker="$TOP/tests/listcheck.py"
TEN="$TMP/tenants"
mkdir -p "$TEN"
cp -r "$TOP/examples/tenants/41270033" "$TEN/"
T="$TEN/41270033"
# nr35 for every course of school 19, with a footer under the list on page 2
python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
t = json.load(open(d + "/tenant.json"))
t["templates"].insert(0, {"school_id": 19, "template": "nr35"})
json.dump(t, open(d + "/tenant.json", "w"), ensure_ascii=False)
tp = json.load(open(d + "/templates/nr35.json"))
tp["elements"].append({"type": "text", "page": 2, "if": "syllabus", "x": 90, "y": 552,
                       "w": 661.89, "h": 12, "font": "body", "size": 8, "text": "RODAPE-FIXO"})
json.dump(tp, open(d + "/templates/nr35.json", "w"), ensure_ascii=False)
PY
for spec in "9001 60 80" "9002 200 14" "9003 500 80" "9004 2000 80"; do
	set -- $spec
	python3 "$checker" make "$2" "$3" > "$T/courses/$1.json"
done
mk() { # course
	python3 - "$TOP/examples/seed-example.json" "$TMP/ev$1.json" "$1" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
d = e["data"]
d["institution"]["id"] = 41270033
d["school"]["id"] = 19
d["course"]["id"] = int(sys.argv[3])
d["user"]["cpf"] = None
json.dump(e, open(sys.argv[2], "w"), ensure_ascii=False)
PY
}
pages() { pdfinfo "$1" | awk '/^Pages:/ {print $2}'; }
BOX="90,156,661.89,392"

for c in 8811 9001 9002 9003; do
	mk $c
	try "course $c: renders" cert render --tenants "$TEN" "$TMP/ev$c.json" -o "$TMP/s$c.pdf"
	python3 "$checker" check "$TMP/s$c.pdf" "$T/courses/$c.json" "$BOX" RODAPE-FIXO > "$TMP/s$c.out"
	while IFS="$(printf '\t')" read -r st what why; do
		[ "$st" = ok ]
		ok $? "course $c: $what${why:+ ($why)}"
	done < "$TMP/s$c.out"
done
is "$(pages "$TMP/s8811.pdf")" 2 "7 items: one page of syllabus"
is "$(pages "$TMP/s9001.pdf")" 2 "60 items of 80 characters: still one page, smaller and in columns"
is "$(pages "$TMP/s9002.pdf")" 2 "200 short items: still one page"
n=$(pages "$TMP/s9003.pdf")
check "500 items of 80 characters: continued on more pages ($n)" test "$n" -gt 2 -a "$n" -le 9
is "$(pdftotext -f 3 "$TMP/s9003.pdf" - | grep -c 'Conteúdo programático$')" $((n - 2)) \
	"... each continuation headed like the first"
word_h() { # pdf word: the height of the word's first box on page 2
	pdftotext -bbox -f 2 -l 2 "$1" - | python3 -c '
import re, sys
m = re.search(r"yMin=\"([\d.]+)\" xMax=\"[\d.]+\" yMax=\"([\d.]+)\">" + sys.argv[1] + "<", sys.stdin.read())
print(int(float(m.group(2)) - float(m.group(1))) if m else 0)' "$2"
}
h7=$(word_h "$TMP/s8811.pdf" Normas); h500=$(word_h "$TMP/s9003.pdf" Item)
check "7 items keep the template's 14 pt (words ${h7} pt high), 500 shrink (${h500} pt)" \
	test "$h7" -ge 14 -a "$h500" -lt "$h7"

mk 9004
cert render --tenants "$TEN" "$TMP/ev9004.json" -o "$TMP/s9004.pdf" 2> "$TMP/s9004.err"
is "$?" 1 "2000 items of 80 characters: refused (a runtime failure, exit 1)"
check "... naming the course file and its syllabus" grep -q \
	"tenants/41270033/courses/9004.json: syllabus: 2000 items need [0-9]* pages at 6 pt, more than the 8 a list may take" \
	"$TMP/s9004.err"
check "... and writing no PDF" test ! -e "$TMP/s9004.pdf"

# the template's list element is checked like any other
python3 - "$T/templates/nr35.json" "$TMP/bad.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
lst = [e for e in t["elements"] if e["type"] == "list"][0]
t["elements"].append(dict(lst, items="syllabvs", columns=9))
json.dump(t, open(sys.argv[2], "w"), ensure_ascii=False)
PY
cp "$TMP/bad.json" "$T/templates/bad.json"
cert render --tenants "$TEN" --template "$T/templates/bad.json" "$TMP/ev8811.json" -o "$TMP/bad.pdf" 2> "$TMP/bad.err"
check "a bad list element: the wrong items named" grep -q "elements\[[0-9]*\]\.items" "$TMP/bad.err"
check "... columns out of range named" grep -q "elements\[[0-9]*\]\.columns: must be between 1 and 6" "$TMP/bad.err"
check "... and a second list on its page" grep -q "a second list on page 2" "$TMP/bad.err"

done_testing
