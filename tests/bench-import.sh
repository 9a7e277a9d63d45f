#!/bin/sh
# make bench: events archived per second through `certifica import` (render,
# fsync'd PDF files, batched index commits) into a fresh store, and the share
# of that time spent in fsync; once with --jobs 1 and once with --jobs 2 on
# the same events, and how much faster two threads are. Prints figures;
# passes or fails on nothing but the imports themselves. Usage:
# tests/bench-import.sh [N] (default 5000 events).
set -e
: "${CERTIFICA:=./certifica}"
n=${1:-5000}
dir=build/bench/import
. "$(dirname "$0")/bench-trash.sh"
bench_discard "$dir" && mkdir -p "$dir"
python3 "$(dirname "$0")/gen-events.py" "$n" --seed 7 > "$dir/events.jsonl"

# import_with JOBS: one import into a fresh store; prints its figures and
# leaves the seconds it took in $dir/elapsed-JOBS
import_with() {
	t0=$(date +%s.%N)
	if ! CERTIFICA_STATS=1 "$CERTIFICA" import "$dir/events.jsonl" --store "$dir/store-$1" \
		--jobs "$1" > "$dir/summary-$1" 2> "$dir/stderr-$1"; then
		cat "$dir/stderr-$1" "$dir/summary-$1" >&2
		echo "bench-import: the import with --jobs $1 failed" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	# "stats: R renders, F fsyncs in X s, C commits in Y s, E s elapsed"
	stats=$(grep '^stats: ' "$dir/stderr-$1") || { echo "bench-import: no stats line" >&2; exit 1; }
	echo "$stats" | awk -v n="$n" -v t0="$t0" -v t1="$t1" -v j="$1" -v out="$dir/elapsed-$1" '{
		renders = $2; fsyncs = $4; fsync_s = $7; commits = $9; commit_s = $12; el = $14
		printf "import --jobs %d: %d events archived in %.2f s (%.2f s with start-up): %.0f events/s\n",
			j, n, el, t1 - t0, n / el
		printf "import --jobs %d: fsync %.2f s = %.0f%% of the time (%d fsyncs, %.2f ms each);" \
			" index commits %.2f s = %.0f%% (%d commits)\n",
			j, fsync_s, 100 * fsync_s / el, fsyncs, fsyncs ? 1000 * fsync_s / fsyncs : 0,
			commit_s, 100 * commit_s / el, commits
		print el > out
	}'
}
import_with 1
import_with 2
if ! cmp -s "$dir/summary-1" "$dir/summary-2"; then
	echo "bench-import: --jobs 1 and --jobs 2 gave different summaries" >&2
	exit 1
fi
awk -v a="$(cat "$dir/elapsed-1")" -v b="$(cat "$dir/elapsed-2")" -v cores="$(nproc)" 'BEGIN {
	printf "import: --jobs 2 is %.2fx --jobs 1 (target >= 1.7x with 2 idle cores; %d online)\n",
		a / b, cores }'
