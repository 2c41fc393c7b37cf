"""JSON forms of planned actions and rule traces (timedeltas as seconds, enums as their values)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from moderation.domain import ActionKind, PlannedAction, RuleTrace


def _seconds(value: timedelta) -> int | float:
    seconds = value.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def action_to_json(action: PlannedAction) -> dict[str, Any]:
    """Encode one planned action as a JSON-ready dict."""
    return {
        "kind": action.kind.value,
        "rule": action.rule,
        "text": action.text,
        "dm": action.dm,
        "duration": None if action.duration is None else _seconds(action.duration),
        "delete_message_days": action.delete_message_days,
        "reason": action.reason,
    }


def action_from_json(data: Mapping[str, Any]) -> PlannedAction:
    """Decode a dict written by :func:`action_to_json` (missing optional keys take their defaults)."""
    duration = data.get("duration")
    return PlannedAction(
        kind=ActionKind(data["kind"]),
        rule=str(data["rule"]),
        text=data.get("text"),
        dm=bool(data.get("dm", False)),
        duration=None if duration is None else timedelta(seconds=duration),
        delete_message_days=int(data.get("delete_message_days", 0)),
        reason=str(data.get("reason", "")),
    )


def actions_to_json(actions: Iterable[PlannedAction]) -> list[dict[str, Any]]:
    """Encode several actions, keeping their order."""
    return [action_to_json(a) for a in actions]


def actions_from_json(data: Iterable[Mapping[str, Any]] | None) -> tuple[PlannedAction, ...]:
    """Decode a list written by :func:`actions_to_json` (``None`` means no actions)."""
    return tuple(action_from_json(d) for d in data or ())


def traces_to_json(traces: Iterable[RuleTrace]) -> list[dict[str, Any]]:
    """Encode rule traces as JSON-ready dicts."""
    return [asdict(t) for t in traces]


def traces_from_json(data: Iterable[Mapping[str, Any]] | None) -> tuple[RuleTrace, ...]:
    """Decode traces written by :func:`traces_to_json`."""
    return tuple(RuleTrace(**dict(d)) for d in data or ())
