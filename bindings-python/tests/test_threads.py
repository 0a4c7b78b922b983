"""One Engine shared by many threads, and the GIL released while the engine works."""

import json
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import AWS_KEY, NOW

ACTIONS = [
    {"tool": "Read", "args": {"file_path": ".env"}},
    {"tool": "Bash", "args": {"command": "git status"}},
    {"tool": "Bash", "args": {"command": "rm -rf /"}},
    {"tool": "Write", "args": {"file_path": "migrations/9.sql", "content": "x"}},
    {"tool": "Write", "args": {"file_path": "notes.txt", "content": AWS_KEY}},
    {"tool": "send-invoice", "args": {}, "agent": {"type": "intern"}},
]


def test_a_shared_engine_gives_every_thread_the_sequential_answers(engine):
    expected = [engine.evaluate(a, NOW, sequence=i).to_json() for i, a in enumerate(ACTIONS)]
    jobs = [(i % len(ACTIONS)) for i in range(1200)]

    def run(i):
        return i, engine.evaluate(ACTIONS[i], NOW, sequence=i).to_json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, jobs))
    assert len(results) == len(jobs)
    for i, got in results:
        assert got == expected[i]


def ticks_during(call):
    """How far a spinning Python thread gets while `call` runs in this one. The switch interval
    is raised so that a call holding the GIL leaves the spinner no chance at all (0 ticks),
    while a call that releases it hands the spinner the GIL at once."""
    ticks = [0]
    stop = threading.Event()
    running = threading.Event()

    def spin():
        running.set()
        while not stop.is_set():
            ticks[0] += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        running.wait()
        before = ticks[0]
        result = call()
        return ticks[0] - before, result
    finally:
        stop.set()
        spinner.join()
        sys.setswitchinterval(interval)


def test_other_threads_run_while_a_large_action_is_evaluated(defaults):
    content = "\n".join(f"line {i} key {AWS_KEY} and text to scan" for i in range(20000))
    action = json.dumps({"tool": "Write", "args": {"file_path": "big.txt", "content": content}})
    numbers = [random.random() for _ in range(200_000)]
    # The method sees a call that holds the GIL (sorting floats runs no Python code) ...
    held, _ = ticks_during(lambda: sorted(numbers))
    assert held == 0
    # ... and the engine releasing it.
    during, decision = ticks_during(lambda: defaults.evaluate(action, NOW))
    assert decision.decision == "redact" and len(decision.redactions) == 20000
    assert during > 1000, during
