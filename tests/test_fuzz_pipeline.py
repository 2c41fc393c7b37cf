"""Hostile messages through the real service on SQLite: random Unicode, bidi, zalgo, 100 kB texts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.domain import Actor, Decision
from tests.harness import Harness, make_message

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
COMBINING = "".join(chr(c) for c in range(0x0300, 0x0370))

hostile_chars = st.one_of(
    st.characters(),  # any code point, surrogates included
    st.sampled_from(BIDI + ZERO_WIDTH + COMBINING + "\x00\x07\n\r\t"),
)
zalgo = st.text(alphabet=st.sampled_from("aeiou"), min_size=1, max_size=5).map(
    lambda s: "".join(ch + COMBINING[:40] for ch in s)
)
texts = st.one_of(
    st.text(hostile_chars, max_size=300),
    zalgo,
    st.builds(
        lambda a, b: f"{a} idiot {BIDI} https://x.example/{b}", st.text(max_size=20), st.text(max_size=20)
    ),
    st.integers(min_value=50_000, max_value=100_000).map(lambda n: ("\u202eidiot\u0301 " * (n // 8))[:n]),
)


class Errors(logging.Handler):
    """Collects ERROR records (``handle_message`` logs and swallows what it could not handle)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Runner:
    """A real service on SQLite in its own event loop, shared by every example of a test."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self._cm = Harness.start(tmp)
        self.h: Harness = self.loop.run_until_complete(self._cm.__aenter__())
        self.errors = Errors()
        logging.getLogger("moderation").addHandler(self.errors)
        self.sent = 0

    def say(self, text: str, name: str) -> Decision:
        self.sent += 1
        author = Actor(platform="sandbox", user_id=str(40_000 + self.sent % 50), display_name=name)
        self.h.clock.advance(timedelta(seconds=7))  # keep the flood windows quiet
        return self.loop.run_until_complete(
            self.h.push(make_message(text, author=author, sent_at=self.h.clock.now()))
        )

    def decisions(self) -> int:
        stats = self.loop.run_until_complete(
            self.h.store.stats("acme", self.h.clock.now() - timedelta(days=3650))
        )
        return sum(stats.decisions_by_outcome.values())

    def close(self) -> None:
        logging.getLogger("moderation").removeHandler(self.errors)
        self.loop.run_until_complete(self._cm.__aexit__(None, None, None))
        pending = asyncio.all_tasks(self.loop)
        for task in pending:  # background tasks of the service (e.g. the manager's flush)
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    run = Runner(tmp_path_factory.mktemp("fuzz"))
    yield run
    run.close()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(text=texts, name=st.text(hostile_chars, max_size=80))
def test_hostile_messages_are_decided_and_stored_without_errors(runner: Runner, text: str, name: str) -> None:
    before = runner.decisions()
    decision = runner.say(text, name)
    assert isinstance(decision, Decision)
    assert [r.getMessage() for r in runner.errors.records] == []
    assert runner.decisions() == before + 1  # the pipeline went all the way to the stored decision


def test_a_100kb_bidi_zalgo_message_is_acted_on_and_its_excerpt_is_clean(runner: Runner) -> None:
    text = ("\u202e" + "idiot" + COMBINING[:30] + " ") * 2800
    assert len(text) > 100_000
    decision = runner.say(text, "\u202emallory\u0000")
    assert [r.getMessage() for r in runner.errors.records] == []
    assert decision.fired_rules
