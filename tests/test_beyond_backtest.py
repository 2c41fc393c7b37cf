"""Backtest: a fixture history replayed through a changed config reports exactly the expected changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from bot.cli import app
from moderation.beyond.backtest import run_backtest
from moderation.beyond.history import HistorySource, VerdictSource
from moderation.config.loader import load_config_dir
from moderation.domain import Outcome
from tests.harness import ADMIN, COMMUNITY, MODERATOR, Harness, write_config


def changed_config() -> dict[str, Any]:
    """The harness community with three changes: a stricter review band, a harsher action, a new rule."""
    data: dict[str, Any] = yaml.safe_load(COMMUNITY)
    data["rules"]["toxicity"]["triggers"]["classifier"]["review_at"] = 0.8
    data["rules"]["rudeness"]["actions"] = {"timeout": "1h"}
    data["rules"]["mild"] = {"triggers": {"classifier": {"label": "toxic", "review_at": 0.6, "act_at": 0.99}}}
    return data


async def build_history(h: Harness) -> dict[str, int]:
    """Five messages, two reviews (one approved, one rejected); returns text -> review case number."""
    assert (await h.say("you idiot")).outcome is Outcome.ACT
    assert (await h.say("you dummy")).outcome is Outcome.REVIEW
    assert (await h.say("silly dummy")).outcome is Outcome.REVIEW
    assert (await h.say("what a meanie")).outcome is Outcome.ACT
    assert (await h.say("hello there")).outcome is Outcome.IGNORE
    cases = {r.excerpt: r.case_number for r in await h.store.pending_reviews("acme")}
    assert "Approved" in (await h.command(f"/approve {cases['you dummy']}")).text
    assert "Rejected" in (await h.command(f"/reject {cases['silly dummy']}")).text
    return cases


async def test_backtest_reports_the_hand_computed_differences(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await build_history(h)
        old = h.service.configs
        new = load_config_dir(write_config(tmp_path / "new", changed_config()))
        assert isinstance(h.store, HistorySource)
        reports = await run_backtest(h.store, old, new, h.clock.now() - timedelta(days=7))

    (report,) = reports
    assert (report.replayed, report.without_text, report.exempt) == (5, 1, 0)
    assert set(report.rules) == {"toxicity", "rudeness", "mild"}

    toxicity = report.rules["toxicity"]
    assert [e.text for e in toxicity.no_longer_flagged] == ["you dummy", "silly dummy"]
    assert [e.verdict for e in toxicity.no_longer_flagged] == ["approved", "rejected"]
    assert (toxicity.newly_flagged, toxicity.different_action) == ([], [])
    assert (toxicity.dropped_approved, toxicity.still_rejected) == (1, 0)

    rudeness = report.rules["rudeness"]
    assert [e.text for e in rudeness.different_action] == ["what a meanie"]
    assert rudeness.different_action[0].before == "act: warn"
    assert rudeness.different_action[0].after == "act: timeout"
    assert (rudeness.newly_flagged, rudeness.no_longer_flagged) == ([], [])

    mild = report.rules["mild"]
    assert [e.text for e in mild.newly_flagged] == ["you idiot", "you dummy", "silly dummy"]
    assert (mild.dropped_approved, mild.still_rejected) == (0, 1)


async def test_same_config_changes_nothing(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await build_history(h)
        assert isinstance(h.store, HistorySource)
        live = h.service.configs
        reports = await run_backtest(h.store, live, live, h.clock.now() - timedelta(days=1))
        assert reports[0].replayed == 5
        assert reports[0].rules == {}
        later = await run_backtest(h.store, live, live, h.clock.now() + timedelta(seconds=1))
        assert later[0].replayed == 0


async def test_backtest_command_compares_live_config_with_files_on_disk(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await build_history(h)
        denied = await h.command("/backtest 7d", caller=MODERATOR)
        assert "admins only" in denied.text
        same = await h.command("/backtest", caller=ADMIN)
        assert "No rule would change anything." in same.text
        write_config(h.config_dir, changed_config())  # edited on disk, not reloaded: live config unchanged
        reply = await h.command("/backtest 7d", caller=ADMIN)
        assert "toxicity: +0 newly flagged, -2 no longer flagged, ~0 different action" in reply.text
        assert "1 approved flag(s) dropped" in reply.text
        assert '"what a meanie" — act: warn -> act: timeout' in reply.text
        assert "5 decision(s) replayed (1 by stored scores only" in reply.text
        assert h.service.community_config("acme").rules["toxicity"].triggers.classifier is not None
        assert "mild" not in h.service.community_config("acme").rules  # the backtest changed nothing live
        assert not h.gateway.named("timeout_member")


async def test_stats_show_false_positive_rates_from_verdicts(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await build_history(h)  # toxicity: one review approved, one rejected
        await h.say("dummy again")
        (third,) = await h.store.pending_reviews("acme")
        await h.command(f"/reject {third.case_number}")
        reply = await h.command("/stats 7d")
        assert "False positives by rule (rejected/reviewed): toxicity 2/3 (67%)" in reply.text
        assert "False positives by label: toxic 2/3 (67%)" in reply.text
        assert isinstance(h.store, VerdictSource)
        verdicts = await h.store.review_verdicts("acme", h.clock.now() - timedelta(days=1))
        assert [(v.text, v.approved, v.scores["toxic"]) for v in verdicts] == [
            ("you dummy", True, 0.7),
            ("silly dummy", False, 0.7),
            ("dummy again", False, 0.7),
        ]


def test_backtest_cli_prints_the_differences(tmp_path: Path) -> None:
    async def history() -> None:
        async with Harness.start(tmp_path) as h:
            await build_history(h)

    asyncio.run(history())
    new = write_config(tmp_path / "new", changed_config())
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}",
        "STEWARD_CONFIG_DIR": str(tmp_path / "config"),
    }
    result = CliRunner().invoke(app, ["backtest", "--config", str(new), "--since", "3650d"], env=env)
    assert result.exit_code == 0, result.output
    assert "toxicity: +0 newly flagged, -2 no longer flagged, ~0 different action" in result.output
    assert "mild: +3 newly flagged" in result.output
    bad = CliRunner().invoke(app, ["backtest", "--config", str(new), "--community", "nope"], env=env)
    assert bad.exit_code == 1
    assert "not configured in both" in bad.output
