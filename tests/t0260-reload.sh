#!/bin/sh
# SIGHUP as an operator meets it: a rebranded template and a renamed course
# reach the next certificates without a restart, the ones issued before stay
# as they were; a change on disk without SIGHUP changes nothing; a broken
# tenant.json is refused (the log names the file and the key) and the server
# goes on issuing with the last good configuration; a delivery whose body is
# still arriving when the reload happens finishes with the configuration it
# started with; /metrics counts the reloads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

TOK=tok-reload-0123456789
S=$TMP/store
TEN=$TMP/tenants
LOG=$TMP/serve.log
cp -r "$TOP/examples/tenants" "$TEN"
VIVA=$TEN/41270033/templates/escola-viva.json
HORIZ=$TEN/77001/tenant.json

mk() { # name institution school course type user
	python3 "$TOP/tests/tenant-event.py" "$TOP/examples/seed-example.json" "$TMP/$1.json" "$2" "$3" "$4" "$5" "$6"
}
for u in 1 2 3 4 5 6; do
	mk "a$u" 41270033 19 9000 achievement "$u" # escola-viva: heading "CERTIFICADO"
	mk "b$u" 77001 5 500 participation "$u"    # the global template, the course file's name
done

post() { # name: posts $TMP/name.json, leaves the answer in $TMP/name.out, prints the status
	curl -s -o "$TMP/$1.out" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' --data-binary @"$TMP/$1.json" "$URL/webhooks"
}
pdf_of() { # name: the archived PDF of the answer in $TMP/name.out
	_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/$1.out")
	echo "$S/$(sqlite3 "$S/index.sqlite" "SELECT pdf_path FROM revisions WHERE id = '$_id'")"
}
text_of() { pdftotext "$(pdf_of "$1")" - 2>/dev/null; }
# wait_lines PATTERN N: the server's log holds N lines matching PATTERN (at most 30 s)
wait_lines() {
	_n=300
	while [ "$(grep -c -e "$1" "$LOG")" -lt "$2" ]; do
		[ "$_n" -gt 0 ] || { echo "# log lines matching '$1': $(grep -c -e "$1" "$LOG"), want $2"; return 1; }
		sleep 0.1
		_n=$((_n - 1))
	done
}
RELOADED="SIGHUP: tenants and templates reloaded"
REFUSED="SIGHUP: reload refused"

if ! serve_start "$S" "$LOG" --tenants "$TEN" --webhook-token "$TOK"; then
	ok 1 "the server starts with two tenants"
	done_testing
	exit 1
fi
trap 'kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# --- 1. a good change -------------------------------------------------------
is "$(post a1)" 201 "before: institution A's event is issued"
is "$(post b1)" 201 "before: institution B's event is issued"
text_of a1 > "$TMP/a1.txt"
check "before: A's heading is the template's 'CERTIFICADO'" grep -qx "CERTIFICADO" "$TMP/a1.txt"
check "before: B's course is its course file's name" sh -c "pdftotext '$(pdf_of b1)' - | grep -q 'Workplace Safety Fundamentals'"
sum_a1=$(sha256sum < "$(pdf_of a1)")

sed -i 's/"text": "CERTIFICADO"/"text": "CERTIFICADO RENOVADO"/' "$VIVA"
sed -i 's/Workplace Safety Fundamentals/Safety at Work, Revised/' "$TEN/77001/courses/500.json"
kill -HUP "$SERVE_PID"
try "SIGHUP: the log says the reload was taken" wait_lines "$RELOADED" 1
is "$(post a2)" 201 "after: A's next event is issued"
is "$(post b2)" 201 "after: B's next event is issued"
check "after: A's new certificate has the new heading" sh -c "pdftotext '$(pdf_of a2)' - | grep -qx 'CERTIFICADO RENOVADO'"
check "after: B's new certificate has the course's new name" \
	sh -c "pdftotext '$(pdf_of b2)' - | grep -q 'Safety at Work, Revised'"
