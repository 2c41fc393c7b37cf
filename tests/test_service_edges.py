"""Service edges: ordering of persistence, broken parts, rule-level dry run, greetings by DM, the executor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from moderation.domain import ActionKind, MemberRef, Outcome, PlannedAction, Scope
from moderation.errors import ActionFailed
from moderation.executor import Executor, Target
from moderation.ports import Classification
from tests.fakes.core import FrozenClock, RecordingGateway
from tests.harness import COMMUNITY, Harness, make_message


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness.start(tmp_path) as harness:
        yield harness


async def test_decision_is_persisted_before_any_action_runs(h: Harness) -> None:
    seen: list[list[int]] = []

    class CheckingGateway(RecordingGateway):
        async def delete_message(self, scope: Scope, message_id: str) -> None:
            pending = await h.store.pending_decisions()
            seen.append([decision_id for decision_id, _, _ in pending])
            await super().delete_message(scope, message_id)

    h.service.register_gateway(CheckingGateway("sandbox"))
    await h.say("you idiot")
    assert seen == [[1]]  # saved, not yet marked done, while the delete ran
    assert await h.store.pending_decisions() == []


async def test_broken_classifier_leaves_word_rules_working(h: Harness) -> None:
    class Broken:
        labels = frozenset({"toxic"})

        async def classify(self, texts: Sequence[str]) -> list[Classification]:
            raise RuntimeError("model crashed")

    h.service.classifier = Broken()
    decision = await h.say("you idiot meanie")
    assert decision.outcome is Outcome.ACT
    assert [a.kind for a in decision.actions] == [ActionKind.WARN]


async def test_broken_store_is_contained_at_the_edge(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    async def fail(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    h.service.store.save_decision = fail  # type: ignore[method-assign]
    h.service.store.save_decision_with_message = fail  # type: ignore[attr-defined]  # SqlStore's batched path
    decision = await h.say("you idiot")
    assert decision.outcome is Outcome.IGNORE
    assert h.gateway.calls == []  # nothing runs without a stored decision
    assert "disk full" in caplog.text


async def test_rule_in_dry_run_acts_on_nothing_but_other_rules_do(tmp_path: Path) -> None:
    community = COMMUNITY.replace(
        "  toxicity:\n    triggers:", "  toxicity:\n    mode: dry_run\n    triggers:"
    )
    async with Harness.start(tmp_path, community) as h:
        decision = await h.say("you idiot")
        assert decision.outcome is Outcome.IGNORE  # a rule on trial adds nothing to the outcome
        assert decision.actions == ()
        assert h.gateway.calls == []
        [trace] = [t for t in decision.traces if t.rule == "toxicity"]
        assert trace.fired
        assert trace.mode == "dry_run"
        assert trace.reason.startswith("would act")
        stats = await h.store.stats("acme", h.clock.now() - timedelta(days=1))
        assert sum(stats.decisions_by_outcome.values()) == 1
        decision = await h.say("you idiot meanie")
        assert [a.kind for a in decision.actions] == [ActionKind.WARN]
        assert len(h.gateway.named("send_message")) == 1


async def test_greeting_by_dm_falls_back_to_the_greeting_channel(tmp_path: Path) -> None:
    community = COMMUNITY.replace(
        "  delete_previous: true", "  delete_previous: true\n  dm: true\n  channel: '2999'"
    )
    async with Harness.start(tmp_path, community) as h:
        await h.join("1201", "bob")
        [dm] = h.gateway.named("send_direct")
        assert dm.args["text"] == "Welcome to acme, bob!"
        assert h.gateway.named("send_message") == []
        h.gateway.fail["send_direct"] = ActionFailed("dm", "dm_closed")
        await h.join("1202", "carol")
        [sent] = h.gateway.named("send_message")
        assert sent.args["scope"].channel_id == "2999"  # type: ignore[attr-defined]


async def test_bot_authors_and_joins_are_ignored(h: Harness) -> None:
    from moderation.domain import Actor

    bot = Actor("sandbox", "1500", "otherbot", is_bot=True)
    assert (await h.push(make_message("you idiot", author=bot))).outcome is Outcome.IGNORE
    await h.join("1501", "human")
    assert len(h.gateway.named("send_message")) == 1


# ---------------------------------------------------------------- executor


def _target() -> Target:
    scope = Scope("sandbox", "acme", "1", "2001")
    return Target("acme", scope, MemberRef("sandbox", "1", "1001"), "55")


async def test_executor_backs_off_exponentially_and_bounded() -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    gateway = RecordingGateway()
    gateway.fail["kick_member"] = ActionFailed("kick", "network", retryable=True)
    executor = Executor(FrozenClock(), attempts=4, base_delay=1.0, max_delay=3.0, sleep=sleep)
    [result] = await executor.run(gateway, _target(), [PlannedAction(ActionKind.KICK, "r")])
    assert not result.ok
    assert result.attempts == 4
    assert delays == [1.0, 2.0, 3.0]
    assert "network after 4 attempt(s)" in result.describe()


async def test_executor_dispatches_every_kind() -> None:
    clock = FrozenClock()
    gateway = RecordingGateway()
    gateway.fail["send_direct"] = ActionFailed("warn", "dm_closed")
    actions = [
        PlannedAction(ActionKind.WARN, "r", text="careful", dm=True),
        PlannedAction(ActionKind.TIMEOUT, "r", duration=timedelta(minutes=10)),
        PlannedAction(ActionKind.BAN, "r", delete_message_days=2, reason="spam"),
        PlannedAction(ActionKind.NOTIFY, "r", text="look"),
        PlannedAction(ActionKind.REPLY, "r", text="hi"),
    ]
    results = await Executor(clock).run(gateway, _target(), actions)
    assert all(r.ok for r in results)
    assert [c.method for c in gateway.calls] == [
        "send_direct",
        "send_message",
        "timeout_member",
        "ban_member",
        "notify_moderators",
        "send_message",
    ]
    assert gateway.named("timeout_member")[0].args["until"] == clock.now() + timedelta(minutes=10)
    assert gateway.named("ban_member")[0].args["delete_message_days"] == 2
    assert gateway.named("send_message")[1].args["reply_to"] == "55"


async def test_executor_reports_a_delete_without_message() -> None:
    target = Target("acme", Scope("sandbox", "acme", "1", "2001"), MemberRef("sandbox", "1", "1001"), None)
    [result] = await Executor(FrozenClock()).run(
        RecordingGateway(), target, [PlannedAction(ActionKind.DELETE, "r")]
    )
    assert not result.ok
    assert result.error is not None
    assert result.error.reason == "not_found"


def test_greeting_channel_choice() -> None:
    from datetime import UTC, datetime

    from moderation.config.schema import CommunityConfig
    from moderation.domain import Actor, MemberJoined
    from moderation.greeter import greeting_channel

    event = MemberJoined(
        Scope("discord", "acme", "1100", "1201"), Actor("discord", "5", "x"), datetime.now(UTC)
    )
    plain = CommunityConfig(community="acme")
    assert greeting_channel(plain, event) == "1201"
    welcome = CommunityConfig.model_validate(
        {"community": "acme", "platforms": {"discord": {"guild_ids": ["1100"], "welcome_channel_id": "1300"}}}
    )
    assert greeting_channel(welcome, event) == "1300"
    chosen = welcome.model_copy(
        update={"greetings": welcome.greetings.model_copy(update={"channel": "1400"})}
    )
    assert greeting_channel(chosen, event) == "1400"
