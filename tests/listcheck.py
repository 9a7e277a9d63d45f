#!/usr/bin/env python3
"""Checks the syllabus pages of a rendered certificate, as a reader would see them.

usage: listcheck.py make N LEN > syllabus.json        a course file of N items, LEN characters
       listcheck.py check PDF COURSE.json BOX FOOTER   (BOX: x,y,w,h of the list, points from
                                                        the top-left corner; FOOTER: its text)

`check` prints one line per check, "ok<TAB>description" or "not ok<TAB>description<TAB>why":
  - pdftotext -raw -f 2 (the order the page draws in) gives every item whole, each after
    its bullet, in the file's order; plain pdftotext -f 2 (which guesses the reading order
    of columns from the layout) gives each item's first words;
  - every word box (pdftotext -bbox) of pages 2 and after lies on the page;
  - every word of an item lies inside the list's box, so never over the footer;
  - the footer is on every page from 2, and no two word boxes overlap;
  - the smallest word is at least 6 pt high.
"""
import json
import re
import subprocess
import sys

WORDS = ("segurança trabalho altura análise risco proteção coletiva individual equipamento "
         "inspeção resgate primeiros socorros norma regulamento procedimento emergência "
         "ancoragem cinto talabarte").split()
WORD_RE = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
PAGE_RE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
TOL = 0.5


def make(n, length):
    items = []
    for i in range(n):
        s = "Item %03d" % (i + 1)
        k = i
        while len(s) < length:
            s += " " + WORDS[k % len(WORDS)]
            k += 7
        items.append(s[:length].rstrip())
    return {"display_name": "Curso com %d itens" % n, "syllabus": items}


def report(ok, what, why=""):
    print("%s\t%s%s" % ("ok" if ok else "not ok", what, "\t" + why if why and not ok else ""))


def check(pdf, course, box, footer):
    items = json.load(open(course))["syllabus"]
    bx, by, bw, bh = (float(v) for v in box.split(","))
    text = subprocess.run(["pdftotext", "-raw", "-f", "2", pdf, "-"], capture_output=True,
                          text=True).stdout
    flat = " ".join(text.split())
    pos, missing = 0, None
    for it in items:
        k = flat.find("• " + it, pos)
        if k < 0:
            missing = it
            break
        pos = k + len(it)
    report(missing is None, "all %d items whole, in order" % len(items),
           "not found after the previous one: %r" % missing)
    text = subprocess.run(["pdftotext", "-f", "2", pdf, "-"], capture_output=True,
                          text=True).stdout
    flat = " ".join(text.split())
    lost = [it for it in items if "• " + " ".join(it.split()[:2]) not in flat]
    report(not lost, "pdftotext -f 2: every item's first words", "missing: %r" % lost[:3])

    html = subprocess.run(["pdftotext", "-bbox", "-f", "2", pdf, "-"], capture_output=True,
                          text=True).stdout
    pages = html.split("<page ")[1:]
    off, inside, footers, apart, smallest = [], [], 0, [], 99.0
    foot_words = footer.split()
    for n, page in enumerate(pages, start=2):
        w, h = (float(v) for v in PAGE_RE.match("<page " + page).groups())
        words = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in
                 WORD_RE.findall(page)]
        ts = [t for *_, t in words]
        for i in range(len(ts) - len(foot_words) + 1):
            if ts[i:i + len(foot_words)] == foot_words:
                footers += 1
                break
        in_list = False
        for (x0, y0, x1, y1, t) in words:
            if x0 < -TOL or y0 < -TOL or x1 > w + TOL or y1 > h + TOL:
                off.append("page %d %r" % (n, t))
            if t == "•" or t.startswith("Item"):
                in_list = True
            if in_list and t not in foot_words or t == "•":
                if y0 < by - TOL - 2 or y1 > by + bh + TOL or x0 < bx - TOL or x1 > bx + bw + TOL:
                    inside.append("page %d %r at %.1f,%.1f-%.1f,%.1f" % (n, t, x0, y0, x1, y1))
                smallest = min(smallest, y1 - y0)
        for i in range(len(words)):
            a = words[i]
            for b in words[i + 1:]:
                if (a[0] < b[2] - TOL and b[0] < a[2] - TOL and a[1] < b[3] - TOL and
                        b[1] < a[3] - TOL):
                    apart.append("page %d %r and %r" % (n, a[4], b[4]))
    report(not off, "every word on its page (%d pages from page 2)" % len(pages), "; ".join(off[:3]))
    report(not inside, "every item word inside the list box, above the footer",
           "; ".join(inside[:3]))
    report(footers == len(pages), "the footer on each of the %d pages" % len(pages),
           "found on %d" % footers)
    report(not apart, "no two words overlap", "; ".join(apart[:3]))
    report(smallest >= 6 * 0.9, "the smallest item word is %.1f pt high (at least 6 pt)" % smallest,
           "too small")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        json.dump(make(int(sys.argv[2]), int(sys.argv[3])), sys.stdout, ensure_ascii=False)
    else:
        check(*sys.argv[2:6])
