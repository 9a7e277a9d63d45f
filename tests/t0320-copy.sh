#!/bin/sh
# certifica copy between two embedded stores: every certificate with all its
# revisions, revocations, staff accounts, webhook tokens and audit records;
# killed with SIGKILL halfway and run again, it finishes without duplicates;
# the copy answers the same verify pages and PDFs, and the old staff token
# works on it. Bad locations give clear errors.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
BG_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
	[ -n "$BG_PID" ] && kill -9 "$BG_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
SRC=$TMP/src
DST=$TMP/dst
N=150
# under valgrind each copy costs ten times as much: fewer certificates, the same checks
[ -n "$VALGRIND" ] && N=40
PUB=https://certificados.example

sql() { sqlite3 -readonly "$1/index.sqlite" "$2"; }
stop() { kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; SERVE_PID=; }
# What an archive holds, less where its files lie: every row of every table.
dump() {
	sql "$1" "SELECT id, institution_id, user_id, course_id, school_id, user_name, user_email,
		user_cpf, course_name, school_name, workload, type, certified_at, concluded_at,
		enrolled_at, approval_rate, latest, revoked, revoke_reason, revoked_at, search_name,
		search_course, search_grams FROM certificates ORDER BY id;
	SELECT id, revision, code, sha256, size, generation, created_at, rendered_at, superseded,
		send_at, canonical, hex(raw) FROM revisions ORDER BY id, revision;
	SELECT name, hex(token_sha256), created_at, revoked_at, institution_id, school_id
		FROM staff ORDER BY name, created_at;
	SELECT label, hex(token_sha256), created_at, revoked_at, institution_id
		FROM webhook_tokens ORDER BY label;
	SELECT sha256, id, revision, replaced_at FROM earlier_files ORDER BY id, revision, sha256"
}

# --- a source archive: revisions, revocations, accounts, tokens, audit ---
python3 "$(dirname "$0")/gen-events.py" $N --seed 7 > "$TMP/ev.jsonl"
cert import "$TMP/ev.jsonl" --store "$SRC" >/dev/null 2>&1
is $? 0 "a source archive of $N certificates"
# A name corrected in 5 events, sent later: 5 second revisions.
head -n 5 "$TMP/ev.jsonl" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    e["event"]["send_at"] = "2023-09-01 08:00:00"
    e["data"]["user"]["name"] += " Corrigido"
    print(json.dumps(e, ensure_ascii=False))' > "$TMP/fix.jsonl"
cert import "$TMP/fix.jsonl" --store "$SRC" >"$TMP/out" 2>&1
check "5 of them revised" grep -q '5 revised' "$TMP/out"
R1=$(sql "$SRC" "SELECT id FROM certificates ORDER BY id LIMIT 1")
R2=$(sql "$SRC" "SELECT id FROM certificates WHERE latest = 2 ORDER BY id LIMIT 1")
cert revoke "$R1" --reason "emitido por engano" --store "$SRC" >/dev/null
cert revoke "$R2" --reason "curso refeito" --store "$SRC" >/dev/null
ALICE=$(cert staff add alice --store "$SRC" 2>/dev/null)
cert staff add bia --institution 101 --store "$SRC" >/dev/null 2>&1
cert staff add carlos --store "$SRC" >/dev/null 2>&1
cert staff revoke carlos --store "$SRC" >/dev/null 2>&1
cert webhook-token add --institution 101 --store "$SRC" >/dev/null 2>&1
# Institution 101's certificates made again in English: the files they
# replace are kept as earlier files (they still verify), to be copied too.
cert rerender --store "$SRC" --institution 101 --locale en >/dev/null 2>&1
check "a rerender of one institution in English" \
	test "$(sql "$SRC" "SELECT count(*) FROM earlier_files")" -gt 0
