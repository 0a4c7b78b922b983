"""agent_policy: a deterministic policy engine deciding, before an AI agent acts, whether an
action (a tool call) may happen, and explaining why.

    >>> from agent_policy import Engine
    >>> engine = Engine.defaults()
    >>> action = {"tool": "Read", "args": {"file_path": ".env"}}
    >>> engine.evaluate(action, "2026-11-22T10:00:00Z").decision
    'deny'

The decision document (``Decision.to_json()``) is byte for byte the one every other surface of
agent-policy (Rust, the CLI, Node, WebAssembly) returns for the same policy, action and time.
"""

from ._errors import (
    ActionError,
    InternalError,
    InvalidPolicyError,
    PolicyDenied,
    PolicyError,
    PolicyFileError,
)
from ._guard import guard
from ._native import Decision, Engine

__all__ = [
    "Engine",
    "Decision",
    "guard",
    "PolicyError",
    "InvalidPolicyError",
    "ActionError",
    "PolicyFileError",
    "InternalError",
    "PolicyDenied",
]