is "$(sha256sum < "$(pdf_of a1)")" "$sum_a1" "after: A's first certificate is byte for byte as it was"
check "after: ... and still says 'CERTIFICADO' alone" sh -c "pdftotext '$(pdf_of a1)' - | grep -qx CERTIFICADO"

# --- 2. a change on disk without SIGHUP is not seen -------------------------
sed -i 's/"text": "CERTIFICADO RENOVADO"/"text": "CERTIFICADO SEM SIGHUP"/' "$VIVA"
for u in 3 4; do is "$(post "a$u")" 201 "no SIGHUP: event a$u is issued"; done
check "no SIGHUP: every server thread still draws the loaded heading" sh -c \
	"pdftotext '$(pdf_of a3)' - | grep -qx 'CERTIFICADO RENOVADO' && pdftotext '$(pdf_of a4)' - | grep -qx 'CERTIFICADO RENOVADO'"

# --- 3. broken tenant.json: refused, the last good one kept -----------------
cp "$HORIZ" "$TMP/horizonte.json"
printf '{"name": "Instituto Horizonte",' > "$HORIZ"
kill -HUP "$SERVE_PID"
try "bad JSON: the reload is refused" wait_lines "$REFUSED" 1
check "bad JSON: the log names the file" grep -qF "error: SIGHUP: $HORIZ: not a JSON object (bad JSON)" "$LOG"
sed 's/"locale"/"lcoale"/' "$TMP/horizonte.json" > "$HORIZ"
kill -HUP "$SERVE_PID"
try "unknown key: the reload is refused" wait_lines "$REFUSED" 2
check "unknown key: the log names the file and the key, with a suggestion" \
	grep -qF "error: SIGHUP: $HORIZ: lcoale: unknown key (did you mean 'locale'?)" "$LOG"
is "$(grep -c "$RELOADED" "$LOG")" 1 "no reload was taken for either"
is "$(post b3)" 201 "B's events are still issued"
check "... with the last good configuration (English, its course's name)" \
	sh -c "pdftotext '$(pdf_of b3)' - | grep -q 'Safety at Work, Revised' && pdftotext '$(pdf_of b3)' - | grep -q 'Issued on'"
is "$(post a5)" 201 "A's events are still issued"
check "... with the template as loaded, not as it is on disk" sh -c "pdftotext '$(pdf_of a5)' - | grep -qx 'CERTIFICADO RENOVADO'"

# --- 4. a delivery in flight during a good reload ---------------------------
cp "$TMP/horizonte.json" "$HORIZ"
sed -i 's/"text": "CERTIFICADO SEM SIGHUP"/"text": "CERTIFICADO FINAL"/' "$VIVA"
st=$(python3 "$TOP/tests/slow-client.py" "$PORT" "$TOK" "$TMP/a6.json" "$SERVE_PID" "$LOG" \
	"$RELOADED" 2 "$TMP/a6.out")
is "$st" 201 "in flight: the delivery whose body was arriving during SIGHUP is issued"
check "in flight: it was drawn with the configuration it started with" \
	sh -c "pdftotext '$(pdf_of a6)' - | grep -qx 'CERTIFICADO RENOVADO'"
is "$(post b4)" 201 "after the reload: a new event is issued"
mk a7 41270033 19 9000 achievement 7
is "$(post a7)" 201 "after the reload: A's next event is issued"
check "after the reload: ... with the new heading" sh -c "pdftotext '$(pdf_of a7)' - | grep -qx 'CERTIFICADO FINAL'"

# --- 5. metrics ---------------------------------------------------------------
curl -s "$URL/metrics" > "$TMP/metrics"
check "metrics: 2 reloads taken" grep -qx 'certifica_config_reloads_total{result="ok"} 2' "$TMP/metrics"
check "metrics: 2 reloads refused" grep -qx 'certifica_config_reloads_total{result="failed"} 2' "$TMP/metrics"

kill "$SERVE_PID"
wait "$SERVE_PID"
is "$?" 0 "the server stops cleanly after the reloads"
SERVE_PID=
check "no request failed" sh -c "! grep -q ' 5[0-9][0-9] ' '$LOG'"
done_testing
