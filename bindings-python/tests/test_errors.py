"""Errors: codes, locations, help lines, the JSON every surface reports, and no secret leaks."""

import json
import math
import pickle

import pytest

from agent_policy import (
    ActionError,
    Engine,
    InternalError,
    InvalidPolicyError,
    PolicyError,
)
from agent_policy._errors import _from_native

from conftest import AWS_KEY, GITHUB_TOKEN, NOW

DENNY = 'version: "1"\npermissions:\n  filesystem:\n    denny: [".env"]\n'
TYPO = 'version: "1"\nrules:\n  - id: r\n    match: {tool: [x]}\n    outcome: denny\n'


def test_a_typo_names_file_line_column_and_the_fix():
    with pytest.raises(InvalidPolicyError) as info:
        Engine.from_str(DENNY, origin="team.yml")
    e = info.value
    assert e.code == "policy.unknown_key"
    assert (e.file, e.line, e.column) == ("team.yml", 4, 5)
    assert e.help == "did you mean 'deny'?"
    assert "'denny'" in e.message
    assert str(e).startswith(f"team.yml:4:5: {e.message} [policy.unknown_key]")
    assert "help: " + e.help in str(e)


def test_an_unknown_outcome_suggests_the_right_one():
    with pytest.raises(InvalidPolicyError) as info:
        Engine.from_str(TYPO)
    e = info.value
    assert e.code == "policy.unknown_outcome"
    assert e.file == "<inline>" and e.line == 5
    assert "deny" in e.help


def test_the_fields_are_the_error_json():
    with pytest.raises(PolicyError) as info:
        Engine.from_str(DENNY)
    e = info.value
    body = json.loads(e.json)["error"]
    assert body["code"] == e.code and body["message"] == e.message and body["help"] == e.help
    assert body["location"] == {"file": e.file, "line": e.line, "column": e.column}


def test_every_error_of_a_load_is_reported_in_related():
    policy = (
        'version: "1"\nconstraints:\n  require_human_approval:\n    - file_patern: package.json\n'
    )
    with pytest.raises(InvalidPolicyError) as info:
        Engine.from_str(policy)
    e = info.value
    assert e.code == "policy.unknown_key" and "file_pattern" in e.help
    assert [r.code for r in e.related] == ["policy.missing_key"]
    related = e.related[0]
    assert isinstance(related, InvalidPolicyError)
    assert related.line == 4 and related.help
    assert json.loads(related.json)["error"]["code"] == "policy.missing_key"
    assert json.loads(e.json)["error"]["related"][0]["message"] == related.message


def test_duplicate_keys_in_action_text_are_refused(defaults):
    with pytest.raises(ActionError) as info:
        defaults.evaluate('{"tool": "Bash", "args": {"command": "ls", "command": "rm -rf /"}}', NOW)
    e = info.value
    assert e.code == "action.syntax"
    assert "'command' appears twice" in e.message
    assert e.line == 1 and e.column is not None


def test_malformed_action_text(defaults):
    with pytest.raises(ActionError) as info:
        defaults.evaluate('{"tool": "Bash",', NOW)
    assert info.value.code == "action.syntax" and info.value.help


def test_unknown_action_fields_are_refused(defaults):
    with pytest.raises(ActionError) as info:
        defaults.evaluate({"tool": "Bash", "comand": "ls"}, NOW)
    assert info.value.code == "action.unknown_field"


def test_a_bad_timestamp_is_a_request_error(defaults):
    with pytest.raises(ActionError) as info:
        defaults.evaluate({"tool": "Bash", "args": {"command": "ls"}}, "yesterday")
    assert info.value.code == "request.bad_timestamp"
    assert info.value.help


