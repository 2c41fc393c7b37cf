from datetime import timedelta

from moderation.config.schema import StrikesConfig
from moderation.domain import ActionKind
from moderation.rules.strikes import next_step, step_action, windows

WEEK, DAY, MONTH = timedelta(days=7), timedelta(days=1), timedelta(days=30)

LADDER = StrikesConfig.model_validate(
    {
        "ladder": [
            {"count": 3, "within": "7d", "action": "timeout", "duration": "1h"},
            {"count": 5, "within": "7d", "action": "timeout", "duration": "1d"},
            {"count": 2, "within": "1d", "action": "timeout", "duration": "10m"},
            {"count": 8, "within": "30d", "action": "ban"},
        ]
    }
)


def test_windows_are_distinct_and_sorted() -> None:
    assert windows(LADDER) == [DAY, WEEK, MONTH]
    assert windows(LADDER.model_copy(update={"enabled": False})) == []


def test_no_rung_below_the_counts() -> None:
    assert next_step(LADDER, {}) is None
    assert next_step(LADDER, {DAY: 1, WEEK: 2, MONTH: 2}) is None


def test_single_rung() -> None:
    step = next_step(LADDER, {DAY: 1, WEEK: 3, MONTH: 3})
    assert step is not None
    assert (step.action, step.duration) == ("timeout", timedelta(hours=1))


def test_highest_matching_rung_wins() -> None:
    # 2 in a day (10m) and 3 in a week (1h) both match: the longer timeout wins
    step = next_step(LADDER, {DAY: 2, WEEK: 3, MONTH: 3})
    assert step is not None
    assert step.duration == timedelta(hours=1)
    step = next_step(LADDER, {DAY: 2, WEEK: 6, MONTH: 6})
    assert step is not None
    assert step.duration == timedelta(days=1)
    step = next_step(LADDER, {DAY: 2, WEEK: 6, MONTH: 8})
    assert step is not None
    assert step.action == "ban"


def test_decay_old_strikes_leave_the_short_window() -> None:
    # the same member a week later: strikes have decayed out of the 7d window
    assert next_step(LADDER, {DAY: 0, WEEK: 0, MONTH: 3}) is None


def test_disabled_ladder() -> None:
    assert next_step(LADDER.model_copy(update={"enabled": False}), {WEEK: 99, DAY: 99, MONTH: 99}) is None


def test_step_action() -> None:
    step = LADDER.ladder[0]
    action = step_action(step, "toxicity")
    assert (action.kind, action.duration, action.rule) == (ActionKind.TIMEOUT, timedelta(hours=1), "toxicity")
    assert action.reason == "toxicity: 3 strikes within 1w"
    ban = step_action(LADDER.ladder[3], "spam")
    assert (ban.kind, ban.duration) == (ActionKind.BAN, None)
