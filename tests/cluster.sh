#!/bin/sh
# make run-cluster: a local cluster to try scale-out with, all on 127.0.0.1
# and free ports: a PostgreSQL 15 initdb'd into $CLUSTER_DIR/pg (default
# build/cluster, kept between runs; as the user nobody when run as root,
# since initdb refuses root), two `certifica serve` nodes on its database,
# and nginx in front of them with a configuration written to
# $CLUSTER_DIR/nginx.conf (see docs/scale-out.md). Prints the URL, the
# webhook token and a staff token, then runs until interrupted (Ctrl-C or
# SIGTERM), when it stops all of them. Logs are in $CLUSTER_DIR.
TOP=$(cd "$(dirname "$0")/.." && pwd)
CERTIFICA=${CERTIFICA:-$TOP/certifica}
DIR=${CLUSTER_DIR:-$TOP/build/cluster}
NODES=${CLUSTER_NODES:-2}
. "$TOP/tests/pg.sh"
. "$TOP/tests/nginx.sh"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
say() { echo "run-cluster: $*"; }
fail() { echo "run-cluster: $*" >&2; stop_all; exit 1; }

PIDS='' NGINX_PID='' PG_UP=''
stop_all() {
	[ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS $NGINX_PID; do wait "$p" 2>/dev/null; done
	PIDS='' NGINX_PID=''
	[ -n "$PG_UP" ] && pg_as "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast -w stop >/dev/null 2>&1
	PG_UP=
}
trap 'stop_all; exit 0' INT TERM

[ -x "$CERTIFICA" ] || fail "no program at $CERTIFICA: run make first"
[ -n "$PG_BIN" ] || fail "PostgreSQL 15 not found (install the postgresql package)"
[ -x "$NGINX" ] || fail "nginx not found (install nginx)"
mkdir -p "$DIR/run" "$DIR/nginx-tmp" || fail "cannot make $DIR"
chmod 755 "$DIR" "$DIR/run"
if [ "$(id -u)" = 0 ]; then chown nobody "$DIR/run" "$DIR/nginx-tmp"; fi

# --- PostgreSQL: made once, started on a free port each run ---
if [ ! -f "$DIR/pg/PG_VERSION" ]; then
	mkdir -p "$DIR/pg" && chmod 700 "$DIR/pg"
	[ "$(id -u)" = 0 ] && chown nobody "$DIR/pg"
	pg_as "$PG_BIN/initdb" -D "$DIR/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
		>"$DIR/initdb.log" 2>&1 || fail "initdb failed, see $DIR/initdb.log"
	printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$DIR/pg/pg_hba.conf"
fi
PG_PORT=$(free_port)
pg_as "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/run/postgresql.log" -w -t 30 \
	-o "-p $PG_PORT -k $DIR/run -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 ||
	fail "PostgreSQL did not start, see $DIR/run/postgresql.log"
PG_UP=1
pg_sql postgres "SELECT 1 FROM pg_database WHERE datname = 'certifica'" | grep -q 1 ||
	pg_sql postgres "CREATE DATABASE certifica" >/dev/null || fail "cannot make the database"
STORE="postgresql://postgres@127.0.0.1:$PG_PORT/certifica"

# --- the shared webhook token and a staff account, made once ---
umask 077
if [ ! -s "$DIR/webhook-token" ]; then
	head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$DIR/webhook-token"
fi
TOKEN=$(cat "$DIR/webhook-token")
if [ ! -s "$DIR/staff-token" ]; then
	"$CERTIFICA" staff add cluster-admin --store "$STORE" >"$DIR/staff-token" 2>"$DIR/staff.log" ||
		fail "cannot add the staff account, see $DIR/staff.log"
fi
umask 022

# --- the nodes: their verification links point at nginx's port, taken now ---
PORT=$(free_port)
NODE_PORTS=
i=1
while [ "$i" -le "$NODES" ]; do
	port=$(free_port)
	(cd "$TOP" && exec "$CERTIFICA" serve --listen "127.0.0.1:$port" --store "$STORE" \
		--webhook-token "$TOKEN" --public-url "http://127.0.0.1:$PORT" \
		--max-connections-per-ip 0 --trust-proxy 127.0.0.1 \
		2>"$DIR/node$i.log") &
	PIDS="$PIDS $!"
	NODE_PORTS="$NODE_PORTS $port"
	i=$((i + 1))
done
for p in $NODE_PORTS; do
	n=0
	until curl -s -o /dev/null "http://127.0.0.1:$p/healthz"; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || fail "node on port $p did not start, see $DIR/node*.log"
		sleep 0.1
	done
done

# --- nginx in front ---
nginx_conf "$DIR" "$PORT" $NODE_PORTS
nginx_start "$DIR" "$PORT" || fail "nginx did not start, see $DIR/nginx-error.log"

say "PostgreSQL $STORE ($DIR/pg)"
say "$NODES nodes behind nginx ($DIR/nginx.conf)"
say "webhook token in $DIR/webhook-token, staff token in $DIR/staff-token"
say "URL http://127.0.0.1:$PORT"
say "Ctrl-C stops the cluster"
while :; do
	sleep 1 &
	wait $!
done
