#!/bin/sh
# The archive as a user sees it: render --store and import give one
# certificate per person and course, revisions that keep the old PDF, QR codes
# that lead to the verification page, imports that survive kill -9, rerender,
# a damaged index left alone, and missing or damaged PDFs made again.
. "$(dirname "$0")/lib.sh"
GEN="$(dirname "$0")/gen-events.py"
URL=http://certs.example.test
# Event counts for import and the crash test; a tenth under valgrind, and a
# twentieth for the import of part 3 (imported twice and re-made there: 100 events
# give its four rejections and both outcomes as well as 200 do). The crash test
# keeps its tenth: its imports must outlast up to 3 s before each kill.
K=1 K3=1
[ -n "$VALGRIND" ] && K=10 K3=20
N3=$((2000 / K3)) N4=$((3000 / K))

# A copy of a sample with one field changed: mod FILE PYTHON-EXPR > OUT
mod() {
	python3 -c "import json,sys; e=json.load(open(sys.argv[1])); $2; print(json.dumps(e, ensure_ascii=False))" "$1"
}
sql() { sqlite3 "$1/index.sqlite" "$2"; } # STORE SQL
text_of() { pdftotext -layout "$1" - 2>&1 | tr -s " \n" "  "; }
has_text() { # PDF WORDS: the page shows WORDS
	case "$(text_of "$1")" in *"$2"*) return 0 ;; *) echo "# $1 does not show '$2'"; return 1 ;; esac
}
qr_of() { # PDF: what the QR code on page 1 says
	rm -f "$TMP/qr-1.png"
	pdftoppm -png -r 150 -f 1 -l 1 "$1" "$TMP/qr" && zbarimg -q --raw "$TMP/qr-1.png" 2>/dev/null
}
# A random delay from 0.2 to 1.5 seconds (1 to 3 under valgrind, which takes
# seconds just to start the program).
rand_delay() {
	od -An -N2 -tu2 /dev/urandom | awk -v slow="${VALGRIND:+1}" '{
		base = slow ? 1 : 0.2; span = slow ? 2 : 1.3
		printf "%.2f", base + $1 * span / 65535 }'
}
# The events of a JSON Lines file that are valid (they have a user name), as
# sorted "institution|user|course" lines, optionally only those certified on
# or after a date: valid_keys FILE [yyyy-MM-dd]
valid_keys() {
	python3 -c '
import json, sys
since = sys.argv[2] if len(sys.argv) > 2 else ""
keys = []
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)["data"]
    if "name" in d["user"] and d["certified"]["certified_at"] >= since:
        keys.append("%d|%d|%d" % (d["institution"]["id"], d["user"]["id"], d["course"]["id"]))
print("\n".join(sorted(keys)))' "$@"
}
# Every index row's PDF exists and matches its recorded SHA-256 and size.
rows_match() { # STORE
	sql "$1" "SELECT sha256, size, pdf_path FROM revisions" > "$TMP/rows" || return 1
	[ -s "$TMP/rows" ] || { echo "# no rows in $1"; return 1; }
	awk -F'|' '{ print $1 "  " $3 }' "$TMP/rows" > "$TMP/rows.sha"
	if ! (cd "$1" && sha256sum --quiet -c "$TMP/rows.sha") > "$TMP/rows.out" 2>&1; then
		head -5 "$TMP/rows.out" | sed 's/^/# /'
		return 1
	fi
	awk -F'|' '{ print $2 " " $3 }' "$TMP/rows" | sort > "$TMP/rows.size"
	awk -F'|' '{ print $3 }' "$TMP/rows" | (cd "$1" && xargs stat -c '%s %n') | sort > "$TMP/disk.size"
	cmp -s "$TMP/rows.size" "$TMP/disk.size" || { echo "# sizes differ from the index"; return 1; }
}
# No file under pdf/ that no row names (a crash leaves none behind).
no_strays() { # STORE
	n_files=$(find "$1/pdf" -type f | wc -l)
	n_rows=$(sql "$1" "SELECT count(*) FROM revisions")
	[ "$n_files" = "$n_rows" ] || { echo "# $n_files files, $n_rows rows"; return 1; }
}
# Temporary files (".<id>-r<rev>.<random>.tmp") anywhere under the store.
temp_files() { find "$1" \( -name '.*' -o -name '*.tmp' \) -print; }

