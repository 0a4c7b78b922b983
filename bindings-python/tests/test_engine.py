"""Building engines (text, JSON, overrides, files, defaults) and evaluating actions."""

import json

import pytest

from agent_policy import Decision, Engine, InvalidPolicyError, PolicyError, PolicyFileError

from conftest import NOW, POLICY


def test_defaults_deny_reading_env_files_and_allow_ordinary_work(defaults):
    denied = defaults.evaluate({"tool": "Read", "args": {"file_path": ".env"}}, NOW)
    assert isinstance(denied, Decision)
    assert denied.decision == "deny"
    assert denied.policy_ids == ["defaults.secrets.env-read"]
    assert denied.blocks
    allowed = defaults.evaluate({"tool": "Bash", "args": {"command": "git status"}}, NOW)
    assert allowed.decision == "allow"
    assert not allowed.blocks


def test_a_policy_from_yaml_text_applies_its_rules(engine):
    d = engine.evaluate({"tool": "send-invoice", "args": {}, "agent": {"type": "intern"}}, NOW)
    assert (d.decision, d.policy_ids) == ("deny", ["interns-no-invoices"])
    assert "interns do not bill customers" in d.reason
    other = engine.evaluate({"tool": "send-invoice", "args": {}, "agent": {"type": "senior"}}, NOW)
    assert other.decision == "allow"


def test_a_policy_from_json_text():
    policy = json.dumps(
        {
            "version": "1",
            "default": "allow",
            "permissions": {"commands": {"deny": ["terraform destroy"]}},
        }
    )
    engine = Engine.from_str(policy, "json")
    d = engine.evaluate(
        {"tool": "Bash", "args": {"command": "terraform destroy -auto-approve"}}, NOW
    )
    assert d.decision == "deny"


def test_json_policies_are_read_strictly():
    with pytest.raises(InvalidPolicyError) as info:
        Engine.from_str('{"version": "1", "default": "allow",}', format="json", origin="p.json")
    assert info.value.code == "policy.syntax"
    assert info.value.file == "p.json"


def test_overrides_are_merged_and_deny_wins():
    root = 'version: "1"\npermissions:\n  filesystem:\n    deny: [".env*"]\n'
    action = {"kind": "file.read", "path": "backend/secrets/key.txt"}
    assert Engine.from_str(root).evaluate(action, NOW).decision == "allow"
    engine = Engine.from_str(
        root,
        overrides=[
            {
                "policy": 'permissions:\n  filesystem:\n    deny: ["backend/secrets/**"]\n',
                "origin": "backend/.agent-policy.override.yml",
            }
        ],
    )
    assert engine.evaluate(action, NOW).decision == "deny"


def test_an_override_granting_what_the_root_denies_does_not_load():
    root = 'version: "1"\npermissions:\n  filesystem:\n    deny: ["backend/secrets/**"]\n'
    override = {
        "policy": 'permissions:\n  filesystem:\n    allow: ["backend/secrets/x/**"]\n',
        "origin": "backend/.agent-policy.override.yml",
        "format": "yaml",
    }
    with pytest.raises(InvalidPolicyError) as info:
        Engine.from_str(root, overrides=[override])
    assert info.value.code == "policy.conflict"
    assert info.value.file == "backend/.agent-policy.override.yml"


def test_from_file_loads_the_root_and_the_overrides_under_its_directory(tmp_path):
    (tmp_path / ".agent-policy.yml").write_text('version: "1"\ndefault: allow\n')
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / ".agent-policy.override.yml").write_text(
        'permissions:\n  commands:\n    deny: ["kubectl apply"]\n'
    )
    engine = Engine.from_file(tmp_path / ".agent-policy.yml")
    d = engine.evaluate({"tool": "Bash", "args": {"command": "kubectl apply -f x.yml"}}, NOW)
    assert d.decision == "deny"
    same = Engine.from_file(str(tmp_path / ".agent-policy.yml"))
    assert (
        same.evaluate({"tool": "Bash", "args": {"command": "ls"}}, NOW).policy_hash == d.policy_hash
    )


def test_from_file_reports_a_policy_error_with_the_file_name(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text('version: "1"\ndefault: denny\n')
    with pytest.raises(InvalidPolicyError) as info:
        Engine.from_file(path)
    assert info.value.file == str(path)
    assert info.value.line == 2


def test_a_missing_file_is_a_file_error_with_help(tmp_path):
    with pytest.raises(PolicyFileError) as info:
        Engine.from_file(tmp_path / "nope.yml")
    e = info.value
    assert e.code == "io.read"
    assert "nope.yml" in e.message and "no such file" in e.message
    assert e.help and (e.file, e.line, e.column) == (None, None, None)
    assert json.loads(e.json)["error"]["code"] == "io.read"


def test_bad_construction_arguments_are_python_errors():
    with pytest.raises(ValueError, match="yaml"):
        Engine.from_str(POLICY, "toml")
    with pytest.raises(ValueError, match="origin"):
        Engine.from_str(POLICY, overrides=[{"policy": "default: deny\n"}])
    with pytest.raises(ValueError, match="polcy"):
        Engine.from_str(POLICY, overrides=[{"polcy": "x", "origin": "o.yml"}])
    with pytest.raises(TypeError):
        Engine.from_str(POLICY, overrides="default: deny\n")
    with pytest.raises(TypeError):
        Engine.from_str(POLICY, overrides=[("default: deny\n", "o.yml")])
    with pytest.raises(TypeError):
        Engine()  # type: ignore[call-arg]


def test_action_text_and_dicts_give_the_same_decision(engine):
    action = {"tool": "Write", "args": {"file_path": "src/a.ts", "content": "x = 1"}}
    a = engine.evaluate(action, NOW)
    b = engine.evaluate(json.dumps(action), NOW)
    assert a.to_json() == b.to_json()


def test_decisions_are_deterministic_and_the_sequence_counts(engine):
    action = {"tool": "Bash", "args": {"command": "npm test"}}
    assert engine.evaluate(action, NOW).to_json() == engine.evaluate(action, NOW).to_json()
    first = engine.evaluate(action, NOW, sequence=1)
    second = engine.evaluate(action, NOW, sequence=2)
    assert first.decision_id != second.decision_id
    assert first.action_id == second.action_id
    assert engine.evaluate(json.dumps(action), NOW, sequence=2).to_json() == second.to_json()


def test_python_containers_convert_to_json_values(defaults):
    action = {
        "tool": "mcp__db__query",
        "args": {"rows": (1, 2.5, -3), "flags": [True, False, None], "big": 2**64 + 1},
    }
    d = defaults.evaluate(action, NOW)
    args = d.redacted_action["args"]
    assert args["rows"] == [1, 2.5, -3]
    assert args["flags"] == [True, False, None]
    assert args["big"] == float(2**64 + 1)


def test_policy_errors_are_policy_errors():
    assert issubclass(InvalidPolicyError, PolicyError)
    assert issubclass(PolicyFileError, PolicyError)
