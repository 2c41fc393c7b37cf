"""``SqlStore``: the SQL implementation of ``moderation.ports.Store``, and ``open_store``."""

from __future__ import annotations

from sqlalchemy.engine import URL

from moderation.storage.appeals_repo import AppealsMixin
from moderation.storage.cases import CasesMixin
from moderation.storage.claims import ClaimsMixin
from moderation.storage.decisions import DecisionsMixin
from moderation.storage.engine import make_engine
from moderation.storage.history_repo import HistoryMixin
from moderation.storage.intake import IntakeMixin
from moderation.storage.manager_repo import ManagerMixin
from moderation.storage.members import MembersMixin
from moderation.storage.migrate import upgrade_engine
from moderation.storage.reviews import ReviewsMixin
from moderation.storage.upkeep import UpkeepMixin
from moderation.storage.verifications_repo import VerificationsMixin


class SqlStore(
    IntakeMixin,
    MembersMixin,
    DecisionsMixin,
    CasesMixin,
    ReviewsMixin,
    UpkeepMixin,
    ManagerMixin,
    ClaimsMixin,
    HistoryMixin,
    AppealsMixin,
    VerificationsMixin,
):
    """Persistence on SQLite or PostgreSQL through SQLAlchemy's asyncio engine.

    Every method runs in its own short transaction and awaits the driver, so the event loop is never
    blocked. Platform ids are numeric strings in, numeric strings out, stored as BigInteger.
    Create it with :func:`open_store`; call :meth:`close` when done.
    """


async def open_store(url: str | URL, *, migrate: bool = True) -> SqlStore:
    """Open (and by default create or upgrade through the migrations) the database at ``url``.

    Args:
        url: ``sqlite:///path.db``, ``sqlite+aiosqlite:///path.db``, ``postgresql://user@host/db`` or
            ``postgresql+asyncpg://...``; sync URLs are rewritten to the asyncio drivers.
        migrate: Upgrade the schema to the newest revision first.

    Raises:
        ValueError: For an unsupported database URL.
    """
    engine = make_engine(url)
    try:
        if migrate:
            await upgrade_engine(engine)
    except BaseException:
        await engine.dispose()
        raise
    return SqlStore(engine)
