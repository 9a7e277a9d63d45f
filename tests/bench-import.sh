#!/bin/sh
# make bench: events archived per second through `certifica import` (render,
# fsync'd PDF files, batched index commits) into a fresh store, and the share
# of that time spent in fsync. Prints figures; passes or fails on nothing but
# the import itself. Usage: tests/bench-import.sh [N] (default 5000 events).
set -e
: "${CERTIFICA:=./certifica}"
n=${1:-5000}
dir=build/bench/import
rm -rf "$dir" && mkdir -p "$dir"
python3 "$(dirname "$0")/gen-events.py" "$n" --seed 7 > "$dir/events.jsonl"

t0=$(date +%s.%N)
if ! CERTIFICA_STATS=1 "$CERTIFICA" import "$dir/events.jsonl" --store "$dir/store" \
	> "$dir/summary" 2> "$dir/stderr"; then
	cat "$dir/stderr" "$dir/summary" >&2
	echo "bench-import: the import failed" >&2
	exit 1
fi
t1=$(date +%s.%N)

# "stats: R renders, F fsyncs in X s, C commits in Y s, E s elapsed"
stats=$(grep '^stats: ' "$dir/stderr") || { echo "bench-import: no stats line" >&2; exit 1; }
echo "$stats" | awk -v n="$n" -v t0="$t0" -v t1="$t1" '{
	renders = $2; fsyncs = $4; fsync_s = $7; commits = $9; commit_s = $12; el = $14
	printf "import: %d events archived in %.2f s (%.2f s with start-up): %.0f events/s\n",
		n, el, t1 - t0, n / el
	printf "import: fsync %.2f s = %.0f%% of the time (%d fsyncs, %.2f ms each);" \
		" index commits %.2f s = %.0f%% (%d commits)\n",
		fsync_s, 100 * fsync_s / el, fsyncs, fsyncs ? 1000 * fsync_s / fsyncs : 0,
		commit_s, 100 * commit_s / el, commits
}'
