"""Killed mid-flood (SIGKILL) and restarted: every message decided once, every action done once."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.reliability_support import BAD_WORD, chat_ids, write_load_config
from tests.test_cli_run import TOKEN, env_for, finish, start

FLOOD = 300
CHATS = 30


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(token=TOKEN)
    await api.start()
    yield api
    await api.stop()


def db_counts(path: Path) -> tuple[int, int, int]:
    """(decisions, distinct messages decided, decisions not done) in the bot's database."""
    if not path.exists():
        return 0, 0, 0
    with sqlite3.connect(path, timeout=10) as db:
        try:
            row = db.execute(
                "SELECT count(*), count(DISTINCT message_id), sum(actions_done = 0) FROM decisions"
            ).fetchone()
        except sqlite3.OperationalError:  # not migrated yet
            return 0, 0, 0
    return int(row[0]), int(row[1]), int(row[2] or 0)


async def wait_until(check: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}: {check.__doc__ or ''}")


@pytest.mark.slow
async def test_sigkill_mid_flood_then_restart_loses_nothing_and_repeats_nothing(
    bot_api: FakeBotApi, tmp_path: Path
) -> None:
    db = tmp_path / "run.db"
    env = env_for(
        tmp_path,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
        STEWARD_CONFIG_DIR=str(write_load_config(tmp_path / "config", CHATS)),
    )
    first = await start(env, tmp_path)
    try:
        await bot_api.wait_for("getUpdates", within=45)
        chats = chat_ids(CHATS)
        sent = [
            bot_api.member_message(chats[i % CHATS], tg.user(7000 + i, f"raider{i}"), f"you {BAD_WORD} {i}")
            for i in range(FLOOD)
        ]
        await wait_until(lambda: db_counts(db)[0] >= FLOOD // 4, 60, "a quarter of the flood decided")
    finally:
        first.send_signal(signal.SIGKILL)
        await finish(first)
    at_kill = db_counts(db)
    assert at_kill[0] < FLOOD, "the flood ended before the kill; nothing was tested"

    second = await start(env, tmp_path)
    try:
        await wait_until(
            lambda: db_counts(db)[1] >= FLOOD and db_counts(db)[2] == 0, 90, "every message decided and done"
        )
    except AssertionError as exc:
        second.send_signal(signal.SIGTERM)
        _code, out = await finish(second)
        raise AssertionError(
            f"{exc}; at kill {at_kill}, now {db_counts(db)}; output:\n{out[-3000:]}"
        ) from None
    second.send_signal(signal.SIGTERM)
    code, out = await finish(second)
    assert code == 0, out[-3000:]

    decisions, distinct, pending = db_counts(db)
    assert (decisions, distinct, pending) == (FLOOD, FLOOD, 0)  # each message decided exactly once
    assert bot_api.deleted >= {(m["chat"]["id"], m["message_id"]) for m in sent}  # every one removed
    replies = Counter(
        (p["chat_id"], p["reply_parameters"]["message_id"])
        for p in bot_api.calls_to("sendMessage")
        if isinstance(p.get("reply_parameters"), dict)
    )
    assert max(replies.values(), default=0) <= 1  # no reply ever posted twice
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT status, count(*) FROM action_states GROUP BY status").fetchall())
        failures = conn.execute("SELECT failures FROM decisions WHERE failures != '[]'").fetchall()
    assert set(states) <= {"done", "unknown"}
    assert states.get("unknown", 0) <= 1  # a send cut off by the kill is reported, not repeated
    assert len(failures) == states.get("unknown", 0)
    print(f"at kill: {at_kill}; action states after restart: {states}")
