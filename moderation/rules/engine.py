"""The rule engine: runs a community's rules on one message and returns a Decision with traces.

Order and stopping: enabled rules run by ``priority`` (highest first, then by name). The first live
rule whose outcome is ACT (it deletes, warns, times out, kicks or bans) stops every lower rule; rules
that only send to review or only reply/notify do not stop anything, so a message can collect several
replies and reviews, and a lower rule may still act after a higher one asked for review.

Held actions (what approving the review runs) keep one action per kind, from the highest rule that
holds it, and none of a kind the message already got live: a message two rules send to review is
deleted, answered and warned once when approved, not twice (a second warning would be a second strike).

Dry run: with the community in ``mode: dry_run`` every rule is evaluated as if live (including the
stop), nothing lands in ``Decision.actions``/``held_actions``, ``Decision.dry_run`` is true and the
outcome is what live mode would have done. A rule in ``mode: dry_run`` inside a live community records
"would ..." in its trace (``mode: dry_run``), adds nothing to the outcome or the actions, and never stops
lower rules, so trying a new rule never silences the live ones; the decision stays live
(``dry_run`` false) because the other rules' actions still run.

Windows (flood, duplicates) are fed once per message, before any rule runs, and only when an enabled
rule uses them; exempt authors are not recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from moderation.config.schema import CommunityConfig, RuleConfig, TriggersConfig, format_duration
from moderation.domain import ActionKind, Decision, InboundMessage, Outcome, PlannedAction, RuleTrace
from moderation.ports import Classification, Clock
from moderation.records import MemberRecord
from moderation.rules.actions.base import ActionContext
from moderation.rules.actions.registry import plan_actions
from moderation.rules.triggers.base import Band, TriggerContext, TriggerResult
from moderation.rules.triggers.flood import member_key
from moderation.rules.triggers.registry import TRIGGERS, WINDOWED
from moderation.rules.windows import DuplicateWindows, FloodWindows

if set(TriggersConfig.model_fields) != set(TRIGGERS):  # pragma: no cover - guards the registry
    raise RuntimeError("trigger registry and TriggersConfig disagree")

_RANK = {Outcome.IGNORE: 0, Outcome.REPLY: 1, Outcome.REVIEW: 2, Outcome.ACT: 3}
_ENFORCING = frozenset(
    {ActionKind.DELETE, ActionKind.WARN, ActionKind.TIMEOUT, ActionKind.KICK, ActionKind.BAN}
)
_VERB = {Outcome.ACT: "act", Outcome.REVIEW: "review", Outcome.REPLY: "reply", Outcome.IGNORE: "only log"}


def once_per_kind(held: list[PlannedAction], *, already: set[ActionKind]) -> tuple[PlannedAction, ...]:
    """The first held action of each kind (rules run highest first), leaving out kinds in ``already``."""
    seen = set(already)
    kept = []
    for action in held:
        if action.kind not in seen:
            seen.add(action.kind)
            kept.append(action)
    return tuple(kept)


@dataclass(frozen=True)
class MessageContext:
    """One message and what is known about it when rules run.

    Attributes:
        msg: The message (``msg.author.level`` already resolved by the service).
        member: Stored member record; ``message_count`` counts earlier messages only.
        classification: Classifier result, or ``None`` when not classified.
        now: Evaluation time (windows use it).
        paused: Rule name -> paused until.
        lang: Detected language (falls back to the classification's).
    """

    msg: InboundMessage
    member: MemberRecord | None
    classification: Classification | None
    now: datetime
    paused: Mapping[str, datetime]
    lang: str | None


def strongest(outcomes: list[Outcome]) -> Outcome:
    """The strongest outcome (ACT > REVIEW > REPLY > IGNORE)."""
    return max(outcomes, key=_RANK.__getitem__, default=Outcome.IGNORE)


def rule_outcome(actions: tuple[PlannedAction, ...]) -> Outcome:
    """Outcome of one fired rule from the actions it planned."""
    kinds = {a.kind for a in actions}
    if ActionKind.REVIEW in kinds:
        return Outcome.REVIEW
    if kinds & _ENFORCING:
        return Outcome.ACT
    return Outcome.REPLY if kinds else Outcome.IGNORE


def ordered_rules(cfg: CommunityConfig) -> list[tuple[str, RuleConfig]]:
    """Rules by priority (highest first), then name."""
    return sorted(cfg.rules.items(), key=lambda item: (-item[1].priority, item[0]))


def configured_triggers(rule: RuleConfig) -> list[tuple[str, BaseModel]]:
    """(type, config) of the triggers a rule sets, in registry order."""
    return [(name, cfg) for name in TRIGGERS if (cfg := getattr(rule.triggers, name)) is not None]


def combine(match: str, results: list[tuple[str, TriggerResult]]) -> TriggerResult:
    """Combine trigger results with ``any`` (strongest band) or ``all`` (weakest band)."""
    fired = [(name, r) for name, r in results if r.fired]
    if match == "all":
        ok = len(fired) == len(results)
        band: Band = "review" if any(r.band == "review" for _, r in fired) else "act"
    else:
        ok = bool(fired)
        band = "act" if any(r.band == "act" for _, r in fired) else "review"
    if ok:
        return TriggerResult.hit("; ".join(f"{n}: {r.reason}" for n, r in fired), band)
    shown = [(n, r) for n, r in results if not r.fired] if match == "all" else results
    return TriggerResult.miss("; ".join(f"{n}: {r.reason}" for n, r in shown))


class RuleEngine:
    """Evaluates rules; keeps the in-memory windows of the flood and duplicates triggers."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.flood = FloodWindows()
        self.duplicates = DuplicateWindows()

    def needs_classifier(self, cfg: CommunityConfig) -> bool:
        """Whether any enabled rule has a classifier trigger or the FAQ is on with entries."""
        if cfg.faq.enabled and cfg.faq.entries:
            return True
        return any(rule.enabled and rule.triggers.classifier is not None for rule in cfg.rules.values())

    def _feed_windows(self, cfg: CommunityConfig, tctx: TriggerContext) -> None:
        used = {name for rule in cfg.rules.values() if rule.enabled for name, _ in configured_triggers(rule)}
        if "flood" in used & WINDOWED:
            self.flood.record(member_key(tctx), tctx.now)
        if "duplicates" in used & WINDOWED and tctx.skeleton:
            author = (tctx.msg.author.platform, tctx.msg.author.user_id)
            self.duplicates.record(tctx.msg.scope.community, tctx.skeleton, author, tctx.now)

    def _values(self, cfg: CommunityConfig, ctx: MessageContext, rule: str, rc: RuleConfig) -> dict[str, str]:
        return {
            "user": ctx.msg.author.display_name,
            "channel": ctx.msg.scope.channel_id,
            "community": cfg.community,
            "rules_channel": cfg.greetings.rules_channel or "",
            "rule": rule,
            "duration": format_duration(rc.actions.timeout) if rc.actions.timeout else "",
        }

    def evaluate(self, cfg: CommunityConfig, ctx: MessageContext) -> Decision:
        """Run every rule on a message and return the decision (texts rendered, windows updated)."""
        tctx = TriggerContext(
            ctx.msg, ctx.member, ctx.classification, ctx.now, flood=self.flood, duplicates=self.duplicates
        )
        lang = ctx.lang or (ctx.classification.lang if ctx.classification else None)
        community_dry = cfg.mode == "dry_run"
        level, exempt_at = ctx.msg.author.level, cfg.moderation.exempt_level
        exempt = level >= exempt_at
        if not exempt:
            self._feed_windows(cfg, tctx)

        traces: list[RuleTrace] = []
        actions: list[PlannedAction] = []
        held: list[PlannedAction] = []
        live: list[Outcome] = []
        would: list[Outcome] = []
        stopped_by: str | None = None
        for name, rule in ordered_rules(cfg):
            dry = community_dry or rule.mode == "dry_run"
            mode = "dry_run" if dry else "live"
            skipped = self._skip_reason(rule, name, ctx, exempt, level, exempt_at, stopped_by)
            if skipped is not None:
                traces.append(RuleTrace(name, False, None, skipped, mode, skipped=skipped))
                continue
            triggers = configured_triggers(rule)
            if not triggers:
                traces.append(RuleTrace(name, False, None, "no triggers configured", mode))
                continue
            result = combine(rule.match, [(t, TRIGGERS[t].run(c, tctx)) for t, c in triggers])
            if not result.fired:
                traces.append(RuleTrace(name, False, None, result.reason, mode))
                continue
            actx = ActionContext(name, result.reason, cfg.voice, lang, self._values(cfg, ctx, name, rule))
            planned, planned_held = plan_actions(rule.actions, actx, result.band)
            outcome = rule_outcome(planned)
            reason = result.reason
            if actx.problems:
                reason += " (" + "; ".join(actx.problems) + ")"
            if dry:
                would.append(outcome)
                traces.append(RuleTrace(name, True, result.band, f"would {_VERB[outcome]}: {reason}", mode))
            else:
                live.append(outcome)
                actions.extend(planned)
                held.extend(planned_held)
                traces.append(RuleTrace(name, True, result.band, reason, mode))
            if outcome is Outcome.ACT and (community_dry or not dry):
                stopped_by = name

        return Decision(
            outcome=strongest(would) if community_dry else strongest(live),
            actions=tuple(actions),
            held_actions=once_per_kind(held, already={a.kind for a in actions}),
            traces=tuple(traces),
            scores=dict(ctx.classification.labels) if ctx.classification else {},
            lang=lang,
            dry_run=community_dry,
        )

    @staticmethod
    def _skip_reason(
        rule: RuleConfig,
        name: str,
        ctx: MessageContext,
        exempt: bool,
        level: int,
        exempt_at: int,
        stopped_by: str | None,
    ) -> str | None:
        if not rule.enabled:
            return "disabled"
        if exempt:
            return f"author exempt (level {level} >= exempt_level {exempt_at})"
        until = ctx.paused.get(name)
        if until is not None and until > ctx.now:
            return f"paused until {until.isoformat(timespec='minutes')}"
        if stopped_by is not None:
            return f"not evaluated: higher-priority rule {stopped_by!r} already acted"
        return None
