"""``bot.runtime.run`` in-process with the sandbox: the same database across sessions."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime import run
from bot.settings import Settings
from tests.test_sandbox_e2e import BORDERLINE, keyword_config


@pytest.fixture(autouse=True)
def drop_log_handler() -> Iterator[None]:
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "steward":
            root.removeHandler(handler)


async def session(settings: Settings, script: str) -> str:
    out = io.StringIO()
    await run(settings, stdin=io.BytesIO(script.encode()), stdout=out)
    return out.getvalue()


async def test_reviews_and_ids_survive_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_db_url: str
) -> None:
    """On SQLite and on a real PostgreSQL; the first start creates the tables."""
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        DATABASE_URL=empty_db_url,
        STEWARD_CONFIG_DIR=str(keyword_config(tmp_path)),
    )
    first = await session(settings, f"carol: {BORDERLINE}\n")
    carol_id = re.search(r"→ carol \(id (\d+)\)", first)
    held_id = re.search(rf"carol: {BORDERLINE}  \[(\d+)\]", first)
    case = re.search(r"Review card · case #(\d+) · pending", first)
    assert carol_id, first
    assert held_id, first
    assert case, first

    second = await session(settings, f"carol: hello again\n/as mod\n/queue\n/history {carol_id[1]}\n")
    assert f"→ carol (id {carol_id[1]})" in second  # the same member id in a new session
    new_id = re.search(r"carol: hello again  \[(\d+)\]", second)
    assert new_id, second
    assert int(new_id[1]) > int(held_id[1])  # new messages never reuse an id a pending review holds
    assert f"#{case[1]}" in second.split("[reply to mod]", 1)[1]  # the queue survived the restart
    assert re.search(rf"History of carol \({carol_id[1]}\).*\n\s+#{case[1]} review · toxicity", second)

    third = await session(settings, f"/as mod\n/approve {case[1]}\n")
    assert f"Approved case #{case[1]}" in third
    assert "[deleted]" not in third  # the old message is not in this session: nothing else is deleted


async def test_without_a_sandbox_community_the_error_says_what_to_add(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "communities").mkdir(parents=True)
    (config / "defaults.yaml").write_text("model: {backend: keyword}\n")
    (config / "communities" / "x.yaml").write_text("community: x\n")
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", STEWARD_CONFIG_DIR=str(config))
    with pytest.raises(ValueError, match=r"no community enables the sandbox: add 'platforms: \{sandbox:"):
        await session(settings, "/quit\n")
