#!/usr/bin/env python3
"""Runs the conformance cases through the Python surface (module agent_policy), public API only.

    run_python.py CASES.jsonl > python.jsonl

CASES.jsonl comes from `parity cases`. Prints one {"name", "output"} line per case: the
canonical decision JSON (Decision.to_json()) or the error's JSON (PolicyError.json), for
tests/parity/compare.py to hold against the Rust reference. A case with a session goes through
Engine.evaluate_in_session, and its output is {"decision": <Decision.to_json()>, "session":
<the returned state dict as compact JSON, in the order the engine wrote it>}.
"""

import json
import sys

from agent_policy import Engine, PolicyError


def engine_for(case):
    if case["policy"] is None:
        return Engine.defaults()
    return Engine.from_str(
        case["policy"],
        case["format"],
        origin=case["origin"],
        overrides=case["overrides"],
    )


def output_for(case):
    try:
        engine = engine_for(case)
        action = case["action_text"] if case["action_text"] is not None else case["action"]
        records = {"grants": case["grants"], "bypasses": case["bypasses"]}
        if case["session"] is None:
            return engine.evaluate(
                action, case["now"], sequence=case["sequence"], **records
            ).to_json()
        decision, state = engine.evaluate_in_session(
            action, case["session"], case["now"], **records
        )
        state_json = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
        return f'{{"decision":{decision.to_json()},"session":{state_json}}}'
    except PolicyError as error:
        return error.json


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    with open(argv[1], encoding="utf-8") as cases:
        for line in cases:
            if line.strip():
                case = json.loads(line)
                row = {"name": case["name"], "output": output_for(case)}
                print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