# --- 1. same event twice, send_at alone changed, name corrected ------------
S1=$TMP/one
cp "$TESTDATA/participation-accented.json" "$TMP/ev.json"
out=$(cert render "$TMP/ev.json" --store "$S1" 2>"$TMP/err")
ok $? "render --store exits 0"
set -- $out
is "$2 $4" "issued r1" "the first delivery is issued as r1"
id=$3 code1=$5 path1=$6
check "the printed PDF path exists" test -s "$path1"
case "$path1" in "$S1/pdf/"*"/$id-r1.pdf") ok 0 "the PDF is under the store, named <id>-r1.pdf" ;;
*) ok 1 "the PDF is under the store, named <id>-r1.pdf"; echo "# $path1" ;; esac
cp "$path1" "$TMP/r1.first"
out=$(cert render "$TMP/ev.json" --store "$S1" 2>"$TMP/err")
ok $? "the same event again exits 0"
set -- $out
is "$2 $3 $4 $5 $6" "unchanged $id r1 $code1 $path1" "the same event again: unchanged, same id, r1, same code and file"
is "$(sql "$S1" "SELECT count(*) FROM certificates") $(sql "$S1" "SELECT count(*) FROM revisions")" \
	"1 1" "one certificate, one revision in the index"
check "the PDF was not rewritten" cmp "$path1" "$TMP/r1.first"
mod "$TMP/ev.json" 'e["event"]["send_at"]="2024-01-02 03:04:05"' > "$TMP/ev-sendat.json"
set -- $(cert render "$TMP/ev-sendat.json" --store "$S1" 2>/dev/null)
is "$2 $3 $4 $5" "unchanged $id r1 $code1" "send_at alone changed: unchanged, same id and code"
mod "$TMP/ev.json" 'e["data"]["user"]["name"]="Letícia Conceição Araújo Ferreira"' > "$TMP/ev-name.json"
out=$(cert render "$TMP/ev-name.json" --store "$S1" 2>"$TMP/err")
ok $? "a corrected name exits 0"
set -- $out
is "$2 $3 $4" "revised $id r2" "a corrected name: revised, same id, r2"
code2=$5 path2=$6
check "revision 2 has a new code ($code1 -> $code2)" test "$code2" != "$code1" -a -n "$code2"
check "revision 2 has its own file" test -s "$path2" -a "$path2" != "$path1"
is "$(sql "$S1" "SELECT revision || ':' || code || ':' || superseded FROM revisions WHERE id = '$id' ORDER BY revision" | tr '\n' ' ')" \
	"1:$code1:1 2:$code2:0 " "the index keeps r1 (superseded) and r2 (current) with their codes"
is "$(sql "$S1" "SELECT latest || ' ' || user_name FROM certificates WHERE id = '$id'")" \
	"2 Letícia Conceição Araújo Ferreira" "the certificate's latest revision is 2, with the new name"
check "revision 1's file is still there, byte for byte" cmp "$path1" "$TMP/r1.first"
is "$(sha256sum < "$path1" | cut -d' ' -f1)" "$(sql "$S1" "SELECT sha256 FROM revisions WHERE id = '$id' AND revision = 1")" \
	"revision 1's file matches its recorded SHA-256"
check "every row of the index matches its file" rows_match "$S1"
check "revision 1 shows the old name" has_text "$path1" "que Letícia Conceição Araújo participou"
check "revision 2 shows the new name" has_text "$path2" "que Letícia Conceição Araújo Ferreira participou"
check "revision 1 does not show the new name" sh -c "! pdftotext '$path1' - | grep -q Ferreira"

# --- 2. the QR code and the printed code ----------------------------------
S2=$TMP/qr
out=$(cert render "$TESTDATA/achievement-long-names.json" --store "$S2" --public-url "$URL" 2>/dev/null)
ok $? "render --store --public-url exits 0"
set -- $out
code=$5 pdf=$6
is "$(qr_of "$pdf")" "$URL/verify/$code" "the QR code decodes to {public_url}/verify/{code}"
check "the verification code is printed on the page" has_text "$pdf" "$code"
check "the code is URL-safe (letters, digits, dashes)" sh -c "printf '%s' '$code' | grep -Eqx '[A-Za-z0-9_-]{12,}'"
check "qpdf --check passes on the archived certificate" qpdf --check "$pdf"

