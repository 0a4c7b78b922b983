"""``guard``: ask the engine before a tool function runs.

The wrapper builds the action ``{"tool", "args", "agent"?, "context"?}`` from the call, raises
PolicyDenied when the decision blocks it, and otherwise calls the function with the arguments
of the decision's ``redacted_action`` (every secret replaced by its marker), so secrets never
reach the tool. All judgement is the engine's.
"""

from __future__ import annotations

import functools
import inspect
import typing
from datetime import datetime

from ._errors import PolicyDenied
from ._native import Decision, Engine

__all__ = ["guard"]

F = typing.TypeVar("F", bound=typing.Callable[..., typing.Any])


def guard(
    engine: Engine,
    *,
    tool: str | None = None,
    agent: typing.Mapping[str, typing.Any] | None = None,
    context: typing.Mapping[str, typing.Any] | None = None,
    now: str | datetime | None = None,
) -> typing.Callable[[F], F]:
    """Decorates a tool function (sync or async) so every call is evaluated first.

    The action is ``{"tool": tool or fn.__name__, "args": {parameter: value, ...}}`` (defaults
    applied), plus ``agent`` and ``context`` when given. A blocking decision raises
    :class:`PolicyDenied` carrying it; otherwise the function runs with the redacted arguments.
    Arguments must be JSON values (dict, list, str, int, float, bool, None).
    """

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)
        name = tool or fn.__name__

        def decide(
            args: tuple[typing.Any, ...], kwargs: dict[str, typing.Any]
        ) -> inspect.BoundArguments:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            action: dict[str, typing.Any] = {"tool": name, "args": dict(bound.arguments)}
            if agent is not None:
                action["agent"] = agent
            if context is not None:
                action["context"] = context
            decision: Decision = engine.evaluate(action, now)
            if decision.blocks:
                raise PolicyDenied(decision)
            redacted = decision.redacted_action["args"]
            for parameter in bound.arguments:
                bound.arguments[parameter] = redacted[parameter]
            return bound

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def guarded_async(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
                bound = decide(args, kwargs)
                return await fn(*bound.args, **bound.kwargs)

            return guarded_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def guarded(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
            bound = decide(args, kwargs)
            return fn(*bound.args, **bound.kwargs)

        return guarded  # type: ignore[return-value]

    return wrap
