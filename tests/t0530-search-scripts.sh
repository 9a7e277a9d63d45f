#!/bin/sh
# Staff search finds names in every script: certificates issued over the
# webhook for Chinese, Japanese, Korean, Arabic, Hebrew, Greek, Cyrillic,
# Devanagari and Thai names, then searched as staff: CJK by any two
# characters in a row, Arabic with or without diacritics, Greek without
# accents, Cyrillic in capitals, prefixes elsewhere; and misses. The
# download's file name carries the name (RFC 6266 filename*, with an ASCII
# fallback), and the results page shows the names inside <bdi>.
. "$(dirname "$0")/lib.sh"

SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
STORE="$TMP/store"

TOKEN=$(cert staff add maria --store "$STORE" 2>/dev/null | grep -oE '[A-Za-z0-9_-]{43}' | head -n 1)
is "${#TOKEN}" 43 "a staff account"
serve_start "$STORE" "$TMP/serve.log" || { ok 1 "server starts"; done_testing; exit 1; }
ok 0 "server starts on 127.0.0.1:$PORT"
HOOK="$URL/webhooks?token=$(cat "$STORE/webhook-token")"

# Each event file as a certificate of its own (its own user id).
n=0
for s in chinese japanese korean arabic hebrew-digits greek cyrillic devanagari thai; do
	n=$((n + 1))
	python3 - "$TESTDATA/scripts-$s.json" "$n" >"$TMP/$s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["data"]["user"]["id"] = 7000 + int(sys.argv[2])
sys.stdout.write(json.dumps(d, ensure_ascii=False))
PY
	is "$(curl -s -o "$TMP/hook.out" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$TMP/$s.json" "$HOOK")" 201 "webhook: the $s name is issued"
done

# total Q: the number of certificates a staff search for Q finds.
total() {
	curl -s -G -H "Authorization: Bearer $TOKEN" --data-urlencode "q=$1" \
		"$URL/certificates" >"$TMP/search.json"
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["total"])' \
		"$TMP/search.json" 2>/dev/null || echo "no answer: $(head -c 200 "$TMP/search.json")"
}
finds() { is "$(total "$1")" 1 "'$1' finds $2"; }
misses() { is "$(total "$1")" 0 "'$1' finds nothing: $2"; }

finds "王小明" "the Chinese name"
finds "小明" "the Chinese name by its last two characters"
finds "王" "the Chinese name by its first character"
misses "明王" "two characters not in that order"
misses "小" "one character inside a word"
finds "山田さくら" "the Japanese name typed without its space"
finds "田さ" "the Japanese name by two characters across the space"
finds "さくら" "the Japanese given name"
finds "민준" "the Korean name by its given name"
misses "민김" "a Korean pair that is not there"
finds "محمد" "the Arabic name"
finds "مُحَمَّد" "the Arabic name, typed with diacritics"
finds "الرحمن" "the Arabic name's last word"
misses "رحمن" "not a prefix of an Arabic word"
finds "דוד" "the Hebrew name"
finds "דָּוִד" "the Hebrew name, typed with points"
finds "ελενη" "the Greek name without accents"
finds "ΠΑΠΑΔΟΠΟΎΛΟΥ" "the Greek name in capitals"
finds "ВЛАДИМИР" "the Cyrillic name in capitals"
finds "соколов" "the Cyrillic family name"
misses "соколова" "a longer Cyrillic word"
finds "अर्जुन" "the Devanagari name"
finds "शर्" "the Devanagari name by a prefix"
finds "สมชาย" "the Thai name"
finds "王小明 introducao" "a Chinese name and a Latin course word"
misses "王小明 direito" "a Chinese name and another course"

# The download: the file name in UTF-8, percent-encoded, and an ASCII fallback.
download_name() { # Q: the file name (filename*, decoded) of the first hit's PDF
	total "$1" >/dev/null
	id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["id"])' \
		"$TMP/search.json" 2>/dev/null)
	curl -s -o "$TMP/dl.pdf" -D "$TMP/dl.hdr" -H "Authorization: Bearer $TOKEN" \
		"$URL/certificates/$id.pdf"
	python3 - "$TMP/dl.hdr" <<'PY'
import re, sys, urllib.parse
h = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'(?im)^content-disposition: *(.*?)\r?$', h)
v = m.group(1) if m else ""
ascii_ok = v.isascii() and 'filename="certificado.pdf"' in v
star = re.search(r"filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)", v)
print(("ascii " if ascii_ok else "not-ascii ") +
      (urllib.parse.unquote(star.group(1)) if star else "no filename*"))
PY
}
is "$(download_name "王小明")" "ascii 王小明 - Introdução à Programação em C.pdf" \
	"the Chinese name's download file name"
is "$(download_name "محمد")" "ascii محمد عبد الرحمن - Introdução à Programação em C.pdf" \
	"the Arabic name's download file name"
is "$(download_name "अर्जुन")" "ascii अर्जुन शर्मा - Introdução à Programação em C.pdf" \
	"the Hindi name's download file name"
check "the download is the PDF" sh -c 'head -c 5 "$1" | grep -q "%PDF-"' - "$TMP/dl.pdf"

# The results page, as a browser asks for it: every name inside <bdi>.
curl -s -G -H "Authorization: Bearer $TOKEN" -H 'Accept: text/html' \
	--data-urlencode "q=introducao" "$URL/" >"$TMP/page.html"
for name in "王小明" "محمد عبد الرحمن" "דוד כהן 2024" "김민준" "अर्जुन शर्मा"; do
	check "the results page shows <bdi>$name</bdi>" grep -qF "<bdi>$name</bdi>" "$TMP/page.html"
done

done_testing