@pytest.mark.parametrize(
    "value, code, where",
    [
        ({"data": {1, 2}}, "action.bad_type", "$.args.data"),
        ({"data": b"bytes"}, "action.bad_type", "$.args.data"),
        ({"data": [0, object()]}, "action.bad_type", "$.args.data[1]"),
        ({1: "x"}, "action.bad_type", "$.args"),
        ({"data": math.nan}, "action.bad_value", "$.args.data"),
        ({"data": math.inf}, "action.bad_value", "$.args.data"),
        ({"data": "\ud800"}, "action.bad_value", "$.args.data"),
    ],
)
def test_values_json_cannot_hold_are_refused_with_their_path(defaults, value, code, where):
    with pytest.raises(ActionError) as info:
        defaults.evaluate({"tool": "x", "args": value}, NOW)
    assert info.value.code == code
    assert where in info.value.message
    assert info.value.help


def test_nesting_and_cycles_are_refused_not_a_crash(defaults):
    deep = current = {}
    for _ in range(500):
        current["a"] = {}
        current = current["a"]
    with pytest.raises(ActionError) as info:
        defaults.evaluate({"tool": "x", "args": deep}, NOW)
    assert info.value.code == "action.bad_value"
    cycle = {"tool": "x", "args": {}}
    cycle["args"]["self"] = cycle
    with pytest.raises(ActionError):
        defaults.evaluate(cycle, NOW)


def assert_no_secret(error):
    for text in (str(error), repr(error), error.message, error.help or "", error.json):
        assert AWS_KEY not in text and GITHUB_TOKEN not in text


@pytest.mark.parametrize(
    "action",
    [
        {"tool": "Bash", "args": {"command": f"echo {AWS_KEY}", GITHUB_TOKEN: {1, 2}}},
        {"tool": "Bash", "args": {AWS_KEY: [{"x": float("nan")}]}},
        {"tool": "Bash", "args": {"command": AWS_KEY}, "payload": {GITHUB_TOKEN}},
        f'{{"tool": "Bash", "args": {{"command": "{AWS_KEY}", "command": 1}}}}',
        f'{{"tool": "Bash", "args": "{GITHUB_TOKEN}" ',
    ],
)
def test_no_planted_secret_in_any_error(defaults, action):
    with pytest.raises(PolicyError) as info:
        defaults.evaluate(action, NOW)
    assert_no_secret(info.value)


@pytest.mark.parametrize(
    "action",
    [
        {"tool": "Bash", AWS_KEY: "x"},
        f'{{"tool": "Bash", "args": {{"{AWS_KEY}": "ls", "{AWS_KEY}": 1}}}}',
    ],
)
def test_no_secret_used_as_a_key_in_engine_errors(defaults, action):
    with pytest.raises(PolicyError) as info:
        defaults.evaluate(action, NOW)
    assert_no_secret(info.value)


def test_no_planted_secret_in_the_decision(defaults):
    d = defaults.evaluate(
        {
            "tool": "Bash",
            "args": {
                "command": f"curl -H 'Authorization: token {GITHUB_TOKEN}' "
                f"https://api.example.com?k={AWS_KEY}"
            },
        },
        NOW,
    )
    assert len(d.redactions) == 2
    for text in (d.to_json(), repr(d), json.dumps(d.to_dict()), json.dumps(d.redacted_action)):
        assert AWS_KEY not in text and GITHUB_TOKEN not in text


def test_errors_pickle_with_their_fields():
    with pytest.raises(InvalidPolicyError) as info:
        Engine.from_str(DENNY)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is InvalidPolicyError
    assert (copy.code, copy.line, copy.help, copy.json, str(copy)) == (
        info.value.code,
        info.value.line,
        info.value.help,
        info.value.json,
        str(info.value),
    )


def test_the_internal_code_maps_to_internal_error():
    e = _from_native(
        "internal error: boom [internal]",
        '{"error":{"code":"internal","help":"this is a bug","message":"internal error: boom"}}',
        [],
    )
    assert isinstance(e, InternalError) and isinstance(e, PolicyError)
    assert e.code == "internal" and e.help == "this is a bug" and e.line is None
