"""Benchmark of the community manager: a report over 1,000,000 stored messages, and the per-message hook.

1. Fills a SQLite database (through the real migrations) with N message rows over 30 days plus the
   matching members, decisions, cases, reviews, questions, mood buckets and engagement rows (bulk
   ``executemany`` in one transaction), then times ``build_digest`` for 7 and 30 days and the
   rendering (Markdown, and HTML with the matplotlib chart).
2. Times ``ModerationService.handle_message`` on a fresh database, alternating messages without the
   community-manager tracker, with it, and with it while the manager's minute job runs alongside;
   also the hook alone (it only queues; batches are written by a timer).

Usage: ``python bench/report.py [--messages 1000000] [--handle 1500]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.config.schema import DigestConfig  # noqa: E402
from moderation.manager.digest import build_digest  # noqa: E402
from moderation.manager.members import engagement_factor  # noqa: E402
from moderation.manager.report import render_html, render_markdown  # noqa: E402
from moderation.storage import upgrade  # noqa: E402
from moderation.storage.store import open_store  # noqa: E402

END = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 30
USERS = 5000
CHANNELS = [2001 + i for i in range(8)]
COMMUNITY = "acme"


def ts(at: datetime) -> str:
    """How SQLAlchemy stores a naive UTC datetime on SQLite."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: Path, n: int) -> float:
    """Bulk-insert the fixture; return the seconds it took."""
    rng = random.Random(7)
    start_time = END - timedelta(days=DAYS)
    span = DAYS * 86400
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    with con:
        batch: list[tuple[object, ...]] = []
        for i in range(n):
            at = start_time + timedelta(seconds=span * i / n)
            user = 10_000 + int(rng.paretovariate(1.2)) % USERS
            flagged = rng.random() < 0.03
            batch.append(
                (
                    COMMUNITY,
                    "discord",
                    1100,
                    rng.choice(CHANNELS),
                    10**12 + i,
                    user,
                    ts(at),
                    "en",
                    rng.randint(5, 200),
                    0,
                    flagged,
                    "bad words" if flagged else None,
                )
            )
            if len(batch) == 50_000:
                con.executemany(
                    "INSERT INTO messages (community, platform, space_id, channel_id, message_id, user_id,"
                    " sent_at, lang, length, link_count, flagged, text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    batch,
                )
                batch.clear()
        if batch:
            con.executemany(
                "INSERT INTO messages (community, platform, space_id, channel_id, message_id, user_id,"
                " sent_at, lang, length, link_count, flagged, text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                batch,
            )
        members = []
        for u in range(USERS):
            joined = start_time - timedelta(days=30) + timedelta(seconds=rng.randrange(60 * 86400))
            members.append(
                (COMMUNITY, "discord", 10_000 + u, f"user{u}", ts(joined), ts(joined), ts(END), 10)
            )
        con.executemany(
            "INSERT INTO members (community, platform, user_id, display_name, joined_at, first_seen,"
            " last_seen, message_count) VALUES (?,?,?,?,?,?,?,?)",
            members,
        )
        decisions = []
        for _ in range(n * 3 // 100):
            at = start_time + timedelta(seconds=rng.randrange(span))
            rule = rng.choice(["toxicity", "spam", "links"])
            outcome = rng.choice(["act", "review"])
            decisions.append((COMMUNITY, outcome, f'["{rule}"]', ts(at), ts(at)))
        con.executemany(
            "INSERT INTO decisions (community, outcome, dry_run, rules, traces, scores, actions,"
            " held_actions, actions_done, failures, created_at, done_at)"
            " VALUES (?,?,0,?,'[]','{}','[]','[]',1,'[]',?,?)",
            decisions,
        )
        cases, reviews = [], []
        for number in range(1, n // 100 + 1):
            at = start_time + timedelta(seconds=rng.randrange(span))
            kind = rng.choice(["delete", "warn", "timeout", "review"])
            rule = rng.choice(["toxicity", "spam", "links"])
            cases.append(
                (COMMUNITY, number, kind, "discord", 10_000 + number % USERS, "u", rule, "r", "bot", ts(at))
            )
            if kind == "review":
                status = rng.choice(["approved", "rejected", "expired", "pending"])
                reviews.append(
                    (
                        COMMUNITY,
                        number,
                        status,
                        "discord",
                        1100,
                        2001,
                        number,
                        10_000,
                        "u",
                        rule,
                        "r",
                        "x",
                        ts(at),
                        ts(at + timedelta(days=2)),
                    )
                )
        con.executemany(
            "INSERT INTO cases (community, number, case_type, platform, user_id, user_name, rule, reason,"
            " moderator, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            cases,
        )
        con.executemany(
            "INSERT INTO review_items (community, case_number, status, platform, space_id, channel_id,"
            " message_id, user_id, user_name, rule, reason, excerpt, held_actions, created_at, expires_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'[]',?,?)",
            reviews,
        )
        questions = []
        for i in range(n // 50):
            at = start_time + timedelta(seconds=rng.randrange(span))
            answered = ts(at + timedelta(seconds=rng.expovariate(1 / 900))) if rng.random() < 0.8 else None
            questions.append(
                (
                    COMMUNITY,
                    "discord",
                    1100,
                    rng.choice(CHANNELS),
                    5 * 10**12 + i,
                    10_000 + i % USERS,
                    ts(at),
                    "a question?",
                    answered,
                    answered is not None and rng.random() < 0.2,
                )
            )
        con.executemany(
            "INSERT INTO questions (community, platform, space_id, channel_id, message_id, user_id, asked_at,"
            " excerpt, answered_at, auto) VALUES (?,?,?,?,?,?,?,?,?,?)",
            questions,
        )
        buckets = []
        for channel in CHANNELS:
            for minute in range(0, DAYS * 1440, 1):
                total = rng.randint(0, 8)
                if total:
                    at = start_time + timedelta(minutes=minute)
                    buckets.append(
                        (
                            COMMUNITY,
                            "discord",
                            channel,
                            ts(at),
                            total,
                            sum(rng.random() < 0.04 for _ in range(total)),
                        )
                    )
        con.executemany(
            "INSERT INTO mood_buckets (community, platform, channel_id, minute, total, hits)"
            " VALUES (?,?,?,?,?,?)",
            buckets,
        )
        half_life = timedelta(days=7)
        engagement = [
            (
                COMMUNITY,
                "discord",
                10_000 + u,
                50,
                5,
                2,
                rng.random() * 100 * engagement_factor(END, half_life),
                ts(END),
            )
            for u in range(USERS)
        ]
        con.executemany(
            "INSERT INTO engagement (community, platform, user_id, messages, replies_received, answers_given,"
            " score, last_active) VALUES (?,?,?,?,?,?,?,?)",
            engagement,
        )
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


async def time_reports(url: str) -> list[tuple[str, float]]:
    store = await open_store(url)
    results: list[tuple[str, float]] = []
    try:
        for days in (7, 30):
            started = time.perf_counter()
            digest = await build_digest(store, DigestConfig(), COMMUNITY, END - timedelta(days=days), END)
            results.append(
                (f"build_digest {days}d ({digest.data.messages:,} messages)", time.perf_counter() - started)
            )
        started = time.perf_counter()
        render_markdown(digest)
        results.append(("render markdown", time.perf_counter() - started))
        from bot.charts import digest_chart

        started = time.perf_counter()
        render_html(digest, digest_chart(digest))
        results.append(("render html + PNG chart", time.perf_counter() - started))
    finally:
        await store.close()
    return results


async def time_handling(tmp: Path, count: int) -> dict[str, list[float]]:
    """Alternate messages with and without the tracker on one service (same database, same load)."""
    from moderation.config.reload import ConfigHolder
    from moderation.domain import Actor, InboundMessage, Scope
    from moderation.manager.jobs import every_minute
    from moderation.service import ModerationService
    from tests.fakes.core import FrozenClock, RecordingGateway, ScriptedClassifier
    from tests.harness import COMMUNITY as YAML
    from tests.harness import write_config

    config = write_config(tmp / "config", YAML)
    store = await open_store(f"sqlite+aiosqlite:///{tmp / 'handle.db'}")
    clock = FrozenClock()
    classifier = ScriptedClassifier({"idiot": {"toxic": 0.95}, "?": {"question": 0.9}})
    service = ModerationService(config=ConfigHolder(config), store=store, classifier=classifier, clock=clock)
    service.register_gateway(RecordingGateway("sandbox"))
    tracker = service.manager
    assert tracker is not None
    observe = tracker.observe
    hook: list[float] = []

    async def timed_observe(*args: object) -> None:
        started = time.perf_counter()
        await observe(*args)  # type: ignore[arg-type]
        hook.append(time.perf_counter() - started)

    tracker.observe = timed_observe  # type: ignore[method-assign]
    results: dict[str, list[float]] = {"without tracker": [], "with tracker": []}
    for i in range(count * 2):
        with_tracker = i % 2 == 1
        service.manager = tracker if with_tracker else None
        author = Actor("sandbox", str(1000 + i % 50), f"user{i % 50}")
        scope = Scope("sandbox", "", "1", str(2001 + i % 4))
        text = "how does this work?" if i % 10 == 0 else ("you idiot" if i % 25 == 0 else f"hello {i}")
        msg = InboundMessage(scope, author, str(10_000 + i), text, clock.now())
        started = time.perf_counter()
        await service.handle_message(msg)
        results["with tracker" if with_tracker else "without tracker"].append(time.perf_counter() - started)
        clock.advance(timedelta(seconds=2))
    ticks: list[float] = []
    for _ in range(30):
        started = time.perf_counter()
        await every_minute(service)  # the scheduler runs this once a minute
        ticks.append(time.perf_counter() - started)
        clock.advance(timedelta(minutes=1))
    results["manager minute job (one run)"] = ticks
    started = time.perf_counter()
    await tracker.close()
    flush_ms = (time.perf_counter() - started) * 1000
    print(f"(last batch written in {flush_ms:.1f} ms)")
    await store.close()
    results["the tracker hook alone (queueing)"] = hook
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--handle", type=int, default=1500)
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp:
        path = Path(tmp) / "report.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        seconds = fill(path, args.messages)
        print(
            f"filled {args.messages:,} message rows (+ members, decisions, cases, reviews, questions, "
            f"mood buckets, engagement) in {seconds:.1f} s; database {path.stat().st_size / 1e6:.0f} MB"
        )
        for name, value in asyncio.run(time_reports(url)):
            print(f"{name:45} {value:8.3f} s")
        handling = asyncio.run(time_handling(Path(tmp), args.handle))
    print(f"\nhandle_message over {args.handle} messages (SQLite file, scripted classifier):")
    for mode, times in handling.items():
        ms = sorted(t * 1000 for t in times[20:])  # skip warm-up
        p50, p99 = statistics.median(ms), ms[int(len(ms) * 0.99)]
        print(f"  {mode:36} mean {statistics.fmean(ms):6.2f} ms  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")


if __name__ == "__main__":
    main()
