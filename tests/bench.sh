#!/bin/sh
# make bench: print the figures of every benchmark; nothing here passes or
# fails on time. Each part can also be run alone.
set -e
cd "$(dirname "$0")/.."
echo "== rendering: 1000 varied events in one process (parse, validate, lay out, render, write),
== then 1000 with names in many scripts (Arabic, Hebrew, CJK, Indic, Thai...)"
out=build/bench/out
rm -rf "$out" && mkdir -p "$out"
build/bench/bench_render 1000 "$out"
echo "== archiving: certifica import into a fresh store, every batch durable"
sh tests/bench-import.sh
echo "== webhook: wrk against certifica serve"
sh tests/bench-http.sh
echo "== webhook on PostgreSQL: wrk against one node"
sh tests/bench-pg.sh
for extra in tests/bench-search.sh tests/bench-web.sh tests/bench-flood.sh; do
	[ -f "$extra" ] && sh "$extra"
done
exit 0
