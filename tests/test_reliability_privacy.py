"""Privacy: unflagged text is never stored; ``steward forget`` erases a member but keeps the counts."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from moderation.domain import Actor
from moderation.storage.store import open_store
from moderation.storage.tables import metadata
from tests.harness import MODERATOR, Harness

BOB = Actor(platform="sandbox", user_id="1002", display_name="bobby-the-builder")


async def dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as JSON-ready dicts."""
    store = await open_store(url, migrate=False)
    try:
        async with store.engine.connect() as conn:
            return {
                t.name: [dict(r._mapping) for r in (await conn.execute(select(t))).all()]
                for t in metadata.sorted_tables
            }
    finally:
        await store.close()


def text_of(tables: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(tables, default=str, ensure_ascii=False)


async def test_the_text_of_unflagged_messages_is_never_stored(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await h.say("zebra-marker-7731 what a lovely day in the park")
        await h.say("zebra-marker-7731 again, nothing wrong here", author=BOB)
        await h.say("you idiot flagged-marker-4410")
        h.clock.advance(timedelta(minutes=1))
    everything = text_of(await dump(f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"))
    assert "zebra-marker-7731" not in everything  # in no table, no column
    assert "flagged-marker-4410" in everything  # flagged text is kept (until the retention purge)


async def _populate(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        await h.join("1001", "alice")
        await h.say("you idiot")  # delete + reply: a delete case
        await h.say("you meanie")  # warning: a strike and a warn case
        await h.say("you dummy")  # review
        cases = await h.store.member_cases("acme", "sandbox", "1001")
        await h.command(f"/note {cases[-1].number} alice has been rude before")
        await h.say("you idiot too", author=BOB)
        await h.command("/history 1001", caller=MODERATOR)


def test_forget_erases_a_member_and_keeps_anonymised_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"
    asyncio.run(_populate(tmp_path))
    before = asyncio.run(dump(url))
    assert "alice" in text_of(before)
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(app, ["forget", "sandbox", "1001"])
    assert result.exit_code == 0, result.output
    assert "forgot sandbox user 1001" in result.output
    after = asyncio.run(dump(url))
    everything = text_of(after)
    assert "alice" not in everything
    assert '"you idiot"' not in everything  # her flagged texts and excerpts
    assert "you dummy" not in everything
    assert "rude before" not in everything
    for table in ("messages", "decisions", "cases", "review_items", "members"):
        assert len(after[table]) == len(before[table]), table  # counts kept
        assert all(row.get("user_id") != 1001 for row in after[table]), table
    assert [s for s in after["strikes"] if s["user_id"] != 1002] == []  # scores removed
    bob = [m for m in after["members"] if m["user_id"] == 1002]
    assert bob[0]["display_name"] == "bobby-the-builder"  # others untouched
    assert any(m["text"] == "you idiot too" for m in after["messages"])
    alice_like = [m for m in after["members"] if m["user_id"] < 0]
    assert alice_like[0]["message_count"] == 3  # her counts, under an anonymous id
    again = CliRunner().invoke(app, ["forget", "sandbox", "1001"])
    assert "nothing stored" in again.output


def test_forget_refuses_bad_arguments(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert CliRunner().invoke(app, ["forget", "myspace", "1"]).exit_code == 2
    assert CliRunner().invoke(app, ["forget", "telegram", "@bob"]).exit_code == 2
