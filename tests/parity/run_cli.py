#!/usr/bin/env python3
"""Runs the parity cases through the `agent-policy` CLI.

    run_cli.py AGENT_POLICY_BINARY CASES.jsonl > cli.jsonl

Each policy is written to a file named by its origin (`<inline>`, `seed-002.yml`) in a
scratch directory and passed with `--policy`, so error locations and origin-carrying rule ids
read as on every other surface; the action goes through standard input. Decisions are
compared byte for byte. The CLI reports errors as text on stderr (SPEC §10), so for an error
the runner gives the code from the `[code]` of its first line (`error_code`), which the
comparer checks against the reference's. Cases the CLI cannot express are listed as skipped,
with the reason: a session sequence or state (`check` keeps sessions in its state directory,
with no state-in/state-out mode), grants and bypass records (read from the state directory
too), override files (merged in directory order rather than a given order), a JSON root
policy under a name without `.json`, and policies that declare `plugins`: the CLI runs them
(a plugin file the vector does not ship is a failure, the plugin's `on_error` outcome), the
reference and the other surfaces do not; plugins have their own tests in
host-wasmtime/tests/plugins.rs.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

CODE = re.compile(r"\[([a-z_.]+)\]\s*$")
# A `plugins` section, in YAML or JSON.
PLUGINS = re.compile(r'(^|[{,\s])"?plugins"?\s*:', re.M)


def run(binary, case, scratch):
    if case["sequence"]:
        return {"skipped": "session sequence"}
    if case["session"] is not None:
        return {"skipped": "session state"}
    if case["grants"] or case["bypasses"]:
        return {"skipped": "grants or bypass records"}
    if case["overrides"]:
        return {"skipped": "override files"}
    if case["policy"] is not None and PLUGINS.search(case["policy"]):
        return {"skipped": "plugins run in the native host only"}
    args = [binary, "check", "--now", case["now"]]
    if case["policy"] is not None:
        origin = case["origin"]
        if case["format"] == "json" and not origin.endswith(".json"):
            return {"skipped": "JSON policy without a .json name"}
        path = os.path.join(scratch, origin)
        with open(path, "w", encoding="utf-8") as f:
            f.write(case["policy"])
        args += ["--policy", origin]
    if case["action_text"] is not None:
        stdin = case["action_text"]
    else:
        stdin = json.dumps(case["action"], ensure_ascii=False)
    p = subprocess.run(args, input=stdin.encode(), capture_output=True, cwd=scratch)
    if p.returncode == 0:
        return {"output": p.stdout.decode().rstrip("\n")}
    first = p.stderr.decode().splitlines()[0] if p.stderr else ""
    m = CODE.search(first)
    if not m:
        return {"output": f"<exit {p.returncode}: {first}>"}
    return {"error_code": m.group(1)}


def main():
    binary, cases = os.path.abspath(sys.argv[1]), sys.argv[2]
    with open(cases, encoding="utf-8") as f, tempfile.TemporaryDirectory() as scratch:
        for line in f:
            case = json.loads(line)
            row = {"name": case["name"], **run(binary, case, scratch)}
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
