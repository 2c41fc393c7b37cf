"""``steward forget``: remove what is stored about one member, keeping anonymised counts.

The member's rows keep counting (messages, decisions, cases, the member row's message count and join
time) under a random negative pseudonym no platform uses, so statistics stay right but nothing leads
back to the person. Everything that says who they are or what they wrote goes: names, stored message
text and excerpts, notes on their cases (and the names in those cases' audit lines), and their
scores (strikes, engagement) and appeals/verification records are deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation.storage import ids
from moderation.storage.tables import metadata

FORGOTTEN = "forgotten member"
REMOVED = "[removed at the member's request]"
DELETED_TABLES = frozenset({"strikes", "engagement", "appeals", "verifications"})
"""Tables whose rows about the member are deleted (scores and personal records)."""
TEXT_COLUMNS = ("text", "excerpt")
NAME_COLUMNS = ("display_name", "user_name")


def _member_tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if {"platform", "user_id"} <= set(t.c.keys())]


def _scrubbed(table: Table, pseudonym: int) -> dict[str, Any]:
    values: dict[str, Any] = {"user_id": pseudonym}
    for name in TEXT_COLUMNS:
        if name in table.c:
            values[name] = None if table.c[name].nullable else ""
    for name in NAME_COLUMNS:
        if name in table.c:
            values[name] = FORGOTTEN
    return values


async def forget_member(
    engine: AsyncEngine, platform: str, user_id: str, *, communities: Sequence[str] | None = None
) -> dict[str, int]:
    """Remove a member's personal data in one transaction; return rows changed per table.

    Args:
        engine: The store's engine (``SqlStore.engine``).
        platform: ``discord``, ``telegram`` or ``sandbox``.
        user_id: The member's platform id.
        communities: Only these communities (default: every community).

    Raises:
        ValueError: If ``user_id`` is not a platform id.
    """
    uid = ids.to_db(user_id)
    pseudonym = -1 - secrets.randbelow(2**62)
    changed: dict[str, int] = {}
    tables = {t.name: t for t in _member_tables()}
    async with engine.begin() as conn:

        def scope(table: Table) -> list[Any]:
            where = [table.c.platform == platform, table.c.user_id == uid]
            if communities is not None and "community" in table.c:
                where.append(table.c.community.in_(list(communities)))
            return where

        names: set[str] = set()
        for table_name in ("members", "cases", "review_items", "verifications"):
            table = tables.get(table_name)
            column = next((c for c in NAME_COLUMNS if table is not None and c in table.c), None)
            if table is not None and column is not None:
                rows = await conn.execute(select(table.c[column]).where(*scope(table)))
                names.update(n for (n,) in rows if n and len(n) >= 3)
        cases = tables.get("cases")
        numbers: list[tuple[str, int, int]] = []
        if cases is not None:
            rows = await conn.execute(
                select(cases.c.community, cases.c.number, cases.c.id).where(*scope(cases))
            )
            numbers = [(c, n, i) for c, n, i in rows]
        notes = metadata.tables.get("case_notes")
        if notes is not None and numbers:
            result = await conn.execute(
                update(notes).where(notes.c.case_id.in_([i for _, _, i in numbers])).values(text=REMOVED)
            )
            changed["case_notes"] = result.rowcount or 0
        await _scrub_audit(conn, numbers, names, changed)
        for table in tables.values():
            await _scrub_json(conn, table, scope(table), names)
        for name, table in tables.items():
            if name in DELETED_TABLES:
                result = await conn.execute(delete(table).where(*scope(table)))
            else:
                result = await conn.execute(
                    update(table).where(*scope(table)).values(**_scrubbed(table, pseudonym))
                )
            if result.rowcount:
                changed[name] = result.rowcount
        questions = tables.get("questions")
        if questions is not None and "answered_by" in questions.c:
            result = await conn.execute(
                update(questions)
                .where(questions.c.platform == platform, questions.c.answered_by == uid)
                .values(answered_by=pseudonym)
            )
            if result.rowcount:
                changed["questions.answered_by"] = result.rowcount
    return changed


def _replace_names(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        for name in names:
            value = value.replace(name, FORGOTTEN)
        return value
    if isinstance(value, list):
        return [_replace_names(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _replace_names(v, names) for k, v in value.items()}
    return value


async def _scrub_json(conn: Any, table: Table, where: list[Any], names: set[str]) -> None:
    """Names inside JSON columns (rendered reply texts in planned actions)."""
    columns = [c for c in table.c if isinstance(c.type, JSON)]
    if not columns or not names or "id" not in table.c:
        return
    ordered = sorted(names, key=len, reverse=True)
    rows = (await conn.execute(select(table.c.id, *columns).where(*where))).all()
    for row in rows:
        values = {c.name: _replace_names(row._mapping[c.name], ordered) for c in columns}
        if any(values[c.name] != row._mapping[c.name] for c in columns):
            await conn.execute(update(table).where(table.c.id == row.id).values(**values))


async def _scrub_audit(
    conn: Any, numbers: list[tuple[str, int, int]], names: set[str], changed: dict[str, int]
) -> None:
    audit = metadata.tables.get("audit_entries")
    if audit is None or not numbers:
        return
    count = 0
    for community, number, _ in numbers:
        rows = await conn.execute(
            select(audit.c.id, audit.c.action, audit.c.detail).where(
                audit.c.community == community, audit.c.case_number == number
            )
        )
        for row_id, action, detail in rows.all():
            scrubbed = REMOVED if action == "note" else detail  # a note's text is about the member
            for name in sorted(names, key=len, reverse=True):
                scrubbed = scrubbed.replace(name, FORGOTTEN)
            if scrubbed != detail:
                await conn.execute(update(audit).where(audit.c.id == row_id).values(detail=scrubbed))
                count += 1
    if count:
        changed["audit_entries"] = count
