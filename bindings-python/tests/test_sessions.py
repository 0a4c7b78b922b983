"""Sessions, grants and bypass records: evaluate_in_session carries the state, grants and
bypasses reach the engine, and malformed inputs are the engine's errors."""

import copy
import json
import threading

import pytest

from agent_policy import ActionError, Engine

BUDGET = "version: '1'\ndefault: allow\nbudget: {max_tool_calls: 3}\n"
READ = {"tool": "Read", "args": {"file_path": "src/a.ts"}}
APPROVALS = (
    "version: '1'\ndefault: allow\nconstraints:\n  require_human_approval:\n"
    "    - {file_pattern: package.json, approver_role: lead}\n"
)
WRITE = {"tool": "Write", "args": {"file_path": "package.json", "content": "{}"}}
LOCKED = "version: '1'\ndefault: allow\npermissions: {filesystem: {deny: ['locked/**']}}\n"
EDIT = {"tool": "Write", "args": {"file_path": "locked/a.yml", "content": "x"}}


def at(second):
    return f"2026-11-24T10:00:{second:02d}Z"


def test_a_budgeted_session_terminates_past_its_budget_and_stays_terminated():
    engine = Engine.from_str(BUDGET)
    state = None
    for second in range(3):
        decision, state = engine.evaluate_in_session(READ, state, at(second))
        assert decision.decision == "allow"
    assert state["tool_calls"] == 3 and state["actions"] == 3
    decision, state = engine.evaluate_in_session(READ, state, at(3))
    assert decision.decision == "terminate"
    assert decision.budget == {"limit": "max_tool_calls", "used": 4, "allowed": 3}
    assert state["terminated"]["rule_id"] == "budget"
    # The state survives a round trip through JSON, as a host stores it.
    stored = json.loads(json.dumps(state))
    later, _ = engine.evaluate_in_session({"kind": "file.read", "path": "x"}, stored, at(9))
    assert later.decision == "terminate"
    assert "terminated session" in later.reason


def test_the_state_passed_in_is_not_changed_and_an_empty_dict_is_a_new_session():
    engine = Engine.from_str(BUDGET)
    _, state = engine.evaluate_in_session(READ, {}, at(0))
    before = copy.deepcopy(state)
    _, after = engine.evaluate_in_session(READ, state, at(1))
    assert state == before
    assert after["actions"] == 2
    # The session numbers its actions: the same action at the same time gets another id.
    first, _ = engine.evaluate_in_session(READ, None, at(0))
    second, _ = engine.evaluate_in_session(READ, state, at(0))
    assert first.decision_id != second.decision_id


def test_the_state_keys_come_in_the_engine_order():
    _, state = Engine.from_str(BUDGET).evaluate_in_session(READ, None, at(0))
    assert list(state)[:4] == ["version", "started_at", "actions", "turns"]


@pytest.mark.parametrize(
    "state, part",
    [
        ({"version": 1, "tool_call": 3}, "tool_call"),
        ({"version": 2}, "its version is 2"),
        ({"actions": 1}, 'no "version"'),
    ],
)
def test_a_malformed_state_is_the_engine_error(state, part):
    with pytest.raises(ActionError) as info:
        Engine.from_str(BUDGET).evaluate_in_session(READ, state, at(0))
    assert info.value.code == "action.bad_value"
    assert part in info.value.message


def test_a_state_that_is_not_json_data_names_the_session():
    with pytest.raises(ActionError) as info:
        Engine.from_str(BUDGET).evaluate_in_session(READ, {"version": 1, "rate": {1, 2}}, at(0))
    assert "the session state" in info.value.message


def test_a_grant_allows_exactly_the_action_it_answers_until_it_expires():
    engine = Engine.from_str(APPROVALS)
    asked = engine.evaluate(WRITE, at(0))
    assert asked.decision == "require_approval"
    fingerprint = asked.approval_request["fingerprint"]
    grant = {"fingerprint": fingerprint, "role": "lead", "approver": "alice",
             "expires_at": at(30)}
    approved = engine.evaluate(WRITE, at(0), grants=[grant])
    assert approved.decision == "allow"
    assert approved.approval["approver"] == "alice"
    assert engine.evaluate(WRITE, at(30), grants=[grant]).decision == "require_approval"
    wrong = dict(grant, role="intern")
    assert engine.evaluate(WRITE, at(0), grants=[wrong]).decision == "require_approval"
    in_session, state = engine.evaluate_in_session(WRITE, None, at(0), grants=[grant])
    assert in_session.decision == "allow" and state["actions"] == 1


def test_a_malformed_grant_is_the_engine_error():
    with pytest.raises(ActionError) as info:
        Engine.from_str(APPROVALS).evaluate(WRITE, at(0), grants=[{"fingerprint": "apr_1"}])
    assert info.value.code == "action.bad_value"
    assert "approval grant 0" in info.value.message
    with pytest.raises(ActionError) as info:
        Engine.from_str(APPROVALS).evaluate(WRITE, at(0), grants={"fingerprint": "apr_1"})
    assert "must be a list" in info.value.message


def test_a_bypass_lifts_a_deny_in_scope_only():
    engine = Engine.from_str(LOCKED)
    record = {"id": "byp_1", "reason": "incident 42", "approver": "alice",
              "allow": ["locked/**"], "expires_at": at(30)}
    assert engine.evaluate(EDIT, at(0)).decision == "deny"
    lifted = engine.evaluate(EDIT, at(0), bypasses=[record])
    assert (lifted.decision, lifted.bypass_id) == ("allow", "byp_1")
    other = {"tool": "Write", "args": {"file_path": "open/a.yml", "content": "x"}}
    assert engine.evaluate(other, at(0), bypasses=[record]).bypass_id is None
    assert engine.evaluate(EDIT, at(30), bypasses=[record]).decision == "deny"
    with pytest.raises(ActionError) as info:
        engine.evaluate(EDIT, at(0), bypasses=[dict(record, allow=[])])
    assert "allows nothing" in info.value.message


def test_sessions_on_one_engine_are_independent_across_threads():
    # Many threads, one engine, each its own session: every session counts its own actions.
    engine = Engine.from_str(BUDGET)
    results = []

    def worker():
        state = None
        for second in range(3):
            _, state = engine.evaluate_in_session(READ, state, at(second))
        results.append(state["actions"])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [3] * 8
