"""Shared pytest fixtures. Each section belongs to one part of the project; keep sections small."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from moderation.storage import SqlStore, open_store
from tests.postgres import create_database, drop_database, postgres_url

# ---------------------------------------------------------------------------------------------------
# Storage
#
# `postgres_url` (session): a throwaway PostgreSQL server started on first use (see tests/postgres.py);
#     skipped without PostgreSQL binaries, except under CI where that is a failure.
# `store_url`: a fresh, empty database URL, once for SQLite (a temp file) and once for PostgreSQL
#     (a new database on the session server, dropped afterwards). Tests marked `postgres` can be
#     deselected with `-m "not postgres"`.
# `store`: a `SqlStore` opened on `store_url` (schema created through the alembic migrations).
# ---------------------------------------------------------------------------------------------------

__all__ = ["postgres_url"]  # re-exported so pytest sees the session fixture

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'steward.db'}"
        return
    server: str = request.getfixturevalue("postgres_url")
    url = create_database(server)
    try:
        yield url
    finally:
        drop_database(server, url)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()
