#!/bin/sh
# One test program of tests/run.sh: DIR N runs the Nth line of DIR/list,
# "KIND|NAME|TZ|CLOCK|PATH" (KIND unit, script or dated), from the top of
# the repository, its output in DIR/N.log, exit status in DIR/N.rc and the
# seconds it took in DIR/N.secs.
dir=$1 n=$2
line=$(sed -n "${n}p" "$dir/list")
IFS='|' read -r kind name tz clock path <<EOF
$line
EOF
started=$(date +%s)
cd "$TOP" || exit 1
case "$kind" in
unit) $VALGRIND "$path" >"$dir/$n.log" 2>&1 ;;
script) sh "$path" >"$dir/$n.log" 2>&1 ;;
dated) TZ=$tz TEST_CLOCK=$clock $UNFAKE faketime "$clock" sh "$path" >"$dir/$n.log" 2>&1 ;;
esac
echo $? >"$dir/$n.rc"
echo $(($(date +%s) - started)) >"$dir/$n.secs"
