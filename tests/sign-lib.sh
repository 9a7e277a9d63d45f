# Helpers for the signature tests (sourced after lib.sh): test keys made with
# openssl in a temporary folder, a local timestamp authority, and what a
# verifier reads from a signed PDF.

# make_keys DIR: in DIR, for each of rsa (RSA-2048) and ec (ECDSA P-256) a
# self-signed certificate NAME.crt valid from now for 30 days with its key
# NAME.key; enc.key (rsa.key encrypted, password in enc.pass); a.pfx (rsa as
# PKCS#12, password in a.pass); old.crt/old.key (expired in 2001); ca.crt
# and leaf.crt/leaf.key (a leaf issued by that CA, for sign_chain).
make_keys() {
	_d=$1
	mkdir -p "$_d"
	for _t in rsa ec; do
		case $_t in
		rsa) _alg="-newkey rsa:2048" ;;
		ec) _alg="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
		esac
		# shellcheck disable=SC2086 # _alg is several arguments
		openssl req -x509 $_alg -nodes -keyout "$_d/$_t.key" -out "$_d/$_t.crt" -days 30 \
			-subj "/C=BR/O=Escola Teste/CN=Escola Teste $_t" 2>/dev/null || return 1
	done
	printf 's3nh@-secreta\n' >"$_d/enc.pass"
	openssl pkey -in "$_d/rsa.key" -aes256 -passout "file:$_d/enc.pass" -out "$_d/enc.key" ||
		return 1
	printf 'pfx-S3nha\n' >"$_d/a.pass"
	openssl pkcs12 -export -in "$_d/rsa.crt" -inkey "$_d/rsa.key" -name "Escola Teste" \
		-passout "file:$_d/a.pass" -out "$_d/a.pfx" || return 1
	faketime '2001-01-01 00:00:00' openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$_d/old.key" -out "$_d/old.crt" \
		-days 30 -subj "/CN=Old" 2>/dev/null || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$_d/ca.key" \
		-out "$_d/ca.crt" -days 30 -subj "/O=AC Teste/CN=AC Teste Raiz" 2>/dev/null || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$_d/leaf.key" \
		-out "$_d/leaf.csr" -subj "/CN=Escola Folha" 2>/dev/null || return 1
	openssl x509 -req -in "$_d/leaf.csr" -CA "$_d/ca.crt" -CAkey "$_d/ca.key" \
		-CAcreateserial -days 30 -out "$_d/leaf.crt" 2>/dev/null || return 1
}

# tsa_start DIR: a timestamp authority (tests/tsa-server.py) with its own
# key made in DIR; sets TSA (its base URL, POST $TSA/tsa) and TSA_PID.
tsa_start() {
	_d=$1
	mkdir -p "$_d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$_d/tsa.key" -out "$_d/tsa.crt" -days 30 \
		-subj "/CN=TSA Teste" -addext "extendedKeyUsage=critical,timeStamping" \
		2>/dev/null || return 1
	echo 01 >"$_d/serial"
	cat >"$_d/tsa.cnf" <<EOF
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = $_d/serial
crypto_device = builtin
signer_cert = $_d/tsa.crt
certs = $_d/tsa.crt
signer_key = $_d/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
	python3 "$TOP/tests/tsa-server.py" "$_d/tsa.cnf" "$_d/port" >/dev/null 2>>"$_d/tsa.log" &
	TSA_PID=$!
	_n=100
	while [ ! -s "$_d/port" ] && [ $_n -gt 0 ]; do
		kill -0 "$TSA_PID" 2>/dev/null || break
		sleep 0.1
		_n=$((_n - 1))
	done
	[ -s "$_d/port" ] || { echo "# the TSA did not start:"; sed 's/^/#   /' "$_d/tsa.log"; return 1; }
	TSA="http://127.0.0.1:$(cat "$_d/port")"
}

# pdfsig_says PDF TEXT: 0 when `pdfsig -nocert -no-ocsp PDF` prints TEXT.
pdfsig_says() {
	pdfsig -nocert -no-ocsp "$1" 2>&1 | grep -qF -- "$2"
}

# signed_content PDF OUT: the bytes the signature's /ByteRange covers.
signed_content() {
	python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
m = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", d)[-1]
a, b, c, e = map(int, m)
open(sys.argv[2], "wb").write(d[a:a + b] + d[c:c + e])' "$1" "$2"
}

# cms_of PDF OUT: the signature's CMS (DER), as `pdfsig -dump` writes it.
cms_of() {
	(cd "$(dirname "$1")" && pdfsig -dump "$(basename "$1")" >/dev/null 2>&1) &&
		mv "$1.sig0" "$2"
}
