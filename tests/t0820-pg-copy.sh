#!/bin/sh
# certifica copy from an embedded store into PostgreSQL and back into a new
# embedded store: killed with SIGKILL halfway into the database and run
# again, it finishes without duplicates; both legs end with equal counts and
# every PDF's SHA-256 equal; the audit records are in the database, read back
# by `certifica audit --store postgresql://...` (filters too), and the
# embedded store at the end has the source's rows and PDF bytes exactly.
# A real PostgreSQL 15 started here on a free 127.0.0.1 port (tests/pg.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"

SERVE_PID='' BG_PID=''
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
	[ -n "$BG_PID" ] && kill -9 "$BG_PID" 2>/dev/null
	pg_stop; rm -rf "$TMP"' EXIT
SRC=$TMP/src
BACK=$TMP/back
N=120

if ! pg_start; then
	ok 1 "PostgreSQL starts"
	done_testing
	exit 1
fi
ok 0 "PostgreSQL starts on port $PG_PORT"
pg_newdb archive
DB=$PG_URI

sql() { sqlite3 -readonly "$1/index.sqlite" "$2"; }
# What an embedded archive holds, less where its files lie.
dump() {
	sql "$1" "SELECT id, institution_id, user_id, course_id, school_id, user_name, user_email,
		user_cpf, course_name, school_name, workload, type, certified_at, concluded_at,
		enrolled_at, approval_rate, latest, revoked, revoke_reason, revoked_at, expires_at
		FROM certificates ORDER BY id;
	SELECT id, revision, code, sha256, size, created_at, superseded, canonical, hex(raw)
		FROM revisions ORDER BY id, revision;
	SELECT name, hex(token_sha256), created_at, revoked_at, institution_id, school_id
		FROM staff ORDER BY name, created_at;
	SELECT label, hex(token_sha256), created_at, revoked_at, institution_id
		FROM webhook_tokens ORDER BY label;
	SELECT sha256, id, revision, replaced_at FROM earlier_files ORDER BY id, revision, sha256"
}

# --- the source: revisions, revocations, accounts, tokens, audit records ---
python3 "$(dirname "$0")/gen-events.py" $N --seed 5 >"$TMP/ev.jsonl"
cert import "$TMP/ev.jsonl" --store "$SRC" >/dev/null 2>&1
is $? 0 "a source archive of $N certificates"
head -n 4 "$TMP/ev.jsonl" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    e["event"]["send_at"] = "2023-09-01 08:00:00"
    e["data"]["user"]["name"] += " Corrigido"
    print(json.dumps(e, ensure_ascii=False))' >"$TMP/fix.jsonl"
cert import "$TMP/fix.jsonl" --store "$SRC" >"$TMP/out" 2>&1
check "4 of them revised" grep -q '4 revised' "$TMP/out"
R1=$(sql "$SRC" "SELECT id FROM certificates ORDER BY id LIMIT 1")
cert revoke "$R1" --reason "emitido por engano" --store "$SRC" >/dev/null
cert staff add alice --store "$SRC" >/dev/null 2>&1
cert staff add bia --institution 101 --store "$SRC" >/dev/null 2>&1
cert staff revoke bia --store "$SRC" >/dev/null 2>&1
cert webhook-token add --institution 101 --store "$SRC" >/dev/null 2>&1
# Institution 101's certificates made again in English: the files they
# replace are kept as earlier files (they still verify), to be copied too.
cert rerender --store "$SRC" --institution 101 --locale en >/dev/null 2>&1
check "a rerender of one institution in English" \
	test "$(sql "$SRC" "SELECT count(*) FROM earlier_files")" -gt 0
serve_start "$SRC" "$TMP/serve.log" || { ok 1 "the source serves"; done_testing; exit 1; }
curl -s -o /dev/null -X POST --data-binary @"$TESTDATA/seed-example.json" \
	"$URL/webhooks?token=$(cat "$SRC/webhook-token")"
curl -s -o /dev/null -X POST --data-binary @"$TESTDATA/seed-example.json" "$URL/webhooks?token=no"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=
is "$(cert audit --store "$SRC" | wc -l)" 2 "the source has 2 audit records"
CERTS=$(sql "$SRC" "SELECT count(*) FROM certificates")
REVS=$(sql "$SRC" "SELECT count(*) FROM revisions")
is "$REVS" $((CERTS + 4)) "$CERTS certificates, $REVS revisions in the source"

