#!/bin/sh
# "Check this PDF" (POST /verify/check), as a verifier holding a file meets it:
# the archived file, sent raw or uploaded from the /verify form, is named with
# its code, revision and status; an earlier rendering (replaced by rerender) is
# recognised as such; a changed copy, a superseded or revoked certificate say
# so; a non-PDF is 400, a wrong content type 415, 6 MB 413.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE="$TMP/store"
DATA="$TOP/tests/data"

# req CURL-ARGS...: the status; body in $TMP/body.
req() { : >"$TMP/body"; curl -s -o "$TMP/body" -w "%{http_code}" "$@"; }
check_raw() { req -X POST -H "Content-Type: application/pdf" --data-binary "@$1" "$URL/verify/check"; }
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$TMP/body" "$1"; }
code_of() { sqlite3 "$STORE/index.sqlite" "SELECT code FROM revisions WHERE revision = $1"; }
file_of() { echo "$STORE/$(sqlite3 "$STORE/index.sqlite" "SELECT pdf_path FROM revisions WHERE revision = $1")"; }

cert import "$DATA/participation-accented.json" --store "$STORE" >/dev/null 2>&1
is $? 0 "an event archived"
R1=$(file_of 1)
C1=$(code_of 1)
cp "$R1" "$TMP/r1.pdf"

serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts"; done_testing; exit 1; }

is "$(check_raw "$TMP/r1.pdf")" 200 "the archived file, sent raw: 200"
is "$(field match)" archived "it is the archived file"
is "$(field verification_code)" "$C1" "named by its code"
is "$(field revision)" 1 "revision 1"
is "$(field status)" valid "valid"
NAME=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["user"]["name"])' "$DATA/participation-accented.json")
is "$(field holder_name)" "$NAME" "with the holder's name"
is "$(field sha256)" "$(sha256sum "$TMP/r1.pdf" | cut -c1-64)" "and the file's SHA-256"
check "and the verification URL" grep -q "/verify/$C1\"" "$TMP/body"

# The /verify form offers the upload; a browser posts the form.
req "$URL/verify" >/dev/null
check "the /verify page offers a file upload to /verify/check" \
	grep -q 'action="/verify/check" enctype="multipart/form-data"' "$TMP/body"
st=$(req -H "Accept: text/html" -F "file=@$TMP/r1.pdf;type=application/pdf" "$URL/verify/check")
is "$st" 200 "the form upload: 200"
check "the page says it is exactly the certificate issued here" \
	grep -q "exatamente o certificado emitido aqui (revisão <bdi>1</bdi>)" "$TMP/body"
check "the page links to the verification page" grep -q "href=\"/verify/$C1\"" "$TMP/body"
check "the page names the holder" grep -q "<bdi>$NAME</bdi>" "$TMP/body"
st=$(req -H "Accept: text/html" -F "file=@$TMP/r1.pdf" "$URL/verify/check?lang=en")
check "in English" grep -q "exactly the certificate issued here (revision <bdi>1</bdi>), unchanged" "$TMP/body"
st=$(req -F "file=@$TMP/r1.pdf" -H "Accept: application/json" "$URL/verify/check")
is "$(field match)" archived "a form upload asking for JSON gets JSON"

# A changed copy: one byte of the file changed, and bytes appended.
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1
open(sys.argv[2], "wb").write(b)' "$TMP/r1.pdf" "$TMP/changed.pdf"
check_raw "$TMP/changed.pdf" >/dev/null
is "$(field match)" none "one changed byte: not this file"
is "$(field message)" "not issued here, or changed since" "saying so"
check "no certificate is named" sh -c "! grep -q verification_code '$TMP/body'"
{ cat "$TMP/r1.pdf"; echo "% appended"; } >"$TMP/appended.pdf"
check_raw "$TMP/appended.pdf" >/dev/null
is "$(field match)" none "bytes appended: not this file"
st=$(req -H "Accept: text/html" -F "file=@$TMP/changed.pdf" "$URL/verify/check")
check "the page says not issued here, or changed" \
	grep -q "não foi emitido aqui, ou foi alterado depois de emitido" "$TMP/body"

# Not a PDF, the wrong type, too large, a form without a file.
printf 'hello, not a pdf\n' >"$TMP/text.pdf"
is "$(check_raw "$TMP/text.pdf")" 400 "not a PDF: 400"
check "saying it is not a PDF" grep -q '"error":"not a PDF' "$TMP/body"
st=$(req -H "Accept: text/html" -F "file=@$TMP/text.pdf" "$URL/verify/check")
is "$st" 400 "not a PDF from the form: 400"
check "a page saying so" grep -q "Isto não é um arquivo PDF" "$TMP/body"
is "$(req -X POST -H "Content-Type: text/plain" --data-binary "@$TMP/r1.pdf" "$URL/verify/check")" \
	415 "text/plain: 415"
is "$(req -H "Accept: application/json" -F "name=value" "$URL/verify/check")" 400 \
	"a form without a file: 400"
check "saying there is no file" grep -q "no file" "$TMP/body"
python3 -c 'open("'"$TMP"'/big.pdf", "wb").write(b"%PDF-1.4\n" + b"0" * (6 << 20))'
is "$(past_reset check_raw "$TMP/big.pdf")" 413 "6 MB: 413"
check "naming the 5 MB limit" grep -q "larger than 5242880 bytes" "$TMP/body"
python3 -c 'open("'"$TMP"'/five.pdf", "wb").write(b"%PDF-1.4\n" + b"0" * ((5 << 20) - 100))'
is "$(check_raw "$TMP/five.pdf")" 200 "just under 5 MB is read"
is "$(field match)" none "and is not an archived file"
is "$(req -L "$URL/verify/check?lang=en")" 200 "GET /verify/check (a result page's language link) leads to the form"
check "in that language, with the upload" grep -q 'action="/verify/check?lang=en"' "$TMP/body"

