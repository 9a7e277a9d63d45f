#!/bin/sh
# Names in many scripts print: render exits 0, qpdf accepts the PDF, every font is embedded,
# pdftotext gives the name back, the name's box on the page has ink, the
# same input gives the same bytes, every PDF stays small; Arabic and
# Devanagari are drawn as HarfBuzz's own hb-view draws them (same number of
# connected ink blobs); a paragraph with a long or short Arabic, Hebrew or mixed
# course name wraps at the size of one with a Latin name; characters no font has are
# refused over the command line and HTTP, with nothing archived.
. "$(dirname "$0")/lib.sh"
DATA="$TOP/tests/data"

# name_of EVENT: the user's name
name_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["user"]["name"])' "$1"; }

# round_trip PDF NAME: pdftotext gives NAME back, in logical order, as a line of its own. Poppler
# wraps right-to-left runs in embedding marks (U+202B ... U+202C), and the actual text of lines
# that mix directions has U+200E / U+200F where a run ends: direction marks are left out.
round_trip() {
	pdftotext "$1" - 2>/dev/null | python3 -c '
import re, sys, unicodedata
name = unicodedata.normalize("NFC", sys.argv[1])
lines = [re.sub("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", l) for l in sys.stdin.read().split("\n")]
if name not in lines:
    print("#   %r is not a line of %r" % (name, [l for l in lines if l.strip()][:8])); sys.exit(1)
' "$2"
}

# The box (points) of the words of the name on page 1: pdftotext -bbox words whose text, as
# given or reversed (right-to-left words come in visual order), is part of the name, or has
# the name's characters (a line drawn with actual text).
NAME_BOX='
import re, sys, unicodedata, html
def name_box(lines, name):
    name = unicodedata.normalize("NFC", name); box = None
    for line in lines:
        m = re.search(r"xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">(.*)</word>", line)
        if not m: continue
        t = re.sub("[\u200e\u200f\u202a-\u202e]", "", html.unescape(m.group(5)))
        # a line that mixes directions is one word: its actual text, runs turned around
        if t and (t in name or t[::-1] in name or sorted(t) == sorted(name)):
            b = [float(v) for v in m.groups()[:4]]
            box = b if box is None else [min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])]
    return box
'

# ink PDF NAME: dark pixels of page 1 (gray, 72 dpi: one pixel a point) inside the box that
# pdftotext -bbox gives for the name's words; prints the count.
ink() {
	pdftoppm -gray -r 72 -f 1 -l 1 "$1" "$TMP/ink"
	pdftotext -bbox "$1" - | python3 -c "$NAME_BOX"'
pgm = open(sys.argv[2], "rb").read()
m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
w, h = int(m.group(1)), int(m.group(2)); px = pgm[m.end():]
box = name_box(sys.stdin, sys.argv[1])
dark = 0
if box:
    for y in range(int(box[1]), min(h, int(box[3]) + 1)):
        row = px[y * w:(y + 1) * w]
        dark += sum(1 for x in range(int(box[0]), min(w, int(box[2]) + 1)) if row[x] < 128)
print(dark)
' "$2" "$TMP/ink-1.pgm"
}

n=0
# Under valgrind a render costs ten times as much: there, one script of each way of
# drawing (joining, conjuncts, CJK, right-to-left with digits, mixed, marks, symbols).
VG_SCRIPTS="arabic devanagari chinese korean hebrew-digits mixed-latin-arabic thai symbol"
for ev in "$DATA"/scripts-*.json; do
	s=$(basename "$ev" .json)
	s=${s#scripts-}
	[ "$s" = unprintable ] && continue
	if [ -n "$VALGRIND" ]; then
		case " $VG_SCRIPTS " in *" $s "*) ;; *) continue ;; esac
	fi
	n=$((n + 1))
	name=$(name_of "$ev")
	cert render -o "$TMP/$s.pdf" "$ev" >/dev/null 2>"$TMP/err"
	ok $? "$s: render '$name' exits 0"
	check "$s: qpdf --check passes" qpdf --check "$TMP/$s.pdf"
	check "$s: every font is embedded" sh -c "pdffonts '$TMP/$s.pdf' | awk 'NR > 2 && \$(NF-4) != \"yes\" { exit 1 }'"
	check "$s: poppler reads it without warnings" sh -c "pdftotext '$TMP/$s.pdf' - 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
	round_trip "$TMP/$s.pdf" "$name"
	ok $? "$s: pdftotext gives '$name' back"
	check "$s: the document title has the name" sh -c 'pdfinfo "$1" | grep "^Title:" | grep -qF -e "$2"' - "$TMP/$s.pdf" "$name"
	dark=$(ink "$TMP/$s.pdf" "$name")
	check "$s: the name's box is not blank ($dark dark pixels)" test "${dark:-0}" -gt 100
	# The same bytes again: a second render of each script. Under valgrind, where a
	# render takes seconds, of the first script only: a second render is the same
	# code on the same input, and one is enough for valgrind to check.
	if [ -z "$VALGRIND" ] || [ "$n" = 1 ]; then
		cert render -o "$TMP/$s.again.pdf" "$ev" >/dev/null 2>&1
		check "$s: a second run gives the same bytes" cmp "$TMP/$s.pdf" "$TMP/$s.again.pdf"
	fi
	size=$(wc -c <"$TMP/$s.pdf")
	check "$s: under 40 KB ($size bytes)" test "$size" -lt 40960
