#!/bin/sh
# Staff accounts and revocation from the command line, as an administrator
# uses them: `staff add` prints a token once and keeps only its SHA-256,
# `staff list` and `staff revoke`; `revoke ID|CODE --reason TEXT` with its
# exit statuses (0 done, 1 unknown certificate, 2 bad usage).
. "$(dirname "$0")/lib.sh"
S=$TMP/store
sql() { sqlite3 "$S/index.sqlite" "$1"; }

# --- staff ------------------------------------------------------------------
try "the test's clock is the one tests/run.sh asked for (${TEST_CLOCK:-the real one})" clock_is_faked
added0=$(now_epoch)
tok=$(cert staff add maria --store "$S" 2>"$TMP/err")
ok $? "staff add exits 0"
added1=$(now_epoch)
case "$tok" in
*[!A-Za-z0-9_-]*) ok 1 "the token is URL-safe base64: '$tok'" ;;
*) is "${#tok}" 43 "the token is 43 URL-safe characters" ;;
esac
is "$(wc -l < "$TMP/err" | tr -d ' ')" 1 "one line of advice on stderr"
check "which says how to use it (Bearer, or the password)" grep -q "Bearer.*password" "$TMP/err"
hash=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
is "$(sql "SELECT lower(hex(token_sha256)) FROM staff WHERE name = 'maria'")" "$hash" \
	"the index keeps the token's SHA-256"
if grep -qaF "$tok" "$S/index.sqlite" "$S/index.sqlite-wal" 2>/dev/null; then
	ok 1 "and not the token itself"
else
	ok 0 "and not the token itself"
fi
tok2=$(CERTIFICA_STORE="$S" cert staff add joao.silva 2>/dev/null)
ok $? "CERTIFICA_STORE names the store"
check "another account, another token" test -n "$tok2" -a "$tok2" != "$tok"

cert staff add maria --store "$S" >"$TMP/out" 2>"$TMP/err"
is $? 1 "adding an active name again exits 1"
check "saying it exists" grep -q "'maria' already exists" "$TMP/err"
check "and prints no token" test ! -s "$TMP/out"
cert staff add 'maria silva' --store "$S" >/dev/null 2>"$TMP/err"
is $? 2 "a name with a space exits 2"
check "naming the rule" grep -q "NAME: use 1 to 63 letters" "$TMP/err"
cert staff --store "$S" >/dev/null 2>&1
is $? 2 "no action exits 2"
cert staff remove maria --store "$S" >/dev/null 2>&1
is $? 2 "an unknown action exits 2"
cert staff add --store "$S" >/dev/null 2>&1
is $? 2 "add without a name exits 2"
cert staff list extra --store "$S" >/dev/null 2>&1
is $? 2 "list with an argument exits 2"

cert staff list --store "$S" >"$TMP/list" 2>&1
ok $? "staff list exits 0"
is "$(head -1 "$TMP/list" | tr -s ' ')" "NAME CREATED (UTC) REVOKED (UTC) SCOPE" "a header line"
check "maria, active, sees all" grep -Eq '^maria +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +- +all$' "$TMP/list"
created=$(awk '$1 == "maria" { print $2, $3 }' "$TMP/list")
try "created is the UTC time of staff add ('$created')" in_window "$created" "$added0" "$added1"
is "$(wc -l < "$TMP/list" | tr -d ' ')" 3 "two accounts"
if grep -qF "$tok" "$TMP/list"; then ok 1 "the list shows no token"; else ok 0 "the list shows no token"; fi

revoked0=$(now_epoch)
out=$(cert staff revoke maria --store "$S" 2>&1)
ok $? "staff revoke exits 0"
revoked1=$(now_epoch)
is "$out" "revoked staff account 'maria': its token no longer signs in" "and says so"
cert staff list --store "$S" >"$TMP/list" 2>&1
check "the list shows when it was revoked" \
	grep -Eq '^maria +[0-9-]{10} [0-9:]{8} +[0-9-]{10} [0-9:]{8} +all$' "$TMP/list"
