"""Shared pytest fixtures. Each section belongs to one part of the project; keep sections small."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from moderation.storage import SqlStore, open_store, upgrade_async
from tests.postgres import create_database, drop_database, postgres_url, run_in_thread

# ---------------------------------------------------------------------------------------------------
# Storage
#
# `postgres_url` (session): a throwaway PostgreSQL server started on first use (see tests/postgres.py);
#     skipped without PostgreSQL binaries, except under CI where that is a failure.
# `empty_db_url`: a fresh, empty database, once on SQLite (a temp file) and once on PostgreSQL (a new
#     database on the session server, dropped afterwards).
# `store_url`: like `empty_db_url` but already migrated (copied from a template migrated once per
#     session, which is much faster than migrating per test).
# `store`: a `SqlStore` opened on `store_url`.
# PostgreSQL cases carry the `postgres` mark: `-m "not postgres"` skips them without starting a server.
# ---------------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------------
# Hypothesis: no per-example deadline. The machines running the suite have 2 cores shared with other
# work, and a wall-clock deadline there fails a property on timing, not on the property.
# ---------------------------------------------------------------------------------------------------
settings.register_profile("steward", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("steward")

__all__ = ["postgres_url"]  # re-exported so pytest sees the session fixture

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    run_in_thread(lambda: upgrade_async(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> Iterator[str]:
    url = create_database(postgres_url, prefix="steward_template")
    try:
        run_in_thread(lambda: upgrade_async(url))
        yield url.rsplit("/", 1)[1]
    finally:
        drop_database(postgres_url, url)  # matters on a shared STEWARD_TEST_PG_URL server


def _database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "steward.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: str = request.getfixturevalue("postgres_url")
    template = request.getfixturevalue("postgres_template") if migrated else None
    url = create_database(server, template=template)
    try:
        yield url
    finally:
        drop_database(server, url)


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from _database(request, tmp_path, migrated=False)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from _database(request, tmp_path, migrated=True)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture(autouse=True)
def _collect_garbage_per_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """With STEWARD_TEST_GC=1, collect garbage after each test so a leaked resource's warning
    (e.g. an unclosed database connection) is blamed on the test that leaked it."""
    yield
    import os

    if os.environ.get("STEWARD_TEST_GC") == "1":
        import gc

        gc.collect()
