"""A small five-field cron parser (minute hour day-of-month month day-of-week) and occurrence search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_NAMES: tuple[dict[str, int], ...] = (
    {},
    {},
    {},
    {m: i + 1 for i, m in enumerate(_MONTHS)},
    {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
)
_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
}
MAX_SEARCH = timedelta(days=8)
"""Longest span :func:`occurrences` scans (minute by minute); callers look back days, not months."""


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression; times are matched in local (wall-clock) time."""

    expr: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    def matches(self, local: datetime) -> bool:
        """Whether a local time (seconds ignored) is an occurrence.

        As in classic cron, when both day fields are restricted a time matches if either does.
        """
        if local.minute not in self.minutes or local.hour not in self.hours or local.month not in self.months:
            return False
        day_ok = local.day in self.days
        weekday_ok = (local.isoweekday() % 7) in self.weekdays
        if self.any_day and self.any_weekday:
            return True
        if self.any_day:
            return weekday_ok
        if self.any_weekday:
            return day_ok
        return day_ok or weekday_ok


def _value(token: str, index: int) -> int:
    names = _NAMES[index]
    lowered = token.lower()
    if lowered in names:
        return names[lowered]
    if not token.isdigit():
        raise ValueError(f"{token!r} is not a number")
    return int(token)


def _field(text: str, index: int) -> frozenset[int]:
    low, high = _BOUNDS[index]
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"bad step in {part!r}")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = _value(first, index), _value(last, index)
        else:
            start = _value(body, index)
            end = high if step else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step or 1))
    if index == 4 and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


def parse_cron(expr: str) -> Cron:
    """Parse ``"30 9 * * mon-fri"`` (or ``@daily``, ``@hourly``, ``@weekly``, ``@monthly``).

    Raises:
        ValueError: If the expression is malformed.
    """
    text = _ALIASES.get(expr.strip().lower(), expr.strip())
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"cron needs 5 fields (minute hour day month weekday), got {expr!r}")
    try:
        fields = [_field(part, i) for i, part in enumerate(parts)]
    except ValueError as exc:
        raise ValueError(f"invalid cron {expr!r}: {exc}") from None
    minutes, hours, days, months, weekdays = fields
    return Cron(expr, minutes, hours, days, months, weekdays, parts[2] == "*", parts[4] == "*")


def occurrences(cron: Cron, zone: tzinfo, after: datetime, until: datetime) -> list[datetime]:
    """Occurrences (aware UTC, whole minutes) in ``(after, until]``, oldest first.

    Each UTC minute is converted to the zone's wall clock and matched, so daylight-saving changes are
    handled as the clock on the wall shows them. The span is capped at :data:`MAX_SEARCH`.
    """
    after = max(after, until - MAX_SEARCH).astimezone(UTC)
    minute = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    found: list[datetime] = []
    step = timedelta(minutes=1)
    while minute <= until:
        if cron.matches(minute.astimezone(zone)):
            found.append(minute)
        minute += step
    return found
