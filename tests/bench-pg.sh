#!/bin/sh
# The webhook receiver on PostgreSQL, with wrk: a throwaway PostgreSQL 15
# (tests/pg.sh, synchronous commits, defaults otherwise) and one `certifica
# serve` node on it, then the same two runs as tests/bench-http.sh: durable
# issuance (a new event per request, every answer 201) and unchanged answers
# (the same event again). Prints requests per second, p50 and p99 latency;
# nothing here passes or fails on time. Then the same two runs through nginx
# in front of two nodes on one PostgreSQL (tests/cluster.sh, as make
# run-cluster starts them). Between the two, staff search latency over
# 100,000 certificates in PostgreSQL (BENCH_SEARCH_N). BENCH_SECONDS (10),
# BENCH_CONNECTIONS (16) and BENCH_THREADS (2) tune wrk.
: "${CERTIFICA:=./certifica}"
: "${BENCH_SECONDS:=10}"
: "${BENCH_CONNECTIONS:=16}"
: "${BENCH_THREADS:=2}"
LUA="$(dirname "$0")/bench"
OUT=build/bench
LOG=$OUT/pg-serve.log
TOKEN=bench-pg-token-0123456789abcdef

command -v wrk >/dev/null || { echo "bench-pg: wrk is not installed (make deps)" >&2; exit 1; }
mkdir -p "$OUT/pg-node"
: >"$LOG"
TMP=$(mktemp -d)
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/serve.sh"
SERVE_PID='' CL_PID=''
trap '[ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID"
	[ -n "$CL_PID" ] && kill -TERM "$CL_PID" 2>/dev/null && wait "$CL_PID"
	pg_stop; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

pg_start || { echo "bench-pg: PostgreSQL did not start" >&2; exit 1; }
pg_newdb bench
CERTIFICA=$(realpath "$CERTIFICA")
top=$(pwd)
cd "$OUT/pg-node" || exit 1
serve_start "$PG_URI" "$top/$LOG" --webhook-token "$TOKEN" || exit 1
cd "$top" || exit 1

run() { # NAME SCRIPT LABEL
	wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_SECONDS}s" --timeout 10s \
		-s "$LUA/$2" "$URL/webhooks" -- "$TOKEN" "$3" >"$OUT/wrk-pg-$1.txt" 2>&1 ||
		{ cat "$OUT/wrk-pg-$1.txt" >&2; exit 1; }
	grep "^$3: " "$OUT/wrk-pg-$1.txt"
}
echo "pg: one node, $BENCH_CONNECTIONS keep-alive connections, ${BENCH_SECONDS} s per run," \
	"$(nproc) cores shared with PostgreSQL"
run issue post-distinct.lua "pg durable issuance (distinct events)"
run unchanged post-same.lua "pg unchanged (same event)"
echo "pg: $(pg_sql bench 'SELECT count(*) FROM certificates') certificates in the database"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=
# staff search on the database: the same program and queries as
# tests/bench-search.sh, its archive filled in a database of its own
# (filled, then vacuumed and analysed as autovacuum does to an archive that
# has stood a while: a search right after 100,000 inserts meets the
# visibility map unset and the statistics not yet gathered)
pg_newdb search
make --no-print-directory build/bench/bench_search >/dev/null
BENCH_SEARCH_FILL_ONLY=1 build/bench/bench_search "${BENCH_SEARCH_N:-100000}" "$PG_URI" 2>/dev/null |
	sed 's/^/pg search: /'
pg_sql search "VACUUM ANALYZE"
build/bench/bench_search "${BENCH_SEARCH_N:-100000}" "$PG_URI" | sed 's/^/pg search: /'
pg_stop

chmod 755 "$TMP" # the cluster's PostgreSQL runs as nobody when this is root
CLUSTER_DIR=$TMP/cluster CERTIFICA=$CERTIFICA sh "$(dirname "$0")/cluster.sh" >"$TMP/cluster.out" 2>&1 &
CL_PID=$!
i=0
until grep -q '^run-cluster: URL ' "$TMP/cluster.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] && kill -0 "$CL_PID" 2>/dev/null ||
		{ cat "$TMP/cluster.out" >&2; echo "bench-pg: the cluster did not start" >&2; exit 1; }
	sleep 0.1
done
URL=$(sed -n 's/^run-cluster: URL //p' "$TMP/cluster.out")
TOKEN=$(cat "$TMP/cluster/webhook-token")
echo "pg: two nodes behind nginx, the same runs"
run issue2 post-distinct.lua "pg2 durable issuance (distinct events)"
run unchanged2 post-same.lua "pg2 unchanged (same event)"
