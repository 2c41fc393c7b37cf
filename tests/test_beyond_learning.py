"""Learning from moderators: refit heads from verdicts, accepted only when held-back metrics improve."""

from __future__ import annotations

import hashlib
import random

import numpy as np

from models.encoder import Matrix
from models.heads import Heads
from models.training.data import Row
from models.training.decisions import refit_from_decisions, split_held_back
from models.training.fit import train_heads

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
