#!/bin/sh
# PAdES B-B signatures as a verifier sees them: `render --sign` with RSA-2048,
# ECDSA P-256, an encrypted key, a PKCS#12 file and a chain; pdfsig says the
# whole file is signed and valid, one changed byte breaks it, appended bytes
# leave it partial; the CMS has signing-certificate-v2 and no signing-time;
# the archive commands sign whenever a key is named; and every bad key stops
# the command naming the file, never showing a password.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sign-lib.sh"

EV=$TESTDATA/participation-accented.json
K=$TMP/keys
make_keys "$K" || { ok 1 "test keys made with openssl"; done_testing; exit 1; }

# --- RSA and ECDSA, PEM ---
for t in rsa ec; do
	try "render --sign with the $t key" \
		cert render "$EV" -o "$TMP/$t.pdf" --sign --sign-cert "$K/$t.crt" --sign-key "$K/$t.key"
	check "$t: pdfsig: Signature is Valid." pdfsig_says "$TMP/$t.pdf" "Signature is Valid."
	check "$t: pdfsig: Total document signed" pdfsig_says "$TMP/$t.pdf" "Total document signed"
	check "$t: pdfsig: ETSI.CAdES.detached" pdfsig_says "$TMP/$t.pdf" \
		"Signature Type: ETSI.CAdES.detached"
	check "$t: pdfsig names the signer" pdfsig_says "$TMP/$t.pdf" "Escola Teste $t"
	try "$t: qpdf --check passes" qpdf --check "$TMP/$t.pdf"
	# the CMS on its own: verifies over the signed ranges, signing-certificate-v2, no signingTime
	cms_of "$TMP/$t.pdf" "$TMP/$t.p7s"
	signed_content "$TMP/$t.pdf" "$TMP/$t.content"
	try "$t: openssl cms -verify of the dumped CMS over the ByteRange" \
		openssl cms -verify -binary -inform DER -in "$TMP/$t.p7s" -content "$TMP/$t.content" \
		-CAfile "$K/$t.crt" -purpose any -out /dev/null
	openssl cms -cmsout -print -inform DER -in "$TMP/$t.p7s" >"$TMP/$t.print" 2>&1
	check "$t: the CMS has signingCertificateV2" grep -q "id-smime-aa-signingCertificateV2" \
		"$TMP/$t.print"
	check "$t: the CMS has no signingTime" sh -c "! grep -qi 'signingTime' '$TMP/$t.print'"
	check "$t: the CMS digest is SHA-256" grep -q "algorithm: sha256" "$TMP/$t.print"
	check "$t: text still reads" sh -c "pdftotext '$TMP/$t.pdf' - | grep -q 'Letícia Conceição Araújo'"
done
is "$(pdfinfo "$TMP/ec.pdf" | sed -n 's/^Pages: *//p')" 1 "the signed PDF still has one page"

# the time of the signature is /M, in UTC
m=$(grep -a -o "/M (D:[0-9]*+00'00')" "$TMP/ec.pdf" | head -n 1 | sed "s/.*D:\([0-9]*\).*/\1/")
t_now=$(now_epoch)
t_m=$(utc_epoch "$(echo "$m" | sed 's/\(....\)\(..\)\(..\)\(..\)\(..\)\(..\)/\1-\2-\3 \4:\5:\6/')")
check "/M is the signing time in UTC (within a minute)" \
	test "$t_m" -le "$t_now" -a "$t_m" -ge $((t_now - 60))
# an invisible field with the print flag, on page 1 (PDF/A wants both)
check "the widget is invisible and printable" \
	grep -a -q "/Subtype /Widget /FT /Sig .*/F 4 /Rect \[0 0 0 0\]" "$TMP/ec.pdf"
check "the widget has an appearance (PDF/A-1 wants one even when empty)" \
	grep -a -q "/Rect \[0 0 0 0\] /P [0-9]* 0 R /AP << /N [0-9]* 0 R >>" "$TMP/ec.pdf"
check "the catalog has an AcroForm with SigFlags 3" grep -a -q "/SigFlags 3" "$TMP/ec.pdf"

