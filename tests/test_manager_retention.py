"""Retention: member data past moderation.keep_member_data is purged by the existing purge job."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from moderation import jobs
from tests.harness import Harness
from tests.manager_support import BOB, COMMUNITY, SCORES, manager_store, say

KEEP_90_DAYS = COMMUNITY + "moderation: {keep_member_data: 90d}\n"


async def test_old_member_data_is_purged_and_recent_data_kept(tmp_path: Path) -> None:
    async with Harness.start(tmp_path, KEEP_90_DAYS, scores=SCORES) as h:
        await say(h, "an old question about billing?")
        await say(h, "you idiot", author=BOB)
        h.clock.advance(timedelta(days=100))
        await say(h, "a recent question?", author=BOB)
        store = manager_store(h)
        now = h.clock.now()
        before = await store.report_data(
            "acme",
            now - timedelta(days=365),
            now + timedelta(minutes=1),
            epoch_factor=1.0,
            top=10,
            newcomer=1,
        )
        assert before.messages == 3
        removed = await jobs.purge_old_text(h.service)
        after = await store.report_data(
            "acme",
            now - timedelta(days=365),
            now + timedelta(minutes=1),
            epoch_factor=1.0,
            top=10,
            newcomer=1,
        )
        # 2 messages, 1 question, 1 mood bucket, alice's engagement and alice herself (bob was seen lately)
        assert removed == 6
        assert after.messages == 1
        assert [q.asked_at for q in after.questions] == [now]
        assert [m.user_id for m in after.top_members] == [BOB.user_id]
        assert await store.get_member("acme", "sandbox", "1001") is None
        assert await store.get_member("acme", "sandbox", BOB.user_id) is not None
        assert await jobs.purge_old_text(h.service) == 0
