# A throwaway PostgreSQL 15 for the tests (sourced): pg_start initdb's a
# cluster as the unprivileged user nobody (initdb refuses root) in a folder of
# its own, starts it on a free 127.0.0.1 port with trust authentication for
# 127.0.0.1 only, and sets PG_PORT and PG_URI (a database made by pg_newdb);
# pg_stop stops it and removes the folder (also called by the EXIT trap the
# caller sets with pg_trap). Fails loudly, never skips, when it cannot start.
PG_BIN=
for _d in /usr/local/bin /usr/lib/postgresql/15/bin; do
	[ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && { PG_BIN=$_d; break; }
done
PG_PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
PG_DIR= PG_PORT= PG_URI=

pg_as() { # run a PostgreSQL program as the cluster's owner
	if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

pg_start() {
	if [ -z "$PG_BIN" ]; then
		echo "# PostgreSQL 15 not found (install the postgresql package)"
		return 1
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/certifica-pg-XXXXXX")
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown nobody "$PG_DIR"
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
		echo "# initdb failed:"; sed 's/^/#   /' "$PG_DIR/initdb.log" | tail -n 5
		return 1
	fi
	# Trust on 127.0.0.1 only: no other address, no socket outside the folder.
	printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$PG_DIR/data/pg_hba.conf"
	for _try in 1 2 3 4 5; do
		PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		if pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
			-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on" \
			start >/dev/null 2>&1; then
			PG_URI="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
			return 0
		fi
	done
	echo "# PostgreSQL did not start:"; tail -n 5 "$PG_DIR/server.log" 2>/dev/null | sed 's/^/#   /'
	return 1
}

# pg_newdb NAME: a fresh database; sets PG_URI to it.
pg_newdb() {
	pg_sql postgres "CREATE DATABASE \"$1\"" || return 1
	PG_URI="postgresql://postgres@127.0.0.1:$PG_PORT/$1"
}

# pg_sql DB SQL: one statement, unaligned rows on stdout.
pg_sql() {
	"$PG_PSQL" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -c "$2"
}

pg_halt() { # stop the server (fast), keeping its data
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
}

pg_resume() { # start it again on the same port
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null 2>&1
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	[ -d "$PG_DIR/data" ] && pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
		>/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_trap: stop PostgreSQL and remove the test's folder at exit.
pg_trap() {
	trap 'pg_stop; rm -rf "$TMP"' EXIT
	trap 'exit 1' INT TERM
}