done
min=15
[ -n "$VALGRIND" ] && min=8
check "at least $min scripts rendered ($n)" test "$n" -ge "$min"

# Blobs of ink: 8-connected components of dark pixels of a PGM file, inside x0 y0 x1 y1
# (pixels) when given.
blobs() {
	python3 -c '
import re, sys
pgm = open(sys.argv[1], "rb").read()
m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
w, h = int(m.group(1)), int(m.group(2)); px = pgm[m.end():]
x0, y0, x1, y1 = [int(float(v)) for v in sys.argv[2:6]] if len(sys.argv) > 2 else (0, 0, w, h)
x1, y1 = min(x1, w), min(y1, h)
seen = bytearray(w * h); count = 0
for y in range(y0, y1):
    for x in range(x0, x1):
        i = y * w + x
        if px[i] >= 128 or seen[i]: continue
        count += 1; seen[i] = 1; stack = [i]
        while stack:
            j = stack.pop(); jy, jx = divmod(j, w)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = jy + dy, jx + dx
                    if y0 <= ny < y1 and x0 <= nx < x1:
                        k = ny * w + nx
                        if px[k] < 128 and not seen[k]: seen[k] = 1; stack.append(k)
print(count)
' "$@"
}

# The name's box in points (pdftotext -bbox), widened by a few points.
name_box() {
	pdftotext -bbox "$1" - | python3 -c "$NAME_BOX"'
box = name_box(sys.stdin, sys.argv[1])
print(" ".join("%.1f" % v for v in (box[0] - 4, box[1] - 4, box[2] + 4, box[3] + 4)))
' "$2"
}