serve_start "$SRC" "$TMP/serve.log" --public-url "$PUB" || { ok 1 "the source serves"; done_testing; exit 1; }
curl -s -o /dev/null -X POST --data-binary @"$TESTDATA/seed-example.json" \
	"$URL/webhooks?token=$(cat "$SRC/webhook-token")"
curl -s -o /dev/null -X POST --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks?token=no"
stop
is "$(cert audit --store "$SRC" | wc -l)" 2 "the source has 2 audit records"
REVS=$(sql "$SRC" "SELECT count(*) FROM revisions")
is "$REVS" $((N + 6)) "$((N + 6)) revisions in the source"

# --- killed halfway, then run again ---
killed=0 round=0
while [ "$killed" = 0 ] && [ "$round" -lt 6 ]; do
	round=$((round + 1))
	rm -rf "$DST"
	$VALGRIND "$CERTIFICA" copy --from "$SRC" --to "$DST" >/dev/null 2>&1 &
	BG_PID=$!
	# SIGKILL once the first certificates are committed in the destination
	# (a folder store commits them in batches)
	i=0
	while [ $i -lt 2000 ] && kill -0 "$BG_PID" 2>/dev/null; do
		n=$(sqlite3 -readonly "$DST/index.sqlite" "SELECT count(*) FROM certificates" 2>/dev/null)
		[ "${n:-0}" -lt 1 ] || break
		i=$((i + 1))
	done
	kill -9 "$BG_PID" 2>/dev/null
	wait "$BG_PID" 2>/dev/null
	[ $? = 137 ] && killed=$(sql "$DST" "SELECT count(*) FROM certificates" 2>/dev/null)
	BG_PID=
	[ "${killed:-0}" -lt $((N + 1)) ] || killed=0
done
ok "$([ "${killed:-0}" -gt 0 ]; echo $?)" "copy killed with SIGKILL halfway ($killed of $((N + 1)) certificates copied, round $round)"
cert copy --from "$SRC" --to "$DST" >"$TMP/out" 2>"$TMP/err"
is $? 0 "copy run again finishes"
check "it says how many were there already" grep -q "copied $((N + 1 - killed)) certificates .*, $killed were there already" "$TMP/out"
check "no terminal: plain progress lines" grep -q "^copy: $((N + 1))/$((N + 1)) certificates, [0-9]*/s$" "$TMP/err"
check "counts compared: certificates" grep -Eq "^certificates +$((N + 1)) +$((N + 1))$" "$TMP/out"
check "counts compared: revisions" grep -Eq "^revisions +$REVS +$REVS$" "$TMP/out"
check "counts compared: revoked" grep -Eq "^revoked +2 +2$" "$TMP/out"
check "counts compared: staff accounts" grep -Eq "^staff accounts +3 +3$" "$TMP/out"
check "counts compared: webhook tokens" grep -Eq "^webhook tokens +1 +1$" "$TMP/out"
check "counts compared: audit records" grep -Eq "^audit records +2 +2$" "$TMP/out"
check "every PDF's SHA-256 equal" grep -qx "PDFs: $REVS of $REVS SHA-256 equal" "$TMP/out"
dump "$SRC" >"$TMP/dump.src"
dump "$DST" >"$TMP/dump.dst"
check "the destination holds exactly the source's rows (no duplicates)" cmp "$TMP/dump.src" "$TMP/dump.dst"
pdf_hashes "$SRC" >"$TMP/h.src"
pdf_hashes "$DST" >"$TMP/h.dst"
check "every PDF byte-identical" cmp "$TMP/h.src" "$TMP/h.dst"
check "the audit records are the same lines" sh -c "cmp '$(cert audit --store "$SRC" >"$TMP/a.src"; echo "$TMP/a.src")' '$(cert audit --store "$DST" >"$TMP/a.dst"; echo "$TMP/a.dst")'"
is "$(find "$DST" -name '*.tmp' | wc -l)" 0 "no temporary files left"
cert copy --from "$SRC" --to "$DST" >"$TMP/out" 2>/dev/null
is $? 0 "a third run exits 0"
check "and copies nothing" grep -q "^copied 0 certificates (0 revisions), $((N + 1)) were there already; 4 staff accounts and webhook tokens; 0 new audit records$" "$TMP/out"
is "$(cert audit --store "$DST" | wc -l)" 2 "no audit record doubled"

