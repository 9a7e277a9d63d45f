#!/bin/sh
# Late redeliveries as the platform makes them: event A, its correction B,
# then A again (a retry that arrived late) must not undo the correction, over
# the webhook, with import and with render --store; A sent again later is a
# real change. Also an archive made before send_at was kept per revision.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# ev NAME SEND_AT > FILE: the seed example for one person and course, with
# that user name and event.send_at.
ev() {
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
e["data"]["user"]["name"] = sys.argv[2]
e["event"]["send_at"] = sys.argv[3]
print(json.dumps(e, ensure_ascii=False))' "$TESTDATA/seed-example.json" "$1" "$2"
}
ev "Jose Silva" "2023-08-28 20:47:31" >"$TMP/a.json"
ev "José Silva" "2023-08-29 09:00:00" >"$TMP/b.json"
ev "Jose Silva" "2023-08-30 10:00:00" >"$TMP/a-later.json"
ev "José da Silva" "2023-08-28 23:00:00" >"$TMP/c-older.json"

# req CURL-ARGS...: the status; body in $TMP/body.
req() { : >"$TMP/body"; curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
post() { req -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data-binary @"$1" "$URL/webhooks"; }
json() { # KEY [FILE]: a top-level field of a JSON answer
	python3 -c 'import json, sys; print(json.load(open(sys.argv[2]))[sys.argv[1]])' \
		"$1" "${2:-$TMP/body}"
}
# The archive as staff see it: "latest-name r<latest> code1,code2,...".
staff_view() {
	req -H "Authorization: Bearer $STAFF" "$URL/certificates/$ID" >/dev/null
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print("%s r%d %s" % (c["user_name"], c["latest_revision"],
      ",".join(r["verification_code"] for r in c["revisions"])))' "$TMP/body"
}
sql() { sqlite3 "$1/index.sqlite" "$2"; } # STORE SQL
latest_pdf_text() { # STORE: the words on the latest revision's PDF
	pdftotext "$1/$(sql "$1" "SELECT r.pdf_path FROM revisions r JOIN certificates c
		ON c.id = r.id AND r.revision = c.latest")" - 2>/dev/null | tr -s ' \n' '  '
}

# --- over the webhook ---
STORE=$TMP/store
STAFF=$(cert staff add ana --store "$STORE" 2>/dev/null | grep -oE '[A-Za-z0-9_-]{43}' | head -n 1)
serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"
TOKEN=$(cat "$STORE/webhook-token")

is "$(post "$TMP/a.json")" 201 "A (Jose Silva): 201"
ID=$(json id)
CODE1=$(json verification_code)
is "$(post "$TMP/b.json")" 201 "B, the correction (José Silva): 201"
is "$(json revision)" 2 "as revision 2"
CODE2=$(json verification_code)
cp "$TMP/body" "$TMP/b.answer"
is "$(post "$TMP/a.json")" 200 "A again, same bytes, late: 200"
check "the late A gets the same body as B got (id, revision 2, its code and url)" \
	cmp -s "$TMP/body" "$TMP/b.answer"
is "$(staff_view)" "José Silva r2 $CODE1,$CODE2" \
	"the archive keeps 2 revisions, the correction latest, codes unchanged"
is "$(find "$STORE/pdf" -name "$ID-r*.pdf" | wc -l | tr -d ' ')" 2 "no third PDF"
case "$(latest_pdf_text "$STORE")" in
*"José Silva"*) ok 0 "the latest PDF still shows José Silva" ;;
*) ok 1 "the latest PDF still shows José Silva" ;;
esac
AUDIT="$STORE/audit/audit-$(date -u +%Y-%m-%d).jsonl"
check "the audit says stale, revision 2, status 200" \
	grep -q "\"id\":\"$ID\",\"revision\":2,\"outcome\":\"stale\",\"status\":200" "$AUDIT"
is "$(post "$TMP/c-older.json")" 200 "a name never seen, sent before B: 200 (stale too)"
is "$(json revision) $(json verification_code)" "2 $CODE2" "answered with revision 2"
is "$(post "$TMP/b.json")" 200 "B again: 200"
req "$URL/metrics" >/dev/null
check "/metrics counts 2 stale deliveries" \
	grep -q '^certifica_certificates_total{outcome="stale"} 2$' "$TMP/body"
check "/metrics counts 1 unchanged" \
	grep -q '^certifica_certificates_total{outcome="unchanged"} 1$' "$TMP/body"
