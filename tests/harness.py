"""Importable test harness for the core (errbot testbot style): real config and store, fakes at the edge.

Usage::

    async with Harness.start(tmp_path, COMMUNITY_YAML) as h:
        decision = await h.push(make_message("you idiot"))
        assert h.gateway.named("delete_message")
"""

from __future__ import annotations

import itertools
import os
import textwrap
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from moderation.config.reload import ConfigHolder
from moderation.domain import (
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MessageMeta,
    ModeratorCommand,
    Scope,
)
from moderation.executor import Executor
from moderation.ports import Store
from moderation.service import ModerationService
from tests.fakes.core import FrozenClock, RecordingGateway, ScriptedClassifier
from tests.fakes.memory_store import MemoryStore

SANDBOX_SPACE = "1"
SANDBOX_CHANNEL = "2001"
TELEGRAM_CHAT = "-1001234"
TELEGRAM_MOD_CHAT = "-1009999"

MEMBER = Actor(platform="sandbox", user_id="1001", display_name="alice")
MODERATOR = Actor(platform="sandbox", user_id="1900", display_name="mod", roles=("mod",))
ADMIN = Actor(platform="sandbox", user_id="1999", display_name="root", roles=("admin",))

COMMUNITY = textwrap.dedent(
    """\
    community: acme
    platforms:
      sandbox: {}
      telegram: {chat_ids: ["-1001234"], mod_chat_id: "-1009999"}
    levels: {"sandbox:mod": 50, "sandbox:admin": 100, "telegram:admin": 50}
    voice:
      replies:
        toxicity_removed: {en: "Let's keep it kind here, {user}.", ru: "Давайте вежливо, {user}."}
        warned: {en: "Please mind the rules, {user}."}
        mods_alert: {en: "Heads up: {rule} fired for {user}."}
    greetings:
      enabled: true
      text: {en: "Welcome to {community}, {user}!"}
      delete_previous: true
    faq:
      mode: answer
      threshold: 0.5
      question_at: 0.5
      entries:
        password:
          questions: {en: ["how do I reset my password"]}
          answer: {en: "Open Settings, then Reset password, {user}."}
    rules:
      toxicity:
        triggers: {classifier: {label: toxic, review_at: 0.6, act_at: 0.9}}
        actions: {delete: true, reply: toxicity_removed}
      rudeness:
        triggers: {words: {words: ["meanie"]}}
        actions: {warn: {template: warned, dm: false}}
    strikes:
      ladder:
        - {count: 3, within: 7d, action: timeout, duration: 1h}
    """
)
"""The default test community: a sandbox plus a Telegram group, moderators at level 50."""


_ids = itertools.count(5000)


def make_message(
    text: str,
    *,
    author: Actor = MEMBER,
    platform: str | None = None,
    space_id: str | None = None,
    channel_id: str | None = None,
    message_id: str | None = None,
    sent_at: datetime | None = None,
    edited: bool = False,
    links: Sequence[str] = (),
) -> InboundMessage:
    """A message as an adapter would translate it (defaults: alice in the sandbox's general channel)."""
    platform = platform or author.platform
    space = space_id or (TELEGRAM_CHAT if platform == "telegram" else SANDBOX_SPACE)
    channel = channel_id or (space if platform == "telegram" else SANDBOX_CHANNEL)
    return InboundMessage(
        scope=Scope(platform=platform, community="", space_id=space, channel_id=channel),
        author=author,
        message_id=message_id or str(next(_ids)),
        text=text,
        sent_at=sent_at or datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        meta=MessageMeta(links=tuple(links), edited=edited),
    )


def write_config(path: Path, community: str | Mapping[str, Any], defaults: str = "{}\n") -> Path:
    """Write ``defaults.yaml`` and ``communities/<name>.yaml`` under ``path``; return ``path``."""
    text = community if isinstance(community, str) else yaml.safe_dump(dict(community), allow_unicode=True)
    (path / "communities").mkdir(parents=True, exist_ok=True)
    (path / "defaults.yaml").write_text(defaults, encoding="utf-8")
    (path / "communities" / "community.yaml").write_text(text, encoding="utf-8")
    return path


