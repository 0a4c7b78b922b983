"""redact() and lint()."""

import json

import pytest

from agent_policy import Engine, PolicyError

from conftest import AWS_KEY, GITHUB_TOKEN


def test_redact_replaces_secrets_anywhere_in_a_value(defaults):
    out = defaults.redact({"env": {"AWS": AWS_KEY}, "list": ["ok", f"token {GITHUB_TOKEN}"]})
    assert set(out) == {"value", "redactions"}
    assert out["value"] == {
        "env": {"AWS": "[REDACTED:aws-access-key-id]"},
        "list": ["ok", "token [REDACTED:github-token]"],
    }
    assert sorted(r["location"] for r in out["redactions"]) == ["$.env.AWS", "$.list[1]"]
    assert AWS_KEY not in json.dumps(out) and GITHUB_TOKEN not in json.dumps(out)


def test_redact_takes_plain_strings_and_leaves_clean_values_alone(defaults):
    assert defaults.redact(f"key={AWS_KEY}")["value"] == "key=[REDACTED:aws-access-key-id]"
    assert defaults.redact({"a": [1, 2.5, None, True]}) == {
        "value": {"a": [1, 2.5, None, True]},
        "redactions": [],
    }


def test_policy_redaction_rules_apply():
    engine = Engine.from_str(
        'version: "1"\nredaction:\n  rules:\n'
        '    - {id: acme-token, pattern: "acme_[a-z0-9]{8}", keywords: [acme_]}\n'
    )
    out = engine.redact({"t": "acme_abcd1234"})
    assert out["value"]["t"] != "acme_abcd1234"
    assert out["redactions"][0]["rule_id"] == "acme-token"


def test_lint_reports_rules_that_apply_to_everything():
    engine = Engine.from_str(
        'version: "1"\ndefault: allow\nrules:\n'
        "  - id: everything\n    match: {}\n    outcome: alert\n    reason: too wide\n",
        origin="wide.yml",
    )
    warnings = engine.lint()["warnings"]
    assert any("wide.yml:4:5" in w and "'everything'" in w and "empty match" in w for w in warnings)


def test_lint_of_a_clean_policy_is_empty():
    assert Engine.from_str('version: "1"\ndefault: allow\n').lint() == {"warnings": []}


def test_the_host_fingerprint_key_comes_from_the_environment(monkeypatch, defaults):
    default_fp = defaults.redact(f"t={GITHUB_TOKEN}")["redactions"][0]["fingerprint"]
    assert default_fp.startswith("hmac-sha256:")
    monkeypatch.setenv("AGENT_POLICY_FINGERPRINT_KEY", "a-host-key-of-enough-bytes")
    keyed = Engine.defaults().redact(f"t={GITHUB_TOKEN}")["redactions"][0]["fingerprint"]
    assert keyed.startswith("hmac-sha256:") and keyed != default_fp
    monkeypatch.setenv("AGENT_POLICY_FINGERPRINT_KEY", "hunter2")
    with pytest.raises(PolicyError) as err:
        Engine.defaults()
    assert err.value.code == "config.bad_value"
    assert "hunter2" not in str(err.value)
