#!/bin/sh
# import --jobs N: the same archive, the same messages and the same summary
# line whatever N is, and a kill -9 in the middle of a parallel import loses
# nothing it reported and leaves nothing half-written.
# run alone: its kill -9 rounds time an import (tests/run.sh runs it after the others)
. "$(dirname "$0")/lib.sh"
GEN="$(dirname "$0")/gen-events.py"
URL=http://certs.example.test
K=1
[ -n "$VALGRIND" ] && K=10
N=$((600 / K)) N2=$((3000 / K))
sql() { sqlite3 "$1/index.sqlite" "$2"; } # STORE SQL
export CERTIFICA_MAX_BODY=8k
# The valid events of JSON Lines on stdin, as sorted "institution|user|course".
valid_keys() {
	python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)["data"]
    if "name" in d["user"]:
        print("%d|%d|%d" % (d["institution"]["id"], d["user"]["id"], d["course"]["id"]))' | sort
}

# --- 1. the same events with --jobs 1 and --jobs 2 -------------------------
# Fresh certificates, and then for some of them a corrected name (revised),
# the same event again (unchanged) and an older delivery of a change (stale),
# some right after the first (same batch) and some far after it; invalid
# lines, and a line too large to read.
python3 "$GEN" $N --bad 37 --seed 30 > "$TMP/base.jsonl"
python3 - "$TMP/base.jsonl" > "$TMP/ev.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
late = []
for i, line in enumerate(lines):
    print(line)
    e = json.loads(line)
    if "name" not in e["data"]["user"]:
        continue
    if i % 7 == 0:
        e["data"]["user"]["name"] += " Júnior"
        e["event"]["send_at"] = "2023-08-29 10:00:00"
        print(json.dumps(e, ensure_ascii=False))
    elif i % 7 == 1:
        late.append(line)
    elif i % 7 == 2:
        e["data"]["user"]["name"] += " Neto"
        e["event"]["send_at"] = "2023-08-27 10:00:00"
        late.append(json.dumps(e, ensure_ascii=False))
    elif i == 3:
        print('{"event": {"name": "x"}, "pad": "' + "y" * 9000 + '"}')
print("\n".join(late))
EOF
for j in 1 2; do
	cert import "$TMP/ev.jsonl" --store "$TMP/s$j" --public-url "$URL" --batch 25 --jobs $j \
		>"$TMP/out$j" 2>"$TMP/err$j"
	echo $? > "$TMP/rc$j"
	# the progress lines carry a rate: everything else must match
	grep -v '^import: [0-9]* events, [0-9]*/s$' "$TMP/err$j" > "$TMP/msg$j"
done
is "$(cat "$TMP/rc1") $(cat "$TMP/rc2")" "2 2" "both exit 2 (rejected lines)"
case "$(cat "$TMP/out1")" in
*" 0 issued"*|*" 0 unchanged"*|*" 0 revised"*|*" 0 stale"*)
	ok 1 "the events give every outcome"; sed 's/^/# /' "$TMP/out1" ;;
*) ok 0 "the events give every outcome" ;;
esac
is "$(cat "$TMP/out2")" "$(cat "$TMP/out1")" "the same summary line"
check "the same messages, in the same order" cmp "$TMP/msg1" "$TMP/msg2"
check "the messages name the rejected lines" grep -q 'larger than' "$TMP/msg1"
q="SELECT c.id, c.user_name, c.latest, c.revoked, r.revision, r.pdf_path, r.generation,
   r.superseded, r.send_at, r.canonical, hex(r.raw)
   FROM certificates c JOIN revisions r ON r.id = c.id ORDER BY r.id, r.revision"
sql "$TMP/s1" "$q" > "$TMP/rows1"
sql "$TMP/s2" "$q" > "$TMP/rows2"
check "the index has rows" test -s "$TMP/rows1"
check "the same certificates, revisions and archived events" cmp "$TMP/rows1" "$TMP/rows2"
is "$(sql "$TMP/s2" "SELECT count(DISTINCT code) FROM revisions")" \
	"$(sql "$TMP/s1" "SELECT count(*) FROM revisions")" "every revision has its own code"
