"""guard: blocked calls raise PolicyDenied, allowed calls get redacted arguments."""

import asyncio

import pytest

from agent_policy import Engine, PolicyDenied, PolicyError, guard

from conftest import AWS_KEY, NOW


def test_a_denied_call_raises_and_never_runs(defaults):
    calls = []

    @guard(defaults, tool="Read", now=NOW)
    def read(file_path):
        calls.append(file_path)
        return "contents"

    with pytest.raises(PolicyDenied) as info:
        read(".env")
    assert calls == []
    denied = info.value
    assert isinstance(denied, PolicyError)
    assert denied.code == "decision.deny"
    assert denied.decision.decision == "deny"
    assert denied.decision.policy_ids == ["defaults.secrets.env-read"]
    assert denied.message == denied.decision.reason
    assert denied.json == denied.decision.to_json()
    assert read("src/main.ts") == "contents"
    assert calls == ["src/main.ts"]


def test_the_tool_receives_the_marker_instead_of_the_secret(defaults):
    received = {}

    @guard(defaults, tool="Write", now=NOW)
    def write(file_path, content, mode="w"):
        received.update(file_path=file_path, content=content, mode=mode)
        return len(content)

    write("notes.txt", content=f"aws key {AWS_KEY}")
    assert received == {
        "file_path": "notes.txt",
        "content": "aws key [REDACTED:aws-access-key-id]",
        "mode": "w",
    }


def test_approval_blocks_with_the_approver_role(engine):
    @guard(engine, tool="Write", now=NOW)
    def write(file_path, content):
        raise AssertionError("must not run")

    with pytest.raises(PolicyDenied) as info:
        write("migrations/003.sql", "ALTER TABLE x")
    assert info.value.code == "decision.require_approval"
    assert info.value.decision.approver_role == "dba"


def test_agent_and_context_are_part_of_the_action(engine):
    def send_invoice(customer, amount):
        return f"sent {amount} to {customer}"

    as_intern = guard(engine, tool="send-invoice", agent={"type": "intern"})(send_invoice)
    as_senior = guard(
        engine, tool="send-invoice", agent={"type": "senior"}, context={"environment": "staging"}
    )(send_invoice)
    with pytest.raises(PolicyDenied) as info:
        as_intern("acme", 10)
    assert info.value.decision.policy_ids == ["interns-no-invoices"]
    assert as_senior("acme", 10) == "sent 10 to acme"


def test_the_tool_name_defaults_to_the_function_name_and_metadata_is_kept():
    engine = Engine.from_str(
        'version: "1"\ndefault: allow\npermissions:\n  tools:\n    deny: [send_invoice]\n'
    )

    @guard(engine)
    def send_invoice(customer: str) -> str:
        """Sends an invoice."""
        return customer

    assert send_invoice.__name__ == "send_invoice"
    assert send_invoice.__doc__ == "Sends an invoice."
    with pytest.raises(PolicyDenied):
        send_invoice("acme")


def test_varargs_and_keyword_arguments_round_trip(defaults):
    @guard(defaults, tool="mcp__notes__append", now=NOW)
    def append(title, *lines, sep="\n", **meta):
        return title, lines, sep, meta

    title, lines, sep, meta = append("t", "a", AWS_KEY, sep=";", tags=["x"])
    assert (title, sep, meta) == ("t", ";", {"tags": ["x"]})
    assert list(lines) == ["a", "[REDACTED:aws-access-key-id]"]


def test_async_tools_are_guarded_too(defaults):
    @guard(defaults, tool="Read", now=NOW)
    async def read(file_path):
        await asyncio.sleep(0)
        return f"read {file_path}"

    assert asyncio.run(read("README.md")) == "read README.md"
    with pytest.raises(PolicyDenied):
        asyncio.run(read(".env"))


def test_arguments_that_are_not_json_are_an_action_error(defaults):
    @guard(defaults, tool="x")
    def tool(handle):
        raise AssertionError("must not run")

    with pytest.raises(PolicyError) as info:
        tool(object())
    assert info.value.code == "action.bad_type"