# --- on a terminal, a progress bar (script(1) gives it one) ---
if command -v script >/dev/null; then
	script -qec "$VALGRIND $CERTIFICA copy --from '$SRC' --to '$TMP/tty'" "$TMP/typescript" >/dev/null 2>&1
	ok $? "copy on a terminal exits 0"
	tr '\r' '\n' <"$TMP/typescript" | grep -a 'ETA' >"$TMP/bars"
	check "a progress bar is drawn" grep -q -a '\[#*\.*\] [0-9]*/'$((N + 1))'  [0-9]*/s  ETA [0-9]*:[0-9][0-9]  copy' "$TMP/bars"
	check "the bar ends full" grep -q -a '\[##############################\] '$((N + 1))/$((N + 1))'  .*copy' "$TMP/bars"
	check "then the check's bar" grep -q -a '\[##############################\] '$((N + 1))/$((N + 1))'  .*check' "$TMP/bars"
else
	echo "ok - # SKIP script(1) is not installed"
fi

# --- the copy serves what the source served ---
CODES=$(sql "$SRC" "SELECT code FROM revisions WHERE id IN ('$R1', '$R2') OR revision = 2 ORDER BY code")
pages() { # STORE OUT: the verify pages of CODES and R2's PDF, with alice's token
	serve_start "$1" "$TMP/serve.log" --public-url "$PUB" || return 1
	for c in $CODES; do
		curl -s "$URL/verify/$c" -H 'Accept: text/html'
		curl -s "$URL/verify/$c" -H 'Accept: application/json'
	done >"$2"
	curl -s -o "$2.pdf" -w '%{http_code}' -H "Authorization: Bearer $ALICE" "$URL/certificates/$R2.pdf" >"$2.status"
	stop
}
pages "$SRC" "$TMP/p.src" && pages "$DST" "$TMP/p.dst"
ok $? "both archives serve"
check "the verify pages are the same (revoked, superseded, valid)" cmp "$TMP/p.src" "$TMP/p.dst"
check "and say revoked" grep -q "curso refeito" "$TMP/p.dst"
is "$(cat "$TMP/p.dst.status")" 200 "alice's token from the source signs in on the copy"
check "the PDF it gets is the source's" cmp "$TMP/p.src.pdf" "$TMP/p.dst.pdf"

# --- a damaged copy is caught ---
P=$(sql "$DST" "SELECT pdf_path FROM revisions WHERE id = '$R2' AND revision = 2")
cp "$DST/$P" "$TMP/keep.pdf"
printf x >>"$DST/$P"
cert copy --from "$SRC" --to "$DST" >"$TMP/out" 2>"$TMP/err"
is $? 1 "a PDF damaged in the destination: exit 1"
check "the destination's check names the file" grep -q -- "--to: '$DST/$P' is damaged" "$TMP/err"
# Another PDF in its place, the index made to agree: only the comparison
# of the bytes with the source's can tell.
P1=$(sql "$DST" "SELECT pdf_path FROM revisions WHERE id = '$R2' AND revision = 1")
cp "$DST/$P1" "$DST/$P"
sqlite3 "$DST/index.sqlite" "UPDATE revisions SET sha256 = '$(sha256sum <"$DST/$P1" | cut -d' ' -f1)',
	size = $(stat -c %s "$DST/$P1") WHERE id = '$R2' AND revision = 2"
cert copy --from "$SRC" --to "$DST" >"$TMP/out" 2>"$TMP/err"
is $? 1 "a PDF replaced in the destination: exit 1"
check "naming the certificate" grep -q "'$R2' r2 differs: PDF SHA-256" "$TMP/err"
check "and counting it" grep -qx "PDFs: $((REVS - 1)) of $REVS SHA-256 equal" "$TMP/out"

