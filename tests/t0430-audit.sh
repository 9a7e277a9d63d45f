#!/bin/sh
# certifica audit: the webhook's audit records read back from the store as
# JSON Lines, each filter giving exactly the records it should. Two servers
# run on two faked days (faketime), so that the first day's file is
# compressed when the second day's first record is written, and is read back
# too.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE=$TMP/store
D1=2026-03-10
D2=2026-03-11

if ! command -v faketime >/dev/null; then
	ok 1 "faketime is installed (Debian package faketime)"
	done_testing
	exit 1
fi

# on_day DAY: start the server with its clock at noon UTC of DAY (not under
# valgrind: libfaketime is an LD_PRELOAD). faketime(1) would stay the
# server's parent: take the environment it sets and start the server with it
# (from the real clock, should this script already run under faketime).
on_day() {
	_v=$VALGRIND
	# (an AddressSanitizer build would refuse a library preloaded before its runtime)
	VALGRIND="env -u FAKETIME_SHARED ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 $(env -u LD_PRELOAD -u FAKETIME -u FAKETIME_SHARED faketime "${1}T12:00:00Z" sh -c 'printf "LD_PRELOAD=%s FAKETIME=%s" "$LD_PRELOAD" "$FAKETIME"')"
	serve_start "$STORE" "$TMP/serve.log"
	_rc=$?
	VALGRIND=$_v
	return $_rc
}
stop() { kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; SERVE_PID=; }
post() { # TOKEN FILE: the status
	curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data-binary @"$2" "$URL/webhooks"
}
token_of() { sed -n 's/.*?token=//p' "$1" | head -n 1; }
# The status and institution of each record, one line each.
keys() { python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["status"], "null" if r.get("institution_id") is None else r["institution_id"])
'; }
audit_keys() { cert audit --store "$STORE" "$@" | keys; }

cert webhook-token add --institution 1101 --store "$STORE" >"$TMP/ta" 2>/dev/null
cert webhook-token add --institution 2202 --store "$STORE" >"$TMP/tb" 2>/dev/null
TA=$(token_of "$TMP/ta")
TB=$(token_of "$TMP/tb")
is "${#TA}${#TB}" 4343 "two institutions' webhook tokens"

# --- day 1: accepted, refused, invalid, and another institution's event ---
on_day $D1 || { ok 1 "the server starts on $D1"; done_testing; exit 1; }
ok 0 "the server starts with its clock on $D1"
TOKEN=$(cat "$STORE/webhook-token")
is "$(post "$TOKEN" "$TESTDATA/walls-a-norte.json")" 201 "$D1: institution 1101's event is accepted"
is "$(post wrong-token "$TESTDATA/walls-a-norte.json")" 401 "$D1: a wrong token is refused"
is "$(post "$TOKEN" "$TESTDATA/invalid-missing-user-name.json")" 422 "$D1: an invalid event is refused"
is "$(post "$TA" "$TESTDATA/walls-b.json")" 403 "$D1: 1101's token posting for 2202 is refused"
stop
check "$D1's records are in a plain day file" test -f "$STORE/audit/audit-$D1.jsonl"

# --- day 2: the first record compresses day 1 ---
on_day $D2 || { ok 1 "the server starts on $D2"; done_testing; exit 1; }
ok 0 "the server starts with its clock on $D2"
is "$(post "$TB" "$TESTDATA/walls-b.json")" 201 "$D2: 2202's own event with its token"
is "$(post "$TA" "$TESTDATA/walls-a-norte.json")" 200 "$D2: 1101's event again, with its token"
stop
check "$D1's file is compressed" test -f "$STORE/audit/audit-$D1.jsonl.gz"
check "and its plain file gone" test ! -e "$STORE/audit/audit-$D1.jsonl"

# --- reading back ---
cert audit --store "$STORE" >"$TMP/all" 2>"$TMP/err"
is $? 0 "certifica audit exits 0"
{ gzip -dc "$STORE/audit/audit-$D1.jsonl.gz"; cat "$STORE/audit/audit-$D2.jsonl"; } >"$TMP/files"
check "it prints every record as written, the compressed day first" cmp "$TMP/all" "$TMP/files"
is "$(wc -l <"$TMP/all")" 6 "six records"
is "$(keys <"$TMP/all" | tr '\n' ,)" "201 1101,401 null,422 41270033,403 2202,201 2202,200 1101," \
	"each with its status and the institution the delivery was for"
check "no token is in the records" sh -c "! grep -q -e '$TOKEN' -e '$TA' -e '$TB' '$TMP/all'"
is "$(audit_keys --since $D2 | tr '\n' ,)" "201 2202,200 1101," "--since $D2: that day's records"
is "$(audit_keys --since $D1 | wc -l)" 6 "--since $D1: all, the compressed day too"
is "$(audit_keys --since 2026-03-12 | wc -l)" 0 "--since a later day: none"
is "$(audit_keys --institution 2202 | tr '\n' ,)" "403 2202,201 2202," \
	"--institution 2202: its event refused on day 1 and accepted on day 2"
is "$(audit_keys --institution 1101 | tr '\n' ,)" "201 1101,200 1101," "--institution 1101"
is "$(audit_keys --status 4xx | tr '\n' ,)" "401 null,422 41270033,403 2202," "--status 4xx"
is "$(audit_keys --status 2xx | tr '\n' ,)" "201 1101,201 2202,200 1101," "--status 2xx"
is "$(audit_keys --status 201 | tr '\n' ,)" "201 1101,201 2202," "--status 201"
is "$(audit_keys --status 5xx | wc -l)" 0 "--status 5xx: none"
is "$(audit_keys --institution 1101 --status 2xx --since $D2 | tr '\n' ,)" "200 1101," \
	"filters combine"

# --- bad usage ---
for bad in "--since 2026-02-30" "--since 10/03/2026" "--status 6xx" "--status 20" \
	"--institution abc" "--institution 0" "extra"; do
	# shellcheck disable=SC2086 # each case is several words
	cert audit --store "$STORE" $bad >/dev/null 2>"$TMP/err"
	is $? 2 "audit $bad: exit 2"
done
cert audit --store "$STORE" --institution abc >/dev/null 2>"$TMP/err"
check "the error names the option" grep -q -- "--institution: expected a positive integer" "$TMP/err"
cert audit --store "$TMP/none" >/dev/null 2>"$TMP/err"
is $? 1 "audit of a store that does not exist: exit 1"
check "saying so" grep -q "no store at '$TMP/none'" "$TMP/err"
check "and making none" test ! -e "$TMP/none"
done_testing
