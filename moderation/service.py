"""ModerationService: the core's entry point: classify, decide, persist, execute, review, command."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence

from moderation.beyond.appeals import submit_appeal
from moderation.beyond.verification import Verifier
from moderation.cases import BOT_MODERATOR, ladder_action, record_results
from moderation.claim_recovery import recover_claim
from moderation.config.configset import ConfigSet
from moderation.config.levels import resolve_level
from moderation.config.resolver import ConfigResolver, ScopeContext
from moderation.config.schema import CommunityConfig
from moderation.config.source import ConfigSource
from moderation.dedup import claim_message
from moderation.domain import (
    ActionKind,
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MemberLeft,
    ModeratorCommand,
    Outcome,
    PlannedAction,
    Scope,
)
from moderation.executor import Executor
from moderation.greeter import Greeter
from moderation.inbound import has_lang_overrides, sanitised, target_of
from moderation.intake import CHEAP_RULES_ONLY, Intake
from moderation.intake_store import read_member_and_pauses, save_decision_and_message
from moderation.manager.tracker import attach_tracker
from moderation.outbox import outbox_for
from moderation.ports import (
    ChatGateway,
    Classification,
    Classifier,
    Clock,
    DecisionObserver,
    FaqMatcher,
    Store,
)
from moderation.raid import RaidGuard
from moderation.records import ReviewRecord
from moderation.review.answers import FaqHelper
from moderation.review.commands import REGISTRY
from moderation.review.desk import ReviewDesk
from moderation.review.names import RecentNames
from moderation.review.registry import CommandContext
from moderation.review.text import clean_text
from moderation.rules.engine import MessageContext, RuleEngine
from moderation.voice.faq import KeywordFaqMatcher

log = logging.getLogger(__name__)

MAX_CLASSIFY_CHARS = 10_000
"""Only the start of a huge message goes to the classifier."""

BUTTON_COMMANDS = {"approve": "approve", "reject": "reject", "ban": "ban", "details": "case"}
"""Review-card button verbs -> the moderator command they run."""


class ModerationService:
    """Handles events from every platform for every configured community."""

    def __init__(
        self,
        *,
        config: ConfigSource,
        store: Store,
        classifier: Classifier,
        clock: Clock,
        faq_matcher: FaqMatcher | None = None,
        executor: Executor | None = None,
    ) -> None:
        self._config = config
        self.store = store
        self.classifier = classifier
        self.clock = clock
        self.engine = RuleEngine(clock)
        self.executor = executor or Executor(clock)
        self.desk = ReviewDesk(store, clock, self.executor, self)
        self.queue = self.desk.queue
        self.faq = FaqHelper(faq_matcher or KeywordFaqMatcher())
        self._gateways: dict[str, ChatGateway] = {}
        self._names = RecentNames()
        self.greeter = Greeter(self.executor)
        self.manager = attach_tracker(self)
        """Questions, mood and engagement per message (``None`` when the store keeps no such state)."""
        self.outbox = outbox_for(store, self.executor, clock, self)
        self.intake = Intake()
        self.verifier = Verifier(self)
        """Verification on join (``moderation.beyond.verification``)."""
        self.raid = RaidGuard(clock, self)
        """Join-rate detection and raid mode (``moderation.raid``)."""
        """Bounded workers and the overload policy in front of :meth:`handle_message`."""
        """Runs actions with per-action states and resumes them after a crash (``None``: simple stores)."""
        self.observers: list[DecisionObserver] = []
        """Told about every decision on a message (metrics); see ``DecisionObserver``."""

    # ------------------------------------------------------------ wiring and config

    def register_gateway(self, gateway: ChatGateway) -> None:
        """Route actions for ``gateway.platform`` through ``gateway``."""
        self._gateways[gateway.platform] = gateway

    def gateway(self, platform: str) -> ChatGateway | None:
        """The gateway registered for a platform, if any."""
        return self._gateways.get(platform)

    @property
    def configs(self) -> ConfigSet:
        """The live configuration set."""
        return self._config.current

    def community_for(self, platform: str, space_id: str) -> str | None:
        """The community a guild/chat belongs to (its moderators' chat included), or ``None``."""
        configs = self.configs
        found = configs.community_for(platform, space_id)
        if found is not None:
            return found
        for name, resolver in configs.communities.items():
            telegram = resolver.base.platforms.telegram
            if platform == "telegram" and telegram is not None and telegram.mod_chat_id == space_id:
                return name
        return None

    def community_config(self, community: str) -> CommunityConfig:
        """A community's base (un-overridden) configuration."""
        return self.configs.resolver(community).base

    def communities(self) -> list[str]:
        """Names of the configured communities."""
        return list(self.configs.communities)

    def gateways_for(self, community: str, also: str | None = None) -> list[ChatGateway]:
        """Registered gateways of the community's platforms (plus ``also``'s platform)."""
        platforms = self.community_config(community).platforms
        wanted = {name for name in ("discord", "telegram", "sandbox") if getattr(platforms, name) is not None}
        if also is not None:
            wanted.add(also)
        return [gw for name, gw in self._gateways.items() if name in wanted]

    def _level(self, base: CommunityConfig, actor: Actor) -> int:
        resolved = resolve_level(base, actor.platform, actor.user_id, actor.roles)
        return max(resolved, actor.level)

    @staticmethod
    def _scope_ctx(scope: Scope, actor: Actor, level: int, lang: str | None) -> ScopeContext:
        return ScopeContext(
            platform=scope.platform,
            channel=scope.channel_id,
            category=scope.category_id,
            roles=actor.roles,
            level=level,
            user=actor.user_id,
            lang=lang,
        )

    # ------------------------------------------------------------ messages

    async def handle_message(self, msg: InboundMessage) -> Decision:
        """Classify, decide, persist and execute for one new or edited message; never raises."""
        try:
            async with self.intake.admit():
                return await self._handle_message(msg)
        except Exception:  # the edge of one update: log it, keep the bot alive
            log.exception("handling message %s on %s failed", msg.message_id, msg.scope.platform)
            return Decision(outcome=Outcome.IGNORE)

    async def _handle_message(self, msg: InboundMessage) -> Decision:
        community = self.community_for(msg.scope.platform, msg.scope.space_id)
        if community is None or msg.author.is_bot:
            return Decision(outcome=Outcome.IGNORE)
        resolver = self.configs.resolver(community)
        level = self._level(resolver.base, msg.author)
        msg = sanitised(msg, community, level)
        claimed = await claim_message(self.store, msg, self.clock.now())
        if not claimed and not await recover_claim(self.store, msg, self.clock):  # another process has it
            return Decision(outcome=Outcome.IGNORE)
        self._names.remember(community, msg.author)
        classification = await self._classify_if_needed(resolver, msg, level)
        lang = classification.lang if classification is not None else None
        cfg = resolver.effective(self._scope_ctx(msg.scope, msg.author, level, lang))
        cfg = self.raid.effective(community, cfg)  # raid mode: stricter overrides merged on top
        now = self.clock.now()
        member, paused = await read_member_and_pauses(self.store, community, msg, now)
        decision = self.engine.evaluate(cfg, MessageContext(msg, member, classification, now, paused, lang))
        if decision.outcome is Outcome.IGNORE:
            decision = await self.faq.apply(cfg, msg, classification, decision)
        if cfg.mode == "dry_run":
            decision = dataclasses.replace(decision, actions=(), held_actions=(), dry_run=True)
        decision = await self._apply_strikes(cfg, community, msg, decision)
        decision_id = await save_decision_and_message(self.store, community, msg, decision, at=now, lang=lang)
        if self.manager is not None:
            await self.manager.observe(community, cfg, msg, classification, decision)
        failures: list[str] = []
        if self.outbox is not None:  # per-action states and retries; marks the decision done itself
            failures = await self.outbox.execute(community, cfg, msg, decision, decision_id)
        else:
            if not decision.dry_run:
                failures = await self._execute(community, cfg, msg, decision, decision_id)
            await self.store.mark_decision_done(decision_id, failures)
        for observer in self.observers:
            observer.decision_made(msg, decision, failures)
        return decision

    async def _classify_if_needed(
        self, resolver: ConfigResolver, msg: InboundMessage, level: int
    ) -> Classification | None:
        base_ctx = self._scope_ctx(msg.scope, msg.author, level, None)
        cfg = resolver.effective(base_ctx)
        wanted = (
            self.engine.needs_classifier(cfg)
            or self.faq.wants_question(cfg)
            or has_lang_overrides(resolver.base)
            or (self.manager is not None and self.manager.wants_classifier(cfg))
        )
        if not wanted or not msg.text.strip() or level >= cfg.moderation.exempt_level:
            return None  # nothing to score, or an exempt author (no rules, no FAQ answers for staff)
        if CHEAP_RULES_ONLY.get():  # overloaded: this message waited too long (moderation.intake)
            return None
        try:
            return (await self.classifier.classify([msg.text[:MAX_CLASSIFY_CHARS]]))[0]
        except Exception:  # a broken model must not stop the word/link rules
            log.exception("classifier failed; deciding without it")
            return None

    async def _apply_strikes(
        self, cfg: CommunityConfig, community: str, msg: InboundMessage, decision: Decision
    ) -> Decision:
        if decision.dry_run:
            return decision
        escalation = await ladder_action(
            self.store,
            cfg.strikes,
            community,
            msg.scope.platform,
            msg.author.user_id,
            decision.actions,
            self.clock.now(),
        )
        if escalation is None:
            return decision
        return dataclasses.replace(decision, actions=(*decision.actions, escalation))

    async def _execute(
        self, community: str, cfg: CommunityConfig, msg: InboundMessage, decision: Decision, decision_id: int
    ) -> list[str]:
        failures: list[str] = []
        actions = [a for a in decision.actions if a.kind is not ActionKind.REVIEW]
        if actions:
            gateway = self._gateways.get(msg.scope.platform)
            if gateway is None:
                failures.append(f"no gateway registered for {msg.scope.platform}")
            else:
                target = target_of(community, msg)
                results = await self.executor.run(gateway, target, actions)
                failures += await record_results(
                    self.store,
                    community,
                    msg.author,
                    msg.scope,
                    msg.message_id,
                    results,
                    moderator=BOT_MODERATOR,
                    at=self.clock.now(),
                    decision_id=decision_id,
                )
        if decision.held_actions or decision.outcome is Outcome.REVIEW:
            await self.desk.escalate(community, cfg, msg, decision, decision_id)
        return failures

    async def broadcast_card(self, review: ReviewRecord) -> None:
        """Post or refresh a review's card on every platform of its community."""
        await self.desk.broadcast_card(review)

    # ------------------------------------------------------------ joins

    async def handle_join(self, event: MemberJoined) -> None:
        """Record a newcomer and greet them in the brand voice; never raises."""
        try:
            await self._handle_join(event)
        except Exception:
            log.exception("handling a join on %s failed", event.scope.platform)

    async def _handle_join(self, event: MemberJoined) -> None:
        community = self.community_for(event.scope.platform, event.scope.space_id)
        if community is None or event.member.is_bot:
            return
        member = dataclasses.replace(event.member, display_name=clean_text(event.member.display_name))
        await self.store.touch_member(community, member, at=self.clock.now(), joined_at=event.joined_at)
        self._names.remember(community, member)
        resolver = self.configs.resolver(community)
        level = self._level(resolver.base, member)
        cfg = resolver.effective(self._scope_ctx(event.scope, member, level, None))
        held = await self.verifier.hold(community, cfg, event, member)  # verification on join
        if await self.raid.on_join(community, cfg, event, member) and not cfg.raid.greet:
            return  # raid mode: no greetings for a flood of joiners
        if held:
            return  # restricted until they answer; greeted once verified
        gateway = self._gateways.get(event.scope.platform)
        if gateway is not None:
            await self.greeter.greet(gateway, community, cfg, event, member)

    async def handle_leave(self, event: MemberLeft) -> None:
        """Note a departure (nothing to do yet beyond logging)."""
        log.info("member %s left %s on %s", event.member.user_id, event.scope.space_id, event.scope.platform)

    # ------------------------------------------------------------ commands and buttons

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        """Run a moderator command with a permission check at call time; never raises."""
        try:
            verb = cmd.name.strip().lstrip("/").split("@", 1)[0].lower()
            if verb == "appeal":
                return await submit_appeal(self, cmd)  # members' appeals, also from private chats
            if verb == "verify":
                return await self.verifier.answer(cmd)  # newcomers' answers (moderation.beyond.verification)
            community = self.community_for(cmd.scope.platform, cmd.scope.space_id)
            if community is None:
                return CommandReply("This chat is not part of a community I moderate.", ephemeral=True)
            resolver = self.configs.resolver(community)
            caller = dataclasses.replace(cmd.caller, display_name=clean_text(cmd.caller.display_name))
            level = self._level(resolver.base, caller)
            cfg = resolver.effective(self._scope_ctx(cmd.scope, caller, level, None))
            ctx = CommandContext(community, cmd.scope, caller, level, cfg, self.store, self.clock, self)
            args = tuple(clean_text(a) for a in cmd.args)
            return await REGISTRY.dispatch(ctx, clean_text(cmd.name), args)
        except Exception:
            log.exception("command /%s failed", cmd.name)
            return CommandReply(
                "Sorry, that command failed unexpectedly; the error was logged.", ephemeral=True
            )

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        """Run a review-card button (approve, reject, ban, details) as the matching command."""
        name = BUTTON_COMMANDS.get(verb)
        if name is None:
            return CommandReply(f"Unknown button '{clean_text(verb)[:20]}'.", ephemeral=True)
        return await self.handle_command(ModeratorCommand(scope, caller, name, (str(case_number),)))

    def command_help(self) -> list[tuple[str, str]]:
        """(name, one-line help) of every moderator command, for menus and slash commands."""
        return [(spec.name, spec.help) for spec in REGISTRY.specs()]

    async def approve_case(
        self,
        community: str,
        number: int,
        caller: Actor,
        note: str | None,
        *,
        extra: Sequence[PlannedAction] = (),
    ) -> CommandReply:
        """Approve a pending review, run its held actions (plus ``extra``) and refresh its cards."""
        return await self.desk.approve_case(community, number, caller, note, extra=extra)

    async def reject_case(self, community: str, number: int, caller: Actor, note: str | None) -> CommandReply:
        """Reject a pending review as a false positive and refresh its cards."""
        return await self.desk.reject_case(community, number, caller, note)

    def find_member(self, community: str, name: str) -> tuple[str, str] | None:
        """(platform, user id) of a member recently seen under ``name`` (for ``/history @name``)."""
        return self._names.find(community, name)

    async def reload_config(self) -> tuple[bool, list[str]]:
        """Reload the configuration files; the last good set stays live on errors."""
        result = await asyncio.to_thread(self._config.reload)
        return result.ok, list(result.errors)

    # ------------------------------------------------------------ dry run

    async def explain(
        self, community: str, text: str, *, platform: str, channel: str, level: int, lang: str | None = None
    ) -> Decision:
        """Dry-run one text through the effective config; no store writes, no gateway calls."""
        resolver = self.configs.resolver(community)
        now = self.clock.now()
        author = Actor(platform=platform, user_id="0", display_name="explain", level=level)
        scope = Scope(platform=platform, community=community, space_id="0", channel_id=channel)
        msg = InboundMessage(scope=scope, author=author, message_id="0", text=clean_text(text), sent_at=now)
        classification = await self._classify_if_needed(resolver, msg, level)
        lang = lang or (classification.lang if classification is not None else None)
        cfg = resolver.effective(self._scope_ctx(scope, author, level, lang))
        paused = await self.store.active_pauses(community, now)
        engine = RuleEngine(self.clock)  # throwaway: explaining must not fill the flood windows
        decision = engine.evaluate(cfg, MessageContext(msg, None, classification, now, paused, lang))
        if decision.outcome is Outcome.IGNORE:
            decision = await self.faq.apply(cfg, msg, classification, decision)
        return dataclasses.replace(decision, dry_run=True)
