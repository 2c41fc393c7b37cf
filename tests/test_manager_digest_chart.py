"""The digest's PNG chart goes to the moderators on Telegram, Discord and the sandbox; others get text."""

from __future__ import annotations

import asyncio
import io
import struct
import textwrap
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.charts import digest_chart
from bot.discord.client import DiscordRunner
from bot.sandbox.gateway import SandboxGateway, reports_dir_for
from bot.sandbox.render import Renderer
from bot.sandbox.world import World
from bot.scheduler import JOBS, digest_png
from moderation.manager.digest import Digest
from moderation.manager.jobs import send_digests
from moderation.ports import ModeratorFileSender
from tests.fakes import discord_server as ds
from tests.fakes.core import FrozenClock, RecordingGateway
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import start_runner
from tests.harness import Harness
from tests.manager_support import SCORES, say

MOD_CHAT = -1009999
CONFIG = textwrap.dedent(
    f"""\
    community: acme
    platforms:
      sandbox: {{}}
      telegram: {{chat_ids: ["-1001234"], mod_chat_id: "{MOD_CHAT}"}}
      discord: {{guild_ids: ["{ds.GUILD}"], mod_channel_id: "{ds.MOD_CHANNEL}"}}
    levels: {{"sandbox:mod": 50}}
    digest: {{daily: true, weekly: false, at: "09:00", timezone: UTC}}
    """
)
FILENAME = "acme-daily-digest-2026-01-06.png"
MOD_POSTS = rf"/channels/{ds.MOD_CHANNEL}/messages"


def at(clock: FrozenClock, day: int, hour: int) -> None:
    clock.advance(datetime(2026, 1, day, hour, tzinfo=UTC) - clock.now())