# --- 3. import with rejections, twice -------------------------------------
S3=$TMP/import
F=$TMP/events.jsonl
python3 "$GEN" $N3 --bad $((500 / K3)) --seed 3 > "$F"
cert import "$F" --store "$S3" --public-url "$URL" >"$TMP/out" 2>"$TMP/err"
is $? 2 "import with rejected lines exits 2"
is "$(cat "$TMP/out")" "$N3 events: $((N3 - 4)) issued, 0 unchanged, 0 revised, 0 stale, 0 ignored, 4 rejected, 0 failed" \
	"the summary counts $((N3 - 4)) issued and 4 rejected"
for n in 1 2 3 4; do echo "$F:$((n * 500 / K3)): data.user.name: required, missing"; done > "$TMP/want-rej"
grep "^$F:" "$TMP/err" > "$TMP/rej1"
if cmp -s "$TMP/rej1" "$TMP/want-rej"; then ok 0 "each rejection is on stderr with file:line and the JSON path"
else ok 1 "each rejection is on stderr with file:line and the JSON path"; sed 's/^/# /' "$TMP/err" | head; fi
is "$(sql "$S3" "SELECT count(*) FROM certificates") $(sql "$S3" "SELECT count(*) FROM revisions")" \
	"$((N3 - 4)) $((N3 - 4))" "$((N3 - 4)) certificates and revisions in the index"
sql "$S3" "SELECT institution_id || '|' || user_id || '|' || course_id FROM certificates" | sort > "$TMP/keys3"
valid_keys "$F" > "$TMP/want3"
check "the index holds exactly the valid events" cmp "$TMP/keys3" "$TMP/want3"
check "every imported PDF matches its SHA-256 and size" rows_match "$S3"
sql "$S3" "SELECT code, pdf_path FROM revisions ORDER BY random() LIMIT 1" | tr '|' ' ' > "$TMP/pick"
read -r code path < "$TMP/pick"
is "$(qr_of "$S3/$path")" "$URL/verify/$code" "an imported certificate's QR code honours --public-url"
cert import "$F" --store "$S3" --public-url "$URL" >"$TMP/out" 2>"$TMP/err"
is $? 2 "importing the same file again exits 2"
is "$(cat "$TMP/out")" "$N3 events: 0 issued, $((N3 - 4)) unchanged, 0 revised, 0 stale, 0 ignored, 4 rejected, 0 failed" \
	"the same file again: all unchanged"
grep "^$F:" "$TMP/err" > "$TMP/rej2"
check "the same rejections are reported again" cmp "$TMP/rej2" "$TMP/want-rej"
is "$(sql "$S3" "SELECT count(*) FROM revisions")" $((N3 - 4)) "no new rows"

# --- 4. crash safety: kill -9 at random moments, then finish ---------------
S4=$TMP/crash
F4=$TMP/crash.jsonl
python3 "$GEN" $N4 --bad $((700 / K)) --seed 4 --offset 5000 > "$F4"
valid_keys "$F4" > "$TMP/want4"
n_valid=$(wc -l < "$TMP/want4")
killed=0 round=0
while [ "$killed" -lt 4 ] && [ "$round" -lt 8 ]; do
	round=$((round + 1))
	$VALGRIND "$CERTIFICA" import "$F4" --store "$S4" --batch 25 >/dev/null 2>&1 &
	pid=$!
	sleep "$(rand_delay)"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null # no "Killed" from the shell
	[ $? = 137 ] && killed=$((killed + 1))
done
check "import was killed with SIGKILL in 4 rounds ($round tried)" test "$killed" -ge 4
# a kill before the index existed leaves none, and one before its tables were
# made leaves an empty file: nothing was committed
# (sqlite3 would make a missing file: ask only when there is one)
before=
[ -f "$S4/index.sqlite" ] && before=$(sql "$S4" "SELECT count(*) FROM certificates" 2>/dev/null)
[ -n "$before" ] || before=0
echo "# $before of $n_valid certificates committed before the last run;" \
	"$(find "$S4/pdf" -type f -name '*.pdf' | wc -l) PDFs and $(temp_files "$S4" | wc -l) temporary files on disk"
