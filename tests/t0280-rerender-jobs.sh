#!/bin/sh
# rerender --jobs N: the same certificates re-made, the same summary line and
# the same index whatever N is, on both backends; a kill -9 in the middle of
# a parallel rerender leaves every committed row with its file and nothing
# half-written, and a rerun finishes the job.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
pg_trap
GEN="$(dirname "$0")/gen-events.py"
K=1
[ -n "$VALGRIND" ] && K=10
N=$((300 / K)) N2=$((1200 / K))
sql() { sqlite3 "$1/index.sqlite" "$2"; } # STORE SQL
# consistent STORE: every row's file exists and matches its SHA-256 and size
consistent() {
	sql "$1" "SELECT sha256 || '  ' || pdf_path FROM revisions" > "$TMP/sums"
	(cd "$1" && sha256sum --quiet -c "$TMP/sums") &&
		[ "$(sql "$1" "SELECT count(*) FROM revisions WHERE size <> 0")" = "$(wc -l < "$TMP/sums")" ]
}

# --- 1. the same store re-made with --jobs 1 and with --jobs 2 --------------
python3 "$GEN" $N --seed 28 > "$TMP/ev.jsonl"
cert import "$TMP/ev.jsonl" --store "$TMP/s1" --jobs 2 > /dev/null 2>&1
is "$?" 0 "import of $N events"
cp -a "$TMP/s1" "$TMP/s2"
q="SELECT r.id, r.revision, r.code, r.pdf_path, r.generation, r.superseded, c.expires_at, r.sha256
   FROM revisions r JOIN certificates c ON c.id = r.id ORDER BY r.id, r.revision"
sql "$TMP/s1" "$q" > "$TMP/rows0"
for j in 1 2; do
	cert rerender --store "$TMP/s$j" --jobs $j > "$TMP/out$j" 2> "$TMP/err$j"
	echo $? > "$TMP/rc$j"
done
is "$(cat "$TMP/rc1") $(cat "$TMP/rc2")" "0 0" "rerender --jobs 1 and --jobs 2 exit 0"
is "$(cat "$TMP/out1")" "$N certificates re-made" "--jobs 1: the summary counts every certificate"
is "$(cat "$TMP/out2")" "$(cat "$TMP/out1")" "--jobs 2: the same summary line"
is "$(cat "$TMP/err1")$(cat "$TMP/err2")" "" "nothing on stderr"
sql "$TMP/s1" "$q" > "$TMP/rows1"
sql "$TMP/s2" "$q" > "$TMP/rows2"
check "the same rows (ids, revisions, codes, file names, generations, hashes) for both" \
	cmp "$TMP/rows1" "$TMP/rows2"
is "$(paste -d'|' "$TMP/rows0" "$TMP/rows1" | awk -F'|' '$3 != $11 || $5 + 1 != $13' | wc -l)" 0 \
	"each revision keeps its code and is one generation on"
is "$(paste -d'|' "$TMP/rows0" "$TMP/rows1" | awk -F'|' '$8 != $16' | wc -l)" 0 \
	"nothing it prints changed: each new PDF is byte for byte the one it replaces"
cut -d'|' -f4 "$TMP/rows0" | sort > "$TMP/paths0"
cut -d'|' -f4 "$TMP/rows1" | sort > "$TMP/paths1"
is "$(comm -12 "$TMP/paths0" "$TMP/paths1" | wc -l)" 0 "every revision has a new file"
for j in 1 2; do
	check "--jobs $j: every row's PDF exists and matches its SHA-256" consistent "$TMP/s$j"
	is "$(find "$TMP/s$j/pdf" -type f | wc -l)" "$N" "--jobs $j: the replaced files are gone, no file without a row"
	is "$(sql "$TMP/s$j" "SELECT count(*) FROM earlier_files")" 0 \
		"--jobs $j: so no earlier file is recorded"
done
path=$(cut -d'|' -f4 "$TMP/rows1" | head -1)
code=$(cut -d'|' -f3 "$TMP/rows1" | head -1)
check "a re-made PDF prints its verification code" sh -c "pdftotext '$TMP/s2/$path' - | grep -q '$code'"

# --- 2. bad values of --jobs -------------------------------------------------
for v in 0 257 2x -1 ""; do
	cert rerender --store "$TMP/s1" --jobs "$v" > "$TMP/out" 2> "$TMP/err"
	st=$?
	is "$st:$(grep -c -- '--jobs: a number from 1 to 256' "$TMP/err")" "2:1" \
		"rerender --jobs '$v': exit 2, naming --jobs"