def png_size(data: bytes) -> tuple[int, int]:
    """Check the PNG signature and IHDR chunk; return (width, height)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    assert data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82"
    return width, height


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


async def some_messages(h: Harness) -> None:
    at(h.clock, 5, 12)
    await say(h, "hello all")
    await say(h, "does the app support export?")


@asynccontextmanager
async def platforms(
    h: Harness, tmp_path: Path
) -> AsyncIterator[tuple[FakeBotApi, ds.FakeDiscord, Path, io.StringIO]]:
    """Real Telegram and Discord clients against their fakes, and a sandbox gateway, all registered."""
    api = FakeBotApi()
    await api.start()
    fake = ds.FakeDiscord([ds.acme_guild()])
    try:
        async with ds.running(fake):
            telegram = await start_runner(api, h.service)
            discord = DiscordRunner(h.service, "token", guild_ready_timeout=0.05)
            await discord.start()
            try:
                async with asyncio.timeout(5):
                    await discord.wait_ready()
                out = io.StringIO()
                reports = tmp_path / "reports"
                sandbox = SandboxGateway(
                    World(community="acme"), Renderer(out, colour=False), reports_dir=reports
                )
                h.service.register_gateway(sandbox)
                yield api, fake, reports, out
            finally:
                await discord.stop()
                await telegram.stop()
    finally:
        await api.stop()


async def test_digest_chart_is_posted_as_one_png_on_each_platform(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, CONFIG, scores=SCORES) as h, platforms(h, tmp_path) as env:
        api, fake, reports, out = env
        await some_messages(h)
        at(h.clock, 6, 8)
        assert await send_digests(h.service, chart=digest_chart) == 0
        at(h.clock, 6, 9)
        assert await send_digests(h.service, chart=digest_chart) == 1
        assert await send_digests(h.service, chart=digest_chart) == 0  # once, even when asked again

        # Telegram: one multipart sendPhoto to the moderators' chat, the digest as its caption
        (photo,) = api.calls_to("sendPhoto")
        assert photo["chat_id"] == MOD_CHAT
        assert photo["caption"].startswith("Daily digest for acme (2026-01-05 09:00 to 2026-01-06 09:00 UTC)")
        assert "Messages: 2 from 1 active member(s)" in photo["caption"]
        (upload,) = api.uploads
        assert (upload.method, upload.field, upload.filename) == ("sendPhoto", "photo", FILENAME)
        assert png_size(upload.data) == (900, 450)
        assert not [m for m in api.calls_to("sendMessage") if "digest" in str(m.get("text"))]  # no text twice

        # Discord: one message with the PNG attached, in the moderators' channel
        posts = [r for r in fake.requests_to("POST", MOD_POSTS) if r.files]
        assert len(posts) == 1
        assert posts[0].json["content"] == photo["caption"]
        assert posts[0].json["allowed_mentions"]["parse"] == []
        (attached,) = posts[0].files
        assert attached.filename == FILENAME
        assert png_size(attached.data) == (900, 450)
        stored = [m for m in fake.messages.values() if m["attachments"]]
        assert [a["filename"] for a in stored[0]["attachments"]] == [FILENAME]

        # Sandbox: the PNG saved under the reports directory, the console says where
        saved = reports / FILENAME
        assert png_size(saved.read_bytes()) == (900, 450)
        console = out.getvalue()
        assert f"[chart] saved to {saved}" in console
        assert "Daily digest for acme" in console
        assert upload.data == attached.data == saved.read_bytes()  # one rendering for every platform


async def test_a_refused_upload_still_delivers_the_digest_text(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, CONFIG, scores=SCORES) as h, platforms(h, tmp_path) as env:
        api, fake, _reports, _out = env
        await some_messages(h)
        api.fail("sendPhoto", description="Bad Request: not enough rights to send photos to the chat")
        fake.fail("POST", MOD_POSTS)  # no Attach Files: 403 Missing Permissions
        at(h.clock, 6, 9)
        assert await send_digests(h.service, chart=digest_chart) == 1
        texts = [m["text"] for m in api.calls_to("sendMessage") if m["chat_id"] == MOD_CHAT]
        assert len(texts) == 1
        assert texts[0].startswith("Daily digest for acme")
        upload, text = fake.requests_to("POST", MOD_POSTS)
        assert (upload.status, len(upload.files)) == (403, 1)
        assert (text.status, text.files) == (200, [])
        assert text.json["content"] == texts[0]


async def test_gateways_without_files_get_the_text_and_no_chart_is_drawn(tmp_path: Path) -> None:
    drawn: list[Digest] = []

    def chart(d: Digest) -> bytes:
        drawn.append(d)
        return digest_chart(d)

    async with Harness.start(tmp_path, CONFIG, scores=SCORES) as h:
        assert not isinstance(h.gateway, ModeratorFileSender)
        await some_messages(h)
        at(h.clock, 6, 9)
        assert await send_digests(h.service, chart=chart) == 1
        for gateway in (h.gateway, h.telegram):
            (note,) = gateway.named("notify_moderators")
            assert str(note.args["text"]).startswith("Daily digest for acme")
    assert drawn == []  # nobody could take the file: nothing rendered


class FileGateway(RecordingGateway):
    """A recording gateway that can also post files."""

    async def send_moderator_file(
        self, community: str, filename: str, data: bytes, caption: str
    ) -> str | None:
        self._record(
            "send_moderator_file", community=community, filename=filename, data=data, caption=caption
        )
        return "1"


async def test_a_failing_chart_or_chart_off_falls_back_to_text(tmp_path: Path) -> None:
    def broken(_: Digest) -> bytes:
        raise ValueError("no fonts")

    async with Harness.start(tmp_path, CONFIG, scores=SCORES) as h:
        files = FileGateway("sandbox")
        h.service.register_gateway(files)
        await some_messages(h)
        at(h.clock, 6, 9)
        assert await send_digests(h.service, chart=broken) == 1
        assert files.named("send_moderator_file") == []
        assert str(files.named("notify_moderators")[0].args["text"]).startswith("Daily digest")
        at(h.clock, 7, 9)  # the next day, with the renderer the scheduler wires: the file goes out
        assert await send_digests(h.service, chart=digest_png) == 1
        (sent,) = files.named("send_moderator_file")
        assert sent.args["filename"] == "acme-daily-digest-2026-01-07.png"
        assert png_size(sent.args["data"]) == (900, 450)  # type: ignore[arg-type]
        assert len(files.named("notify_moderators")) == 1  # the file's caption carried the text

    off = CONFIG.replace("timezone: UTC}", "timezone: UTC, chart: false}")
    async with Harness.start(tmp_path / "off", off, scores=SCORES) as h:
        files = FileGateway("sandbox")
        h.service.register_gateway(files)
        await some_messages(h)
        at(h.clock, 6, 9)
        assert await send_digests(h.service, chart=digest_chart) == 1
        assert files.named("send_moderator_file") == []
        assert len(files.named("notify_moderators")) == 1


def test_the_scheduler_wires_the_chart_and_the_sandbox_saves_beside_sqlite(tmp_path: Path) -> None:
    (manager,) = [spec for spec in JOBS if spec.name == "community_manager"]
    assert manager.body.keywords["chart"] is digest_png  # type: ignore[attr-defined]
    assert reports_dir_for(f"sqlite+aiosqlite:///{tmp_path}/steward.db") == tmp_path / "steward-reports"
    assert reports_dir_for("postgresql+asyncpg://u@db/steward").name == "steward-reports"


async def test_a_caption_over_telegrams_limit_goes_first_as_a_message(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, CONFIG, scores=SCORES) as h, platforms(h, tmp_path) as env:
        api, _fake, _reports, _out = env
        gateway = h.service.gateway("telegram")
        assert isinstance(gateway, ModeratorFileSender)
        long_text = (
            "Weekly digest for acme\n" + "Key members: " + ", ".join(f"member{i} (1.0)" for i in range(120))
        )
        assert len(long_text) > 1024
        message_id = await gateway.send_moderator_file("acme", "c.png", tiny_png(), long_text)
        (text,) = [m for m in api.calls_to("sendMessage") if m["chat_id"] == MOD_CHAT]
        assert text["text"] == long_text
        (photo,) = api.calls_to("sendPhoto")
        assert photo["caption"] == "Weekly digest for acme"
        assert api.sent[(MOD_CHAT, int(message_id or 0))]["text"] == long_text  # the id of the full text
