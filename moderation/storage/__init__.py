"""SQL storage: the only package that touches sqlmodel, SQLAlchemy and alembic."""

from moderation.storage.migrate import upgrade, upgrade_async
from moderation.storage.store import SqlStore, open_store

__all__ = ["SqlStore", "open_store", "upgrade", "upgrade_async"]
