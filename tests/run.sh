#!/bin/sh
# Run every unit test program and every integration script, read their
# TAP-like "ok" / "not ok" lines, and end with "N passed, N failed".
# A program that exits non-zero without saying why counts as one failure.
# TEST_JOBS programs run at once (default: the number of cores); a script that
# measures time or loads the machine on purpose says "# run alone: why" in its
# header and runs by itself at the end.
# Each program's result is printed, in order, once its group has run.
# SCRIPTS='t02*' runs only the integration scripts that pattern names.
: "${CERTIFICA:=./certifica}"
: "${UNIT_DIR:=build/tests}"
: "${TEST_JOBS:=$(nproc 2>/dev/null || echo 1)}"
: "${SCRIPTS:=t[0-9]*}"
export CERTIFICA VALGRIND
export TESTDATA="$(cd "$(dirname "$0")" && pwd)/data"
export TOP="$(cd "$(dirname "$0")/.." && pwd)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0

count() { # name status log secs
	log=$3 secs=$4
	[ -f "$log" ] || : >"$log"
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

# Run lines FIRST..LAST of $dir/list, JOBS at once, then report each in order.
group() { # JOBS FIRST LAST
	[ "$2" -le "$3" ] || return 0
	seq "$2" "$3" | xargs -P "$1" -n 1 sh "$TOP/tests/run-one.sh" "$dir"
	for n in $(seq "$2" "$3"); do
		name=$(sed -n "${n}p" "$dir/list" | cut -d'|' -f2)
		count "$name" "$(cat "$dir/$n.rc" 2>/dev/null || echo 127)" "$dir/$n.log" \
			"$(cat "$dir/$n.secs" 2>/dev/null || echo '?')"
		[ -n "$VERBOSE" ] && cat "$dir/$n.log"
	done
}
lines() { wc -l <"$dir/list"; }

# some unit tests leave their PDFs in build/tests/, whichever build runs them
mkdir -p "$TOP/build/tests"
: >"$dir/list"
for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] && echo "unit|$(basename "$t")|||$t" >>"$dir/list"
done
alone=""
for t in "$TOP"/tests/$SCRIPTS.sh; do
	[ -f "$t" ] || continue
	if grep -q '^# run alone: ' "$t"; then
		alone="$alone $t"
	else
		echo "script|$(basename "$t")|||$t" >>"$dir/list"
	fi
done
group "$TEST_JOBS" 1 "$(lines)"
first=$(($(lines) + 1))
for t in $alone; do
	echo "script|$(basename "$t")|||$t" >>"$dir/list"
done
group 1 "$first" "$(lines)"

# The scripts whose results depend on the clock (revocation dates, staff
# account times, the audit file of the day) run again under faketime at hard
# dates, and once in São Paulo's zone at a time when its date is not UTC's.
# Each run is reported as SCRIPT@WHEN. DATED_RUNS=1 turns them on (make test);
# not under valgrind or sanitizers: libfaketime is an LD_PRELOAD.
DATED_SCRIPTS="t0350-staff-revoke.sh t0400-webhook.sh t0500-staff-web.sh"
# Under a faked clock already (faketime make test), faketime would add its
# offset to the outer one: start these runs from the real clock.
case "${LD_PRELOAD:-}" in
*faketime*) UNFAKE="env -u LD_PRELOAD -u FAKETIME -u FAKETIME_SHARED" ;;
*) UNFAKE= ;;
esac
export UNFAKE
dated() { # NAME TZ CLOCK
	for s in $DATED_SCRIPTS; do
		echo "dated|$s@$1|$2|$3|tests/$s" >>"$dir/list"
	done
}
if [ "${DATED_RUNS:-0}" = 1 ]; then
	if ! command -v faketime >/dev/null; then
		echo "not ok - faketime is not installed (Debian package faketime): dated runs skipped"
		fail=$((fail + 1))
	else
		first=$(($(lines) + 1))
		dated 2026-12-01 UTC "2026-12-01 00:00:05 UTC"
		dated 2026-12-31T23:59:59Z UTC "2026-12-31 23:59:59 UTC"
		dated 2028-02-29 UTC "2028-02-29 12:00:00 UTC"
		dated 2027-03-01T01:30Z,TZ=America/Sao_Paulo America/Sao_Paulo "2027-03-01 01:30:00 UTC"
		group "$TEST_JOBS" "$first" "$(lines)"
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
