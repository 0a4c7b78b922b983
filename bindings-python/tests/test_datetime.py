"""The `now` argument: text, aware datetimes, naive datetimes refused, and the clock."""

from datetime import date, datetime, timedelta, timezone

import pytest

from agent_policy import ActionError

from conftest import NOW

ACTION = {"tool": "Bash", "args": {"command": "npm test"}}


def test_an_aware_datetime_is_the_same_instant_as_its_text(defaults):
    utc = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)
    paris = datetime(2026, 11, 22, 11, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    by_text = defaults.evaluate(ACTION, NOW)
    assert defaults.evaluate(ACTION, utc).to_json() == by_text.to_json()
    assert defaults.evaluate(ACTION, paris).to_json() == by_text.to_json()
    assert by_text.timestamp == "2026-11-22T10:00:00Z"


def test_fractions_of_a_second_are_kept(defaults):
    t = datetime(2026, 11, 22, 10, 0, 0, 250000, tzinfo=timezone.utc)
    assert defaults.evaluate(ACTION, t).timestamp == "2026-11-22T10:00:00.250Z"


def test_a_naive_datetime_is_refused_with_help(defaults):
    with pytest.raises(ActionError) as info:
        defaults.evaluate(ACTION, datetime(2026, 11, 22, 10, 0, 0))
    assert info.value.code == "request.bad_timestamp"
    assert "timezone" in info.value.help or "time zone" in info.value.help


def test_without_now_the_clock_is_used(defaults):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    stamp = defaults.evaluate(ACTION).timestamp
    after = datetime.now(timezone.utc)
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= when <= after


def test_other_types_are_a_type_error(defaults):
    with pytest.raises(TypeError):
        defaults.evaluate(ACTION, date(2026, 11, 22))
    with pytest.raises(TypeError):
        defaults.evaluate(ACTION, 1764000000)