cert import "$F4" --store "$S4" >"$TMP/out" 2>"$TMP/err"
is $? 2 "the import run to completion exits 2 (4 rejected lines)"
is "$(cat "$TMP/out")" "$N4 events: $((n_valid - before)) issued, $before unchanged, 0 revised, 0 stale, 0 ignored, 4 rejected, 0 failed" \
	"the last run skips what was committed and archives the rest"
is "$(sql "$S4" "SELECT count(*) FROM certificates")" "$n_valid" "as many certificates as valid distinct events"
sql "$S4" "SELECT institution_id || '|' || user_id || '|' || course_id FROM certificates" | sort > "$TMP/keys4"
check "no event is missing or duplicated" cmp "$TMP/keys4" "$TMP/want4"
is "$(sql "$S4" "SELECT count(*) || ' ' || max(revision) FROM revisions") $(sql "$S4" "SELECT count(*) FROM (SELECT id FROM revisions GROUP BY id HAVING count(*) <> 1)")" \
	"$n_valid 1 0" "every certificate has exactly one revision"
check "every row's PDF exists and matches its SHA-256 and size" rows_match "$S4"
check "no PDF without a row" no_strays "$S4"
is "$(temp_files "$S4" | head -3)" "" "no temporary files remain under the store"
sql "$S4" "SELECT pdf_path FROM revisions ORDER BY random() LIMIT 600" | sed "s|^|$S4/|" > "$TMP/sample"
check "qpdf --check passes on 600 PDFs picked at random" sh -c "xargs -n 20 -P 2 sh -c 'for f; do qpdf --check \"\$f\" >/dev/null || exit 1; done' sh < '$TMP/sample'"

# --- 5. rerender --since ---------------------------------------------------
since=2023-06-01
q="SELECT r.id, r.revision, r.code, r.pdf_path, c.certified_at >= '$since'
   FROM revisions r JOIN certificates c ON c.id = r.id ORDER BY r.id, r.revision"
sql "$S3" "$q" > "$TMP/before5"
want=$(valid_keys "$F" "$since" | wc -l)
out=$(cert rerender --store "$S3" --since "$since" --public-url "$URL" 2>"$TMP/err")
ok $? "rerender --since exits 0"
is "$out" "$want certificates re-made" "rerender prints how many it re-made (those certified since $since)"
sql "$S3" "$q" > "$TMP/after5"
paste -d'|' "$TMP/before5" "$TMP/after5" | awk -F'|' -v gone="$TMP/gone" '
	$1 != $6 || $2 != $7 { bad = "rows differ"; exit }
	$3 != $8 { bad = "code changed for " $1; exit }
	$5 == 1 && $4 == $9 { bad = "not re-made: " $1; exit }
	$5 == 0 && $4 != $9 { bad = "re-made though certified before: " $1; exit }
	$5 == 1 { n++; print $4 > gone }
	END { if (bad) { print "# " bad; exit 1 } print n + 0 }' > "$TMP/res5"
ok $? "codes unchanged, new paths for exactly those certified since $since"
is "$(tail -1 "$TMP/res5")" "$want" "$want rows point to new files"
left=0
while read -r p; do [ -e "$S3/$p" ] && left=$((left + 1)); done < "$TMP/gone"
is "$left" 0 "the previous files were removed"
check "every row still matches its SHA-256 and size" rows_match "$S3"
check "no PDF without a row after rerender" no_strays "$S3"
is "$(temp_files "$S3" | head -3)" "" "no temporary files after rerender"
sql "$S3" "SELECT r.code, r.pdf_path FROM revisions r JOIN certificates c ON c.id = r.id
	WHERE c.certified_at >= '$since' ORDER BY random() LIMIT 1" | tr '|' ' ' > "$TMP/pick"
read -r code path < "$TMP/pick"
is "$(qr_of "$S3/$path")" "$URL/verify/$code" "a re-made certificate's QR code still carries its code"

