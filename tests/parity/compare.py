#!/usr/bin/env python3
"""Compares every surface's outputs with the Rust reference, byte for byte.

    compare.py REFERENCE.jsonl SURFACE=OUTPUT.jsonl [SURFACE=OUTPUT.jsonl ...]

Each file holds one {"name": ..., "output": ...} line per vector, `output` being the
canonical decision JSON or the error JSON. A surface may skip vectors it cannot express only
by listing them with "skipped": "why" instead of "output"; a surface that reports errors as
text only (the CLI) gives "error_code" instead, checked against the reference error's code.
Exit 1 on any difference, naming the surface and the vector.
"""
import json
import sys


def load(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                row = json.loads(line)
                if row["name"] in out:
                    raise SystemExit(f"{path}:{n}: vector {row['name']} appears twice")
                out[row["name"]] = row
    return out


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    reference = load(argv[1])
    failures = 0
    for spec in argv[2:]:
        surface, _, path = spec.partition("=")
        got = load(path)
        compared = skipped = 0
        for name, want in reference.items():
            row = got.get(name)
            if row is None:
                failures += 1
                print(f"{surface}: vector {name}: no output")
            elif "skipped" in row:
                skipped += 1
            elif "error_code" in row:
                want_code = json.loads(want["output"]).get("error", {}).get("code")
                if row["error_code"] != want_code:
                    failures += 1
                    print(f"{surface}: vector {name}: error code {row['error_code']}, "
                          f"the reference gives {want['output'][:200]}")
                else:
                    compared += 1
            elif row["output"] != want["output"]:
                failures += 1
                a, b = want["output"], row["output"]
                i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                print(f"{surface}: vector {name}: differs at byte {i}\n"
                      f"  rust:     ...{a[max(0, i - 60):i + 60]}\n"
                      f"  {surface}: ...{b[max(0, i - 60):i + 60]}")
            else:
                compared += 1
        extra = sorted(set(got) - set(reference))
        for name in extra:
            failures += 1
            print(f"{surface}: vector {name}: not in the corpus")
        print(f"parity {surface}: {compared} identical, {skipped} skipped")
    if failures:
        print(f"parity: {failures} difference(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