# --- tampering ---
cp "$TMP/rsa.pdf" "$TMP/changed.pdf"
# one byte of the first page's content (inside the first signed range) changed
off=$(grep -a -b -o "/MediaBox" "$TMP/changed.pdf" | head -n 1 | cut -d: -f1)
printf 'X' | dd of="$TMP/changed.pdf" bs=1 seek="$((off + 1))" conv=notrunc 2>/dev/null
check "one changed byte: Digest Mismatch." pdfsig_says "$TMP/changed.pdf" "Digest Mismatch."
cp "$TMP/rsa.pdf" "$TMP/appended.pdf"
printf '%% appended\n' >>"$TMP/appended.pdf"
check "bytes appended: not total" sh -c "pdfsig -nocert -no-ocsp '$TMP/appended.pdf' 2>&1 |
	grep -q 'Not total document signed'"

# --- other key forms ---
try "an encrypted key with sign_key_pass_file" \
	cert render "$EV" -o "$TMP/enc.pdf" --sign --sign-cert "$K/rsa.crt" --sign-key "$K/enc.key" \
	--sign-key-pass-file "$K/enc.pass"
check "encrypted key: Signature is Valid." pdfsig_says "$TMP/enc.pdf" "Signature is Valid."
try "a PKCS#12 file with its password file (environment variables)" \
	env CERTIFICA_SIGN_P12="$K/a.pfx" CERTIFICA_SIGN_P12_PASS_FILE="$K/a.pass" \
	"$CERTIFICA" render "$EV" -o "$TMP/p12.pdf" --sign
check "PKCS#12: Signature is Valid." pdfsig_says "$TMP/p12.pdf" "Signature is Valid."
try "a leaf key with its chain" \
	cert render "$EV" -o "$TMP/chain.pdf" --sign --sign-cert "$K/leaf.crt" \
	--sign-key "$K/leaf.key" --sign-chain "$K/ca.crt"
cms_of "$TMP/chain.pdf" "$TMP/chain.p7s"
signed_content "$TMP/chain.pdf" "$TMP/chain.content"
try "chain: the CMS carries the CA and verifies up to it" \
	openssl cms -verify -binary -inform DER -in "$TMP/chain.p7s" -content "$TMP/chain.content" \
	-CAfile "$K/ca.crt" -purpose any -out /dev/null
try "render without --sign writes no signature" \
	env CERTIFICA_SIGN_CERT="$K/rsa.crt" CERTIFICA_SIGN_KEY="$K/rsa.key" \
	"$CERTIFICA" render "$EV" -o "$TMP/plain.pdf"
check "the plain PDF has no signature" sh -c "! grep -a -q '/Type /Sig' '$TMP/plain.pdf'"

# --- the archive commands sign whenever a key is named ---
export CERTIFICA_SIGN_CERT="$K/ec.crt" CERTIFICA_SIGN_KEY="$K/ec.key"
try "render --store signs with the key from the environment" \
	cert render "$EV" --store "$TMP/store"
pdf=$(find "$TMP/store" -name '*-r1.pdf' | head -n 1)
check "the archived PDF is signed and valid" pdfsig_says "$pdf" "Signature is Valid."
sha=$(sqlite3 "$TMP/store/index.sqlite" "select sha256 from revisions limit 1" 2>/dev/null)
is "$sha" "$(sha256sum "$pdf" | cut -d' ' -f1)" "the index keeps the SHA-256 of the signed file"
try "rerender signs the new files" cert rerender --store "$TMP/store"
pdf2=$(find "$TMP/store" -name '*-r1*.pdf' | head -n 1)
check "rerender made a new file" test "$pdf2" != "$pdf"
check "the re-made PDF is signed and valid" pdfsig_says "$pdf2" "Total document signed"
printf '%s\n' "$(cat "$TESTDATA/seed-example.json" | tr -d '\n')" >"$TMP/one.jsonl"
try "import signs" cert import "$TMP/one.jsonl" --store "$TMP/store2"
pdf=$(find "$TMP/store2" -name '*-r1.pdf' | head -n 1)
check "the imported PDF is signed and valid" pdfsig_says "$pdf" "Signature is Valid."
unset CERTIFICA_SIGN_CERT CERTIFICA_SIGN_KEY