revoked=$(awk '$1 == "maria" { print $4, $5 }' "$TMP/list")
try "revoked is the UTC time of staff revoke ('$revoked')" in_window "$revoked" "$revoked0" "$revoked1"
cert staff revoke maria --store "$S" >/dev/null 2>"$TMP/err"
is $? 1 "revoking it again exits 1"
check "no active account" grep -q "no active staff account 'maria'" "$TMP/err"
tok3=$(cert staff add maria --store "$S" 2>/dev/null)
ok $? "the name can be given a new token"
is "$(sql "SELECT count(*) FROM staff WHERE name = 'maria'")" 2 "the old row stays, revoked"

# --- revoke -----------------------------------------------------------------
set -- $(cert render "$TESTDATA/participation-accented.json" --store "$S" 2>/dev/null)
id=$3
sed 's/"id": *\([0-9]*\)/"id": 9\1/' "$TESTDATA/participation-accented.json" > "$TMP/other.json"
set -- $(cert render "$TMP/other.json" --store "$S" 2>/dev/null)
id2=$3 code2=$5
check "two certificates archived ($id, $id2)" test -n "$id" -a -n "$id2" -a "$id" != "$id2"

cert revoke "$id" --store "$S" >/dev/null 2>"$TMP/err"
is $? 2 "revoke without --reason exits 2"
check "naming --reason" grep -q -- "--reason" "$TMP/err"
cert revoke "$id" --reason "   " --store "$S" >/dev/null 2>&1
is $? 2 "a blank reason exits 2"
cert revoke "$id" --reason "$(printf 'two\nlines')" --store "$S" >/dev/null 2>&1
is $? 2 "a reason of two lines exits 2"
cert revoke "not-an-id" --reason "x" --store "$S" >/dev/null 2>"$TMP/err"
is $? 2 "a malformed id exits 2"
check "saying what an id looks like" grep -q "ID: expected a certificate id" "$TMP/err"
cert revoke --reason "x" --store "$S" >/dev/null 2>&1
is $? 2 "no id exits 2"
cert revoke aaaaaaaaaaaaaaaa --reason "x" --store "$S" >/dev/null 2>"$TMP/err"
is $? 1 "an unknown id exits 1"
check "saying so" grep -q "no certificate 'aaaaaaaaaaaaaaaa' in '$S'" "$TMP/err"
is "$(sql "SELECT count(*) FROM certificates WHERE revoked")" 0 "nothing revoked by mistakes"

t0=$(now_epoch)
out=$(cert revoke "$id" --reason "emitido por engano" --store "$S" 2>&1)
ok $? "revoke exits 0"
t1=$(now_epoch)
case "$out" in
"revoked $id r1 ("*"): emitido por engano") ok 0 "and says what it revoked" ;;
*) ok 1 "and says what it revoked"; echo "# $out" ;;
esac
is "$(sql "SELECT revoked || '|' || revoke_reason FROM certificates WHERE id = '$id'")" \
	"1|emitido por engano" "the index row is revoked, with the reason"
at=$(sql "SELECT revoked_at FROM certificates WHERE id = '$id'")
try "revoked_at is the UTC time of the revocation ('$at')" in_window "$at" "$t0" "$t1"
check "the certificate stays in the archive" test "$(sql "SELECT count(*) FROM revisions WHERE id = '$id'")" = 1
out=$(cert revoke "$id" --reason "another reason" --store "$S" 2>&1)
ok $? "revoking again exits 0"
case "$out" in
"$id was already revoked on $at UTC: emitido por engano") ok 0 "keeping the first reason and date" ;;
*) ok 1 "keeping the first reason and date"; echo "# $out" ;;
esac
lower=$(echo "$code2" | tr 'A-Z' 'a-z' | tr -d '-')
out=$(cert revoke "$lower" --reason "duplicado" --store "$S" 2>&1)
ok $? "revoke by verification code, typed in lower case without dashes"
is "$(sql "SELECT revoked FROM certificates WHERE id = '$id2'")" 1 "revokes that certificate"
cert revoke 00000-00000-00000 --reason "x" --store "$S" >/dev/null 2>&1
is $? 1 "an unknown code exits 1"
done_testing