done
is "$(sql "$TMP/s1" "SELECT max(generation) FROM revisions")" 1 "... and nothing was re-made"
cert import "$TMP/ev.jsonl" --store "$TMP/s1" --jobs 2x > /dev/null 2> "$TMP/err"
is "$?:$(grep -c -- '--jobs: a number from 1 to 256' "$TMP/err")" "2:1" "import --jobs 2x: exit 2"
cert import "$TMP/ev.jsonl" --store "$TMP/s1" --batch 10k > /dev/null 2> "$TMP/err"
is "$?:$(grep -c -- '--batch: a number' "$TMP/err")" "2:1" "import --batch 10k: exit 2"

# --- 3. kill -9 during rerender --jobs 2 ------------------------------------
python3 "$GEN" $N2 --seed 29 --offset 5000 > "$TMP/big.jsonl"
cert import "$TMP/big.jsonl" --store "$TMP/big" --jobs 2 > /dev/null 2>&1
is "$?" 0 "import of $N2 events"
killed=0 round=0
while [ "$killed" -lt 1 ] && [ "$round" -lt 5 ]; do
	round=$((round + 1))
	S=$TMP/crash-$round
	rm -rf "$S" && cp -a "$TMP/big" "$S"
	$VALGRIND "$CERTIFICA" rerender --store "$S" --jobs 2 > /dev/null 2>&1 &
	pid=$!
	# once some certificates are re-made and committed, kill it
	_n=300
	while [ "$_n" -gt 0 ] && [ "$(sql "$S" "SELECT count(*) FROM revisions WHERE generation = 1" 2>/dev/null)" = 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? = 137 ] && killed=1
done
is "$killed" 1 "rerender --jobs 2 was killed with SIGKILL ($round tried)"
made=$(sql "$S" "SELECT count(*) FROM revisions WHERE generation = 1")
echo "# killed with $made of $N2 re-made and committed"
check "some but not all were re-made" test "$made" -gt 0 -a "$made" -lt "$N2"
check "at the kill, before any recovery: every row's PDF exists and matches" consistent "$S"
is "$((made % 32))" 0 "what was committed is whole groups of 32 (a group is all in or all out)"
cert rerender --store "$S" --jobs 2 > "$TMP/out" 2> "$TMP/err"
is "$?:$(cat "$TMP/out")" "0:$N2 certificates re-made" "the rerun re-makes every certificate"
check "after the rerun: every row's PDF exists and matches" consistent "$S"
is "$(sql "$S" "SELECT count(*) FROM revisions WHERE generation < 1")" 0 "every revision was re-made"
is "$(find "$S/pdf" -type f | wc -l)" "$N2" "no PDF without a row (recovery removed the strays)"
is "$(find "$S" \( -name '.*' -o -name '*.tmp' \) -print | head -3)" "" "no temporary files remain"

# --- 4. PostgreSQL ------------------------------------------------------------
if ! pg_start; then
	ok 1 "PostgreSQL starts"
	done_testing
	exit 1
fi
pg_newdb rr
cert import "$TMP/ev.jsonl" --store "$PG_URI" --jobs 2 > /dev/null 2>&1
is "$?" 0 "PostgreSQL: import of $N events"
for j in 1 2; do
	is "$(cert rerender --store "$PG_URI" --jobs $j 2>&1)" "$N certificates re-made" \
		"PostgreSQL: rerender --jobs $j re-makes every certificate"
	is "$(pg_sql rr "SELECT count(*) FROM revisions WHERE generation = $j")" "$N" \
		"PostgreSQL: ... each one generation on"
done
is "$(pg_sql rr "SELECT count(*) FROM revisions r JOIN revision_files f USING (id, revision)
	WHERE r.sha256 = encode(sha256(f.pdf), 'hex') AND r.size = length(f.pdf)")" "$N" \
	"PostgreSQL: every new PDF matches its SHA-256 and size"
inst=$(pg_sql rr "SELECT institution_id FROM certificates GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
want=$(pg_sql rr "SELECT count(*) FROM certificates WHERE institution_id = $inst")
is "$(cert rerender --store "$PG_URI" --jobs 2 --institution "$inst" 2>&1)" "$want certificates re-made" \
	"PostgreSQL: rerender --jobs 2 --institution: only that institution's"
is "$(pg_sql rr "SELECT count(*) FROM revisions r JOIN certificates c USING (id)
	WHERE (c.institution_id = $inst) <> (r.generation = 3)")" 0 \
	"PostgreSQL: ... and every one of them, no other"
done_testing
