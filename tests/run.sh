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
	secs=$(($(date +%s) - started))
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $1 exited with status $2"
		f=1
	fi
	# each failure with the comment lines that follow it (what it got)
	awk '/^not ok / { p = 1; print; next } p && /^#/ { print; next } { p = 0 }' "$log"
	echo "# $1: $p passed, $f failed (${secs}s)"
	pass=$((pass + p)); fail=$((fail + f))
}

# some unit tests leave their PDFs in build/tests/, whichever build runs them
mkdir -p "$TOP/build/tests"
for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] || continue
	started=$(date +%s)
	(cd "$TOP" && $VALGRIND "$t") >"$log" 2>&1
	count "$(basename "$t")" $?
	[ -n "$VERBOSE" ] && cat "$log"
done
for t in "$TOP"/tests/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	started=$(date +%s)
	(cd "$TOP" && sh "$t") >"$log" 2>&1
	count "$(basename "$t")" $?
	[ -n "$VERBOSE" ] && cat "$log"
done

# The scripts whose results depend on the clock (revocation dates, staff
# account times, the audit file of the day) run again under faketime at hard
# dates, and once in São Paulo's zone at a time when its date is not UTC's.
# Each run is reported as SCRIPT@WHEN. DATED_RUNS=1 turns them on (make test);
# not under valgrind or sanitizers: libfaketime is an LD_PRELOAD.
DATED_SCRIPTS="t0350-staff-revoke.sh t0400-webhook.sh t0500-staff-web.sh"
# Under a faked clock already (faketime make test), faketime would add its
# offset to the outer one: start these runs from the real clock.
case "${LD_PRELOAD:-}" in
*faketime*) unfake="env -u LD_PRELOAD -u FAKETIME -u FAKETIME_SHARED" ;;
*) unfake= ;;
esac
dated() { # NAME TZ CLOCK
	for s in $DATED_SCRIPTS; do
		started=$(date +%s)
		(cd "$TOP" && TZ=$2 TEST_CLOCK=$3 $unfake faketime "$3" sh "tests/$s") >"$log" 2>&1
		count "$s@$1" $?
		[ -n "$VERBOSE" ] && cat "$log"
	done
}
if [ "${DATED_RUNS:-0}" = 1 ]; then
	if ! command -v faketime >/dev/null; then
		echo "not ok - faketime is not installed (Debian package faketime): dated runs skipped"
		fail=$((fail + 1))
	else
		dated 2026-12-01 UTC "2026-12-01 00:00:05 UTC"
		dated 2026-12-31T23:59:59Z UTC "2026-12-31 23:59:59 UTC"
		dated 2028-02-29 UTC "2028-02-29 12:00:00 UTC"
		dated 2027-03-01T01:30Z,TZ=America/Sao_Paulo America/Sao_Paulo "2027-03-01 01:30:00 UTC"
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
