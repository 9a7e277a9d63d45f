#!/bin/sh
# The webhook receiver's throughput with wrk: `certifica serve` on a free
# 127.0.0.1 port with a fresh store in build/bench/http-store, then
#  (a) durable issuance: a new event per request over keep-alive connections
#      (tests/bench/post-distinct.lua), every answer 201;
#  (b) unchanged answers: the same event again and again
#      (tests/bench/post-same.lua), every answer but the first 200;
#  (c) the reference for (a): `certifica render` alone of 2,000 events of the
#      same shape, one process per core, and the ratio of (a) to it;
#  (d) how (a)'s certificates shared index commits (from /metrics).
# Prints requests per second, p50 and p99 latency and the answers by status
# of each run; nothing here passes or fails on time.
# BENCH_SECONDS (10), BENCH_CONNECTIONS (16), BENCH_THREADS (2) tune wrk;
# BENCH_SERVE_ARGS adds flags to `certifica serve` (e.g. "--threads 8").
: "${CERTIFICA:=./certifica}"
: "${BENCH_SECONDS:=10}"
: "${BENCH_CONNECTIONS:=16}"
: "${BENCH_THREADS:=2}"
LUA="$(dirname "$0")/bench"
OUT=build/bench
STORE=$OUT/http-store
LOG=$OUT/http-serve.log

command -v wrk >/dev/null || { echo "bench-http: wrk is not installed (make deps)" >&2; exit 1; }
[ -x "$CERTIFICA" ] || { echo "bench-http: no '$CERTIFICA': run make first" >&2; exit 1; }
mkdir -p "$OUT"
. "$(dirname "$0")/bench-trash.sh"
bench_discard "$STORE"
: >"$LOG"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID"' EXIT
trap 'exit 130' INT TERM

# Start the server on a free port; sets URL and SERVE_PID.
. "$(dirname "$0")/serve.sh"
# shellcheck disable=SC2086 # BENCH_SERVE_ARGS is a list of flags
if ! serve_start "$STORE" "$LOG" $BENCH_SERVE_ARGS; then
	echo "bench-http: the server did not start" >&2
	exit 1
fi
TOKEN=$(cat "$STORE/webhook-token")

# run NAME SCRIPT LABEL: wrk's whole report goes to build/bench/wrk-NAME.txt,
# the script's summary lines to stdout.
run() {
	wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_SECONDS}s" --timeout 10s \
		-s "$LUA/$2" "$URL/webhooks" -- "$TOKEN" "$3" >"$OUT/wrk-$1.txt" 2>&1
	rc=$?
	grep "^$3: " "$OUT/wrk-$1.txt"
	if [ $rc != 0 ]; then
		echo "bench-http: wrk failed ($rc):" >&2
		cat "$OUT/wrk-$1.txt" >&2
		exit 1
	fi
}

echo "http: $BENCH_CONNECTIONS keep-alive connections, $BENCH_THREADS wrk threads," \
	"${BENCH_SECONDS} s per run, $(nproc) cores${BENCH_SERVE_ARGS:+, serve $BENCH_SERVE_ARGS}"
run issue post-distinct.lua "http durable issuance (distinct events)"
run unchanged post-same.lua "http unchanged (same event)"
echo "http: $(sqlite3 "$STORE/index.sqlite" 'SELECT count(*) FROM certificates' 2>/dev/null) certificates in the index"
curl -s "$URL/metrics" | awk '
	/^certifica_commit_group_size_sum / { puts = $2 }
	/^certifica_commit_group_size_count / { groups = $2 }
	/^certifica_commit_seconds_sum / { secs = $2 }
	END { if (groups) printf "http commits: %d certificates in %d index commits, %.1f per commit, %.2f ms per commit\n", puts, groups, puts / groups, 1000 * secs / groups }'

# (c) render alone: the same kind of events, one `certifica render` per core.
cores=$(nproc)
python3 - "$OUT/ref" "$cores" <<'PY'
import json, os, sys
out, cores = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
first = ["Ana", "João", "Maria", "José", "Luíza", "Pedro", "Beatriz", "Conceição"]
last = ["Gonçalves", "da Silva", "Albuquerque", "Müller", "Figueiredo", "Araújo"]
courses = ["Introdução à Programação em C", "Segurança do Trabalho", "Gestão Escolar",
           "Formação Continuada em Metodologias Ativas de Aprendizagem e Avaliação Formativa"]
files = [open(os.path.join(out, "events-%d.jsonl" % i), "w") for i in range(cores)]
for n in range(1, 2001):
    m = 1 + n % 12
    ev = {"event": {"name": "Atividades - Certificado emitido",
                    "slug": "activities.certificate.issued", "send_at": "2023-08-28 10:00:01"},
          "data": {"institution": {"id": 100 + n % 5},
                   "user": {"id": n, "name": "%s %s %s" % (first[n % 8], last[n % 6], last[n * 7 % 6]),
                            "email": "aluno%d@example.com" % n, "cpf": "123.456.789-09"},
                   "course": {"id": 1 + n % 4, "name": courses[n % 4], "workload": "40h",
                              "enrolled_at": "2023-%02d-01 09:12:00" % m,
                              "concluded_at": "2023-%02d-25 18:40:12" % m},
                   "school": {"id": 7, "name": "Escola Técnica São João",
                              "managers": [{"manager_id": 1, "manager_name": "Gestora da Silva"}]},
                   "certified": {"certified_at": "2023-%02d-28 10:00:00" % m,
                                 "type": "achievement" if n % 2 else "participation",
                                 "approval_rate": 50 + n % 50}}}
    files[n % cores].write(json.dumps(ev, ensure_ascii=False) + "\n")
PY
t0=$(date +%s%N)
i=0 pids=
while [ $i -lt "$cores" ]; do
	mkdir -p "$OUT/ref/pdf-$i"
	"$CERTIFICA" render "$OUT/ref/events-$i.jsonl" -o "$OUT/ref/pdf-$i/" >/dev/null 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # a list of process ids
wait $pids # not the server's
t1=$(date +%s%N)
issue_rate=$(sed -n 's/^http durable issuance (distinct events): \([0-9.]*\) requests\/s.*/\1/p' "$OUT/wrk-issue.txt" | head -n 1)
awk -v ns=$((t1 - t0)) -v cores="$cores" -v http="$issue_rate" 'BEGIN {
	r = 2000 / (ns / 1e9)
	printf "render alone: 2000 events in %d processes, %.0f certificates/s\n", cores, r
	if (http) printf "http durable issuance / render alone: %.2f\n", http / r }'
bench_discard "$OUT/ref"
