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
is() { # got want description
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi
}
cert() { $VALGRIND "$CERTIFICA" "$@"; }
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
