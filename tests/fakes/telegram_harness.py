"""Helpers to run the real Telegram adapter against ``FakeBotApi``: a recording service and a runner."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.service_port import ModerationPort
from bot.telegram.app import TelegramRunner
from bot.telegram.options import TelegramOptions
from moderation.config.schema import CommunityConfig
from moderation.domain import (
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MemberLeft,
    ModeratorCommand,
    Outcome,
    Scope,
)
from moderation.errors import CommandError
from moderation.ports import ChatGateway
from tests.fakes.telegram_api import TOKEN, FakeBotApi

CHAT = -1001234567890
MOD_CHAT = -1009876543210
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ["NO_PROXY"] = ",".join({*os.environ["NO_PROXY"].split(","), "127.0.0.1", "localhost"})


def fake_options(api: FakeBotApi, **overrides: Any) -> TelegramOptions:
    """Options pointing at the fake, with short long-polls and a fast retry back-off."""
    values: dict[str, Any] = {
        "token": TOKEN,
        "api_base_url": api.base_url,
        "poll_timeout": 0.3,
        "poll_interval": 0.05,
        "admin_cache_ttl": 60.0,
    }
    values.update(overrides)
    return TelegramOptions(**values)


@dataclass
class RecordingService:
    """A stand-in for ModerationService that records what the adapter delivers."""

    configs: dict[str, CommunityConfig] = field(default_factory=dict)
    messages: list[InboundMessage] = field(default_factory=list)
    joins: list[MemberJoined] = field(default_factory=list)
    leaves: list[MemberLeft] = field(default_factory=list)
    commands: list[ModeratorCommand] = field(default_factory=list)
    buttons: list[tuple[Scope, Actor, str, int]] = field(default_factory=list)
    gateways: list[ChatGateway] = field(default_factory=list)
    maps_mod_chat: bool = True  # the real service maps the moderators' chat to its community too
    button_reply: Callable[[Actor, str, int], CommandReply] = lambda _a, verb, n: CommandReply(f"{verb} #{n}")

    @classmethod
    def for_chats(cls, chats: Iterable[int] = (CHAT,), mod_chat: int | None = MOD_CHAT) -> RecordingService:
        telegram: dict[str, Any] = {"chat_ids": [str(c) for c in chats]}
        if mod_chat is not None:
            telegram["mod_chat_id"] = str(mod_chat)
        cfg = CommunityConfig.model_validate({"community": "acme", "platforms": {"telegram": telegram}})
        return cls(configs={"acme": cfg})

    def register_gateway(self, gateway: ChatGateway) -> None:
        self.gateways.append(gateway)

    def community_for(self, platform: str, space_id: str) -> str | None:
        for name, cfg in self.configs.items():
            telegram = cfg.platforms.telegram
            if platform != "telegram" or telegram is None:
                continue
            if space_id in telegram.chat_ids or (self.maps_mod_chat and space_id == telegram.mod_chat_id):
                return name
        return None

    def community_config(self, community: str) -> CommunityConfig:
        return self.configs[community]

    async def handle_message(self, msg: InboundMessage) -> Decision:
        self.messages.append(msg)
        return Decision(Outcome.IGNORE)

    async def handle_join(self, event: MemberJoined) -> None:
        self.joins.append(event)

    async def handle_leave(self, event: MemberLeft) -> None:
        self.leaves.append(event)

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        self.commands.append(cmd)
        if "admin" not in cmd.caller.roles:
            return CommandReply(f"Sorry, /{cmd.name} is for moderators only.", ephemeral=True)
        return CommandReply(f"ran {cmd.name} {' '.join(cmd.args)}".strip())

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        self.buttons.append((scope, caller, verb, case_number))
        if "admin" not in caller.roles:
            raise CommandError("Only moderators can use these buttons.")
        return self.button_reply(caller, verb, case_number)

    def command_help(self) -> list[tuple[str, str]]:
        return [("queue", "Show pending reviews"), ("approve", "Approve a case"), ("help", "List commands")]


async def start_runner(
    api: FakeBotApi, service: ModerationPort, communities: Iterable[str] = ("acme",), **overrides: Any
) -> TelegramRunner:
    """Start a TelegramRunner against the fake (polling unless ``mode="webhook"``)."""
    names = list(communities)
    runner = TelegramRunner(service, fake_options(api, **overrides), communities=lambda: names)
    await runner.start()
    return runner


async def eventually(check: Callable[[], bool], *, within: float = 5.0, what: str = "condition") -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within}s")
        await asyncio.sleep(0.02)
