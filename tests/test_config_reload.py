"""Hot reload: a bad edit is reported and the last good config stays live; the watcher sees edits."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from pathlib import Path

import pytest

from moderation.config.reload import ConfigHolder, ReloadResult
from moderation.errors import ConfigErrors

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns("schema.json"))
    return tmp_path / "config"


def _example(config_dir: Path) -> Path:
    return config_dir / "communities" / "example.yaml"


def _save(path: Path, text: str) -> None:
    """Write like an editor does (temp file + rename), so the watcher never sees half a file."""
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_reload_picks_up_a_good_edit(config_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    holder = ConfigHolder(config_dir)
    before = holder.current
    path = _example(config_dir)
    path.write_text(
        path.read_text(encoding="utf-8").replace("mode: live", "mode: dry_run", 1), encoding="utf-8"
    )
    with caplog.at_level(logging.INFO, logger="moderation.config.reload"):
        result = holder.reload()
    assert result == ReloadResult(True, [], ["acme"])
    assert holder.current is not before
    assert holder.current.resolver("acme").base.mode == "dry_run"
    assert "config reloaded: acme" in caplog.text


def test_bad_edit_keeps_the_last_good_config(config_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    holder = ConfigHolder(config_dir)
    good = holder.current
    path = _example(config_dir)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("community: acme", "community: acme\nrulez: {}", 1), encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="moderation.config.reload"):
        result = holder.reload()
    assert not result.ok
    assert result.communities == ["acme"]
    assert len(result.errors) == 1
    assert f"{path}:" in result.errors[0]
    assert "unknown key 'rulez'; did you mean 'rules'?" in result.errors[0]
    assert holder.current is good
    assert "config NOT reloaded" in caplog.text
    assert "rulez" in result.summary()

    path.write_text(text, encoding="utf-8")
    assert holder.reload().ok
    assert holder.current is not good


def test_invalid_bytes_on_reload_are_reported(config_dir: Path) -> None:
    holder = ConfigHolder(config_dir)
    _example(config_dir).write_bytes(b'community: acme\nvoice: {signature: "\xff"}\n')
    result = holder.reload()
    assert not result.ok
    assert "not valid UTF-8" in result.errors[0]
    assert holder.current.names() == ["acme"]


def test_first_load_must_succeed(tmp_path: Path) -> None:
    (tmp_path / "communities").mkdir()
    (tmp_path / "communities" / "x.yaml").write_text("community: [oops]\n", encoding="utf-8")
    with pytest.raises(ConfigErrors):
        ConfigHolder(tmp_path)


async def test_watch_reloads_after_an_edit(config_dir: Path) -> None:
    holder = ConfigHolder(config_dir)
    seen: asyncio.Queue[ReloadResult] = asyncio.Queue()
    stop = asyncio.Event()

    async def on_change(result: ReloadResult) -> None:
        await seen.put(result)

    task = asyncio.create_task(holder.watch(on_change, stop_event=stop, debounce_ms=50))
    try:
        await asyncio.sleep(0.3)  # let the watcher start
        path = _example(config_dir)
        text = path.read_text(encoding="utf-8")
        _save(path, text.replace("threshold: 0.75", "threshold: 0.8", 1))
        result = await asyncio.wait_for(seen.get(), timeout=4)
        assert result.ok
        assert holder.current.resolver("acme").base.faq.threshold == 0.8

        _save(path, text.replace("community: acme", "community: ACME", 1))
        bad = await asyncio.wait_for(seen.get(), timeout=4)
        assert not bad.ok
        assert "community" in bad.errors[0]
        assert holder.current.resolver("acme").base.faq.threshold == 0.8
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=3)


async def test_watch_survives_a_failing_callback(config_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    holder = ConfigHolder(config_dir)
    calls: list[bool] = []
    stop = asyncio.Event()

    def on_change(result: ReloadResult) -> None:
        calls.append(result.ok)
        raise RuntimeError("callback broke")

    task = asyncio.create_task(holder.watch(on_change, stop_event=stop, debounce_ms=50))
    try:
        await asyncio.sleep(0.3)
        path = _example(config_dir)
        for threshold in ("0.8", "0.85"):
            text = path.read_text(encoding="utf-8")
            path.write_text(
                text.replace("threshold: 0.", f"threshold: {threshold}  # was 0.", 1), encoding="utf-8"
            )
            for _ in range(80):
                if len(calls) >= (1 if threshold == "0.8" else 2):
                    break
                await asyncio.sleep(0.05)
        assert calls[:2] == [True, True]
        assert "config reload callback failed" in caplog.text
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=3)


async def test_reload_async_reads_in_a_thread_and_keeps_good_config(config_dir: Path) -> None:
    holder = ConfigHolder(config_dir)
    good = holder.current
    path = _example(config_dir)
    text = path.read_text(encoding="utf-8")
    _save(path, text + "\nextra: 1\n")
    result = await holder.reload_async()
    assert not result.ok
    assert holder.current is good
    _save(path, text)
    assert (await holder.reload_async()).ok
    assert holder.current is not good