# An earlier rendering: rerender with a changed template replaces the file.
serve_stop
mkdir -p "$TMP/tpl"
sed 's/"Certificamos que"/"Certificamos, para os devidos fins, que"/' "$TOP/templates/participation.pt-BR.json" \
	>"$TMP/tpl/participation.pt-BR.json"
ln -s "$TOP/fonts"/* "$TMP/tpl/"
cert rerender --template "$TMP/tpl/participation.pt-BR.json" --store "$STORE" >/dev/null 2>"$TMP/rr.err"
is $? 0 "rerender with a changed template"
R1b=$(file_of 1)
check "the file was replaced by one with other bytes" sh -c "! cmp -s '$R1b' '$TMP/r1.pdf'"
serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts again"; done_testing; exit 1; }
check_raw "$TMP/r1.pdf" >/dev/null
is "$(field match)" earlier_rendering "the old file: an earlier rendering"
is "$(field revision)" 1 "of revision 1"
is "$(field verification_code)" "$C1" "same code"
st=$(req -H "Accept: text/html" -F "file=@$TMP/r1.pdf" "$URL/verify/check")
check "the page says an earlier rendering of revision 1" \
	grep -q "versão anterior do PDF da revisão <bdi>1</bdi>" "$TMP/body"
check_raw "$R1b" >/dev/null
is "$(field match)" archived "the new file is the archived one"

# A newer revision supersedes revision 1; revoking covers every revision.
python3 -c '
import json, sys
e = json.load(open(sys.argv[1])); e["data"]["course"]["name"] += " (2ª edição)"
json.dump(e, open(sys.argv[2], "w"), ensure_ascii=False)' "$DATA/participation-accented.json" "$TMP/r2.json"
serve_stop
cert import "$TMP/r2.json" --store "$STORE" >/dev/null 2>&1
serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts again"; done_testing; exit 1; }
is "$(sqlite3 "$STORE/index.sqlite" "SELECT latest FROM certificates")" 2 "a second revision"
check_raw "$R1b" >/dev/null
is "$(field status)" superseded "revision 1's file: superseded"
is "$(field latest_revision)" 2 "by revision 2"
check_raw "$(file_of 2)" >/dev/null
is "$(field status)" valid "revision 2's file: valid"
is "$(field verification_code)" "$(code_of 2)" "with revision 2's code"
serve_stop
cert revoke "$C1" --reason "emitido por engano" --store "$STORE" >/dev/null 2>&1
is $? 0 "revoked"
serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts again"; done_testing; exit 1; }
check_raw "$(file_of 2)" >/dev/null
is "$(field status)" revoked "a revoked certificate's file: revoked"
check "with the date" grep -q '"revoked_at":"20' "$TMP/body"
st=$(req -H "Accept: text/html" -F "file=@$(file_of 2)" "$URL/verify/check")
check "the page says revoked, with the reason" grep -q "revogado em .*emitido por engano" "$TMP/body"

check_raw "$(file_of 2)" >/dev/null
check "an unsigned archive's file: no signature in the answer" sh -c "! grep -q signature '$TMP/body'"
serve_stop

# A signed archive: the answer says whether the signature verifies and covers the file.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=Escola Assinante" -keyout "$TMP/k.pem" -out "$TMP/c.pem" 2>/dev/null
S2="$TMP/signed"
cert import "$DATA/participation-accented.json" --store "$S2" --sign-cert "$TMP/c.pem" \
	--sign-key "$TMP/k.pem" >/dev/null 2>&1
is $? 0 "an event archived with a signing key"
SF="$S2/$(sqlite3 "$S2/index.sqlite" "SELECT pdf_path FROM revisions")"
serve_start "$S2" "$TMP/serve.log" || { ok 1 "server starts on the signed archive"; done_testing; exit 1; }
sig() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])).get("signature"); print("none" if s is None else "%s %s %s" % (s["valid"], s["whole_file"], s.get("signer", "")))' "$TMP/body"; }
check_raw "$SF" >/dev/null
is "$(field match)" archived "the signed file: archived"
is "$(sig)" "True True Escola Assinante" "its signature verifies, covers the whole file, names the signer"
st=$(req -H "Accept: text/html" -F "file=@$SF" "$URL/verify/check")
check "the page says so" grep -q "Assinatura digital válida, cobrindo o arquivo inteiro (assinado por <bdi>Escola Assinante</bdi>)" "$TMP/body"
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[200] ^= 1
open(sys.argv[2], "wb").write(b)' "$SF" "$TMP/sig-changed.pdf"
check_raw "$TMP/sig-changed.pdf" >/dev/null
is "$(field match)" none "a changed byte: not the archived file"
is "$(sig)" "False False Escola Assinante" "and its signature no longer verifies"
{ cat "$SF"; printf '%% added later\n'; } >"$TMP/sig-appended.pdf"
check_raw "$TMP/sig-appended.pdf" >/dev/null
is "$(sig)" "True False Escola Assinante" "bytes appended: the signature verifies but does not cover the file"
st=$(req -H "Accept: text/html" -F "file=@$TMP/sig-appended.pdf" "$URL/verify/check")
check "the page says something was added after signing" grep -q "algo foi acrescentado ao arquivo depois de assinado" "$TMP/body"
serve_stop
done_testing
