"""Shared fixtures: engines, a fixed time, planted secrets, and the repository's paths."""

from pathlib import Path

import pytest

from agent_policy import Engine

NOW = "2026-11-22T10:00:00Z"
# Example credentials in the formats the built-in detectors know; planted to prove they never
# come back out.
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_R8x2Lq7Vb4Nc1Ws9Ke3Ty6Ua5Zd0Hf8Jm2Pq"

BINDING_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BINDING_DIR.parent

POLICY = """\
version: "1"
extends: [defaults/coding-agent]
default: allow
rules:
  - id: interns-no-invoices
    match: {agent_type: [intern], tool: [send-invoice]}
    outcome: deny
    reason: interns do not bill customers
  - id: migrations-need-a-dba
    match: {kind: file.write, path: ["migrations/**"]}
    outcome: require_approval
    approver_role: dba
    reason: schema changes are reviewed
    examples:
      match: [{tool: Write, args: {file_path: migrations/001.sql, content: x}}]
      no_match: [{tool: Write, args: {file_path: src/a.ts, content: x}}]
"""


@pytest.fixture(scope="session")
def defaults() -> Engine:
    return Engine.defaults()


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.from_str(POLICY, origin="team.yml")
