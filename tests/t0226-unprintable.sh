#!/bin/sh
# A character that no font has is refused in every field the template prints, each with its
# own path: the holder's, course's, school's and a manager's name, over the command line
# (exit 2, stderr names the path and the character, nothing archived) and over the webhook
# (422 with {path, message}, nothing archived, audited); a field the template does not
# print (the nickname) may hold one.
. "$(dirname "$0")/lib.sh"
DATA="$TOP/tests/data"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
PUA=$(printf '\356\200\200')     # U+E000
PLANE16=$(printf '\364\217\277\275') # U+10FFFD

# event OUT FIELD TEXT: the accented example with FIELD (user, course, school, manager,
# nickname) set to TEXT
event() {
	python3 - "$DATA/participation-accented.json" "$@" <<'PY'
import json, sys
src, out, field, text = sys.argv[1:]
e = json.load(open(src))
d = e["data"]
if field == "manager":
    d["school"]["managers"] = [{"manager_id": 1, "manager_name": "Maria Silva"},
                               {"manager_id": 2, "manager_name": text}]
elif field == "nickname":
    d["user"]["nickname"] = text
elif field == "school":
    d["school"]["name"] = text
else:
    d[field]["name"] = text
json.dump(e, open(out, "w"), ensure_ascii=False)
PY
}
count() { sqlite3 "$1/index.sqlite" 'SELECT count(*) FROM certificates' 2>/dev/null || echo 0; }

CASES="user:data.user.name:Ana ${PUA} Silva:U+E000
course:data.course.name:Gestão ${PLANE16}:U+10FFFD
school:data.school.name:Escola ${PUA}Norte:U+E000
manager:data.school.managers[1].manager_name:João ${PLANE16}:U+10FFFD"

while IFS=: read -r field path text cp; do
	event "$TMP/$field.json" "$field" "$text"
	cert render --store "$TMP/cli-$field" "$TMP/$field.json" >/dev/null 2>"$TMP/err"
	is $? 2 "$path: render --store exits 2"
	check "... stderr says '$path: $cp cannot be printed: no font has it'" \
		grep -qF "$path: $cp cannot be printed: no font has it" "$TMP/err"
	check "... and names no other field" sh -c '[ "$(grep -c "cannot be printed" "$1")" = 1 ]' - "$TMP/err"
	is "$(count "$TMP/cli-$field")" 0 "... nothing archived"
	cert render -o "$TMP/$field.pdf" "$TMP/$field.json" >/dev/null 2>&1
	is $? 2 "... render -o exits 2"
	check "... and writes no PDF" test ! -e "$TMP/$field.pdf"
done <<EOF_CASES
$CASES
EOF_CASES

event "$TMP/nickname.json" nickname "Ana ${PUA}"
cert render --store "$TMP/cli-nickname" "$TMP/nickname.json" >/dev/null 2>"$TMP/err"
is $? 0 "data.user.nickname, which the template does not print, may hold U+E000"
is "$(count "$TMP/cli-nickname")" 1 "... and the certificate is archived"

STORE="$TMP/store"
serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"
HOOK="$URL/webhooks?token=$(cat "$STORE/webhook-token")"
while IFS=: read -r field path text cp; do
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$TMP/$field.json" "$HOOK")
	is "$code" 422 "webhook: $path with $cp answers 422"
	check "... the body names the path and the character" \
		grep -qF "{\"path\":\"$path\",\"message\":\"$cp cannot be printed: no font has it\"}" "$TMP/body"
done <<EOF_CASES
$CASES
EOF_CASES
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary @"$TMP/nickname.json" "$HOOK")" 201 "webhook: the nickname case is issued (201)"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
is $? 0 "SIGTERM: exit 0"
SERVE_PID=
is "$(count "$STORE")" 1 "only that one is archived"
is "$(cat "$STORE"/audit/*.jsonl | grep -c '"status":422')" 4 "the four refusals are audited with 422"
done_testing
