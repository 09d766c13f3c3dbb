#!/usr/bin/env python3
"""Checks a costscope audit log without costscope (docs/audit.md).

usage: verify_audit.py LAKE_DIR [HEAD_HASH]

Reads LAKE_DIR/_state/costscope.sqlite and its anchor LAKE_DIR/_state/audit.head, prints
`intact N HASH` and exits 0, or names the first bad entry and exits 1. HEAD_HASH, a hash
kept elsewhere, must be the hash of some entry.
"""

import hashlib
import json
import os
import sqlite3
import sys

GENESIS = "0" * 64


def field(value):
    """A netstring of the value's text, or `-` when it is absent."""
    if value is None:
        return b"-"
    data = str(value).encode("utf-8")
    return str(len(data)).encode() + b":" + data + b","


def entry_hash(row):
    seq, at, principal, workgroup, action, parameters, status, kind, message, rows, previous = row
    fields = ["costscope-audit-1", seq, at, principal, workgroup, action, parameters, status,
              kind, message, rows, previous]
    return hashlib.sha256(b"".join(field(f) for f in fields)).hexdigest()


def main(lake, head=None):
    state = os.path.join(lake, "_state")
    db = sqlite3.connect("file:" + os.path.join(state, "costscope.sqlite") + "?mode=ro", uri=True)
    rows = db.execute(
        "SELECT seq, at, principal, workgroup, action, parameters, status, error_kind, message,"
        " rows_returned, previous_hash, hash FROM audit_log ORDER BY seq")
    previous, last, hashes = GENESIS, 0, {}
    for *fields, recorded in rows:
        seq = fields[0]
        if seq != last + 1:
            return f"entry {last + 1}: missing"
        if entry_hash(fields) != recorded:
            return f"entry {seq}: contents do not match its hash"
        if fields[-1] != previous:
            return f"entry {seq}: does not follow entry {last}"
        previous, last, hashes[recorded] = recorded, seq, seq
    try:
        with open(os.path.join(state, "audit.head")) as f:
            anchor = json.load(f)
    except FileNotFoundError:
        anchor = None
    if anchor is None and last > 0:
        return f"entry {last}: no head anchor"
    if anchor is not None:
        if anchor["seq"] > last:
            return f"entry {last + 1}: truncated (the anchor names entry {anchor['seq']})"
        if hashes.get(anchor["hash"]) != anchor["seq"]:
            return f"entry {anchor['seq']}: not the anchored hash"
        if anchor["seq"] < last:
            return f"entry {anchor['seq'] + 1}: after the anchored entry"
    if head is not None and head.lower() not in hashes:
        return f"entry {last + 1}: the head {head} is not in the log"
    print(f"intact {last} {previous}")
    return None


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    problem = main(*sys.argv[1:])
    if problem:
        print(problem)
        sys.exit(1)
