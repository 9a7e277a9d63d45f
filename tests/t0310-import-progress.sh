#!/bin/sh
# What import shows while it works: a progress bar with count, rate and ETA
# on a terminal (run under script(1), which gives it one), plain periodic
# lines otherwise, and one summary line at the end either way.
. "$(dirname "$0")/lib.sh"

python3 "$(dirname "$0")/gen-events.py" 300 > "$TMP/ev.jsonl"
if command -v script >/dev/null; then
	script -qec "$VALGRIND $CERTIFICA import '$TMP/ev.jsonl' --store '$TMP/tty'" "$TMP/typescript" >/dev/null 2>&1
	ok $? "import on a terminal exits 0"
	tr '\r' '\n' < "$TMP/typescript" | grep -a 'ETA' > "$TMP/bars"
	check "a progress bar is drawn" grep -q -a '^.*\[#*\.*\] [0-9]*/300  [0-9]*/s  ETA [0-9]*:[0-9][0-9]' "$TMP/bars"
	check "the bar ends full" grep -q -a '\[##############################\] 300/300' "$TMP/bars"
	check "the summary follows" grep -q -a '^300 events: 300 issued' "$TMP/typescript"
else
	echo "ok - # SKIP script(1) is not installed"
fi
cert import "$TMP/ev.jsonl" --store "$TMP/plain" >"$TMP/out" 2>"$TMP/err"
ok $? "import without a terminal exits 0"
check "no terminal: no escape sequences" sh -c '! grep -q "$(printf "\033")" "$1"' - "$TMP/err"
check "no terminal: plain progress lines" grep -q '^import: 300 events, [0-9]*/s$' "$TMP/err"
is "$(cat "$TMP/out")" "300 events: 300 issued, 0 unchanged, 0 revised, 0 stale, 0 ignored, 0 rejected, 0 failed" \
	"the summary line counts what happened"
done_testing
