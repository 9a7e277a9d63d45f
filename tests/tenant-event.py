#!/usr/bin/env python3
"""tenant-event.py SRC DST INSTITUTION SCHOOL COURSE TYPE [USER [NAME]]

Writes to DST the event SRC (examples/seed-example.json) for another
institution, school, course, certificate type and, when given, user id and
name; its CPF is left out. With DST '-' it appends one line to standard
output (for .jsonl files).
"""
import json
import sys


def main():
    src, dst, inst, school, course, typ = sys.argv[1:7]
    e = json.load(open(src))
    d = e["data"]
    d["institution"]["id"] = int(inst)
    d["school"]["id"] = int(school)
    d["course"]["id"] = int(course)
    d["certified"]["type"] = typ
    d["user"]["cpf"] = None
    if len(sys.argv) > 7:
        d["user"]["id"] = int(sys.argv[7])
    if len(sys.argv) > 8:
        d["user"]["name"] = sys.argv[8]
    if dst == "-":
        print(json.dumps(e, ensure_ascii=False))
    else:
        json.dump(e, open(dst, "w"), ensure_ascii=False)


if __name__ == "__main__":
    main()
