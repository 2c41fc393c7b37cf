"""Storage plumbing: action JSON codec, id and URL helpers, migrations against the models, packaging."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from moderation.domain import ActionKind, PlannedAction, RuleTrace
from moderation.records import CaseType
from moderation.storage import codec, ids, migrate, open_store
from moderation.storage.engine import async_url, make_engine
from moderation.storage.tables import metadata
from tests import postgres as pg_helper

ROOT = Path(__file__).resolve().parents[1]

# --- codec --------------------------------------------------------------------------------------------

durations = st.none() | st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=3650))
actions = st.builds(
    PlannedAction,
    kind=st.sampled_from(ActionKind),
    rule=st.text(),
    text=st.none() | st.text(),
    dm=st.booleans(),
    duration=durations,
    delete_message_days=st.integers(0, 7),
    reason=st.text(),
)


@given(st.lists(actions, max_size=4))
def test_planned_actions_survive_json(planned: list[PlannedAction]) -> None:
    encoded = json.loads(json.dumps(codec.actions_to_json(planned)))
    assert codec.actions_from_json(encoded) == tuple(planned)


def test_action_json_uses_enum_values_and_seconds() -> None:
    action = PlannedAction(ActionKind.TIMEOUT, "flood", duration=timedelta(minutes=10), reason="flood")
    data = codec.action_to_json(action)
    assert data["kind"] == "timeout"
    assert data["duration"] == 600
    assert isinstance(data["duration"], int)
    assert codec.action_to_json(PlannedAction(ActionKind.DELETE, "x"))["duration"] is None
    assert codec.action_from_json({"kind": "ban", "rule": "spam"}) == PlannedAction(ActionKind.BAN, "spam")
    with pytest.raises(ValueError, match="explode"):
        codec.action_from_json({"kind": "explode", "rule": "x"})


@given(
    st.lists(
        st.builds(
            RuleTrace,
            rule=st.text(),
            fired=st.booleans(),
            band=st.sampled_from([None, "act", "review"]),
            reason=st.text(),
            mode=st.sampled_from(["live", "dry_run"]),
            skipped=st.none() | st.text(),
        ),
        max_size=4,
    )
)
def test_rule_traces_survive_json(traces: list[RuleTrace]) -> None:
    encoded = json.loads(json.dumps(codec.traces_to_json(traces)))
    assert codec.traces_from_json(encoded) == tuple(traces)


# --- ids and URLs -------------------------------------------------------------------------------------


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_ids_round_trip_through_the_database_form(number: int) -> None:
    assert ids.from_db(ids.to_db(str(number))) == str(number)


@pytest.mark.parametrize("bad", ["", "abc", "12.5", str(2**63), str(-(2**63) - 1)])
def test_bad_ids_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="platform id"):
        ids.to_db(bad)


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        ("sqlite:///data/steward.db", "sqlite+aiosqlite:///data/steward.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite+pysqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u:p@db:5432/steward", "postgresql+asyncpg://u:p@db:5432/steward"),
        ("postgres://u@db/steward", "postgresql+asyncpg://u@db/steward"),
        ("postgresql+psycopg2://u@db/steward", "postgresql+asyncpg://u@db/steward"),
        ("postgresql+asyncpg://u@db/steward", "postgresql+asyncpg://u@db/steward"),
    ],
)
def test_urls_are_rewritten_to_async_drivers(given_url: str, expected: str) -> None:
    assert async_url(given_url).render_as_string(hide_password=False) == expected


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        async_url("mysql://u@db/steward")


# --- migrations ---------------------------------------------------------------------------------------


def _schema_diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def test_migrations_create_exactly_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade_engine(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set(metadata.tables) | {"alembic_version"}
            assert await conn.run_sync(_schema_diff) == []
            await conn.rollback()
        await migrate.upgrade_engine(engine)  # idempotent at head
        await migrate.downgrade_engine(engine, "base")  # the downgrade path works too
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == {"alembic_version"}
    finally:
        await engine.dispose()


async def test_open_store_creates_schema_and_reopens(empty_db_url: str) -> None:
    first = await open_store(empty_db_url)
    await first.set_pause("acme", "links", datetime(2030, 1, 1, tzinfo=UTC))
    await first.close()
    second = await open_store(empty_db_url)
    try:
        assert await migrate.current_revision(second.engine) == migrate.head_revision()
        paused = await second.active_pauses("acme", datetime(2029, 1, 1, tzinfo=UTC))
        assert paused == {"links": datetime(2030, 1, 1, tzinfo=UTC)}
    finally:
        await second.close()


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        async with store.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() >= 5000
    finally:
        await store.close()


def test_sync_upgrade_for_the_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    migrate.upgrade(url)
    assert (tmp_path / "cli.db").exists()


async def test_sync_upgrade_refuses_to_run_inside_an_event_loop(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="upgrade_async"):
        migrate.upgrade(f"sqlite:///{tmp_path / 'x.db'}")
    await migrate.upgrade_async(f"sqlite:///{tmp_path / 'x.db'}")
    store = await open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=False)
    try:
        assert await migrate.current_revision(store.engine) == migrate.head_revision()
    finally:
        await store.close()


# --- packaging ----------------------------------------------------------------------------------------


def test_migrations_ship_in_the_wheel_and_run_from_it(tmp_path: Path) -> None:
    """Build a real (non-editable) wheel and run the migrations from the installed copy."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "moderation", source / "moderation", ignore=ignore)
    wheels = tmp_path / "wheels"
    build = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(wheels),
    ]
    subprocess.run(
        [*build, "-w", str(wheels), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("steward-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert f"moderation/storage/migrations/{needed}" in names
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)

    db = tmp_path / "from-wheel.db"
    script = (
        "import moderation.storage as s, sys; "
        "assert s.__file__.startswith(sys.argv[1]), s.__file__; "
        "s.upgrade('sqlite:///' + sys.argv[2])"
    )
    code = f"import sys; sys.path.insert(0, sys.argv[1]); {script}"
    subprocess.run(
        [sys.executable, "-I", "-c", code, str(installed), str(db)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    assert db.exists()


# --- the PostgreSQL test server helper ----------------------------------------------------------------


def test_missing_postgres_skips_locally_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_helper, "find_pg_bin", lambda: None)
    monkeypatch.delenv("STEWARD_TEST_PG_URL", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with (
        pytest.raises(pytest.skip.Exception, match="PostgreSQL binaries not found"),
        pg_helper.postgres_server(),
    ):
        pass
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run"), pg_helper.postgres_server():
        pass


def test_an_existing_server_url_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_helper, "find_pg_bin", lambda: pytest.fail("must not look for binaries"))
    monkeypatch.setenv("STEWARD_TEST_PG_URL", "postgresql://ci@db:5432/postgres")
    with pg_helper.postgres_server() as url:
        assert url == "postgresql://ci@db:5432/postgres"


async def test_sqlite_file_in_a_missing_directory_is_created(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'data' / 'nested' / 'steward.db'}")
    await store.close()
    assert (tmp_path / "data" / "nested" / "steward.db").exists()


async def test_in_memory_sqlite_works_for_quick_experiments() -> None:
    store = await open_store("sqlite://")
    try:
        case = await store.create_case(
            "acme", case_type=CaseType.NOTE, platform="sandbox", user_id="1", user_name="a", rule="",
            reason="hello", moderator="m", at=datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        assert case.number == 1
    finally:
        await store.close()