if command -v hb-view >/dev/null 2>&1; then
	for pair in arabic:NotoNaskhArabic-Bold.ttf devanagari:NotoSerifDevanagari-Bold.ttf; do
		s=${pair%%:*} font=${pair#*:}
		name=$(name_of "$DATA/scripts-$s.json")
		# ours: the name's box at 300 dpi (a point is 300/72 pixels)
		set -- $(name_box "$TMP/$s.pdf" "$name")
		pdftoppm -gray -r 300 -f 1 -l 1 "$TMP/$s.pdf" "$TMP/$s-300"
		ours=$(blobs "$TMP/$s-300-1.pgm" $(python3 -c 'import sys; print(" ".join(str(float(v) * 300 / 72) for v in sys.argv[1:]))' "$@"))
		hb-view --font-size=128 --margin=16 --output-format=pdf -o "$TMP/$s-hb.pdf" \
			"$TOP/fonts/$font" "$name" 2>/dev/null
		pdftoppm -gray -r 72 "$TMP/$s-hb.pdf" "$TMP/$s-hb"
		theirs=$(blobs "$TMP/$s-hb-1.pgm")
		is "$ours" "$theirs" "$s: as many ink blobs as hb-view draws with $font ($theirs)"
	done
else
	ok 1 "hb-view (libharfbuzz-bin) is installed"
fi

# --- a paragraph with a right-to-left course name wraps as with a Latin one ---
# course EVENT NAME OUT: EVENT with course.name set to NAME, written to OUT
course() {
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); e["data"]["course"]["name"]=sys.argv[2]; json.dump(e, open(sys.argv[3], "w"))' "$@"
}
# para PDF: the course paragraph's lines (distinct tops of its words: a line with right-to-left
# letters is one word, drawn with its actual text) and the height of a Latin word of it drawn
# on its own (its font size times the font's ascent plus descent)
para() {
	pdftotext -bbox "$1" - | python3 -c '
import re, sys, unicodedata
tops, height = set(), None
for m in re.finditer(r"yMin=\"([\d.]+)\" xMax=\"[\d.]+\" yMax=\"([\d.]+)\">([^<]*)</word>", sys.stdin.read()):
    y0, y1, t = float(m.group(1)), float(m.group(2)), m.group(3)
    if not 280 < y0 < 368:
        continue
    rtl = any(unicodedata.bidirectional(c) in ("R", "AL") for c in t)
    if not rtl or " " in t:
        tops.add(round(y0, 1))
    if height is None and not rtl and " " not in t and t.isalpha():
        height = y1 - y0
print(len(tops), "%.2f" % height if height else "-")
'
}
for pair in "latin:Introdução à Programação em C e mais um pouco" \
	"arabic:مقدمة في البرمجة بلغة سي وأكثر من ذلك قليلا" \
	"hebrew:מבוא לתכנות בשפת סי ועוד קצת מעבר לזה" \
	"latin-arabic:Introdução à مقدمة في البرمجة بلغة سي وأكثر"; do
	s=${pair%%:*} name=${pair#*:}
	course "$DATA/participation-accented.json" "$name" "$TMP/course-$s.json"
	cert render -o "$TMP/course-$s.pdf" "$TMP/course-$s.json" >/dev/null 2>&1
	set -- $(para "$TMP/course-$s.pdf")
	check "$s course name: the paragraph wraps onto 2 or more lines ($1)" test "${1:-0}" -ge 2
	if [ "$s" = latin ]; then
		latin_h=$2
	else
		is "$2" "$latin_h" "$s course name: set at the size of the Latin one"
	fi
done
# a short name wraps too, in every script alike: the shipped templates give the paragraph a
# min_size equal to its size, so it is not shrunk onto one line (to 10.5 pt for this Arabic
# name) but keeps the full size and wraps; the mixed sample event likewise, against the same
# event with a Latin course name
course "$DATA/scripts-mixed-latin-arabic.json" "Introdução à Programação" "$TMP/short-ref.json"
cert render -o "$TMP/short-ref.pdf" "$TMP/short-ref.json" >/dev/null 2>&1
set -- $(para "$TMP/short-ref.pdf")
is "$1" 2 "short Latin course name: the paragraph is two lines"
ref_h=$2
check "... at the size of the long Latin one ($ref_h)" test "$ref_h" = "$latin_h"
cp "$DATA/scripts-mixed-latin-arabic.json" "$TMP/short-mixed.json"
for pair in "latin:Programação em C" "cyrillic:Основы права" "arabic:مقدمة في البرمجة" \
	"hebrew:מבוא לתכנות" "mixed:"; do
	s=${pair%%:*} name=${pair#*:}
	[ -n "$name" ] && course "$DATA/scripts-mixed-latin-arabic.json" "$name" "$TMP/short-$s.json"
	cert render -o "$TMP/short-$s.pdf" "$TMP/short-$s.json" >/dev/null 2>&1
	set -- $(para "$TMP/short-$s.pdf")
	is "$1" 2 "short $s course name: the paragraph is two lines"
	is "$2" "$ref_h" "short $s course name: set at the size of the Latin one"
done

# --- refusals: a character that no font has ---
bad="$DATA/scripts-unprintable.json"
cert render -o "$TMP/bad.pdf" "$bad" >/dev/null 2>"$TMP/err"
is $? 2 "render of an unprintable name exits 2"
check "it names the path and the character" grep -q "data.user.name: U+E000 cannot be printed: no font has it" "$TMP/err"
check "every such character, each with its path" grep -q "data.school.managers\[0\].manager_name: U+10FFFD cannot be printed: no font has it" "$TMP/err"
check "no PDF is written" test ! -e "$TMP/bad.pdf"
cert validate "$bad" >/dev/null 2>"$TMP/err"
is $? 2 "validate reports it too (exit 2)"
check "validate names the path and the character" grep -q "data.user.name: U+E000 cannot be printed" "$TMP/err"
cert render --store "$TMP/cli-store" "$bad" >/dev/null 2>&1
is $? 2 "render --store refuses it (exit 2)"
is "$(sqlite3 "$TMP/cli-store/index.sqlite" 'SELECT count(*) FROM certificates' 2>/dev/null || echo 0)" 0 \
	"nothing archived from the command line"

: >"$TMP/serve.log"
if serve_start "$TMP/store" "$TMP/serve.log"; then
	TOKEN=$(cat "$TMP/store/webhook-token")
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary @"$bad" "$URL/webhooks")
	is "$code" 422 "the webhook answers 422"
	check "its body names the path and the character" \
		grep -q '"path":"data.user.name","message":"U+E000 cannot be printed: no font has it"' "$TMP/body"
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary @"$DATA/scripts-arabic.json" "$URL/webhooks")
	is "$code" 201 "an Arabic name is issued (201)"
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	is "$(sqlite3 "$TMP/store/index.sqlite" 'SELECT count(*) FROM certificates')" 1 \
		"only the printable one is archived"
	AUDIT="$TMP/store/audit/audit-$(date -u +%Y-%m-%d).jsonl"
	check "the refusal is audited with its status" grep -q '"status":422' "$AUDIT"
else
	ok 1 "server starts"
fi
done_testing
