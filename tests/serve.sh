# serve_start STORE LOG [ARGS...]: start `certifica serve` on a free 127.0.0.1
# port with the archive in STORE, its stderr appended to LOG, and wait until
# /healthz answers. Sets PORT, URL and SERVE_PID; returns 1 (with the log's
# tail on stdout as comments) when it does not start. Uses $VALGRIND when set.
serve_start() {
	_store=$1 _log=$2
	shift 2
	# a second server of the same script must not draw the first one's port
	_serve_n=$((${_serve_n:-0} + 1))
	for _try in 1 2 3 4 5 6 7 8; do
		PORT=$(awk -v s="$$$_serve_n$_try" 'BEGIN { srand(s); print 20000 + int(rand() * 40000) }')
		# shellcheck disable=SC2086 # VALGRIND is a command with flags
		$VALGRIND "${CERTIFICA:-./certifica}" serve --listen "127.0.0.1:$PORT" \
			--store "$_store" "$@" 2>>"$_log" &
		SERVE_PID=$!
		_i=0
		while [ $_i -lt 300 ]; do
			if curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; then
				URL="http://127.0.0.1:$PORT"
				return 0
			fi
			kill -0 "$SERVE_PID" 2>/dev/null || break
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -9 "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
		SERVE_PID=
		tail -n 3 "$_log" | grep -q "cannot listen" || break
	done
	echo "# server did not start:"
	tail -n 20 "$_log" | sed 's/^/#   /'
	return 1
}

# serve_stop DESCRIPTION: stop the server started by serve_start as an
# operator does (SIGTERM), wait for it, and report as a test that it exited
# 0 (under valgrind: with no memory error or leak, --error-exitcode).
serve_stop() {
	[ -n "$SERVE_PID" ] || return 0
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	ok $? "${1:-the server} stops cleanly on SIGTERM"
	SERVE_PID=
}

# serve_in DIR STORE LOG [ARGS...]: serve_start with DIR (made when missing)
# as the server's working folder, as each node of a cluster has its own.
serve_in() {
	_dir=$1 _here=$(pwd)
	shift
	mkdir -p "$_dir" && cd "$_dir" || return 1
	serve_start "$@"
	_rc=$?
	cd "$_here" || return 1
	return $_rc
}
