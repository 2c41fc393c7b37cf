"""Backtest: replay stored decisions through two configurations and report what each rule would change.

The replay never acts and never writes: it uses a throwaway ``RuleEngine`` per configuration, no
strikes, no pauses and no member records. Unflagged messages' text is never stored, so they are
replayed with their stored classifier scores only (word, link and other text rules see empty text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from moderation.beyond.history import HistoryItem, HistorySource
from moderation.config.configset import ConfigSet
from moderation.config.resolver import ConfigResolver, ScopeContext
from moderation.domain import Actor, Decision, InboundMessage, Scope
from moderation.errors import CommandError
from moderation.ports import Classification
from moderation.rules.engine import MessageContext, RuleEngine

MAX_EXAMPLES = 3

Signature = tuple[str, str, tuple[str, ...]]
"""How a rule fired: (band, mode, sorted action kinds)."""


class ReplayClock:
    """A clock that shows the time of the message being replayed."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def now(self) -> datetime:
        """The replayed message's time."""
        assert self.at is not None
        return self.at


@dataclass(frozen=True)
class Example:
    """One message whose outcome for a rule would change."""

    decision_id: int
    text: str
    before: str
    after: str
    verdict: str | None


@dataclass
class RuleDiff:
    """What one rule would change.

    Attributes:
        rule: The rule's name.
        newly_flagged: Messages it would fire on that it did not before.
        no_longer_flagged: Messages it fired on that it would not any more.
        different_action: Messages it fires on either way, with another band, mode or action.
        dropped_approved: No longer flagged although moderators approved the review.
        still_rejected: Still (or newly) flagged although moderators rejected the review.
    """

    rule: str
    newly_flagged: list[Example] = field(default_factory=list)
    no_longer_flagged: list[Example] = field(default_factory=list)
    different_action: list[Example] = field(default_factory=list)
    dropped_approved: int = 0
    still_rejected: int = 0

    @property
    def changed(self) -> bool:
        """Whether the rule changes anything."""
        return bool(self.newly_flagged or self.no_longer_flagged or self.different_action)


@dataclass
class BacktestReport:
    """The result of a backtest over one community."""

    community: str
    replayed: int = 0
    without_text: int = 0
    exempt: int = 0
    rules: dict[str, RuleDiff] = field(default_factory=dict)

    def diff(self, rule: str) -> RuleDiff:
        """The (possibly new) diff of a rule."""
        return self.rules.setdefault(rule, RuleDiff(rule))


def signatures(decision: Decision) -> dict[str, Signature]:
    """Rule -> how it fired, for every rule that fired in a decision."""
    kinds: dict[str, set[str]] = {}
    for action in (*decision.actions, *decision.held_actions):
        kinds.setdefault(action.rule, set()).add(str(action.kind))
    return {
        t.rule: (t.band or "", t.mode, tuple(sorted(kinds.get(t.rule, ()))))
        for t in decision.traces
        if t.fired
    }


def describe(sig: Signature | None) -> str:
    """A short human description of a signature."""
    if sig is None:
        return "not flagged"
    band, mode, kinds = sig
    text = f"{band or 'fired'}: {', '.join(kinds) or 'no action'}"
    return text + (" (dry run)" if mode == "dry_run" else "")


class Replayer:
    """Replays history items through one configuration with its own throwaway engine."""

    def __init__(self, resolver: ConfigResolver) -> None:
        self._resolver = resolver
        self._clock = ReplayClock()
        self._engine = RuleEngine(self._clock)

    def decide(self, item: HistoryItem) -> Decision:
        """The decision this configuration would make on an item (no side effects beyond its windows)."""
        self._clock.at = item.at
        ctx = ScopeContext(
            platform=item.platform,
            channel=item.channel_id,
            category=None,
            roles=(),
            level=0,
            user=item.user_id,
            lang=item.lang,
        )
        cfg = self._resolver.effective(ctx)
        author = Actor(platform=item.platform, user_id=item.user_id, display_name=item.user_id)
        scope = Scope(item.platform, cfg.community, item.space_id, item.channel_id)
        msg = InboundMessage(scope, author, item.message_id, item.text or "", item.at)
        classification = Classification(labels=dict(item.scores), lang=item.lang) if item.scores else None
        return self._engine.evaluate(cfg, MessageContext(msg, None, classification, item.at, {}, item.lang))


