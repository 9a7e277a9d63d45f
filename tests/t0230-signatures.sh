#!/bin/sh
# The signature block as a reader meets it: for 0 to 100 managers with short names, names
# of 300 characters and both mixed, on both certificate types in both locales, the page
# stays one page, no two words overlap, every signature word stays inside the template's
# signature box, and the names not shown are counted on an "and N others" line.
. "$(dirname "$0")/lib.sh"

COUNTS=0,1,2,3,5,8,12,24,25,50,100
# under valgrind, the edges only: each case costs a render at a tenth of the speed
[ -n "$VALGRIND" ] && COUNTS=0,1,2,3,25,100 # line 4 stays "3 short names"
checker="$TOP/tests/sigcheck.py"

: > "$TMP/cases.jsonl"
for type in participation achievement; do
	python3 "$checker" make "$TOP/tests/data/managers-$type.json" "$COUNTS" short,long,mixed \
		>> "$TMP/cases.jsonl"
done
lines=$(wc -l < "$TMP/cases.jsonl")
check "the validator accepts every case ($lines events)" cert validate "$TMP/cases.jsonl"

for locale in pt-BR en; do
	mkdir -p "$TMP/$locale"
	cert render --locale "$locale" "$TMP/cases.jsonl" -o "$TMP/$locale/" >/dev/null 2>"$TMP/err"
	ok $? "$locale: every case renders"
	python3 "$checker" check "$TMP/cases.jsonl" "$TMP/$locale" "$TOP/templates" "$locale" \
		> "$TMP/report" 2>&1
	ok $? "$locale: the checker ran"
	n=$(grep -c . "$TMP/report")
	check "$locale: the checker checked every case ($n checks)" test "$n" -ge $((lines * 6))
	while IFS="	" read -r status what why; do
		if [ "$status" = ok ]; then ok 0 "$what"; else ok 1 "$what"; echo "#   $why"; fi
	done < "$TMP/report"
done

# The checker itself fails on the faults it looks for: a name missing with no line counting
# it, words drawn over one another, words outside the signature box.
sed -n 4p "$TMP/cases.jsonl" > "$TMP/three.jsonl" # participation, 3 short names
python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).read())
e["data"]["school"]["managers"].append({"manager_id": 9, "manager_name": "Nobody Here 9"})
print(json.dumps(e, ensure_ascii=False))' "$TMP/three.jsonl" > "$TMP/fake.jsonl"
mkdir -p "$TMP/fake" "$TMP/tpl"
cp "$TMP/pt-BR/cases-4.pdf" "$TMP/fake/cases-1.pdf"
python3 "$checker" check "$TMP/fake.jsonl" "$TMP/fake" "$TOP/templates" pt-BR > "$TMP/fake.report"
check "the checker sees a name neither shown nor counted" grep -q "^not ok	.*'e mais 1' counts" "$TMP/fake.report"
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
for e in list(t["elements"]):
    if e["type"] == "signatures":
        e["y"] += 30; e["h"] -= 30
    if e.get("text", "").startswith("Emitido"):
        t["elements"].append(dict(e, x=e["x"] + 4))
json.dump(t, open(sys.argv[2], "w"), ensure_ascii=False)' "$TOP/templates/participation.pt-BR.json" "$TMP/tpl/participation.pt-BR.json"
ln -s "$TOP/fonts"/* "$TMP/tpl/"
cert render --template "$TMP/tpl/participation.pt-BR.json" - -o "$TMP/fake/cases-1.pdf" \
	< "$TMP/three.jsonl" >/dev/null 2>&1
ok $? "a template with a doubled caption renders"
python3 "$checker" check "$TMP/three.jsonl" "$TMP/fake" "$TOP/templates" pt-BR > "$TMP/fake.report"
check "the checker sees words drawn over one another" grep -q "^not ok	.*no two words overlap" "$TMP/fake.report"
cp "$TMP/pt-BR/cases-4.pdf" "$TMP/fake/cases-1.pdf"
python3 "$checker" check "$TMP/three.jsonl" "$TMP/fake" "$TMP/tpl" pt-BR > "$TMP/fake.report"
check "the checker sees words outside a smaller signature box" grep -q "^not ok	.*inside the signature box" "$TMP/fake.report"
check "... and passes the same certificate against its own box" sh -c "python3 '$checker' check '$TMP/three.jsonl' '$TMP/fake' '$TOP/templates' pt-BR | grep -v 'inside the signature box' | grep -q '^not ok' && exit 1 || exit 0"

done_testing
