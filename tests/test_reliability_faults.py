"""The real Telegram adapter against the fake Bot API answering 500s and 429s for a while."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.fakes.telegram_harness import CHAT
from tests.test_telegram_e2e import BOB, real_world

MESSAGES = 6


async def test_500s_and_429s_for_a_while_then_every_action_done_exactly_once(tmp_path: Path) -> None:
    async with real_world(tmp_path) as world:
        api, service = world.api, world.service
        assert service.outbox is not None
        api.fail("deleteMessage", status=500, description="Internal Server Error", times=10)
        api.flood("sendMessage", retry_after=1, times=2)
        sent = [api.member_message(CHAT, BOB, f"you idiot {i}") for i in range(MESSAGES)]
        await api.wait_for("deleteMessage", count=MESSAGES, within=30)
        await api.wait_polled(within=30)
        for _ in range(20):  # the periodic job: resume what the outage left unfinished
            if not await world.store.pending_decisions():
                break
            await service.outbox.resume()
        assert await world.store.pending_decisions() == []
        wanted = {(CHAT, m["message_id"]) for m in sent}
        assert wanted <= api.deleted  # every message removed
        replies = Counter(
            p["reply_parameters"]["message_id"]
            for p in api.calls_to("sendMessage")
            if isinstance(p.get("reply_parameters"), dict)
        )
        answered = {mid for (chat, mid), m in api.sent.items() if chat == CHAT and "friendly" in m["text"]}
        assert len(answered) == MESSAGES  # one reply posted per message ...
        assert all(n <= 2 for n in replies.values())  # ... a 429'd attempt is the only repeat
        cases = await world.store.member_cases("acme", "telegram", str(BOB["id"]))
        assert sorted(str(c.message_id) for c in cases) == sorted(str(m["message_id"]) for m in sent)
        assert len(api.calls_to("deleteMessage")) >= MESSAGES + 10  # the 500s happened and were retried
