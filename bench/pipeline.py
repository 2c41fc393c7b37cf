"""Benchmark of one Steward process end to end: messages/s through the real service and database.

Each message goes through ``ModerationService.handle_message`` (claim, classify, rules, decision row,
message row, actions on a recording gateway, audit), ``--concurrency`` at a time, as the adapters
deliver them. Runs on SQLite (a temp file) and on a throwaway PostgreSQL (Debian's binaries), with
the keyword classifier (pipeline and database cost alone) and the default model (bundled e5 + heads).

Usage: ``python bench/pipeline.py [--messages 600] [--concurrency 16] [--backends keyword,auto]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHAT = "-1001234567890"  # config/communities/example.yaml


def config_with(backend: str, target: Path) -> Path:
    shutil.copytree(ROOT / "config", target)
    defaults = target / "defaults.yaml"
    text = re.sub(r"(?m)^(model:\s*\n\s+backend:)\s*\w+", rf"\1 {backend}", defaults.read_text())
    defaults.write_text(text)
    return target


def texts(n: int, seed: int = 0) -> list[str]:
    base = [json.loads(x)["text"] for x in (ROOT / "models/data/examples.jsonl").read_text().splitlines()]
    rng = random.Random(seed)
    return [f"{rng.choice(base)} #{i}" for i in range(n)]


async def run_one(database_url: str, backend: str, n: int, concurrency: int) -> dict[str, Any]:
    from bot.runtime import build_core
    from bot.settings import Settings
    from moderation.domain import Actor, InboundMessage, Scope
    from tests.fakes.core import RecordingGateway

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        core = await build_core(
            Settings(), config_dir=config_with(backend, Path(tmp) / "config"), database_url=database_url
        )
        load_s = time.perf_counter() - started
        gateway = RecordingGateway(platform="telegram")
        core.service.register_gateway(gateway)
        scope = Scope("telegram", "", CHAT, CHAT)
        items = texts(n + 32)
        sem = asyncio.Semaphore(concurrency)

        async def one(i: int, text: str) -> float:
            msg = InboundMessage(
                scope,
                Actor("telegram", str(10_000 + i % 500), f"user{i % 500}"),
                str(i + 1),
                text,
                datetime.now(UTC),
            )
            async with sem:
                t0 = time.perf_counter()
                await core.service.handle_message(msg)
                return time.perf_counter() - t0

        await asyncio.gather(*(one(i, t) for i, t in enumerate(items[:32])))  # warm-up
        t0 = time.perf_counter()
        latencies = await asyncio.gather(*(one(i + 32, t) for i, t in enumerate(items[32:])))
        elapsed = time.perf_counter() - t0
        await core.close()
    latencies.sort()
    return {
        "backend": backend,
        "database": database_url.split(":", 1)[0],
        "messages": n,
        "concurrency": concurrency,
        "load_s": round(load_s, 2),
        "msgs_per_s": round(n / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "gateway_calls": len(gateway.calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backends", default="keyword,auto")
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    from tests.postgres import PostgresServer, create_database, find_pg_bin

    results: list[dict[str, Any]] = []
    server = None
    try:
        for database in args.databases.split(","):
            for backend in args.backends.split(","):
                if database == "postgres":
                    if server is None:
                        bindir = find_pg_bin()
                        if bindir is None:
                            print("no PostgreSQL binaries; skipping", file=sys.stderr)
                            break
                        server = PostgresServer(bindir)
                        server.start()
                    url = create_database(server.url())
                else:
                    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
                results.append(asyncio.run(run_one(url, backend, args.messages, args.concurrency)))
                print(json.dumps(results[-1]), file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
    report = {
        "cpus_usable": len(os.sched_getaffinity(0)),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
