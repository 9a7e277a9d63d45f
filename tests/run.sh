#!/bin/sh
# Run every unit test program and every integration script, read their
# TAP-like "ok" / "not ok" lines, and end with "N passed, N failed".
# A program that exits non-zero without saying why counts as one failure.
: "${CERTIFICA:=./certifica}"
: "${UNIT_DIR:=build/tests}"
export CERTIFICA VALGRIND
export TESTDATA="$(cd "$(dirname "$0")" && pwd)/data"
export TOP="$(cd "$(dirname "$0")/.." && pwd)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass=0 fail=0

count() { # name status
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $1 exited with status $2"
		f=1
	fi
	grep '^not ok ' "$log"
	echo "# $1: $p passed, $f failed"
	pass=$((pass + p)); fail=$((fail + f))
}

for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] || continue
	(cd "$TOP" && $VALGRIND "$t") >"$log" 2>&1
	count "$(basename "$t")" $?
	[ -n "$VERBOSE" ] && cat "$log"
done
for t in "$TOP"/tests/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	(cd "$TOP" && sh "$t") >"$log" 2>&1
	count "$(basename "$t")" $?
	[ -n "$VERBOSE" ] && cat "$log"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
