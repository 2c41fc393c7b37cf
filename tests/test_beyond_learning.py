"""Learning from moderators: refit heads from verdicts, accepted only when held-back metrics improve."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from bot.cli import app
from models.encoder import Matrix
from models.heads import Heads
from models.training.data import Row
from models.training.decisions import refit_from_decisions, split_held_back
from models.training.fit import train_heads
from tests.harness import Harness
from tests.test_beyond_backtest import build_history

NEUTRAL = [
    "hello",
    "thanks",
    "meeting",
    "tomorrow",
    "lunch",
    "weather",
    "music",
    "coffee",
    "project",
    "release",
    "window",
    "garden",
]
DIM = 24


def embed(texts: list[str]) -> Matrix:
    """Bag of words: 'zork' and 'idiot' have their own columns, other words hash into the rest."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.split():
            column = {"zork": 0, "idiot": 1}.get(word)
            if column is None:
                column = 2 + hashlib.sha256(word.encode()).digest()[0] % (DIM - 2)
            out[i, column] += 1.0
    return out


def sentence(rng: random.Random, *extra: str) -> str:
    words = [rng.choice(NEUTRAL) for _ in range(4)] + list(extra)
    rng.shuffle(words)
    return " ".join(words)


def base_rows(rng: random.Random) -> list[Row]:
    toxic = [Row(sentence(rng, "idiot"), "en", "toxic", 1, "base") for _ in range(80)]
    clean = [Row(sentence(rng), "en", "toxic", 0, "base") for _ in range(80)]
    return toxic + clean


def fit(rows: list[Row]) -> Heads:
    return train_heads(rows, embed([r.text for r in rows]), ["toxic"], encoder="bow")


def test_a_planted_pattern_is_learned_and_accepted() -> None:
    rng = random.Random(1)
    base = base_rows(rng)
    heads = fit(base)
    # moderators keep approving messages with a new slur the training data never saw
    decisions = [Row(sentence(rng, "zork"), "en", "toxic", 1, "decisions") for _ in range(45)]
    decisions += [Row(sentence(rng), "en", "toxic", 0, "decisions") for _ in range(45)]
    new, report = refit_from_decisions(
        heads, base, embed([r.text for r in base]), decisions, embed([r.text for r in decisions])
    )
    assert report.accepted, report.render()
    assert (report.trained_on, report.held_back) == (60, 30)
    before, after = report.before["toxic"], report.after["toxic"]
    assert after.avg_precision is not None
    assert before.avg_precision is not None
    assert after.avg_precision > before.avg_precision + 0.2
    assert new is not heads
    zork = new.predict(embed(["hello zork coffee"]), ["en"])[0]["toxic"]
    assert zork > heads.predict(embed(["hello zork coffee"]), ["en"])[0]["toxic"] + 0.3
    assert "accepted" in report.render()


def test_a_change_that_makes_metrics_worse_is_refused() -> None:
    rng = random.Random(2)
    base = base_rows(rng)
    heads = fit(base)
    texts = [sentence(rng, "idiot") for _ in range(45)] + [sentence(rng) for _ in range(45)]
    probe = [Row(t, "en", "toxic", 0, "decisions") for t in texts]
    _, held = split_held_back(probe)
    # held-back verdicts agree with the current heads; the others teach the opposite
    decisions = [
        Row(t, "en", "toxic", int(("idiot" in t) == (i in held)), "decisions") for i, t in enumerate(texts)
    ]
    kept, report = refit_from_decisions(
        heads, base, embed([r.text for r in base]), decisions, embed([r.text for r in decisions])
    )
    assert not report.accepted
    assert kept is heads
    assert "kept the current heads" in report.render()


def test_too_few_decisions_change_nothing() -> None:
    rng = random.Random(3)
    base = base_rows(rng)
    heads = fit(base)
    decisions = [Row(sentence(rng, "zork"), "en", "toxic", 1, "decisions") for _ in range(4)]
    kept, report = refit_from_decisions(
        heads, base, embed([r.text for r in base]), decisions, embed([r.text for r in decisions])
    )
    assert kept is heads
    assert "not enough held-back decisions" in report.reason


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_train_from_decisions_cli_reads_the_verdicts(tmp_path: Path) -> None:
    async def history() -> None:
        async with Harness.start(tmp_path) as h:
            await build_history(h)  # one toxicity review approved, one rejected

    asyncio.run(history())
    data = tmp_path / "datasets"
    data.mkdir()
    toxic = ["you idiot", "shut up moron", "you are trash", "stupid loser"]
    calm = ["good morning", "thanks a lot", "see you later", "nice work"]
    _write(
        data / "toxicity_en_tiny.jsonl",
        [{"text": t, "lang": "en", "task": "toxicity", "label": 1} for t in toxic]
        + [{"text": t, "lang": "en", "task": "toxicity", "label": 0} for t in calm],
    )
    examples = tmp_path / "examples.jsonl"
    _write(examples, [{"text": "hello friends", "lang": "en", "labels": {"toxic": 0}}])
    out, cache = tmp_path / "heads.npz", tmp_path / "cache"
    common = [
        "--datasets",
        str(data),
        "--examples",
        str(examples),
        "--out",
        str(out),
        "--cache-dir",
        str(cache),
    ]
    trained = CliRunner().invoke(app, ["train", *common, "--no-keyword-features"])
    assert trained.exit_code == 0, trained.output
    before = out.read_bytes()
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}",
        "STEWARD_CONFIG_DIR": str(tmp_path / "config"),
    }
    result = CliRunner().invoke(app, ["train", *common, "--from-decisions"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 labelled example(s) from moderators' verdicts" in result.output
    assert "kept the current heads: not enough held-back decisions" in result.output
    assert out.read_bytes() == before
