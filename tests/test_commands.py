"""Moderator commands: registry, help, permissions, argument errors, and each command's behaviour."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from moderation.domain import Actor, Outcome
from moderation.review.commands import REGISTRY
from moderation.review.registry import UsageError, parse_case_number, parse_duration_arg, parse_member_arg
from tests.harness import ADMIN, MEMBER, Harness

STORES = ["memory"] + (["sqlite"] if importlib.util.find_spec("moderation.storage.store") else [])
NOBODY = Actor(platform="sandbox", user_id="1002", display_name="eve")


@pytest.fixture(params=STORES)
async def h(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness.start(tmp_path, store=request.param) as harness:
        yield harness


def test_help_comes_from_docstrings_and_lists_every_command(tmp_path: Path) -> None:
    names = [s.name for s in REGISTRY.specs()]
    expected = "help queue case approve reject note history explain pause reload stats post backtest uphold"
    expected += " reduce lift raid"
    assert names == expected.split()
    for spec in REGISTRY.specs(include_hidden=True):
        assert spec.help == (spec.handler.__doc__ or "").strip().splitlines()[0]
        assert spec.help != spec.name


async def test_help_command_and_command_help(h: Harness) -> None:
    reply = await h.command("/help")
    for name, text in h.service.command_help():
        assert f"/{name}" in reply.text
        assert text in reply.text
    assert "ban" not in [n for n, _ in h.service.command_help()]


@pytest.mark.parametrize(
    "line",
    [
        "/queue",
        "/case 1",
        "/approve 1",
        "/reject 1",
        "/note 1 hi",
        "/history 1001",
        "/explain hi",
        "/stats",
        "/help",
    ],
)
async def test_non_moderator_is_refused_and_nothing_happens(h: Harness, line: str) -> None:
    await h.say("you dummy")
    before = list(h.gateway.calls)
    reply = await h.command(line, caller=NOBODY)
    assert reply.text.startswith("Sorry,")
    assert "moderators only" in reply.text
    assert h.gateway.calls == before
    review = await h.store.get_review("acme", 1)
    assert review is not None
    assert review.status == "pending"


@pytest.mark.parametrize("line", ["/pause toxicity 1h", "/reload"])
async def test_admin_commands_need_admin_level(h: Harness, line: str) -> None:
    reply = await h.command(line)  # a moderator, not an admin
    assert "admins only" in reply.text
    assert await h.store.active_pauses("acme", h.clock.now()) == {}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/case", "Missing argument. Usage: /case N"),
        ("/case x", "'x' is not a case number. Usage: /case N"),
        ("/case -3", "'-3' is not a case number. Usage: /case N"),
        ("/case 1 2", "Too many arguments. Usage: /case N"),
        ("/case 99999999999999999999", "is not a case number"),
        ("/approve", "Missing argument. Usage: /approve N [note]"),
        ("/approve one", "'one' is not a case number. Usage: /approve N [note]"),
        ("/reject", "Missing argument. Usage: /reject N [note]"),
        ("/reject #x", "'#x' is not a case number."),
        ("/note", "Missing argument. Usage: /note N text"),
        ("/note 1", "Missing argument. Usage: /note N text"),
        ("/note x hello", "'x' is not a case number."),
        ("/history", "Missing argument. Usage: /history <user id or @name>"),
        ("/history bob!", "is neither a user id nor an @name"),
        ("/history a b", "Too many arguments."),
        ("/explain", "Missing argument. Usage: /explain <text>"),
        ("/stats soon", "'soon' is not a duration"),
        ("/stats 0d", "The period must be longer than zero."),
        ("/stats 7d 1", "Too many arguments."),
        ("/queue now", "Too many arguments. Usage: /queue"),
        ("/help me", "Too many arguments. Usage: /help"),
    ],
)
async def test_missing_or_wrong_arguments_get_the_usage_line(h: Harness, line: str, expected: str) -> None:
    reply = await h.command(line)
    assert expected in reply.text
    assert reply.ephemeral


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/pause", "Missing argument. Usage: /pause <rule> <duration>"),
        ("/pause toxicity", "Missing argument."),
        ("/pause nosuchrule 1h", "There is no rule 'nosuchrule' (rules: rudeness, toxicity)."),
        ("/pause toxicity forever", "'forever' is not a duration"),
        ("/reload now", "Too many arguments. Usage: /reload"),
    ],
)
async def test_admin_commands_argument_errors(h: Harness, line: str, expected: str) -> None:
    reply = await h.command(line, caller=ADMIN)
    assert expected in reply.text


async def test_unknown_command_gets_a_hint(h: Harness) -> None:
    reply = await h.command("/frobnicate 1")
    assert reply.text == "Unknown command /frobnicate. Type /help for the list."


async def test_queue_and_case(h: Harness) -> None:
    assert (await h.command("/queue")).text == "The review queue is empty."
    await h.say("you dummy")
    queue = await h.command("/queue")
    assert "#1 toxicity · alice on sandbox · expires in 48h · you dummy" in queue.text
    case = await h.command("/case 1")
    assert "Case #1 — review (sandbox)" in case.text
    assert "Member: alice (1001)" in case.text
    assert case.card is not None
    assert (await h.command("/case 42")).text == "There is no case #42 in this community."
    assert "There is no review for case #42" in (await h.command("/approve 42")).text


async def test_note_is_attached_and_audited(h: Harness) -> None:
    await h.say("you idiot")
    assert (await h.command("/note 1 repeat offender, watch closely")).text == "Noted on case #1."
    case = await h.store.get_case("acme", 1)
    assert case is not None
    assert any("repeat offender, watch closely" in n for n in case.notes)
    shown = await h.command("/case 1")
    assert "repeat offender" in shown.text
    assert "no case #9" in (await h.command("/note 9 hello")).text


async def test_history_by_id_mention_and_name(h: Harness) -> None:
    await h.say("you idiot")
    for who in ("1001", "<@1001>", "@1001", "@Alice"):
        reply = await h.command(f"/history {who}")
        assert "History of alice (1001)" in reply.text
        assert "#1 delete · toxicity" in reply.text
    assert "haven't seen anyone called @zed" in (await h.command("/history @zed")).text
    assert "No cases." in (await h.command("/history 4242")).text


async def test_explain_has_no_side_effects(h: Harness) -> None:
    reply = await h.command("/explain you idiot")
    assert "Outcome: act" in reply.text
    assert "Would do: delete, reply" in reply.text
    assert "toxicity: fired [act]" in reply.text
    assert h.gateway.calls == []
    assert await h.store.get_case("acme", 1) is None
    stats = await h.store.stats("acme", h.clock.now() - timedelta(days=1))
    assert stats.messages == 0
    assert stats.decisions_by_outcome == {}


async def test_explain_does_not_pollute_flood_windows(tmp_path: Path) -> None:
    from tests.harness import COMMUNITY

    flood = "  flood:\n    triggers: {flood: {messages: 3, within: 10s}}\n    actions: {delete: true}\n"
    community = COMMUNITY.replace("strikes:\n", flood + "strikes:\n")
    async with Harness.start(tmp_path, community, store="memory") as h:
        for _ in range(5):
            decision = await h.service.explain("acme", "hi", platform="sandbox", channel="2001", level=0)
            assert decision.dry_run
        assert (await h.say("hi")).outcome is Outcome.IGNORE
        assert (await h.say("hi")).outcome is Outcome.IGNORE
        assert (await h.say("hi")).outcome is Outcome.ACT


async def test_explain_as_moderator_level_is_exempt(h: Harness) -> None:
    decision = await h.service.explain("acme", "you idiot", platform="sandbox", channel="2001", level=60)
    assert decision.outcome is Outcome.IGNORE
    assert any(t.skipped and "exempt" in t.skipped for t in decision.traces)


async def test_pause_silences_a_rule_and_resume_lifts_it(h: Harness) -> None:
    reply = await h.command("/pause toxicity 2h", caller=ADMIN)
    assert reply.text == "Rule toxicity is paused until 2026-01-05 14:00 UTC."
    assert (await h.say("you idiot")).outcome is Outcome.IGNORE
    assert (await h.command("/pause toxicity 0m", caller=ADMIN)).text == "Rule toxicity is active again."
    assert (await h.say("you idiot")).outcome is Outcome.ACT


async def test_reload_reports_errors_and_keeps_the_good_config(h: Harness) -> None:
    community_file = h.config_dir / "communities" / "community.yaml"
    good = community_file.read_text(encoding="utf-8")
    community_file.write_text(good + "bogus_key: 1\n", encoding="utf-8")
    reply = await h.command("/reload", caller=ADMIN)
    assert "has errors" in reply.text
    assert "bogus_key" in reply.text
    assert (await h.say("you idiot")).outcome is Outcome.ACT  # old config still live
    community_file.write_text(good.replace("act_at: 0.9", "act_at: 0.99"), encoding="utf-8")
    assert (await h.command("/reload", caller=ADMIN)).text == "Configuration reloaded."
    assert (await h.say("you idiot")).outcome is Outcome.REVIEW


async def test_stats(h: Harness) -> None:
    await h.say("you idiot")
    await h.say("hello")
    reply = await h.command("/stats")
    assert "Last 7 day(s): 2 message(s)" in reply.text
    assert "Cases: delete 1" in reply.text
    assert "Last 1 day(s)" in (await h.command("/stats 1d")).text


async def test_command_from_an_unknown_chat(h: Harness) -> None:
    from moderation.domain import ModeratorCommand, Scope

    scope = Scope("telegram", "", "-100555", "-100555")
    reply = await h.service.handle_command(ModeratorCommand(scope, MEMBER, "queue"))
    assert "not part of a community" in reply.text


async def test_command_with_hostile_arguments(h: Harness) -> None:
    reply = await h.command("/case \u202e\ud8001")
    assert "is not a case number" in reply.text
    assert "\u202e" not in reply.text
    reply = await h.command("/explain " + "x" * 100_000)
    assert "Outcome: ignore" in reply.text


def test_parsers() -> None:
    assert parse_case_number("#17") == 17
    assert parse_duration_arg("90m") == timedelta(minutes=90)
    assert parse_member_arg("<@!42>") == ("42", None)
    assert parse_member_arg("@bob") == (None, "bob")
    for bad in ("0", "1.5", "١٢"):
        with pytest.raises(UsageError):
            parse_case_number(bad)