is "$(post "$TMP/a-later.json")" 201 "A sent later than B: 201, a real change"
is "$(json revision)" 3 "as revision 3"
CODE3=$(json verification_code)
is "$(staff_view)" "Jose Silva r3 $CODE1,$CODE2,$CODE3" "revision 3 has Jose Silva"
req -H "Authorization: Bearer $STAFF" "$URL/certificates/$ID" >/dev/null
is "$(python3 -c 'import json,sys; print(" ".join(r.get("send_at","?") for r in json.load(open(sys.argv[1]))["revisions"]))' "$TMP/body")" \
	"2023-08-28 20:47:31 2023-08-29 09:00:00 2023-08-30 10:00:00" \
	"the staff JSON shows each revision's send_at"
is "$(post "$TMP/b.json")" 200 "B's late retry now: 200"
is "$(json revision)" 3 "answered with revision 3"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=

# --- import and render --store ---
cat "$TMP/a.json" "$TMP/b.json" "$TMP/a.json" >"$TMP/aba.jsonl"
cert import "$TMP/aba.jsonl" --store "$TMP/imp" >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "import of A, B, A: exit 0"
is "$(cat "$TMP/out")" "3 events: 1 issued, 0 unchanged, 1 revised, 1 stale, 0 ignored, 0 rejected, 0 failed" \
	"import counts the late A as stale"
is "$(sql "$TMP/imp" "SELECT c.user_name || ' r' || c.latest || ' ' || count(r.revision)
	FROM certificates c JOIN revisions r ON r.id = c.id")" "José Silva r2 2" \
	"the imported archive keeps the correction"
cert render --store "$TMP/imp" "$TMP/a.json" >"$TMP/out" 2>"$TMP/err"
is "$(cut -d' ' -f2,4 "$TMP/out")" "stale r2" "render --store says stale, with the latest revision"
cert render --store "$TMP/imp" "$TMP/a-later.json" >"$TMP/out" 2>"$TMP/err"
is "$(cut -d' ' -f2,4 "$TMP/out")" "revised r3" "render --store of A sent later: revised r3"

# --- an archive made before send_at was kept ---
cat "$TMP/a.json" "$TMP/b.json" >"$TMP/ab.jsonl"
cert import "$TMP/ab.jsonl" --store "$TMP/old" >/dev/null 2>&1
# Schema 2 had neither send_at, nor version 4's walls, nor version 5's search
# text and full-text table, nor version 6's expiry, nor version 7's files.
sql "$TMP/old" "DROP TABLE earlier_files; DROP INDEX revisions_sha256;
	DROP INDEX certificates_recent; DROP INDEX certificates_course;
	DROP INDEX certificates_institution; ALTER TABLE certificates DROP COLUMN expires_at;
	DROP TRIGGER certificates_fts_insert; DROP TRIGGER certificates_fts_delete;
	DROP TRIGGER certificates_fts_update; DROP TABLE certificates_fts;
	ALTER TABLE certificates DROP COLUMN search_name;
	ALTER TABLE certificates DROP COLUMN search_course;
	ALTER TABLE certificates DROP COLUMN search_grams;
	DROP TABLE webhook_tokens;
	ALTER TABLE staff DROP COLUMN institution_id; ALTER TABLE staff DROP COLUMN school_id;
	ALTER TABLE revisions DROP COLUMN send_at; PRAGMA user_version = 2;"
is "$(sql "$TMP/old" "PRAGMA user_version")" 2 "an archive of schema 2, without send_at"
cert import "$TMP/a.json" --store "$TMP/old" >"$TMP/out" 2>"$TMP/err"
is "$(cat "$TMP/out")" "1 events: 0 issued, 0 unchanged, 0 revised, 1 stale, 0 ignored, 0 rejected, 0 failed" \
	"after the upgrade, the late A is stale (send_at read from the archived events)"
is "$(sql "$TMP/old" "PRAGMA user_version")" 7 "the archive is upgraded to schema 7"
is "$(sql "$TMP/old" "SELECT count(*) || ' ' || count(send_at) FROM revisions")" "2 0" \
	"older rows are not rewritten"
cert import "$TMP/a-later.json" --store "$TMP/old" >"$TMP/out" 2>"$TMP/err"
is "$(cut -d, -f3 "$TMP/out")" " 1 revised" "A sent later: revised"
is "$(sql "$TMP/old" "SELECT user_name || ' r' || latest FROM certificates")" "Jose Silva r3" \
	"revision 3 has Jose Silva"
is "$(sql "$TMP/old" "SELECT send_at FROM revisions WHERE revision = 3")" \
	"2023-08-30 10:00:00" "and its send_at in the index"
done_testing