# --- a destination with an archive of its own ---
head -n 1 "$TMP/ev.jsonl" >"$TMP/one.jsonl"
cert import "$TMP/one.jsonl" --store "$TMP/other" >/dev/null 2>&1
ONE=$(sql "$TMP/other" "SELECT id FROM certificates")
cert copy --from "$SRC" --to "$TMP/other" >"$TMP/out" 2>"$TMP/err"
is $? 1 "the same certificate issued apart, with another code: exit 1"
check "naming it" grep -q "cannot copy '$ONE' r1: the destination has it with another code" "$TMP/err"
is "$(sql "$TMP/other" "SELECT count(*) FROM revisions WHERE id = '$ONE'")" 1 "its revision is left as it was"

# --- --jobs: one thread or two, the same copy ---
for j in 1 2; do
	cert copy --from "$SRC" --to "$TMP/j$j" --jobs $j >"$TMP/jout$j" 2>/dev/null
	echo $? >>"$TMP/jrc"
done
is "$(tr '\n' ' ' <"$TMP/jrc")" "0 0 " "copy --jobs 1 and copy --jobs 2 exit 0"
check "... with the same report" cmp "$TMP/jout1" "$TMP/jout2"
check "... and the report is the full one" grep -qx "PDFs: $REVS of $REVS SHA-256 equal" "$TMP/jout2"
dump "$TMP/j1" >"$TMP/dump.j1"
dump "$TMP/j2" >"$TMP/dump.j2"
check "... and the same rows" cmp "$TMP/dump.j1" "$TMP/dump.j2"
pdf_hashes "$TMP/j2" >"$TMP/h.j2"
check "... and the source's PDFs" cmp "$TMP/h.src" "$TMP/h.j2"
for v in 0 257 2x ""; do
	cert copy --from "$SRC" --to "$TMP/jbad" --jobs "$v" >/dev/null 2>"$TMP/err"
	is "$?:$(grep -c -- '--jobs: a number from 1 to 256' "$TMP/err")" 2:1 "copy --jobs '$v': exit 2, naming --jobs"
done
check "... and no destination is made" test ! -e "$TMP/jbad"

# --- bad locations ---
cert copy --to "$TMP/x" >/dev/null 2>"$TMP/err"
is $? 2 "no --from: exit 2"
check "saying so" grep -q "missing --from SRC" "$TMP/err"
cert copy --from "$SRC" >/dev/null 2>"$TMP/err"
is $? 2 "no --to: exit 2"
cert copy --from "$SRC" --to "$SRC/" >/dev/null 2>"$TMP/err"
is $? 2 "the same store twice: exit 2"
check "saying so" grep -q "name the same store" "$TMP/err"
cert copy --from "$SRC" --to "$DST" --fast >/dev/null 2>&1
is $? 2 "an unknown option: exit 2"
cert copy --from "ftp://example/x" --to "$TMP/x" >/dev/null 2>"$TMP/err"
is $? 2 "an unknown kind of store: exit 2"
check "naming the kind" grep -q "unknown kind 'ftp://'" "$TMP/err"
cert copy --from "$TMP/none" --to "$TMP/x" >/dev/null 2>"$TMP/err"
is $? 1 "a source that does not exist: exit 1"
check "saying so" grep -q "no store at '$TMP/none'" "$TMP/err"
check "and making neither" test ! -e "$TMP/none" -a ! -e "$TMP/x"
printf 'not a folder' >"$TMP/file"
cert copy --from "$SRC" --to "$TMP/file/dst" >/dev/null 2>"$TMP/err"
is $? 1 "a destination that cannot be made: exit 1"
check "naming it" grep -q -- "--to: .*$TMP/file" "$TMP/err"
done_testing