def backtest(
    community: str, old: ConfigResolver, new: ConfigResolver, history: Iterable[HistoryItem]
) -> BacktestReport:
    """Replay ``history`` (oldest first) through ``old`` and ``new`` and collect per-rule differences."""
    report = BacktestReport(community)
    before_engine, after_engine = Replayer(old), Replayer(new)
    for item in history:
        if item.exempt:
            report.exempt += 1
            continue
        report.replayed += 1
        report.without_text += item.text is None
        before = signatures(before_engine.decide(item))
        after = signatures(after_engine.decide(item))
        for rule in sorted(set(before) | set(after)):
            _compare(report.diff(rule), item, before.get(rule), after.get(rule))
    report.rules = {name: diff for name, diff in report.rules.items() if diff.changed}
    return report


def _compare(diff: RuleDiff, item: HistoryItem, before: Signature | None, after: Signature | None) -> None:
    if before == after:
        if after is not None and item.verdict == "rejected":
            diff.still_rejected += 1
        return
    example = Example(item.decision_id, item.text or "", describe(before), describe(after), item.verdict)
    if before is None:
        diff.newly_flagged.append(example)
        diff.still_rejected += item.verdict == "rejected"
    elif after is None:
        diff.no_longer_flagged.append(example)
        diff.dropped_approved += item.verdict == "approved"
    else:
        diff.different_action.append(example)
        diff.still_rejected += item.verdict == "rejected"


def format_report(report: BacktestReport, *, examples: int = MAX_EXAMPLES) -> str:
    """The backtest as plain text: one block per changed rule, with examples and verdicts."""
    lines = [
        f"Backtest of {report.community}: {report.replayed} decision(s) replayed "
        f"({report.without_text} by stored scores only, text not retained; {report.exempt} exempt skipped)."
    ]
    if not report.rules:
        lines.append("No rule would change anything.")
    for diff in report.rules.values():
        lines.append(
            f"{diff.rule}: +{len(diff.newly_flagged)} newly flagged, "
            f"-{len(diff.no_longer_flagged)} no longer flagged, "
            f"~{len(diff.different_action)} different action; moderators: "
            f"{diff.dropped_approved} approved flag(s) dropped, {diff.still_rejected} rejected still raised"
        )
        for title, group in (
            ("new", diff.newly_flagged),
            ("gone", diff.no_longer_flagged),
            ("changed", diff.different_action),
        ):
            lines.extend(_example_line(title, e) for e in _first(group, examples))
    return "\n".join(lines)


def _first(group: Sequence[Example], count: int) -> Sequence[Example]:
    return group[:count]


def _example_line(title: str, example: Example) -> str:
    text = example.text.replace("\n", " ")
    shown = (text[:60] + "…") if len(text) > 60 else text
    quote = f'"{shown}"' if shown else f"decision {example.decision_id} (scores only)"
    verdict = f" [moderators: {example.verdict}]" if example.verdict else ""
    return f"  {title}: {quote} — {example.before} -> {example.after}{verdict}"


async def run_backtest(
    source: HistorySource,
    old: ConfigSet,
    new: ConfigSet,
    since: datetime,
    community: str | None = None,
) -> list[BacktestReport]:
    """Backtest every community present in both sets (or just ``community``) since a time.

    Raises:
        CommandError: If ``community`` is not configured in both sets.
    """
    names = [name for name in old.communities if name in new.communities]
    if community is not None:
        if community not in names:
            raise CommandError(f"Community '{community}' is not configured in both configurations.")
        names = [community]
    reports = []
    for name in names:
        history = await source.decision_history(name, since)
        reports.append(backtest(name, old.resolver(name), new.resolver(name), history))
    return reports
