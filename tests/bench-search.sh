#!/bin/sh
# make bench: staff search latency (p50/p99 of store_search) over an archive
# of 100,000 certificates, for typical queries and a few harder ones, with the
# query plans when BENCH_PLANS=1. Prints figures; fails only when the
# benchmark itself fails. Filling the archive takes a minute or two (every PDF
# is fsync'd); set BENCH_SEARCH_STORE=DIR to fill it once and reuse it.
# Usage: tests/bench-search.sh [N] (default 100000).
set -e
: "${BUILD:=build}"
n=${1:-100000}
make --no-print-directory "$BUILD/bench/bench_search" >/dev/null
if [ -n "$BENCH_SEARCH_STORE" ]; then
	"$BUILD/bench/bench_search" "$n" "$BENCH_SEARCH_STORE"
else
	"$BUILD/bench/bench_search" "$n"
fi
