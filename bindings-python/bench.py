#!/usr/bin/env python3
"""Per-call cost of agent_policy's evaluate, next to cedarpy on the same 54 rules.

    bench.py [FIXTURES_DIR]

FIXTURES_DIR holds policy.yml, policy.cedar and actions.json as written by
`cargo run --release -p agent-policy-bench-cedar --bin bench-fixtures -- DIR`; without it the
fixtures are generated into a temporary directory (needs cargo). `bindings-python/make.sh bench`
installs cedarpy and runs this.

Both sides compile their policy once. Per call, agent_policy evaluates the action dict (the
decision document with effects, redaction and ids included); cedarpy builds its request and
entities from the same action, the way a caller would, and authorizes against the pre-parsed
policy set. The figure is the median over several timeit runs, in microseconds per call.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit

import cedarpy

import agent_policy

RUNS = 7
TARGET_US = 5.0


def fixtures(argv):
    if len(argv) > 1:
        return argv[1]
    out = tempfile.mkdtemp(prefix="agent-policy-bench-")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(
        [
            "cargo",
            "run",
            "-q",
            "--release",
            "-p",
            "agent-policy-bench-cedar",
            "--bin",
            "bench-fixtures",
            "--",
            out,
        ],
        cwd=root,
        check=True,
    )
    return out


def cedar_request(action):
    """Principal Agent::"<agent.id or anonymous>" with attribute type, action Action::"<tool>",
    resource File::"<path or empty>" with attribute path when the action names a file."""
    args = action.get("args") or {}
    agent = action.get("agent") or {}
    agent_id = agent.get("id") or "anonymous"
    path = (
        args.get("file_path") or args.get("notebook_path") or args.get("path") or action.get("path")
    )
    principal = {"type": "Agent", "id": agent_id}
    resource = {"type": "File", "id": path or ""}
    request = {
        "principal": principal,
        "action": {"type": "Action", "id": action["tool"]},
        "resource": resource,
        "context": {},
    }
    entities = [
        {"uid": principal, "attrs": {"type": agent.get("type", "")}, "parents": []},
        {"uid": resource, "attrs": {"path": path} if path else {}, "parents": []},
    ]
    return request, entities


def per_call_us(fn, number):
    times = timeit.repeat(fn, number=number, repeat=RUNS)
    return statistics.median(times) / number * 1e6


def main(argv):
    directory = fixtures(argv)
    with open(os.path.join(directory, "policy.yml"), encoding="utf-8") as f:
        engine = agent_policy.Engine.from_str(f.read(), origin="policy.yml")
    with open(os.path.join(directory, "policy.cedar"), encoding="utf-8") as f:
        policies = cedarpy.PolicySet.from_str(f.read())
    with open(os.path.join(directory, "actions.json"), encoding="utf-8") as f:
        actions = json.load(f)
    now = actions["now"]

    for name in ("file", "tool"):
        action = actions[name]
        # Both must allow the benchmarked actions, or the comparison means nothing.
        decision = engine.evaluate(action, now)
        request, entities = cedar_request(action)
        cedar = cedarpy.is_authorized(request, policies, entities)
        if decision.decision != "allow" or not cedar.allowed:
            raise SystemExit(f"{name}: agent_policy {decision.decision}, cedar {cedar.decision}")

        def ours(action=action):
            engine.evaluate(action, now)

        def theirs(action=action):
            request, entities = cedar_request(action)
            cedarpy.is_authorized(request, policies, entities)

        ours_us = per_call_us(ours, 20000)
        theirs_us = per_call_us(theirs, 2000)
        verdict = "within" if ours_us <= TARGET_US else "OVER"
        print(
            f"{name} action: agent_policy evaluate {ours_us:.2f} us/call "
            f"({verdict} the {TARGET_US:g} us target); cedarpy is_authorized "
            f"{theirs_us:.2f} us/call; cedarpy / agent_policy = {theirs_us / ours_us:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
