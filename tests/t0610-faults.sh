#!/bin/sh
# Faults of the machine, as the server meets them: the store's disk full (a
# small tmpfs) or a file size limit (RLIMIT_FSIZE), a read-only store, an
# index locked by another process or damaged, a font or template missing or
# damaged. Each gets a clear answer or error naming what is wrong, leaves no
# half-written file, and the archive recovers once the fault is gone. Parts
# that need root (mount, chattr) say "# SKIP" without it.
. "$(dirname "$0")/lib.sh"
TOP_DIR=$(cd "$(dirname "$0")/.." && pwd)
FULL="$TMP/full"
MOUNTS=

SERVE_PID=
HOLD_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
	[ -n "$HOLD_PID" ] && kill -9 "$HOLD_PID" 2>/dev/null
	[ -n "$SERVE_PID$HOLD_PID" ] && sleep 0.2
	for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	chattr -i "$TMP/store" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v python3 >/dev/null || ! command -v sqlite3 >/dev/null; then
	echo "ok - # SKIP fault tests: python3 and sqlite3 are needed"
	exit 0
fi
ROOT=
[ "$(id -u)" = 0 ] && ROOT=1

# serve STORE ARGS...: start the server on a free port; sets PORT, URL, SERVE_PID.
serve() {
	s=$1
	shift
	serve_start "$s" "$TMP/serve.log" "$@"
}
# SIGTERM; the exit status.
stop() {
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	rc=$?
	SERVE_PID=
	return $rc
}
# post STORE USER-ID [big]: deliver the seed event for another user (big: with
# 100 managers of 300-character names, a PDF of about 50 KB); the status,
# body in $TMP/body, headers in $TMP/hdr.
post() {
	python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
d = doc["data"]
d["user"]["id"] = int(sys.argv[2])
cps = list(range(0x100, 0x17F)) + list(range(0x391, 0x3A2)) + list(range(0x3B1, 0x3C9)) + \
    list(range(0x410, 0x450))
def name(i):
    s = "".join(chr(cps[(i * 37 + k * 7) % len(cps)]) for k in range(280))
    return " ".join(s[j:j + 12] for j in range(0, len(s), 12))[:300]
if sys.argv[3:]:
    d["user"]["name"], d["course"]["name"], d["school"]["name"] = name(1), name(2), name(3)
    d["school"]["managers"] = [{"manager_id": i + 1, "manager_name": name(i + 10)} for i in range(100)]
sys.stdout.write(json.dumps(doc))' "$TESTDATA/seed-example.json" "$2" ${3:+"$3"} >"$TMP/event"
	curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' --max-time 30 \
		-H "Authorization: Bearer $(cat "$1/webhook-token")" --data-binary @"$TMP/event" \
		"$URL/webhooks"
}
hdr() { grep -i "^$1:" "$TMP/hdr" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
# consistent STORE: every PDF under pdf/ has its index row and every row its
# PDF (no temporary file, no PDF without a row, no row without a PDF).
consistent() {
	sqlite3 -cmd ".timeout 5000" "$1/index.sqlite" "SELECT pdf_path FROM revisions" |
		sort >"$TMP/rows" || return 1
	(cd "$1" && find pdf -type f 2>/dev/null) | sort >"$TMP/files"
	cmp -s "$TMP/rows" "$TMP/files"
}
# Every line of the store's audit logs is whole JSON.
audit_whole() {
	cat "$1"/audit/*.jsonl | python3 -c 'import json, sys
for line in sys.stdin:
    json.loads(line)'
}
# fails_clearly DESC PATTERN ARGS...: certifica ARGS exits 1 (not a crash,
# not still running after 20 s), saying PATTERN.
fails_clearly() {
	d=$1 pat=$2
	shift 2
	# shellcheck disable=SC2086 # VALGRIND is a command with flags
	timeout 20 $VALGRIND "${CERTIFICA:-./certifica}" "$@" >"$TMP/out" 2>&1
	rc=$?
	is "$rc" 1 "$d: exit 1"
	check "  saying: $pat" grep -q -e "$pat" "$TMP/out"
	[ "$rc" = 1 ] || sed 's/^/#   /' "$TMP/out" | head -n 5
}

# --- the store's disk is full: 503, no half file, recovery ---
if [ -n "$ROOT" ] && mkdir -p "$FULL" && mount -t tmpfs -o size=2m tmpfs "$FULL" 2>/dev/null; then
	MOUNTS="$FULL"
	S="$FULL/store"
	serve "$S" || { ok 1 "server starts on a 2 MB tmpfs"; done_testing; exit 1; }
	is "$(post "$S" 1)" 201 "disk full: a delivery before the disk fills: 201"
	head -c 4000000 /dev/zero >"$FULL/filler" 2>/dev/null
	is "$(post "$S" 2)" 503 "a delivery on a full disk: 503"
	is "$(hdr Retry-After)" 30 "  with Retry-After: 30"
	check "  and a JSON error" grep -q '"error":"cannot archive the certificate now, retry later"' "$TMP/body"
	# (the webhook's log line is written once its answer is sent: wait for it)
	check "  the log says why" wait_for "$TMP/serve.log" 'error: webhook 503 .*No space left on device'
	check "  no temporary file is left" sh -c '! find "$1" -name "*.tmp" | grep -q .' - "$S"
	check "  every PDF has its row and every row its PDF" consistent "$S"
	# Audit lines (of 400s, a body that is not JSON: nothing else is written;
	# failed sign-ins would be counted, not written) until one no longer fits
	# in the log's last page: it must not be left half-written.
	i=0
	while [ $i -lt 40 ]; do
		curl -s -o /dev/null -H "Authorization: Bearer $(cat "$S/webhook-token")" \
			--data-binary x "$URL/webhooks"
		i=$((i + 1))
	done
	check "the audit log on a full disk is logged as failing" \
		grep -q 'error: audit: cannot write audit log: No space left on device' "$TMP/serve.log"
	check "  and has only whole lines" audit_whole "$S"
	# Free a little more each time, so that the PDF, the index commit or the
	# audit line is the write that fails.
	bad=0 n201=0 n503=0
	for kb in 4 8 12 16 20 24 28 32 40 48 64; do
		sz=$(stat -c %s "$FULL/filler")
		truncate -s $((sz - kb * 1024)) "$FULL/filler"
		st=$(post "$S" $((100 + kb)))
		case $st in 201) n201=$((n201 + 1)) ;; 503) n503=$((n503 + 1)) ;; *) bad=$((bad + 1)) ;; esac
		consistent "$S" || bad=$((bad + 1))
		rm -f "$FULL/filler"
		head -c 4000000 /dev/zero >"$FULL/filler" 2>/dev/null
	done
	is "$bad" 0 "space running out in steps: 201 or 503 each time, the archive consistent after each ($n201 x 201, $n503 x 503)"
	echo "# failed writes seen: $(grep -o 'error: webhook 503 [^:]*: [a-z]* [a-z]*' "$TMP/serve.log" | sed 's/.*: //' | sort | uniq -c | tr '\n' ' ')"
	check "the audit log has only whole lines" audit_whole "$S"
	# Concurrent deliveries share index commits: with the space running out
	# under a group of them, each answer is 201 or 503, and a 201 is in the
	# index, a 503 is not; the archive stays consistent.
	bad=0 n201=0 n503=0 round=0
	for kb in 80 160 320 640; do
		round=$((round + 1))
		python3 "$TOP/tests/gen-events.py" 16 --seed 7 --offset $((1000 * round)) >"$TMP/group.jsonl"
		sz=$(stat -c %s "$FULL/filler")
		truncate -s $((sz - kb * 1024)) "$FULL/filler"
		timeout 60 python3 "$TOP/tests/webhook-client.py" post "$URL/webhooks" \
			"$(cat "$S/webhook-token")" "$TMP/group.jsonl" --threads 8 --barrier >"$TMP/group.out"
		while read -r line st id rest; do
			case $st in
			201)
				n201=$((n201 + 1))
				[ "$(sqlite3 -cmd ".timeout 5000" "$S/index.sqlite" "SELECT count(*) FROM revisions WHERE id = '$id'")" = 1 ] || bad=$((bad + 1)) ;;
			503) n503=$((n503 + 1)) ;;
			*) bad=$((bad + 1)) ;;
			esac
		done <"$TMP/group.out"
		[ "$(wc -l <"$TMP/group.out")" = 16 ] || bad=$((bad + 1))
		consistent "$S" || bad=$((bad + 1))
		rm -f "$FULL/filler"
		head -c 4000000 /dev/zero >"$FULL/filler" 2>/dev/null
	done
	echo "# failed writes seen now: $(grep -o 'error: webhook 503 [^:]*: [a-z]* [a-z]*' "$TMP/serve.log" | sed 's/.*: //' | sort | uniq -c | tr '\n' ' ')"
	is "$bad" 0 "groups of 8 concurrent deliveries as space runs out: each 201 in the index, each 503 not, consistent ($n201 x 201, $n503 x 503)"
	kill -0 "$SERVE_PID" 2>/dev/null
	ok $? "the server is still running"
	rm -f "$FULL/filler"
	is "$(post "$S" 2)" 201 "space is back: the refused delivery is archived (201)"
	check "  consistent" consistent "$S"
	stop
	is $? 0 "SIGTERM: exit 0"
	serve "$S" || { ok 1 "server restarts on the same store"; done_testing; exit 1; }
	ok 0 "a restart finds the store consistent and opens it"
	is "$(post "$S" 2)" 200 "  the archived delivery again: 200"
	check "  consistent" consistent "$S"
	stop

	umount "$FULL" && MOUNTS=
else
	echo "ok - # SKIP store folder full: cannot mount a tmpfs (needs root)"
fi

# --- a file size limit (ulimit -f): 503, never killed by SIGXFSZ ---
S="$TMP/limited-store"
serve "$S" || { ok 1 "server starts"; done_testing; exit 1; }
is "$(post "$S" 1)" 201 "file size limit: a delivery without a limit: 201"
stop
cat >"$TMP/limited" <<'EOF'
#!/bin/sh
# Run a program with its files limited to 40 KB (RLIMIT_FSIZE): room for the
# index's shared memory file (32 KB), not for a 50 KB PDF.
# Python ignores SIGXFSZ and SIGPIPE and exec would pass that on: undo it.
exec python3 -c 'import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (40960, 40960))
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
EOF
chmod +x "$TMP/limited"
SAVED_VALGRIND=$VALGRIND
VALGRIND="$TMP/limited" # valgrind's own files would pass the limit too
serve "$S" || { ok 1 "server starts with files limited to 40 KB"; done_testing; exit 1; }
VALGRIND=$SAVED_VALGRIND
is "$(post "$S" 2 big)" 503 "a delivery whose PDF would pass the 40 KB limit: 503"
check "  the log says why" wait_for "$TMP/serve.log" \
	"error: webhook 503 .*cannot write '$S/pdf/.*\.tmp': File too large"
kill -0 "$SERVE_PID" 2>/dev/null
ok $? "  the server is not killed by SIGXFSZ"
check "  consistent" consistent "$S"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200 "  healthz still answers"
kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
serve "$S" || { ok 1 "server restarts without the limit"; done_testing; exit 1; }
is "$(post "$S" 2 big)" 201 "without the limit, after kill -9: the delivery is archived (201)"
check "  consistent" consistent "$S"
stop

# --- a read-only store folder: /healthz 503 ---
# As root, a read-only bind mount over the folder (the files the server has
# open stay writable through their descriptors; new files cannot be made),
# else chattr +i; chmod without root.
S="$TMP/store"
serve "$S" || { ok 1 "server starts"; done_testing; exit 1; }
how=
if [ -n "$ROOT" ]; then
	if mount --bind "$S" "$S" 2>/dev/null; then
		MOUNTS="$S"
		if mount -o remount,bind,ro "$S" 2>/dev/null; then
			how="a read-only bind mount"
		else
			umount "$S"
			MOUNTS=
		fi
	fi
	[ -z "$how" ] && chattr +i "$S" 2>/dev/null && how="chattr +i"
else
	chmod 0555 "$S" && how="chmod 0555"
fi
if [ -n "$how" ]; then
	is "$(curl -s -o "$TMP/body" -w '%{http_code}' "$URL/healthz")" 503 "store folder made read-only ($how): healthz 503"
	check "  saying why" grep -q '"status":"unavailable","error":"store is not writable: ' "$TMP/body"
	check "  and logging it" grep -q "error: healthz: store '$S' is not writable: " "$TMP/serve.log"
	if [ "$how" = "a read-only bind mount" ]; then
		is "$(post "$S" 3)" 503 "  a delivery to it: 503"
		check "  consistent" consistent "$S"
		umount "$S"
		MOUNTS=
	elif [ -n "$ROOT" ]; then
		chattr -i "$S"
	else
		chmod 0750 "$S"
	fi
	is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200 "  writable again: healthz 200"
else
	echo "ok - # SKIP read-only store folder: neither a bind mount nor chattr +i works here"
fi
is "$(post "$S" 1)" 201 "a certificate for the index tests: 201"
is "$(post "$S" 2)" 201 "and another: 201"
stop

# --- a delivery waiting on the index holds no connection thread ---
# Another process holds the index's write lock for 3 s (less than the 5 s a
# put waits for it). With one connection thread and a connection timeout of
# 1 s, the delivery waits on its webhook worker, its connection suspended:
# /healthz is answered meanwhile, and the delivery gets its 201 when the lock
# goes, though it waited longer than the connection timeout.
serve "$S" --threads 1 --connection-timeout 1 ||
	{ ok 1 "server starts with --threads 1"; done_testing; exit 1; }
: >"$TMP/writing"
python3 -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(3)
db.execute("COMMIT")
print("released", flush=True)' "$S/index.sqlite" >"$TMP/writing" &
HOLD_PID=$!
i=0
while ! grep -q held "$TMP/writing" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
(st=$(post "$S" 4); echo "$st $(date +%s%N)" >"$TMP/late") &
LATE_PID=$!
sleep 0.5
hz=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$URL/healthz")
hz_at=$(date +%s%N)
wait "$LATE_PID"
wait "$HOLD_PID"
HOLD_PID=
is "$hz" 200 "while a delivery waits on the index, /healthz answers on the one thread: 200"
is "$(cut -d' ' -f1 "$TMP/late")" 201 \
	"the delivery is answered 201 once the lock goes, after more than the connection timeout"
ok "$([ "$hz_at" -lt "$(cut -d' ' -f2 "$TMP/late")" ]; echo $?)" \
	"  and /healthz was answered before it"
check "  consistent" consistent "$S"
stop

# --- the index locked by another process, or damaged: exit 1 at start ---
I="$S/index.sqlite"
cp "$I" "$TMP/good.sqlite"
(cd "$S" && find pdf -type f -exec sha256sum {} +) | sort >"$TMP/pdfs-before"
same_pdfs() { (cd "$S" && find pdf -type f -exec sha256sum {} +) | sort | cmp -s - "$TMP/pdfs-before"; }

# hold WHAT FILE: another process holds the store's lock file ("flock") or
# the index itself ("sqlite", exclusive locking mode) until killed.
hold() {
	: >"$TMP/held"
	python3 -c 'import fcntl, sqlite3, sys, time
if sys.argv[1] == "flock":
    f = open(sys.argv[2])
    fcntl.flock(f, fcntl.LOCK_EX)
else:
    db = sqlite3.connect(sys.argv[2], isolation_level=None)
    db.execute("PRAGMA locking_mode = EXCLUSIVE")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("SELECT count(*) FROM sqlite_schema").fetchall()
print("held", flush=True)
time.sleep(60)' "$1" "$2" >"$TMP/held" &
	HOLD_PID=$!
	i=0
	while ! grep -q held "$TMP/held" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
release() {
	kill "$HOLD_PID"
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=
}
hold flock "$S/lock"
fails_clearly "store locked by another process" "store '$S' is locked by another process" \
	serve --store "$S" --listen 127.0.0.1:1
release
hold sqlite "$I"
fails_clearly "index locked by another process (sqlite3 holding it)" \
	"index '$I' is locked by another process" serve --store "$S" --listen 127.0.0.1:1
release
check "  the index is untouched" cmp -s "$I" "$TMP/good.sqlite"

printf 'this is not an index at all' | dd of="$I" conv=notrunc 2>/dev/null
cp "$I" "$TMP/bad.sqlite"
fails_clearly "index with a damaged header" "index '$I' is damaged: file is not a database" \
	serve --store "$S" --listen 127.0.0.1:1
check "  the damaged index is left as it was" cmp -s "$I" "$TMP/bad.sqlite"
check "  and every PDF too" same_pdfs
pages=$(($(stat -c %s "$TMP/good.sqlite") / 4096))
for pg in 1 $((pages / 2)) $((pages - 1)); do
	cp "$TMP/good.sqlite" "$I"
	python3 -c 'import sys
f = open(sys.argv[1], "r+b")
f.seek(4096 * int(sys.argv[2]))
f.write(b"\xa5" * 4096)' "$I" "$pg"
	cp "$I" "$TMP/bad.sqlite"
	fails_clearly "index with page $((pg + 1)) of $pages overwritten" "index '$I' is damaged: " \
		serve --store "$S" --listen 127.0.0.1:1
	check "  the damaged index is left as it was" cmp -s "$I" "$TMP/bad.sqlite"
	check "  and every PDF too" same_pdfs
done
: >"$I"
fails_clearly "an empty index while pdf/ holds certificates" \
	"index '$I' is empty but '$S/pdf' holds certificates" serve --store "$S" --listen 127.0.0.1:1
is "$(stat -c %s "$I")" 0 "  no fresh index is written over it"
rm -f "$I"
fails_clearly "no index while pdf/ holds certificates" \
	"index '$I' is missing but '$S/pdf' holds certificates" serve --store "$S" --listen 127.0.0.1:1
check "  no fresh index is made" test ! -e "$I"
check "  every PDF is kept" same_pdfs
cp "$TMP/good.sqlite" "$I"
serve "$S" || { ok 1 "the good index is back: the server starts"; done_testing; exit 1; }
ok 0 "the good index is back: the server starts"
is "$(post "$S" 2)" 200 "  and knows its certificates (200)"
stop

# --- a font or template missing or damaged: exit 1 naming it ---
H="$TMP/home"
mkdir -p "$H/fonts"
cp -R "$TOP_DIR/templates" "$H/"
for f in "$TOP_DIR"/fonts/*.ttf "$TOP_DIR"/fonts/*.icc; do cp -L "$f" "$H/fonts/"; done
export CERTIFICA_HOME="$H"
# both DESC PATTERN: serve and render refuse, each naming the file.
both() {
	fails_clearly "$1: serve" "$2" serve --store "$TMP/fstore" --listen 127.0.0.1:1
	rm -f "$TMP/x.pdf"
	fails_clearly "$1: render" "$2" render "$TESTDATA/seed-example.json" -o "$TMP/x.pdf"
	check "  no PDF is written" test ! -e "$TMP/x.pdf"
}
restore() {
	rm -rf "$H/templates" "$H/fonts"/*.ttf "$H/fonts"/*.icc
	cp -R "$TOP_DIR/templates" "$H/"
	for f in "$TOP_DIR"/fonts/*.ttf "$TOP_DIR"/fonts/*.icc; do cp -L "$f" "$H/fonts/"; done
}
cert render "$TESTDATA/seed-example.json" -o "$TMP/x.pdf" >/dev/null 2>&1
ok $? "the copied templates and fonts render"

rm "$H/fonts/DejaVuSerif-Italic.ttf"
both "a font missing" "font file 'DejaVuSerif-Italic.ttf' not found"
restore
: >"$H/fonts/DejaVuSerif-Bold.ttf"
both "an empty font file" "'DejaVuSerif-Bold.ttf' is not a TrueType font"
restore
head -c 5000 "$TOP_DIR/fonts/DejaVuSerif.ttf" >"$H/fonts/DejaVuSerif.ttf"
both "a truncated font" "font '$H/fonts/DejaVuSerif.ttf': damaged or empty face"
restore
# Its character map overwritten: HarfBuzz opens the face but cannot subset it.
python3 -c 'import struct, sys
f = open(sys.argv[1], "r+b")
data = f.read()
for i in range(struct.unpack(">H", data[4:6])[0]):
    tag, _, off, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
    if tag == b"cmap":
        f.seek(off)
        f.write(b"\xff" * length)' "$H/fonts/DejaVuSerif.ttf"
both "a font with a damaged table" "font '$H/fonts/DejaVuSerif.ttf': damaged"
restore
rm "$H/fonts/sRGB.icc"
both "the colour profile of PDF/A missing" "colour profile '$H/fonts/sRGB.icc' for PDF/A is missing"
restore
rm "$H/templates/participation.pt-BR.json"
fails_clearly "a template missing: serve" "template 'participation' not found (looked for '$H/templates/participation.pt-BR.json'" \
	serve --store "$TMP/fstore" --listen 127.0.0.1:1
restore
rm "$H/templates/achievement.pt-BR.json"
both "the template of the event missing" "template 'achievement' not found (looked for '$H/templates/achievement.pt-BR.json'"
restore
head -c 300 "$TOP_DIR/templates/achievement.pt-BR.json" >"$H/templates/achievement.pt-BR.json"
both "a truncated template" "$H/templates/achievement.pt-BR.json: not valid JSON near line"
restore
sed 's/"font": *"title"/"font": "titel"/' "$TOP_DIR/templates/achievement.pt-BR.json" >"$H/templates/achievement.pt-BR.json"
both "a template naming an unknown font role" "$H/templates/achievement.pt-BR.json: elements\[[0-9]*\].font: unknown font role 'titel'"
restore
serve "$TMP/fstore" || { ok 1 "restored: the server starts"; done_testing; exit 1; }
ok 0 "templates and fonts restored: the server starts"
stop
unset CERTIFICA_HOME

done_testing