# --- into PostgreSQL, killed halfway, then run again ---
cert copy --from "$DB" --to "$TMP/x" >/dev/null 2>"$TMP/err"
is $? 1 "a database without a schema is no source"
check "saying so" grep -q "no store at" "$TMP/err"
killed=0 round=0
while [ "$killed" = 0 ] && [ "$round" -lt 6 ]; do
	round=$((round + 1))
	pg_sql postgres "DROP DATABASE IF EXISTS archive" >/dev/null 2>&1
	pg_newdb archive
	# shellcheck disable=SC2086 # VALGRIND is a command with flags
	$VALGRIND "$CERTIFICA" copy --from "$SRC" --to "$DB" >/dev/null 2>&1 &
	BG_PID=$!
	i=0
	while [ $i -lt 4000 ] && kill -0 "$BG_PID" 2>/dev/null &&
		[ "$(pg_sql archive 'SELECT count(*) FROM revision_files' 2>/dev/null || echo 0)" -lt 3 ]; do
		i=$((i + 1))
	done
	kill -9 "$BG_PID" 2>/dev/null
	wait "$BG_PID" 2>/dev/null
	[ $? = 137 ] && killed=$(pg_sql archive "SELECT count(*) FROM certificates" 2>/dev/null)
	BG_PID=
	[ "${killed:-0}" -lt "$CERTS" ] || killed=0
done
ok "$([ "${killed:-0}" -gt 0 ]; echo $?)" \
	"copy into PostgreSQL killed with SIGKILL halfway ($killed of $CERTS, round $round)"
cert copy --from "$SRC" --to "$DB" >"$TMP/out" 2>"$TMP/err"
is $? 0 "copy run again finishes"
check "it says how many were there already" \
	grep -q "copied $((CERTS - killed)) certificates .*, $killed were there already" "$TMP/out"
check "counts compared: certificates" grep -Eq "^certificates +$CERTS +$CERTS$" "$TMP/out"
check "counts compared: revisions" grep -Eq "^revisions +$REVS +$REVS$" "$TMP/out"
check "counts compared: revoked" grep -Eq "^revoked +1 +1$" "$TMP/out"
check "counts compared: staff accounts" grep -Eq "^staff accounts +2 +2$" "$TMP/out"
check "counts compared: webhook tokens" grep -Eq "^webhook tokens +1 +1$" "$TMP/out"
check "counts compared: audit records" grep -Eq "^audit records +2 +2$" "$TMP/out"
check "every PDF's SHA-256 equal" grep -qx "PDFs: $REVS of $REVS SHA-256 equal" "$TMP/out"
is "$(pg_sql archive 'SELECT count(*), count(DISTINCT code) FROM revisions')" "$REVS|$REVS" \
	"the database has each revision once"
is "$(pg_sql archive "SELECT count(*) FROM revisions r JOIN revision_files f USING (id, revision)
	WHERE r.sha256 = encode(sha256(f.pdf), 'hex')")" "$REVS" "each PDF in it matches its SHA-256"
# What the search's totals are read from, kept by the copy's writes too,
# the interrupted run's included: a count for each certificate, once, and
# the words of each.
is "$(pg_sql archive "SELECT (SELECT sum(n) FROM listing_counts),
	(SELECT count(DISTINCT seq) FROM search_words)")" "$CERTS|$CERTS" \
	"the listing's counts and the words table hold each certificate once"
cert copy --from "$SRC" --to "$DB" >"$TMP/out" 2>/dev/null
check "a third run copies nothing" grep -q "^copied 0 certificates (0 revisions), $CERTS were there already; 3 staff accounts and webhook tokens; 0 new audit records$" "$TMP/out"

# --- the audit records, read from the database ---
cert audit --store "$SRC" >"$TMP/a.src"
cert audit --store "$DB" >"$TMP/a.db"
is $? 0 "certifica audit --store postgresql://..."
check "gives the source's records, the same lines in the same order" cmp "$TMP/a.src" "$TMP/a.db"
is "$(pg_sql archive 'SELECT count(*) FROM audit')" 2 "kept in the audit table, none doubled"
is "$(cert audit --status 4xx --store "$DB" | wc -l)" 1 "--status 4xx: the refused delivery"
is "$(cert audit --since 2999-01-01 --store "$DB" | wc -l)" 0 "--since a later day: none"

# --- back out into a new embedded store ---
cert copy --from "$DB" --to "$BACK" >"$TMP/out" 2>"$TMP/err"
is $? 0 "copy from PostgreSQL into a new embedded store"
check "counts compared: certificates" grep -Eq "^certificates +$CERTS +$CERTS$" "$TMP/out"
check "counts compared: revisions" grep -Eq "^revisions +$REVS +$REVS$" "$TMP/out"
check "every PDF's SHA-256 equal" grep -qx "PDFs: $REVS of $REVS SHA-256 equal" "$TMP/out"
dump "$SRC" >"$TMP/dump.src"
dump "$BACK" >"$TMP/dump.back"
check "the round trip keeps every row exactly" cmp "$TMP/dump.src" "$TMP/dump.back"
pdf_hashes "$SRC" >"$TMP/h.src"
pdf_hashes "$BACK" >"$TMP/h.back"
check "and every PDF byte for byte" cmp "$TMP/h.src" "$TMP/h.back"
cert audit --store "$BACK" >"$TMP/a.back"
check "and the audit records" cmp "$TMP/a.src" "$TMP/a.back"
done_testing
