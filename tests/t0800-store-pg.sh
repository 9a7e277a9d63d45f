#!/bin/sh
# The store's unit programs again, against PostgreSQL: a real PostgreSQL 15
# started here on a free 127.0.0.1 port, each store a new schema of one
# database (CERTIFICA_TEST_STORE, see tests/unit/backend_tests.h). Under
# $VALGRIND like the other unit runs. Then what only a database store does:
# the schema version, a newer schema refused, an unreachable server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
pg_trap
: "${UNIT_DIR:=build/tests}"

if ! pg_start; then
	ok 1 "PostgreSQL starts"
	done_testing
	exit 1
fi
ok 0 "PostgreSQL starts on port $PG_PORT"
pg_newdb units
# Extensions in public, as an operator makes them once (docs/postgresql.md).
try "unaccent and pg_trgm made in the database" \
	pg_sql units "CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm"

# unit VAR PROGRAM WHAT: run a unit program with VAR=$PG_URI, one result.
unit() {
	# shellcheck disable=SC2086 # VALGRIND is a command with flags
	(cd "$TOP" && env "$1=$PG_URI" $VALGRIND "$UNIT_DIR/$2") >"$TMP/$2.log" 2>&1
	st=$?
	n=$(grep -c '^ok ' "$TMP/$2.log")
	f=$(grep -c '^not ok ' "$TMP/$2.log")
	ok $((st + f)) "$2 $3: $n passed, $f failed"
	[ "$st" = 0 ] && [ "$f" = 0 ] || grep -A3 '^not ok\|Invalid\|definitely' "$TMP/$2.log" |
		head -n 20 | sed 's/^/#   /'
}
for t in test_store test_store_expiry test_store_pg test_search test_search_more test_walls; do
	unit CERTIFICA_TEST_STORE "$t" "against PostgreSQL"
done
# The copy suite with PostgreSQL as its destination (a database of its own).
pg_newdb copyunit
unit CERTIFICA_TEST_STORE_B test_store_copy "into PostgreSQL"

# A fresh database, no extensions made beforehand: the store makes them
# (the test's role is a superuser) and its schema at version 4.
pg_newdb fresh
FRESH=$PG_URI
try "staff add on a new database" cert staff add alice --store "$FRESH"
is "$(pg_sql fresh 'SELECT version FROM certifica_schema')" 4 "schema version 4 recorded"
is "$(pg_sql fresh "SELECT count(*) FROM pg_extension WHERE extname IN ('unaccent', 'pg_trgm')")" 2 \
	"the store made unaccent and pg_trgm"
is "$(pg_sql fresh "SELECT length(token_sha256) FROM staff WHERE name = 'alice'")" 32 \
	"only the token's SHA-256 is kept"

# The archive commands on a database store: import (batches), rerender, revoke.
pg_newdb cli
CLI=$PG_URI
cert import "$TOP/examples/events.jsonl" --store "$CLI" >"$TMP/out" 2>&1
is "$?:$(grep -c '3 issued' "$TMP/out")" 0:1 "import of 3 events into the database: 3 issued"
cert import "$TOP/examples/events.jsonl" --store "$CLI" >"$TMP/out" 2>&1
is "$?:$(grep -c '3 unchanged' "$TMP/out")" 0:1 "importing them again: 3 unchanged"
try "rerender on the database" cert rerender --store "$CLI"
is "$(pg_sql cli 'SELECT count(*) FROM revisions WHERE generation = 1')" 3 \
	"every latest revision re-made once (generation 1)"
is "$(pg_sql cli 'SELECT count(*) FROM revisions r JOIN revision_files f USING (id, revision)
	WHERE r.sha256 = encode(sha256(f.pdf), '"'hex'"') AND r.size = length(f.pdf)')" 3 \
	"and each new PDF matches its SHA-256 and size"
id=$(pg_sql cli 'SELECT id FROM certificates ORDER BY id LIMIT 1')
try "revoke on the database" cert revoke "$id" --reason "emitido por engano" --store "$CLI"
is "$(pg_sql cli "SELECT revoked, revoke_reason FROM certificates WHERE id = '$id'")" \
	"t|emitido por engano" "the certificate is revoked with its reason"

# Two processes opening a new database at once: one schema, no error.
pg_newdb twice
cert staff list --store "$PG_URI" >"$TMP/a.out" 2>&1 &
a=$!
cert staff list --store "$PG_URI" >"$TMP/b.out" 2>&1
b=$?
wait $a
is "$?:$b" "0:0" "two processes making the schema at once both succeed"
is "$(pg_sql twice 'SELECT count(*) FROM certifica_schema')" 1 "and the version is recorded once"

pg_sql fresh "UPDATE certifica_schema SET version = 99"
cert staff list --store "$FRESH" >"$TMP/out" 2>"$TMP/err"
st=$?
is "$st" 1 "a newer schema: exit 1"
check "saying the database is newer" grep -q "schema version 99, newer than this certifica" "$TMP/err"
pg_sql fresh "UPDATE certifica_schema SET version = 4"

# A version 1 database (before expiry, earlier files, the audit table, the
# listing's index and the words table) is upgraded in place at the next
# start, its certificates kept and their words found.
pg_newdb old
OLD=$PG_URI
cert import "$TOP/examples/events.jsonl" --store "$OLD" >/dev/null 2>&1
pg_sql old "DROP TABLE audit; DROP TABLE earlier_files; DROP INDEX revisions_sha256;
	DROP INDEX certificates_listed; DROP TRIGGER certificates_listing_insert ON certificates;
	DROP TRIGGER certificates_listing_update ON certificates;
	DROP TRIGGER certificates_listing_delete ON certificates;
	DROP FUNCTION certifica_listing; DROP TABLE search_words, listing_counts;
	ALTER TABLE certificates DROP COLUMN expires_at; UPDATE certifica_schema SET version = 1" \
	>/dev/null
is "$(pg_sql old 'SELECT version FROM certifica_schema')" 1 "a database at schema version 1"
try "a start on it" cert staff list --store "$OLD"
is "$(pg_sql old 'SELECT version FROM certifica_schema')" 4 "upgraded to version 4"
is "$(pg_sql old "SELECT count(DISTINCT seq), (SELECT sum(n) FROM listing_counts) FROM search_words")" "3|3" \
	"the words of its 3 certificates are in search_words, and their count"
is "$(pg_sql old "SELECT count(*) FROM pg_indexes WHERE indexname = 'certificates_listed'")" 1 \
	"with the listing's index"
is "$(pg_sql old "SELECT count(*) FROM information_schema.columns
	WHERE table_name = 'certificates' AND column_name = 'expires_at'")" 1 "with expires_at"
is "$(pg_sql old 'SELECT count(*) FROM certificates WHERE latest > 0')" 3 \
	"its 3 certificates kept"
try "rerender after the upgrade" cert rerender --store "$OLD"
is "$(pg_sql old 'SELECT count(*) FROM earlier_files')" 0 \
	"a rerender to the same bytes records no earlier file"

# The password of a URI is never printed; an unreachable server fails fast.
start=$(date +%s)
cert staff list --store "postgresql://certifica:s3cret@127.0.0.1:1/x" >"$TMP/out" 2>"$TMP/err"
st=$?
is "$st" 1 "an unreachable database: exit 1"
check "names the database" grep -q "cannot connect to database 'postgresql://127.0.0.1:1/x'" "$TMP/err"
check "without the password" sh -c "! grep -q s3cret '$TMP/err'"
ok $(( $(date +%s) - start > 10 )) "within the connection timeout"
done_testing
