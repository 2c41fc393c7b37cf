"""Load benchmark: the real bot (``steward run`` in its own process) driven through the fake Telegram API.

An offered load of ``--rate`` messages per second spread over ``--chats`` groups for ``--duration``
seconds is injected into the fake Bot API (``tests/fakes/telegram_api.py``), which the bot polls like
the real one. A share of the messages (``--bad-share``) contains a word the config deletes with a
reply. After the load stops, the bench waits until every message has a stored decision (or a timeout),
stops the bot with SIGTERM and reports, as JSON:

messages offered and received (rows the bot stored in ``messages``), decisions stored (must equal
received), actions executed as the platform saw them (deletions, replies), message-to-decision latency
p50/p99/max (decision time minus injection time, same machine clock), the throughput reached, and the
bot process's peak RSS.

Usage::

    python bench/load.py --rate 200 --chats 50 --duration 30            # SQLite in a temp dir
    python bench/load.py --rate 200 --duration 30 --postgres            # throwaway PostgreSQL
    python bench/load.py --db-url postgresql://user:pw@host/db          # an existing database
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from moderation.storage.engine import async_url  # noqa: E402
from tests.fakes import telegram_api as tg  # noqa: E402
from tests.fakes.telegram_api import FakeBotApi  # noqa: E402
from tests.reliability_support import BAD_WORD, chat_ids, write_load_config  # noqa: E402

TOKEN = "555000:bench-token"
WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "we",
    "talk",
    "about",
    "plans",
    "for",
    "the",
    "weekend",
]


def _text(rng: random.Random, bad: bool) -> str:
    words = rng.choices(WORDS, k=rng.randint(3, 14))
    if bad:
        words.insert(rng.randrange(len(words) + 1), BAD_WORD)
    return " ".join(words)


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def _start_bot(env: dict[str, str], log_path: Path) -> asyncio.subprocess.Process:
    log = log_path.open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        env=env,
    )


async def _db_counts(url: str) -> tuple[int, int]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            messages = (await conn.execute(text("SELECT count(*) FROM messages"))).scalar_one()
            decisions = (await conn.execute(text("SELECT count(*) FROM decisions"))).scalar_one()
    except Exception:  # not migrated yet
        return 0, 0
    finally:
        await engine.dispose()
    return int(messages), int(decisions)


async def _decision_times(url: str) -> dict[tuple[int, int], datetime]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT space_id, message_id, created_at FROM decisions"))).all()
    finally:
        await engine.dispose()
    found: dict[tuple[int, int], datetime] = {}
    for space, message, created in rows:
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        found[(int(space), int(message))] = created
    return found


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="steward-load-"))
    url = args.db_url or f"sqlite+aiosqlite:///{work / 'load.db'}"
    api = FakeBotApi(token=TOKEN)
    await api.start()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and k != "DATABASE_URL"}
    env.update(
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=url,
        STEWARD_CONFIG_DIR=str(write_load_config(work / "config", args.chats, backend=args.backend)),
        PYTHONPATH=str(ROOT),
        NO_PROXY="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    bot = await _start_bot(env, work / "bot.log")
    rng = random.Random(7)
    chats = chat_ids(args.chats)
    injected: dict[tuple[int, int], float] = {}
    try:
        await api.wait_for("getUpdates", within=120)
        started = time.monotonic()
        total = int(args.rate * args.duration)
        sent = 0
        while sent < total:
            due = min(total, int((time.monotonic() - started) * args.rate) + 1)
            for i in range(sent, due):
                chat = chats[i % len(chats)]
                member = tg.user(100_000 + rng.randrange(args.members), f"member{i % args.members}")
                payload = api.member_message(chat, member, _text(rng, rng.random() < args.bad_share))
                injected[(chat, payload["message_id"])] = time.time()
            sent = due
            await asyncio.sleep(0.005)
        offered_for = time.monotonic() - started
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            messages, decisions = await _db_counts(url)
            if decisions >= total:
                break
            await asyncio.sleep(0.5)
        finished_after = time.monotonic() - started
        rss = _peak_rss_mb(bot.pid)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.wait(), 60)
        await api.stop()
    messages, decisions = await _db_counts(url)
    times = await _decision_times(url)
    latencies = [(times[key].timestamp() - at) * 1000 for key, at in injected.items() if key in times]
    deleted = len([key for key in api.deleted if key in injected])
    replies = sum(1 for (chat, _), m in api.sent.items() if chat in chats and m["text"].startswith("Removed"))
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
        "classifier_backend": args.backend,
        "offered_rate_per_s": args.rate,
        "chats": args.chats,
        "duration_s": args.duration,
        "offered_for_s": round(offered_for, 1),
        "messages_offered": len(injected),
        "messages_received": messages,
        "decisions_stored": decisions,
        "decisions_equal_received": decisions == messages,
        "bad_messages_deleted": deleted,
        "replies_sent": replies,
        "actions_executed": deleted + replies,
        "all_decided_after_s": round(finished_after, 1),
        "throughput_per_s": round(decisions / finished_after, 1) if finished_after else None,
        "latency_ms_p50": round(_percentile(latencies, 0.50), 1) if latencies else None,
        "latency_ms_p99": round(_percentile(latencies, 0.99), 1) if latencies else None,
        "latency_ms_max": round(max(latencies), 1) if latencies else None,
        "latency_ms_mean": round(statistics.fmean(latencies), 1) if latencies else None,
        "bot_peak_rss_mb": round(rss, 1) if rss is not None else None,
        "bot_exit_code": code,
        "bot_log": str(work / "bot.log"),
    }


def _postgres_url() -> tuple[Any, str]:
    from tests.postgres import PostgresServer, create_database, find_pg_bin

    bindir = find_pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found")
    server = PostgresServer(bindir)
    server.start()
    return server, create_database(server.url(), prefix="steward_load")


def main() -> None:
    """Parse the flags, run the bench, print the report as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="offered messages per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of offered load")
    parser.add_argument("--chats", type=int, default=50, help="Telegram groups the load is spread over")
    parser.add_argument("--members", type=int, default=2000, help="distinct authors")
    parser.add_argument("--bad-share", type=float, default=0.05, help="share of messages to delete")
    parser.add_argument("--backend", default="keyword", help="classifier backend (keyword, e5, auto)")
    parser.add_argument("--db-url", default=None, help="database URL (default: SQLite in a temp dir)")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL")
    parser.add_argument("--drain-timeout", type=float, default=180.0, help="seconds to wait for the backlog")
    args = parser.parse_args()
    server = None
    if args.postgres and not args.db_url:
        server, args.db_url = _postgres_url()
    try:
        report = asyncio.run(run(args))
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
