"""The Decision object: every SPEC §4 field, the canonical JSON, and its dict form."""

import json

import pytest

from agent_policy import Engine

from conftest import AWS_KEY, NOW

FIELDS = [
    "decision_id",
    "action_id",
    "decision",
    "policy_ids",
    "reason",
    "risk_score",
    "approver_role",
    "redactions",
    "alerts",
    "matched",
    "effects",
    "redacted_action",
    "timestamp",
    "policy_version",
    "policy_hash",
]


@pytest.fixture(scope="module")
def decision(engine):
    return engine.evaluate(
        {"tool": "Write", "args": {"file_path": "migrations/002.sql", "content": f"-- {AWS_KEY}"}},
        NOW,
    )


def test_the_json_has_every_field_in_spec_order(decision):
    text = decision.to_json()
    # The decision requires approval: the approval request follows the SPEC §4 fields.
    assert list(json.loads(text)) == FIELDS + ["approval_request"]
    assert ", " not in text.split('"reason"')[0]  # compact


def test_to_dict_is_the_parsed_json(decision):
    assert decision.to_dict() == json.loads(decision.to_json())


def test_every_attribute_equals_its_field_in_the_document(decision):
    document = decision.to_dict()
    for name in FIELDS:
        assert getattr(decision, name) == document[name], name


def test_attribute_values(decision):
    assert decision.decision == "require_approval"
    assert decision.blocks
    assert decision.approver_role == "dba"
    assert "migrations-need-a-dba" in decision.policy_ids
    assert decision.decision_id.startswith("dec_") and decision.action_id.startswith("act_")
    assert isinstance(decision.risk_score, int) and 0 <= decision.risk_score <= 100
    assert decision.timestamp == NOW
    assert decision.policy_version == "1"
    assert decision.policy_hash.startswith("sha256:")
    assert "file.write" in [e["kind"] for e in decision.effects]
    assert {m["rule_id"] for m in decision.matched} >= {"migrations-need-a-dba"}
    assert decision.redactions[0]["kind"] == "aws-access-key-id"
    assert decision.redacted_action["args"]["content"] == "-- [REDACTED:aws-access-key-id]"
    assert decision.alerts == []


def test_blocks_follows_the_outcome(engine, defaults):
    cases = {
        "allow": {"tool": "Bash", "args": {"command": "npm test"}},
        "redact": {"tool": "Write", "args": {"file_path": "a.txt", "content": AWS_KEY}},
        "require_approval": {
            "tool": "Write",
            "args": {"file_path": "migrations/1.sql", "content": ""},
        },
        "deny": {"tool": "Read", "args": {"file_path": ".env"}},
    }
    for outcome, action in cases.items():
        d = engine.evaluate(action, NOW)
        assert d.decision == outcome
        assert d.blocks == (outcome in ("require_approval", "deny", "terminate"))


def test_the_decision_is_read_only_and_returns_fresh_values(decision):
    with pytest.raises(AttributeError):
        decision.decision = "allow"
    decision.redacted_action["args"]["content"] = "changed"
    decision.policy_ids.append("changed")
    assert decision.redacted_action["args"]["content"] == "-- [REDACTED:aws-access-key-id]"
    assert "changed" not in decision.policy_ids


def test_repr_says_what_was_decided_and_why(decision):
    text = repr(decision)
    assert text.startswith("<Decision require_approval")
    assert "migrations-need-a-dba" in text and decision.decision_id in text
    assert AWS_KEY not in text and AWS_KEY not in str(decision)


def test_an_approval_round_trip_through_a_presented_grant():
    engine = Engine.from_str(
        'version: "1"\ndefault: allow\nconstraints:\n  require_human_approval:\n'
        "    - {file_pattern: package.json, approver_role: lead}\n"
    )
    action = {"tool": "Write", "args": {"file_path": "package.json", "content": "{}"}}
    asked = engine.evaluate(action, NOW)
    assert asked.decision == "require_approval"
    request = asked.approval_request
    assert request["approver_role"] == "lead" and request["fingerprint"].startswith("apr_")
    assert asked.approval is None and asked.bypass_id is None and asked.budget is None
    grant = {
        "fingerprint": request["fingerprint"],
        "role": "lead",
        "approver": "alice",
        "expires_at": "2026-11-22T11:00:00Z",
    }
    approved = engine.evaluate({**action, "approval": {"grants": [grant]}}, NOW)
    assert approved.decision == "allow"
    assert approved.approval["approver"] == "alice"
    wrong_role = engine.evaluate({**action, "approval": {"grants": [{**grant, "role": "intern"}]}}, NOW)
    assert wrong_role.decision == "require_approval"
