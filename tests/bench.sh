#!/bin/sh
# make bench: print the figures of every benchmark; nothing here passes or
# fails on time. Each part can also be run alone.
set -e
cd "$(dirname "$0")/.."
echo "== rendering: 1000 varied events in one process (parse, validate, lay out, render, write; PDF/A-1b),
== then 1000 with names in many scripts (Arabic, Hebrew, CJK, Indic, Thai...), then the first 1000
== with pdfa = off, then 1000 with the plain template and 1000 with a tenant's (logo, two signature images)"
. tests/bench-trash.sh
out=build/bench/out
bench_discard "$out" && mkdir -p "$out"
build/bench/bench_render 1000 "$out"
echo "== signing: the 1000 Latin events rendered, then rendered and signed (PAdES B-B),
== with an RSA-2048 and an ECDSA P-256 key made here by openssl"
keys=build/bench/keys
rm -rf "$keys" && mkdir -p "$keys"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$keys/rsa.key" -out "$keys/rsa.crt" \
	-days 2 -subj "/CN=certifica bench RSA" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$keys/ec.key" \
	-out "$keys/ec.crt" -days 2 -subj "/CN=certifica bench ECDSA" 2>/dev/null
for k in rsa ec; do
	build/bench/bench_render 1000 "$out" "$keys/$k.crt" "$keys/$k.key"
done
echo "== archiving: certifica import into a fresh store, every batch durable"
sh tests/bench-import.sh
echo "== re-making and copying: certifica rerender and certifica copy of a 10,000-certificate archive"
sh tests/bench-rerender.sh
echo "== webhook: wrk against certifica serve"
sh tests/bench-http.sh
echo "== webhook on PostgreSQL: wrk against one node"
sh tests/bench-pg.sh
for extra in tests/bench-search.sh tests/bench-web.sh tests/bench-flood.sh; do
	[ -f "$extra" ] && sh "$extra"
done
rm -rf build/bench/trash # see tests/bench-trash.sh
exit 0
