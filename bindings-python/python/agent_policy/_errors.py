"""The exceptions of agent_policy: one class, PolicyError, with a subclass per code prefix.

Every field comes from the error's JSON (``.json``), the same bytes every surface of
agent-policy reports for the same error: nothing is reworded here.
"""

from __future__ import annotations

import json as _json
import typing

from ._native import Decision

__all__ = [
    "PolicyError",
    "InvalidPolicyError",
    "ActionError",
    "PolicyFileError",
    "InternalError",
    "PolicyDenied",
]


class PolicyError(Exception):
    """An error of agent-policy: a stable machine ``code``, a ``message``, an optional ``help``
    line and source location, the further errors of the same load (``related``), and ``json``,
    the error as every surface reports it.

    ``str(error)`` is ``file:line:col: message [code]`` followed by the help line.
    """

    code: str
    message: str
    help: str | None
    file: str | None
    line: int | None
    column: int | None
    related: list[PolicyError]
    json: str

    def __init__(
        self,
        text: str,
        *,
        code: str,
        message: str,
        help: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        related: typing.Sequence[PolicyError] = (),
        json: str = "",
    ) -> None:
        super().__init__(text)
        self.code = code
        self.message = message
        self.help = help
        self.file = file
        self.line = line
        self.column = column
        self.related = list(related)
        self.json = json

    def __reduce__(self) -> typing.Any:
        return (_rebuild, (type(self), str(self), self._fields()))

    def _fields(self) -> dict[str, typing.Any]:
        return {
            "code": self.code,
            "message": self.message,
            "help": self.help,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "related": self.related,
            "json": self.json,
        }


class InvalidPolicyError(PolicyError):
    """The policy does not load (codes ``policy.*``): it names file, line, column and the fix."""


class ActionError(PolicyError):
    """The action or the request cannot be evaluated (codes ``action.*``, ``request.*``)."""


class PolicyFileError(PolicyError):
    """A policy file or directory cannot be read (codes ``io.*``)."""


class InternalError(PolicyError):
    """A bug in agent-policy (code ``internal``): please report it with the input."""


class PolicyDenied(PolicyError):
    """Raised by :func:`agent_policy.guard` when the decision blocks the call.

    ``decision`` is the full :class:`agent_policy.Decision`; ``code`` is ``decision.<outcome>``
    (``decision.deny``, ``decision.require_approval``, ``decision.terminate``), ``message`` the
    decision's reason, and ``json`` the canonical decision document.
    """

    decision: Decision

    def __init__(self, decision: Decision) -> None:
        reason = decision.reason
        super().__init__(
            f"{reason} [decision.{decision.decision}]",
            code=f"decision.{decision.decision}",
            message=reason,
            json=decision.to_json(),
        )
        self.decision = decision

    def __reduce__(self) -> typing.Any:
        # A Decision lives in the engine and does not pickle; keep the document.
        return (
            _rebuild,
            (PolicyError, str(self), self._fields()),
        )


def _rebuild(cls: type[PolicyError], text: str, fields: dict[str, typing.Any]) -> PolicyError:
    error = cls.__new__(cls)
    PolicyError.__init__(error, text, **fields)
    return error


_BY_PREFIX = {
    "policy": InvalidPolicyError,
    "action": ActionError,
    "request": ActionError,
    "io": PolicyFileError,
    "internal": InternalError,
}


def _from_native(text: str, json: str, related: list[PolicyError]) -> PolicyError:
    """Builds the exception for an error the native module reports (``json`` is its JSON)."""
    body = _json.loads(json)["error"]
    code = body["code"]
    location = body.get("location") or {}
    cls = _BY_PREFIX.get(code.split(".", 1)[0], PolicyError)
    return cls(
        text,
        code=code,
        message=body["message"],
        help=body.get("help"),
        file=location.get("file"),
        line=location.get("line"),
        column=location.get("column"),
        related=related,
        json=json,
    )
