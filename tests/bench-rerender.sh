#!/bin/sh
# make bench: `certifica rerender` of a whole archive (a rebrand: every PDF
# made again, as new files, committed in groups) with --jobs 1 and then
# --jobs 2, and `certifica copy` of it into a fresh folder with --jobs 1 and
# --jobs 2; how much faster two threads are. Prints figures; passes or fails
# on nothing but the commands themselves. Usage:
# tests/bench-rerender.sh [N] (default 10000 certificates).
set -e
: "${CERTIFICA:=./certifica}"
n=${1:-10000}
dir=build/bench/rerender
. "$(dirname "$0")/bench-trash.sh"
bench_discard "$dir" && mkdir -p "$dir"
python3 "$(dirname "$0")/gen-events.py" "$n" --seed 11 > "$dir/events.jsonl"
"$CERTIFICA" import "$dir/events.jsonl" --store "$dir/store" --jobs 2 > /dev/null 2>&1 || {
	echo "bench-rerender: the import failed" >&2
	exit 1
}

# timed NAME COMMAND...: run it, keep its stdout in $dir/out-NAME and the
# seconds it took in $dir/s-NAME
timed() {
	name=$1
	shift
	t0=$(date +%s.%N)
	if ! "$@" > "$dir/out-$name" 2> "$dir/err-$name"; then
		cat "$dir/err-$name" >&2
		echo "bench-rerender: $name failed" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' > "$dir/s-$name"
}
for j in 1 2; do
	timed rerender-$j "$CERTIFICA" rerender --store "$dir/store" --jobs $j
	grep -qx "$n certificates re-made" "$dir/out-rerender-$j" || {
		echo "bench-rerender: rerender --jobs $j said: $(cat "$dir/out-rerender-$j")" >&2
		exit 1
	}
	awk -v s="$(cat "$dir/s-rerender-$j")" -v n="$n" -v j="$j" 'BEGIN {
		printf "rerender --jobs %d: %d certificates re-made in %.2f s: %.0f/s\n", j, n, s, n / s }'
done
for j in 1 2; do
	bench_discard "$dir/copy-$j"
	timed copy-$j "$CERTIFICA" copy --from "$dir/store" --to "$dir/copy-$j" --jobs $j
	grep -qx "PDFs: $n of $n SHA-256 equal" "$dir/out-copy-$j" || {
		echo "bench-rerender: copy --jobs $j did not check every PDF" >&2
		exit 1
	}
	awk -v s="$(cat "$dir/s-copy-$j")" -v n="$n" -v j="$j" 'BEGIN {
		printf "copy --jobs %d: %d certificates copied and checked in %.2f s: %.0f/s\n", j, n, s, n / s }'
done
awk -v r1="$(cat "$dir/s-rerender-1")" -v r2="$(cat "$dir/s-rerender-2")" \
	-v c1="$(cat "$dir/s-copy-1")" -v c2="$(cat "$dir/s-copy-2")" -v cores="$(nproc)" 'BEGIN {
	printf "rerender: --jobs 2 is %.2fx --jobs 1 (target >= 1.7x with 2 idle cores; %d online)\n", r1 / r2, cores
	printf "copy: --jobs 2 is %.2fx --jobs 1 (into a folder: one writer, bound by its commits)\n", c1 / c2 }'
bench_discard "$dir"
