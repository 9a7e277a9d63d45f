#!/usr/bin/env python3
"""Write a copy of an event with some fields set, for the tests:
event-set.py SRC DST PATH=VALUE... where PATH is dotted below the envelope
("data.course.id") and VALUE is read as JSON when it parses (42, null,
"x"), else taken as a string."""
import json
import sys

src, dst, *sets = sys.argv[1:]
e = json.load(open(src, encoding="utf-8"))
for s in sets:
    path, _, raw = s.partition("=")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    *parents, key = path.split(".")
    node = e
    for p in parents:
        node = node[p]
    node[key] = value
json.dump(e, open(dst, "w", encoding="utf-8"), ensure_ascii=False)
