#!/usr/bin/env python3
"""Checks the signature block of rendered certificates, as a reader would see it.

usage: sigcheck.py make EVENT.json COUNTS KINDS > cases.jsonl   (one event per case)
       sigcheck.py check CASES.jsonl PDF_DIR TEMPLATE_DIR LOCALE

`make` writes the event with every count of managers (comma-separated) and kind of name
(short, long = 300 characters, mixed). `check` reads the PDFs that `certifica render
CASES.jsonl -o PDF_DIR/` wrote (cases-<line>.pdf) and prints one line per case and
check, "ok<TAB>description" or "not ok<TAB>description<TAB>why":
  - the certificate is one page;
  - no two word boxes of the page overlap (pdftotext -bbox);
  - every word the managers add (the words not on the same event with no managers) lies
    inside the template's signature box (x, y, w, h: points from the top-left corner, as
    pdftotext reports);
  - the first names are all there, whole, and an "and N others" / "e mais N" line counts
    exactly the rest; no such line when every name is shown.
"""
import json
import re
import subprocess
import sys

FIRST = ["Ana", "Bruno", "Carla", "Davi", "Elisa", "Fábio", "Gisele", "Heitor", "Íris", "João"]
LAST = ["Souza", "Lima", "Araújo", "Pereira", "Gonçalves", "Müller", "Nogueira", "Prado"]
WORDS = ("Maria José da Silva Albuquerque Conceição Müller Nascimento Prado Figueiredo "
         "Cavalcanti Oliveira de Andrade Bragança e Orléans Vasconcelos Quintanilha").split()
WORD_RE = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>')
TOL = 0.5  # points: rounding of pdftotext's boxes


def name(kind, i):
    if kind == "mixed":
        kind = "long" if i % 3 == 1 else "short"
    if kind == "short":
        return "%s %s %d" % (FIRST[i % len(FIRST)], LAST[i % len(LAST)], i + 1)
    s = "Gestor %d" % (i + 1)
    j = i
    while len(s) + 1 + len(WORDS[j % len(WORDS)]) <= 300:
        s += " " + WORDS[j % len(WORDS)]
        j += 1
    return (s + " " + "x" * 300)[:300]


def make(event_path, counts, kinds):
    base = json.load(open(event_path, encoding="utf-8"))
    for kind in kinds.split(","):
        for n in counts.split(","):
            e = json.loads(json.dumps(base))
            e["data"]["school"]["managers"] = [
                {"manager_id": i + 1, "manager_name": name(kind, i)} for i in range(int(n))]
            print(json.dumps(e, ensure_ascii=False))


def words(pdf):
    out = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = out.count("<page ")
    ws = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in WORD_RE.findall(out)]
    return pages, ws


def raw_text(pdf):
    return subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout


def squash(s):
    return re.sub(r"\s+", "", s)


def key(w):
    return (w[4], round(w[0]), round(w[1]))


def signature_box(template_dir, kind, locale):
    t = json.load(open("%s/%s.%s.json" % (template_dir, kind, locale), encoding="utf-8"))
    e = next(e for e in t["elements"] if e["type"] == "signatures")
    return e["x"], e["y"], e["w"], e["h"]


def check(cases_path, pdf_dir, template_dir, locale):
    cases = [json.loads(l) for l in open(cases_path, encoding="utf-8")]
    bases = {}
    for i, e in enumerate(cases):
        if not e["data"]["school"]["managers"]:
            bases[e["data"]["certified"]["type"]] = set(key(w) for w in words(
                "%s/cases-%d.pdf" % (pdf_dir, i + 1))[1])
    for i, e in enumerate(cases):
        pdf = "%s/cases-%d.pdf" % (pdf_dir, i + 1)
        managers = [m["manager_name"] for m in e["data"]["school"]["managers"]]
        ctype = e["data"]["certified"]["type"]
        lengths = sorted(set(len(m) for m in managers))
        what = "%s %s, %d managers (%s characters)" % (
            locale, ctype, len(managers), "/".join(map(str, lengths)) or "-")
        pages, ws = words(pdf)
        report(pages == 1, what + ": one page", "%d pages" % pages)

        bad = None
        for a in range(len(ws)):
            for b in range(a + 1, len(ws)):
                p, q = ws[a], ws[b]
                # font boxes are taller than the ink: the student's name, at leading 1.15,
                # has lines whose boxes share 2% of their height and no ink
                slack = max(TOL, 0.05 * min(p[3] - p[1], q[3] - q[1]))
                if (min(p[2], q[2]) - max(p[0], q[0]) > TOL and
                        min(p[3], q[3]) - max(p[1], q[1]) > slack):
                    bad = "'%s' at %.1f,%.1f and '%s' at %.1f,%.1f" % (
                        p[4], p[0], p[1], q[4], q[0], q[1])
                    break
            if bad:
                break
        report(bad is None, what + ": no two words overlap", bad)

        x, y, w, h = signature_box(template_dir, ctype, locale)
        base = bases.get(ctype, set())
        added = [v for v in ws if key(v) not in base]
        out = [v for v in added if v[0] < x - TOL or v[1] < y - TOL or v[2] > x + w + TOL or
               v[3] > y + h + TOL]
        report(not out, what + ": every signature word inside the signature box",
               ", ".join("'%s' at %.1f,%.1f-%.1f,%.1f" % (v[4], v[0], v[1], v[2], v[3])
                         for v in out[:3]))
        report(bool(added) == bool(managers), what + ": the block is drawn only with managers",
               "%d words added" % len(added))

        text = squash(raw_text(pdf))
        shown = [squash(m) in text for m in managers]
        k = shown.index(False) if False in shown else len(shown)
        report(all(shown[:k]) and not any(shown[k:]),
               what + ": the names shown are the first ones, whole",
               "shown: %s" % "".join("1" if s else "0" for s in shown))
        rest = len(managers) - k
        if locale == "en":
            line = "and %d %s" % (rest, "other" if rest == 1 else "others")
            pattern = r"and\d+others?"
        else:
            line = "e mais %d" % rest
            pattern = r"emais\d+"
        found = re.findall(pattern, text)
        if rest:
            report(found == [squash(line)], what + ": '%s' counts the names left out" % line,
                   "found %s" % found)
        else:
            report(not found, what + ": every name shown, no 'others' line", "found %s" % found)


def report(cond, what, why):
    if cond:
        print("ok\t%s" % what)
    else:
        print("not ok\t%s\t%s" % (what, why))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(*sys.argv[2:5])
    else:
        check(*sys.argv[2:6])