# --- keys that cannot be used stop the command, naming the file ---
# refused CASE WANT ARGS...: render --sign with ARGS exits 1 and says WANT
refused() {
	_case=$1 _want=$2
	shift 2
	cert render "$EV" -o "$TMP/refused.pdf" --sign "$@" >"$TMP/out" 2>&1
	is "$?" 1 "$_case: render --sign exits 1"
	check "$_case: the message says '$_want'" grep -qF -- "$_want" "$TMP/out"
	check "$_case: no PDF written" test ! -e "$TMP/refused.pdf"
	check "$_case: no password or key in the message" \
		sh -c "! grep -q -e 's3nh@' -e 'pfx-S3nha' -e 'PRIVATE KEY' '$TMP/out'"
}
refused "missing key" "key '$K/none.key': No such file or directory" \
	--sign-cert "$K/rsa.crt" --sign-key "$K/none.key"
refused "unreadable certificate" "certificate '$K': Is a directory" \
	--sign-cert "$K" --sign-key "$K/rsa.key"
refused "encrypted key, no password" "key '$K/enc.key' is encrypted" \
	--sign-cert "$K/rsa.crt" --sign-key "$K/enc.key"
refused "encrypted key, wrong password" "the password in '$K/a.pass' does not decrypt it" \
	--sign-cert "$K/rsa.crt" --sign-key "$K/enc.key" --sign-key-pass-file "$K/a.pass"
refused "PKCS#12, no password" "PKCS#12 file '$K/a.pfx' needs a password" --sign-p12 "$K/a.pfx"
refused "PKCS#12, wrong password" "the password in '$K/enc.pass' does not open it" \
	--sign-p12 "$K/a.pfx" --sign-p12-pass-file "$K/enc.pass"
refused "expired certificate" "certificate '$K/old.crt' expired on 2001-01-31" \
	--sign-cert "$K/old.crt" --sign-key "$K/old.key"
refused "key of another certificate" "key '$K/ec.key' does not match certificate '$K/rsa.crt'" \
	--sign-cert "$K/rsa.crt" --sign-key "$K/ec.key"
refused "a certificate without its key" "sign_cert is set but sign_key is not" \
	--sign-cert "$K/rsa.crt"
refused "not a PEM key" "key '$K/rsa.crt': no PEM private key in it" \
	--sign-cert "$K/rsa.crt" --sign-key "$K/rsa.crt"
cert render "$EV" -o "$TMP/refused.pdf" --sign >"$TMP/out" 2>&1
is "$?" 2 "render --sign without a key is a usage error (exit 2)"

# serve stops at start, exit 1, naming the file; nothing listens
cert serve --listen 127.0.0.1:1 --store "$TMP/srv" --sign-cert "$K/rsa.crt" \
	--sign-key "$K/enc.key" >"$TMP/out" 2>&1
is "$?" 1 "serve with an encrypted key and no password exits 1"
check "serve names the key file" grep -qF "key '$K/enc.key' is encrypted" "$TMP/out"
printf 'sign_p12 = %s\nsign_p12_pass_file = %s\n' "$K/a.pfx" "$K/enc.pass" >"$TMP/c.conf"
cert serve --listen 127.0.0.1:1 --store "$TMP/srv" --config "$TMP/c.conf" >"$TMP/out" 2>&1
is "$?" 1 "serve with the wrong PKCS#12 password (config file) exits 1"
check "serve names the PKCS#12 file" grep -qF "PKCS#12 file '$K/a.pfx'" "$TMP/out"
check "serve shows no password" sh -c "! grep -q -e 'pfx-S3nha' -e 's3nh@' '$TMP/out'"
CERTIFICA_SIGN_CERT=$K/old.crt CERTIFICA_SIGN_KEY=$K/old.key \
	cert serve --listen 127.0.0.1:1 --store "$TMP/srv" >"$TMP/out" 2>&1
is "$?" 1 "serve with an expired certificate (environment) exits 1"
check "serve says it expired" grep -qF "certificate '$K/old.crt' expired" "$TMP/out"

done_testing
