#!/bin/sh
# The pages in a real browser: headless Chromium, driven by its own flags
# (--dump-dom, --screenshot, --log-net-log), signs in with HTTP Basic
# credentials in the URL, searches and sees the result row, follows the PDF
# link and receives application/pdf, and reads "válido" on a verification
# page. Screenshots (desktop and phone widths) are kept in build/browser/.
# Without a Chromium that runs, every check is reported as skipped.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE="$TMP/store"
SHOTS=build/browser
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}

skip_all() {
	echo "ok 1 - # SKIP $1"
	exit 0
}
[ -n "$CHROMIUM" ] || skip_all "no chromium (make deps installs the Debian package chromium)"

# browser OUT FLAGS... URL: one headless run with a fresh profile; stdout in OUT.
N_RUN=0
browser() {
	out=$1
	shift
	N_RUN=$((N_RUN + 1))
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --hide-scrollbars --accept-lang=pt-BR \
		--user-data-dir="$TMP/profile-$N_RUN" "$@" >"$out" 2>>"$TMP/chromium.log"
}
shot() { # NAME WIDTH,HEIGHT URL
	rm -f "$SHOTS/$1.png"
	browser "$TMP/shot.out" --screenshot="$SHOTS/$1.png" --window-size="$2" "$3"
	check "screenshot $SHOTS/$1.png ($2)" sh -c \
		'[ "$(head -c 8 "$1" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ] &&
		 [ "$(wc -c <"$1")" -gt 8000 ]' - "$SHOTS/$1.png"
}

# Can this Chromium run at all here?
mkdir -p "$SHOTS"
printf '<!DOCTYPE html><title>t</title><p>chromium runs</p>\n' >"$TMP/probe.html"
browser "$TMP/probe.out" --dump-dom "file://$TMP/probe.html"
grep -q 'chromium runs' "$TMP/probe.out" ||
	skip_all "chromium does not run here: $(grep -v -i dbus "$TMP/chromium.log" | tail -n 1)"
ok 0 "headless chromium runs ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"

# An archive with two students, a staff account, the server.
sed -e 's/"User Name"/"João da Silva"/' -e 's/"Course Name"/"Gestão Escolar"/' \
	-e 's/"XXX.XXX.XXX-XX"/"529.982.247-25"/' "$TESTDATA/seed-example.json" | tr -d '\n' >"$TMP/ev.jsonl"
echo >>"$TMP/ev.jsonl"
tr -d '\n' <"$TESTDATA/participation-accented.json" >>"$TMP/ev.jsonl"
echo >>"$TMP/ev.jsonl"
cert import "$TMP/ev.jsonl" --store "$STORE" >/dev/null 2>&1
is $? 0 "two certificates archived"
TOKEN=$(cert staff add maria --store "$STORE" 2>/dev/null | grep -oE '[A-Za-z0-9_-]{43}' | head -n 1)
is "${#TOKEN}" 43 "a staff token"
serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"
STAFF="http://maria:$TOKEN@127.0.0.1:$PORT"

# --- sign in and search ---
browser "$TMP/search.html" --dump-dom "$STAFF/?q=joao"
check "the search page loads in the browser" grep -q '<h1>Certificados</h1>' "$TMP/search.html"
ROW=$(grep -o '<tr><td data-label="Nome"><a href="/certificates/[a-z2-7]*"><bdi>João da Silva</bdi></a>' \
	"$TMP/search.html" | head -n 1)
check "the result row lists João da Silva" test -n "$ROW"
ID=$(printf %s "$ROW" | sed 's|.*/certificates/\([a-z2-7]*\)".*|\1|')
check "... with course, type and status in the row" \
	grep -q "Gestão Escolar</bdi></td><td[^>]*>Aproveitamento</td>.*válido" "$TMP/search.html"
HREF=$(grep -o "href=\"/certificates/$ID.pdf\"" "$TMP/search.html" | head -n 1 | cut -d'"' -f2)
is "$HREF" "/certificates/$ID.pdf" "the row links to the PDF"

# --- follow the PDF link ---
browser "$TMP/pdf.html" --log-net-log="$TMP/net.json" --dump-dom "$STAFF$HREF"
check "the browser received the PDF as application/pdf" \
	grep -q '"Content-Type: application/pdf"' "$TMP/net.json"
check "... with status 200" grep -q '"HTTP/1.1 200 OK"' "$TMP/net.json"
check "... and showed it, not a text or error page" sh -c \
	'! grep -q -e "<pre" -e "error" "$1" && grep -q "<body" "$1"' - "$TMP/pdf.html"
rm -f "$TMP/net.json"

# --- the details page and the public verification page ---
browser "$TMP/cert.html" --dump-dom "$STAFF/certificates/$ID"
check "the details page lists revision 1 and the revoke form" \
	grep -q "href=\"/certificates/$ID/r1.pdf\".*action=\"/certificates/$ID/revoke\"" "$TMP/cert.html"
CODE=$(grep -o 'href="/verify/[A-Z0-9-]*"' "$TMP/cert.html" | head -n 1 | sed 's|.*/verify/||; s|"||')
check "... and links to the public verification page" test -n "$CODE"
browser "$TMP/verify.html" --dump-dom "http://127.0.0.1:$PORT/verify/$CODE"
check "the verification page names the holder" grep -q '<strong><bdi>João da Silva</bdi></strong>' \
	"$TMP/verify.html"
check "... and says válido" grep -q 'Situação: válido' "$TMP/verify.html"
check "... without the e-mail or the CPF" sh -c \
	'! grep -q -e "user@example.com" -e "529.982.247-25" "$1"' - "$TMP/verify.html"

# --- screenshots: desktop and phone widths ---
shot search-desktop 1280,900 "$STAFF/"
shot search-phone 390,1200 "$STAFF/"
shot certificate-desktop 1280,1100 "$STAFF/certificates/$ID"
shot certificate-phone 390,1600 "$STAFF/certificates/$ID"
shot verify-desktop 1280,900 "http://127.0.0.1:$PORT/verify/$CODE"
shot verify-phone 390,1100 "http://127.0.0.1:$PORT/verify/$CODE"
shot verify-form-phone 390,700 "http://127.0.0.1:$PORT/verify"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
is $? 0 "SIGTERM: exit 0"
SERVE_PID=
done_testing
