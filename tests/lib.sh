# Helpers for the integration scripts: TAP-like lines, a temporary folder that
# is removed at exit, and the program under test ($CERTIFICA, under $VALGRIND
# when set).
: "${CERTIFICA:=./certifica}"
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TESTDATA:=$TOP/tests/data}"
T_N=0
T_FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { # status description
	T_N=$((T_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}
check() { # description command...
	d=$1; shift
	"$@" >/dev/null 2>&1
	ok $? "$d"
}
try() { # description command...: like check, and when it fails, shows what the command said
	d=$1; shift
	_out=$("$@" 2>&1)
	_st=$?
	ok $_st "$d"
	[ "$_st" = 0 ] || [ -z "$_out" ] || printf '%s\n' "$_out" | sed 's/^/#   /'
}
is() { # got want description
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi
}
cert() { $VALGRIND "$CERTIFICA" "$@"; }

# past_reset CMD...: what CMD prints (curl's %{http_code} for a body over a
# limit), tried again when the answer was lost. The server answers 413 and
# closes while the client is still sending (SPEC: without reading the
# rest); the reset that close causes can reach curl before curl has read the
# answer, and curl then reports the last status it did read (100, or 000).
# That is TCP's doing, not the server's, so a lost answer is tried again,
# twice: any other answer, or none three times, is what the caller sees.
past_reset() {
	for _try in 1 2 3; do
		_st=$("$@")
		case "$_st" in 100 | 000) continue ;; esac
		break
	done
	echo "$_st"
}
# pdf_hashes STORE: each revision's id, number and its file's SHA-256, of a
# folder store (certifica copy's tests compare two).
pdf_hashes() {
	sqlite3 -readonly "$1/index.sqlite" \
		"SELECT id, revision, pdf_path FROM revisions ORDER BY id, revision" |
		while IFS='|' read -r _id _rev _path; do
			echo "$_id $_rev $(sha256sum <"$1/$_path" | cut -d' ' -f1)"
		done
}
done_testing() { echo "# $T_N tests, $T_FAILED failed"; [ "$T_FAILED" = 0 ]; }
. "$(dirname "$0")/serve.sh"
# wait_for FILE PATTERN [SECONDS]: 0 once grep finds PATTERN in FILE (a log
# that another process is still writing), 1 after SECONDS (default 10).
wait_for() {
	_n=$((${3:-10} * 10))
	while [ "$_n" -gt 0 ]; do
		grep -q -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# Dates as the program shows them. Every time the program stores or prints is
# UTC, whatever TZ says.
# utc_epoch "YYYY-MM-DD HH:MM:SS" (UTC): seconds since 1970.
utc_epoch() { date -u -d "$1" +%s; }
# now_epoch: seconds since 1970 on the clock the program sees (faked or not).
now_epoch() { date -u +%s; }
# date_pt "YYYY-MM-DD[ ...]": the date as pt-BR pages print it, day 1 as "1º":
# "1º de dezembro de 2026", "29 de fevereiro de 2028".
date_pt() {
	echo "$1" | awk -F'[- ]' '{
		split("janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro", m, " ")
		d = $3 + 0
		printf "%s de %s de %d\n", d == 1 ? "1º" : d, m[$2 + 0], $1 }'
}
# in_window "YYYY-MM-DD HH:MM:SS" FROM TO: 0 when that UTC time lies within
# [FROM, TO] (epoch seconds), else 1, saying where it lies.
in_window() {
	_t=$(utc_epoch "$1") || return 1
	[ "$_t" -ge "$2" ] && [ "$_t" -le "$3" ] && return 0
	echo "'$1' UTC ($_t) is outside [$2, $3] ($(date -u -d "@$2" '+%F %T') .. $(date -u -d "@$3" '+%F %T'))"
	return 1
}
# The clock the test runs under: tests/run.sh sets TEST_CLOCK (a date that
# `date -d` reads, e.g. "2026-12-31 23:59:59 UTC") when it runs a script under
# faketime. clock_is_faked checks the clock really starts there.
clock_is_faked() {
	[ -n "${TEST_CLOCK:-}" ] || return 0
	_start=$(date -u -d "$TEST_CLOCK" +%s) || return 1
	_now=$(now_epoch)
	[ "$_now" -ge "$_start" ] && [ "$_now" -lt $((_start + 3600)) ] && return 0
	echo "clock says $(date -u '+%F %T') UTC, want $TEST_CLOCK"
	return 1
}