async def open_test_store(kind: str, path: Path) -> tuple[Store, Any]:
    """``("sqlite", tmp)`` -> a real SqlStore on a tmp file; ``("memory", _)`` -> MemoryStore.

    With ``STEWARD_TEST_STORE=postgres`` (and ``STEWARD_TEST_PG_URL``), "sqlite" means a fresh database
    on that PostgreSQL server instead: ``python -m tests.pg_pass`` runs the end-to-end tests that way.
    """
    if kind == "memory":
        return MemoryStore(), None
    from moderation.storage.store import open_store

    if kind == "sqlite" and os.environ.get("STEWARD_TEST_STORE") == "postgres":
        from tests.postgres import create_database

        server = os.environ["STEWARD_TEST_PG_URL"]
        url = create_database(server)
        pg_store = await open_store(url)
        return pg_store, _DroppingCloser(pg_store, server, url)
    store = await open_store(f"sqlite+aiosqlite:///{path / 'steward.db'}")
    return store, store


class _DroppingCloser:
    """Closes a test store, then drops its PostgreSQL database."""

    def __init__(self, store: Any, server: str, url: str) -> None:
        self._store, self._server, self._url = store, server, url

    async def close(self) -> None:
        from tests.postgres import drop_database

        await self._store.close()
        drop_database(self._server, self._url)


@dataclass
class Harness:
    """A service wired to real config and storage, a scripted classifier, a frozen clock and gateways."""

    service: ModerationService
    store: Store
    classifier: ScriptedClassifier
    clock: FrozenClock
    gateway: RecordingGateway
    telegram: RecordingGateway
    config_dir: Path

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        tmp_path: Path,
        community: str | Mapping[str, Any] = COMMUNITY,
        *,
        store: str = "sqlite",
        scores: Mapping[str, Mapping[str, float]] | None = None,
    ) -> AsyncIterator[Harness]:
        """Build everything under ``tmp_path``; ``scores`` maps substrings to classifier scores."""
        config_dir = write_config(tmp_path / "config", community)
        real_store, closer = await open_test_store(store, tmp_path)
        clock = FrozenClock()
        table = scores or {"idiot": {"toxic": 0.95}, "dummy": {"toxic": 0.7}, "password": {"question": 0.9}}
        classifier = ScriptedClassifier(table)
        service = ModerationService(
            config=ConfigHolder(config_dir),
            store=real_store,
            classifier=classifier,
            clock=clock,
            executor=Executor(clock, sleep=_no_sleep),
        )
        sandbox, telegram = RecordingGateway("sandbox"), RecordingGateway("telegram")
        service.register_gateway(sandbox)
        service.register_gateway(telegram)
        try:
            yield cls(service, real_store, classifier, clock, sandbox, telegram, config_dir)
        finally:
            await service.intake.drain(5)  # as the runtime does: in-flight messages finish first
            if closer is not None:
                await closer.close()

    async def push(self, msg: InboundMessage) -> Decision:
        """Deliver a message as a platform handler would."""
        return await self.service.handle_message(msg)

    async def say(self, text: str, **kwargs: Any) -> Decision:
        """Shortcut for ``push(make_message(text, ...))`` with the harness clock's time."""
        kwargs.setdefault("sent_at", self.clock.now())
        return await self.push(make_message(text, **kwargs))

    async def command(
        self, line: str, *, caller: Actor = MODERATOR, platform: str | None = None
    ) -> CommandReply:
        """Run ``/name arg arg`` as ``caller`` from the sandbox (or Telegram's mod chat)."""
        name, *args = line.lstrip("/").split()
        platform = platform or caller.platform
        space = TELEGRAM_MOD_CHAT if platform == "telegram" else SANDBOX_SPACE
        scope = Scope(platform=platform, community="", space_id=space, channel_id=space)
        return await self.service.handle_command(ModeratorCommand(scope, caller, name, tuple(args)))

    async def join(self, user_id: str, name: str, *, channel: str = SANDBOX_CHANNEL) -> None:
        """A member joins the sandbox community."""
        member = Actor(platform="sandbox", user_id=user_id, display_name=name)
        scope = Scope(platform="sandbox", community="", space_id=SANDBOX_SPACE, channel_id=channel)
        await self.service.handle_join(MemberJoined(scope, member, self.clock.now()))


async def _no_sleep(_: float) -> None:
    return None
