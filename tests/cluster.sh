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
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || fail "nginx not found (install nginx)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
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

# --- the nodes ---
UPSTREAM=
i=1
while [ "$i" -le "$NODES" ]; do
	port=$(free_port)
	(cd "$TOP" && exec "$CERTIFICA" serve --listen "127.0.0.1:$port" --store "$STORE" \
		--webhook-token "$TOKEN" --max-connections-per-ip 0 2>"$DIR/node$i.log") &
	PIDS="$PIDS $!"
	UPSTREAM="$UPSTREAM        server 127.0.0.1:$port max_fails=2 fail_timeout=5s;
"
	i=$((i + 1))
done
for p in $(echo "$UPSTREAM" | sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p'); do
	n=0
	until curl -s -o /dev/null "http://127.0.0.1:$p/healthz"; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || fail "node on port $p did not start, see $DIR/node*.log"
		sleep 0.1
	done
done

# --- nginx in front ---
PORT=$(free_port)
cat >"$DIR/nginx.conf" <<CONF
# Written by make run-cluster (tests/cluster.sh); docs/scale-out.md explains it.
worker_processes 1;
daemon off;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events { worker_connections 512; }
http {
    log_format certifica '\$remote_addr [\$time_iso8601] "\$request" \$status '
                         '\$body_bytes_sent up=\$upstream_addr \$upstream_status '
                         't=\$request_time xff="\$http_x_forwarded_for"';
    access_log $DIR/nginx-access.log certifica;
    client_body_temp_path $DIR/nginx-tmp/body;
    proxy_temp_path $DIR/nginx-tmp/proxy;
    fastcgi_temp_path $DIR/nginx-tmp/fastcgi;
    uwsgi_temp_path $DIR/nginx-tmp/uwsgi;
    scgi_temp_path $DIR/nginx-tmp/scgi;

    upstream certifica {
$UPSTREAM        keepalive 32;
    }
    server {
        listen 127.0.0.1:$PORT;
        # certifica's own limit is --max-body (256 KiB): nginx refuses
        # larger bodies before they reach a node.
        client_max_body_size 256k;
        location / {
            proxy_pass http://certifica;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 35s;
            # A delivery is idempotent (a redelivery changes nothing), so a
            # POST that failed on one node may be tried on the other.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
        }
    }
}
CONF
"$NGINX" -t -q -c "$DIR/nginx.conf" -p "$DIR" 2>"$DIR/nginx-error.log" ||
	fail "nginx refuses the configuration, see $DIR/nginx-error.log"
"$NGINX" -c "$DIR/nginx.conf" -p "$DIR" 2>>"$DIR/nginx-error.log" &
NGINX_PID=$!
n=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || fail "nginx did not start, see $DIR/nginx-error.log"
	sleep 0.1
done

say "PostgreSQL $STORE ($DIR/pg)"
say "$NODES nodes behind nginx ($DIR/nginx.conf)"
say "webhook token in $DIR/webhook-token, staff token in $DIR/staff-token"
say "URL http://127.0.0.1:$PORT"
say "Ctrl-C stops the cluster"
while :; do
	sleep 1 &
	wait $!
done
