#!/bin/sh
# Certificates are PDF/A-1b unless `pdfa = off`: Apache PDFBox Preflight (Debian's
# libpdfbox2-java) says each is valid PDF/A-1b, for Latin (CP1252 and beyond), shaped
# (Arabic, Devanagari) and CJK names (a CJK name of many characters takes a CID font),
# names with markup characters, a tenant's logo and managers' signature images that have
# transparency, on one page and on two (syllabus); every font is embedded and pdftotext
# gives the names back; a PDF/A file is at most 3 KB larger; the same input gives the same
# bytes; the flattened images look as the transparent ones did; `off` (flag, environment,
# config file of `serve`, rerender) gives a file without an OutputIntent; bad values and a
# missing colour profile are refused, naming them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
DATA="$TOP/tests/data"
TEN="$TOP/examples/tenants"

# preflight's classpath, from the Debian packages that install the jars
jar() { dpkg -L "$1" 2>/dev/null | grep "/$2\$" | head -n 1; }
CP=$(jar libpdfbox2-java preflight.jar):$(jar libpdfbox2-java pdfbox2.jar):$(jar libpdfbox2-java xmpbox.jar)
CP=$CP:$(jar libfontbox2-java fontbox2.jar):$(jar libcommons-logging-java commons-logging.jar)
CP=$CP:$(jar libactivation-java javax.activation.jar):$(jar libjaxb-api-java jaxb-api.jar)
# valid PDF: preflight's verdict on it, one line
verdict() { java -cp "$CP" org.apache.pdfbox.preflight.Validator_A1b "$1" 2>&1 | head -n 3 | tr '\n' ' '; }
valid() { # PDF description
	_v=$(verdict "$1")
	case "$_v" in
	"The file $(basename "$1") is a valid PDF/A-1b file"*) ok 0 "$2: preflight says valid PDF/A-1b" ;;
	*) ok 1 "$2: preflight says valid PDF/A-1b"; echo "#   $_v" | cut -c 1-600 ;;
	esac
}
name_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"][sys.argv[2]]["name"])' "$1" "$2"; }
# every font embedded: pdffonts' "emb" column says yes on every row
all_embedded() { pdffonts "$1" 2>/dev/null | awk 'NR > 2 { n++; if ($(NF - 4) != "yes") bad++ } END { exit !(n > 0 && !bad) }'; }

# events: a tenant's (logo, a course with a syllabus on page 2, two signatures with
# transparency), and a CJK name long enough for a CID font
python3 - "$TOP/examples/seed-example.json" "$TMP" <<'PY'
import json, sys
src, out = sys.argv[1:]
def ev(name, **kw):
    e = json.load(open(src))
    d = e["data"]
    d["user"]["cpf"] = None
    for k, v in kw.items():
        part, key = k.split("_", 1)
        d[part][key] = v
    json.dump(e, open("%s/%s.json" % (out, name), "w"), ensure_ascii=False)
ev("tenant", institution_id=41270033, school_id=19, course_id=8811,
   school_managers=[{"manager_id": i, "manager_name": "Gestor %d" % i} for i in (410, 411)])
