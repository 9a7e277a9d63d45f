#!/bin/sh
# Run each libFuzzer target for FUZZ_SECONDS on a working copy of its seed corpus,
# FUZZ_JOBS targets at a time (default: the number of cores; each fuzzer is one
# process on one core), and print one TAP-like line per target, in the order given,
# and "N passed, N failed".
# Usage: sh tests/fuzz/run.sh BUILD_DIR TARGET...   (TARGET: event, template, ...), run
# from the top of the repository (the template target finds fonts in fonts/).
: "${FUZZ_SECONDS:=60}"
: "${FUZZ_JOBS:=$(nproc 2>/dev/null || echo 1)}"
dir=$1
shift
targets=$*
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0

# fuzz TARGET: run it; its exit status in $dir/fuzz_TARGET.rc.
fuzz() {
	t=$1
	bin="$dir/fuzz_$t"
	work="$dir/corpus/$t"
	log="$dir/fuzz_$t.log"
	rm -f "$dir/fuzz_$t.rc"
	mkdir -p "$work" "$dir/crashes"
	cp "$top/tests/fuzz/corpus/$t"/* "$work"/
	set -- -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=25 \
		-print_final_stats=1 -artifact_prefix="$dir/crashes/$t-"
	[ -f "$top/tests/fuzz/$t.dict" ] && set -- "$@" -dict="$top/tests/fuzz/$t.dict"
	[ "$t" = template ] && set -- "$@" -max_len=16384
	"$bin" "$@" "$work" >"$log" 2>&1
	echo $? >"$dir/fuzz_$t.rc"
}

running=0
for t in $targets; do
	if [ "$running" -ge "$FUZZ_JOBS" ]; then
		wait
		running=0
	fi
	fuzz "$t" &
	running=$((running + 1))
done
wait

for t in $targets; do
	log="$dir/fuzz_$t.log"
	rc=$(cat "$dir/fuzz_$t.rc" 2>/dev/null || echo 127)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
	if [ "$rc" = 0 ] && [ -n "$runs" ]; then
		echo "ok - fuzz_$t: ${secs:-$FUZZ_SECONDS} s, $runs runs, no crash"
		pass=$((pass + 1))
	else
		crash=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -n 1)
		echo "not ok - fuzz_$t: exit status $rc after ${runs:-?} runs${crash:+, input in $crash}"
		grep -E 'invariant failed|ERROR: [A-Za-z]+Sanitizer|runtime error|SUMMARY|ERROR: libFuzzer: [a-z-]+$|#[0-9]+ 0x.* in [^ ]+ .*(src|tests)/[a-z_]+\.c:' \
			"$log" | head -n 16 | sed 's/^/#   /'
		echo "#   full log: $log"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
