"""Org policy plugins declared in a policy file run from Python as they do from the CLI.

The example plugins (examples/plugins) are built by `host-wasmtime/plugins.sh build`; when they
are missing these tests are skipped, unless AGENT_POLICY_PLUGINS_REQUIRED is set.
"""

import json
import os

import pytest

from agent_policy import Engine

from conftest import NOW, REPO_ROOT

EXAMPLES = REPO_ROOT / "examples" / "plugins"
BUILT = all((EXAMPLES / "target" / f"{n}.wasm").is_file() for n in ("naming", "public-ingress"))

if not BUILT and os.environ.get("AGENT_POLICY_PLUGINS_REQUIRED"):
    raise RuntimeError("examples/plugins/target is empty: run host-wasmtime/plugins.sh build")

pytestmark = pytest.mark.skipif(
    not BUILT, reason="the example plugins are not built (host-wasmtime/plugins.sh build)"
)


def action(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_file(str(EXAMPLES / "policy.yml"))


def test_the_example_plugins_deny_a_public_database_with_bad_names(engine):
    d = engine.evaluate(action("write-public-db.json"), NOW)
    assert d.decision == "deny"
    assert d.policy_ids == [
        "plugin.naming.required-tags",
        "plugin.naming.resource-name",
        "plugin.public-ingress.public-database",
        "plugin.public-ingress.public-ingress",
    ]
    assert d.reason.startswith("the action is denied by plugin.naming.resource-name: ")
    assert "is named 'ApiDatabase'" in d.reason


def test_a_compliant_write_gets_only_the_rules_decision(engine):
    d = engine.evaluate(action("write-ok.json"), NOW)
    assert d.decision == "require_approval"
    assert d.policy_ids == ["defaults.approval.infrastructure"]


def test_plugin_findings_count_in_a_session(engine):
    d, state = engine.evaluate_in_session(action("write-public-db.json"), None, NOW)
    assert d.decision == "deny"
    assert "plugin.public-ingress.public-ingress" in d.policy_ids
    assert state is not None


def test_a_policy_whose_plugin_is_missing_fails_closed(tmp_path):
    policy = tmp_path / "policy.yml"
    policy.write_text(
        'version: "1"\ndefault: allow\nplugins:\n  - {id: gone, path: nowhere.wasm}\n'
    )
    d = Engine.from_file(str(policy)).evaluate(
        {"tool": "Read", "args": {"file_path": "README.md"}}, NOW
    )
    assert d.decision == "deny"
    assert d.policy_ids == ["plugin.gone"]
    assert "plugin 'gone' could not be loaded" in d.reason