hanzi = "".join(bytes([0xB0 + i // 94, 0xA1 + i % 94]).decode("gb2312") for i in range(240))
ev("cid", user_name="王小明", course_name=hanzi)
ev("cp1250", user_name="Łukasz Dvořák Ősz")  # plain letters of CP1250, not of CP1252
ev("markup", user_name="Ana & <Bia> \"Lu\" O'Neil", school_name="Escola Arte & Ofício <Norte>",
   course_name="Curso (1) \\ [2] çãõ\u00a0fim")
PY
cp "$TOP/examples/seed-example.json" "$TMP/latin.json"
for s in arabic devanagari chinese japanese; do cp "$DATA/scripts-$s.json" "$TMP/$s.json"; done

# Under valgrind, where a render takes seconds, not Devanagari, Chinese and Japanese:
# t0220 renders those under valgrind too, PDF/A being the default, and they take the
# paths of arabic (shaping) and of latin (a subset font) here.
NAMES="latin cp1250 arabic devanagari chinese japanese cid markup tenant"
[ -n "$VALGRIND" ] && NAMES="latin cp1250 arabic cid markup tenant"
for n in $NAMES; do
	try "$n: renders" cert render --tenants "$TEN" "$TMP/$n.json" -o "$TMP/$n.pdf"
	valid "$TMP/$n.pdf" "$n"
	check "$n: every font is embedded" all_embedded "$TMP/$n.pdf"
	pdftotext "$TMP/$n.pdf" "$TMP/$n.txt" 2>/dev/null
	check "$n: pdftotext gives the name back" grep -qF "$(name_of "$TMP/$n.json" user)" "$TMP/$n.txt"
done
check "cid: the course name is drawn with a CID font" sh -c "pdffonts '$TMP/cid.pdf' | grep -q 'CID TrueType'"
is "$(tr -d ' \n' < "$TMP/cid.txt" | grep -cF "$(name_of "$TMP/cid.json" course)")" 1 \
	"cid: pdftotext gives the 240-character course name back (across its lines)"
is "$(pdfinfo "$TMP/tenant.pdf" | awk '/^Pages:/ {print $2}')" 2 "tenant: two pages (the syllabus)"
is "$(pdfimages -list "$TMP/tenant.pdf" | awk 'NR > 2 {print $3}' | sort | uniq -c | tr -s ' \n' '  ')" \
	" 3 image " "tenant: logo and two signatures, no soft mask (transparency flattened)"
check "no /SMask anywhere" sh -c "! qpdf --qdf --object-streams=disable '$TMP/tenant.pdf' - | grep -aq SMask"

# the XMP says PDF/A-1b and repeats the document information
pdfinfo -meta "$TMP/latin.pdf" > "$TMP/meta" 2>/dev/null
check "XMP: pdfaid part 1, conformance B" \
	sh -c "grep -q '<pdfaid:part>1</pdfaid:part>' '$TMP/meta' && grep -q '<pdfaid:conformance>B<' '$TMP/meta'"
check "XMP: the title of the document information" \
	grep -qF "<rdf:li xml:lang=\"x-default\">$(pdfinfo "$TMP/latin.pdf" | sed -n 's/^Title: *//p')</rdf:li>" "$TMP/meta"
check "XMP: the creation time of the document information" \
	grep -q "<xmp:CreateDate>2023-08-28T20:47:31</xmp:CreateDate>" "$TMP/meta"

# same input, same bytes (the ID is a hash of the file), in any time zone
TZ=America/Sao_Paulo cert render --tenants "$TEN" "$TMP/tenant.json" -o "$TMP/again.pdf" >/dev/null 2>&1
check "the same event gives the same bytes" cmp -s "$TMP/tenant.pdf" "$TMP/again.pdf"
check "a document ID in the trailer" grep -aq "/ID \[ <[0-9A-F]\{32\}>" "$TMP/tenant.pdf"

# pdfa off: flag, environment
try "--pdfa off: renders" cert render --pdfa off --tenants "$TEN" "$TMP/tenant.json" -o "$TMP/off.pdf"
check "--pdfa off: no OutputIntent" sh -c "! grep -aq OutputIntent '$TMP/off.pdf'"
check "PDF/A: an OutputIntent" grep -aq "/OutputIntents" "$TMP/tenant.pdf"
is "$(pdfimages -list "$TMP/off.pdf" | awk 'NR > 2 {print $3}' | sort | uniq -c | tr -s ' \n' '  ')" \
	" 3 image 3 smask " "--pdfa off: the images keep their soft masks"
CERTIFICA_PDFA=off cert render "$TMP/latin.json" -o "$TMP/env-off.pdf" >/dev/null 2>&1
check "CERTIFICA_PDFA=off: no OutputIntent" sh -c "! grep -aq OutputIntent '$TMP/env-off.pdf'"
grow=$(( $(stat -c %s "$TMP/latin.pdf") - $(stat -c %s "$TMP/env-off.pdf") ))
check "PDF/A costs at most 3 KB over pdfa = off (here $grow bytes)" test "$grow" -gt 0 -a "$grow" -le 3072
CERTIFICA_PDFA=off cert render --pdfa 1b "$TMP/latin.json" -o "$TMP/flag-on.pdf" >/dev/null 2>&1
check "--pdfa 1b beats CERTIFICA_PDFA=off" cmp -s "$TMP/latin.pdf" "$TMP/flag-on.pdf"
cert render --pdfa 2u "$TMP/latin.json" -o "$TMP/x.pdf" 2>"$TMP/err"
is "$?" 2 "--pdfa 2u: exit 2"
check "--pdfa 2u: says what it takes" grep -q "pdfa: expected '1b' or 'off'" "$TMP/err"
CERTIFICA_PDFA=maybe cert render "$TMP/latin.json" -o "$TMP/x.pdf" 2>"$TMP/err"
is "$?" 2 "CERTIFICA_PDFA=maybe: exit 2"
check "CERTIFICA_PDFA=maybe: names the variable" grep -q "CERTIFICA_PDFA" "$TMP/err"

# the flattened images look as the transparent ones did (60 dpi): the same pixels but
# at the images' edges, where the viewer resamples a soft mask apart from its image
pdftoppm -r 60 -f 1 -l 1 "$TMP/tenant.pdf" "$TMP/on"
pdftoppm -r 60 -f 1 -l 1 "$TMP/off.pdf" "$TMP/off"
is "$(python3 - "$TMP"/on-1.ppm "$TMP"/off-1.ppm <<'PY'
import sys
def ppm(p):
    d = open(p, "rb").read()
    parts = d.split(maxsplit=4)
    return parts[1], parts[2], parts[4]
a, b = ppm(sys.argv[1]), ppm(sys.argv[2])
if a[:2] != b[:2]:
    print("sizes differ"); sys.exit()
off = sum(1 for x, y in zip(a[2], b[2]) if abs(x - y) > 2)
print(off * 1000 <= len(a[2]) * 2, sum(abs(x - y) for x, y in zip(a[2], b[2])) < len(a[2]) * 0.05)
PY
)" "True True" "the page looks as with soft masks (<0.2% of values off by more than 2, mean <0.05)"

# archive commands and serve: PDF/A unless the config file says pdfa = off
try "import: archives" cert import --store "$TMP/store" --tenants "$TEN" "$TMP/tenant.json"
f=$(find "$TMP/store" -name '*-r1.pdf' | head -n 1)
valid "$f" "import: the archived PDF"
try "rerender --pdfa off: makes the PDFs again" cert rerender --store "$TMP/store" --tenants "$TEN" --pdfa off
f=$(find "$TMP/store" -name '*.pdf' | head -n 1)
check "rerender --pdfa off: the new file has no OutputIntent" sh -c "[ -s '$f' ] && ! grep -aq OutputIntent '$f'"
printf 'pdfa = off\ntenants = %s\n' "$TEN" > "$TMP/off.conf"
if serve_start "$TMP/store2" "$TMP/serve.log" --config "$TMP/off.conf" --webhook-token tok-0123456789abcdef; then
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer tok-0123456789abcdef" \
		--data-binary @"$TMP/latin.json" "$URL/webhooks")
	is "$code" 201 "serve (pdfa = off): the webhook is accepted"
	kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=
	f=$(find "$TMP/store2" -name '*-r1.pdf' | head -n 1)
	check "serve (pdfa = off): the archived PDF has no OutputIntent" sh -c "[ -s '$f' ] && ! grep -aq OutputIntent '$f'"
else
	ok 1 "serve --config with pdfa = off starts"
fi
printf 'pdfa = 1c\n' > "$TMP/bad.conf"
cert serve --config "$TMP/bad.conf" --store "$TMP/store3" 2>"$TMP/err" &
SERVE_PID=$!
wait "$SERVE_PID"; st=$?; SERVE_PID=
is "$st" 2 "serve: pdfa = 1c in the config file stops it, exit 2"
check "serve: pdfa = 1c names the key and the value" grep -q "pdfa: '1c' is not 1b or off" "$TMP/err"

# without the colour profile PDF/A cannot be made: a clear error, and pdfa off still works
mkdir -p "$TMP/home/fonts"
ln -s "$TOP/templates" "$TMP/home/templates"
for f in "$TOP"/fonts/*; do
	case "$f" in *.icc) ;; *) ln -s "$f" "$TMP/home/fonts/" ;; esac
done
CERTIFICA_HOME=$TMP/home cert render "$TMP/latin.json" -o "$TMP/x.pdf" 2>"$TMP/err"
is "$?" 1 "no fonts/sRGB.icc: render fails, exit 1"
check "no fonts/sRGB.icc: names the file and the package" \
	sh -c "grep -q 'sRGB.icc' '$TMP/err' && grep -q icc-profiles-free '$TMP/err'"
CERTIFICA_HOME=$TMP/home cert render --pdfa off "$TMP/latin.json" -o "$TMP/x.pdf" >/dev/null 2>&1
is "$?" 0 "no fonts/sRGB.icc: --pdfa off still renders"
CERTIFICA_HOME=$TMP/home cert import --store "$TMP/store4" "$TMP/latin.json" >/dev/null 2>"$TMP/err"
is "$?" 1 "no fonts/sRGB.icc: import stops at start, exit 1"
check "no fonts/sRGB.icc: import says why" grep -q "colour profile .*sRGB.icc' for PDF/A is missing" "$TMP/err"
check "no fonts/sRGB.icc: import archived nothing" sh -c "! find '$TMP/store4' -name '*.pdf' 2>/dev/null | grep -q ."
# Signed (PAdES, an incremental update after the PDF/A file): still PDF/A-1b, and the
# signature covers the whole file; for a Latin, a shaped (Arabic), a CJK and the tenant certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=Escola Teste PDF-A" -keyout "$TMP/sign.key" -out "$TMP/sign.crt" 2>/dev/null
# (under valgrind the Latin and the tenant certificate: the signature is the same
# incremental update after any of them)
SIGNED="latin arabic chinese tenant"
[ -n "$VALGRIND" ] && SIGNED="latin tenant"
for n in $SIGNED; do
	try "$n signed: renders" cert render --tenants "$TEN" --sign --sign-cert "$TMP/sign.crt" \
		--sign-key "$TMP/sign.key" "$TMP/$n.json" -o "$TMP/$n-signed.pdf"
	valid "$TMP/$n-signed.pdf" "$n signed"
	pdfsig -nocert -no-ocsp "$TMP/$n-signed.pdf" >"$TMP/$n.sig" 2>&1
	check "$n signed: pdfsig says the signature is valid and covers the whole file" \
		sh -c "grep -q 'Signature is Valid.' '$TMP/$n.sig' && grep -q 'Total document signed' '$TMP/$n.sig'"
done

done_testing