# --- 6. a damaged index is refused and left alone -------------------------
S6=$TMP/damaged
cp -a "$S3" "$S6"
head -c 16384 /dev/urandom > "$S6/index.sqlite"
cp "$S6/index.sqlite" "$TMP/garbage"
(cd "$S6" && find pdf -type f | sort) > "$TMP/files6"
cert import "$TESTDATA/participation-accented.json" --store "$S6" >/dev/null 2>"$TMP/err"
is $? 1 "import on a damaged index exits 1"
check "the message names the index" grep -q "index '$S6/index.sqlite'" "$TMP/err"
check "the damaged index is left byte for byte" cmp "$S6/index.sqlite" "$TMP/garbage"
check "no PDF was added or removed" sh -c "cd '$S6' && find pdf -type f | sort | cmp -s - '$TMP/files6'"
head -c 40960 "$S3/index.sqlite" > "$S6/index.sqlite"
cp "$S6/index.sqlite" "$TMP/garbage"
cert import "$TESTDATA/participation-accented.json" --store "$S6" >/dev/null 2>"$TMP/err"
is $? 1 "import on a truncated index exits 1"
check "the message names the truncated index" grep -q "index '$S6/index.sqlite'" "$TMP/err"
check "the truncated index is left byte for byte" cmp "$S6/index.sqlite" "$TMP/garbage"
: > "$S6/index.sqlite"
cert render "$TESTDATA/participation-accented.json" --store "$S6" >/dev/null 2>"$TMP/err"
is $? 1 "an empty index next to certificates is refused"
check "the empty index is left empty" test ! -s "$S6/index.sqlite"
rm "$S6/index.sqlite"
cert render "$TESTDATA/participation-accented.json" --store "$S6" >/dev/null 2>"$TMP/err"
is $? 1 "a missing index next to certificates is refused"
check "no fresh index is made next to certificates" test ! -e "$S6/index.sqlite"

# --- 7. recovery: a missing and a damaged PDF are made again ---------------
p1=$(sql "$S1" "SELECT pdf_path FROM revisions WHERE id = '$id' AND revision = 1")
p2=$(sql "$S1" "SELECT pdf_path FROM revisions WHERE id = '$id' AND revision = 2")
rm "$S1/$p1"
truncate -s 1000 "$S1/$p2"
out=$(cert render "$TESTDATA/seed-example.json" --store "$S1" 2>"$TMP/err")
ok $? "render --store on a store with a missing and a damaged PDF exits 0"
check "every row matches its file again" rows_match "$S1"
check "no PDF without a row after recovery" no_strays "$S1"
n1=$(sql "$S1" "SELECT pdf_path FROM revisions WHERE id = '$id' AND revision = 1")
n2=$(sql "$S1" "SELECT pdf_path FROM revisions WHERE id = '$id' AND revision = 2")
check "the deleted revision 1 is back" test -s "$S1/$n1"
check "the damaged revision 2 is back" qpdf --check "$S1/$n2"
check "the damaged file is gone" test ! -e "$S1/$p2" -o "$p2" = "$n2"
check "the re-made revision 1 shows the old name" has_text "$S1/$n1" "que Letícia Conceição Araújo participou"
check "the re-made revision 2 shows the new name" has_text "$S1/$n2" "que Letícia Conceição Araújo Ferreira participou"
is "$(sql "$S1" "SELECT code FROM revisions WHERE id = '$id' ORDER BY revision" | tr '\n' ' ')" \
	"$code1 $code2 " "the re-made revisions keep their codes"

# --- SQLite keeps its scratch (statement journals, sorts) in memory ---
# As files they were made and deleted in the temporary folder once per
# certificate, and on ext4 without a journal each new file then scans past
# every inode deleted in the last half minute. A folder whose time never
# changes had no file made or deleted in it.
mkdir "$TMP/scratch"
touch -d '2001-01-01 00:00:00' "$TMP/scratch"
python3 "$GEN" 30 --seed 21 >"$TMP/scratch.jsonl"
SQLITE_TMPDIR="$TMP/scratch" cert import "$TMP/scratch.jsonl" --store "$TMP/scratch-store" \
	>/dev/null 2>&1
ok $? "import of 30 events with SQLite's temporary folder set"
is "$(stat -c %Y "$TMP/scratch")" "$(date -d '2001-01-01 00:00:00' +%s)" \
	"no file was made in SQLite's temporary folder"

done_testing