# The PDFs say the same, but for their verification codes.
same=0 n=0
sqlite3 -cmd "ATTACH '$TMP/s2/index.sqlite' AS s2" "$TMP/s1/index.sqlite" \
	"SELECT r.pdf_path, r.code, s.code FROM revisions r
	 JOIN s2.revisions s ON s.id = r.id AND s.revision = r.revision ORDER BY random() LIMIT 12" \
	> "$TMP/pairs"
while IFS='|' read -r path c1 c2; do
	n=$((n + 1))
	a=$(pdftotext "$TMP/s1/$path" - | sed "s/$c1/CODE/g")
	b=$(pdftotext "$TMP/s2/$path" - | sed "s/$c2/CODE/g")
	[ "$a" = "$b" ] && [ -n "$a" ] && same=$((same + 1))
done < "$TMP/pairs"
is "$same $n" "12 12" "12 PDFs picked at random read the same, the code aside"

# --- 2. kill -9 during import --jobs 2 -------------------------------------
S=$TMP/crash
F=$TMP/crash.jsonl
python3 "$GEN" $N2 --bad $((700 / K)) --seed 31 --offset 7000 > "$F"
killed=0 reported=0 round=0
while [ "$killed" -lt 3 ] && [ "$round" -lt 8 ]; do
	round=$((round + 1))
	# a fresh store each round: on a fast machine a store that has most events
	# already would finish before the kill
	S=$TMP/crash-$round
	$VALGRIND "$CERTIFICA" import "$F" --store "$S" --batch 25 --jobs 2 >/dev/null 2>"$TMP/kerr" &
	pid=$!
	# as soon as it says how far it got (or after a while), kill it
	wait_for "$TMP/kerr" "^import: " 30
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? = 137 ] || continue
	killed=$((killed + 1))
	seen=$(sed -n 's/^import: \([0-9]*\) events.*/\1/p' "$TMP/kerr" | tail -1)
	[ -n "$seen" ] || { echo "# round $round: killed before it reported"; continue; }
	# every valid event among the first $seen lines is in the index
	head -n "$seen" "$F" | valid_keys > "$TMP/want-seen"
	sql "$S" "SELECT institution_id || '|' || user_id || '|' || course_id FROM certificates" |
		sort > "$TMP/have"
	if [ -n "$(comm -23 "$TMP/want-seen" "$TMP/have")" ]; then
		echo "# round $round: reported $seen events, some are missing"
	else
		reported=$((reported + 1))
		echo "# round $round: killed after $seen events reported, $(wc -l < "$TMP/have") certificates in the index"
	fi
done
check "import --jobs 2 was killed with SIGKILL 3 times ($round tried)" test "$killed" -ge 3
is "$reported" "$killed" "every event a killed import reported is in the index"
cert import "$F" --store "$S" --jobs 2 >"$TMP/out" 2>/dev/null
is $? 2 "the run to completion exits 2"
sql "$S" "SELECT institution_id || '|' || user_id || '|' || course_id FROM certificates" |
	sort > "$TMP/have"
valid_keys < "$F" > "$TMP/want"
check "every valid event is archived once" cmp "$TMP/have" "$TMP/want"
before=$(sed -n 's/.* \([0-9]*\) unchanged.*/\1/p' "$TMP/out")
check "the last run skipped what was committed before" test "$before" -gt 0
is "$(sql "$S" "SELECT count(*) FROM (SELECT id FROM revisions GROUP BY id HAVING count(*) <> 1)")" \
	0 "every certificate has exactly one revision"
sql "$S" "SELECT sha256 || '  ' || pdf_path FROM revisions" > "$TMP/sums"
check "every row's PDF exists and matches its SHA-256" sh -c "cd '$S' && sha256sum --quiet -c '$TMP/sums'"
is "$(find "$S/pdf" -type f | wc -l)" "$(sql "$S" "SELECT count(*) FROM revisions")" "no PDF without a row"
is "$(find "$S" \( -name '.*' -o -name '*.tmp' \) -print | head -3)" "" "no temporary files remain"

done_testing
