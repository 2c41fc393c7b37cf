"""``steward forget <platform> <user id>``: erase a member's stored data, keeping anonymised counts."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

PLATFORMS = ("discord", "telegram", "sandbox")


def forget(
    platform: Annotated[str, typer.Argument(help="discord, telegram or sandbox.")],
    user_id: Annotated[str, typer.Argument(help="The member's numeric platform id.")],
    community: Annotated[
        list[str] | None, typer.Option("--community", "-c", help="Only this community (repeatable).")
    ] = None,
) -> None:
    """Remove a member's names, message text, notes and scores; their counts stay, anonymised."""
    from bot.logging import redact
    from bot.settings import Settings
    from moderation.storage.forget import forget_member
    from moderation.storage.store import open_store

    if platform not in PLATFORMS:
        typer.secho(f"unknown platform {platform!r}: use {', '.join(PLATFORMS)}", err=True, fg="red")
        raise typer.Exit(2)
    if not user_id.lstrip("-").isdigit():
        typer.secho(f"{user_id!r} is not a numeric user id", err=True, fg="red")
        raise typer.Exit(2)
    settings = Settings()

    async def run() -> dict[str, int]:
        store = await open_store(settings.database_url.get_secret_value())
        try:
            return await forget_member(store.engine, platform, user_id, communities=community or None)
        finally:
            await store.close()

    try:
        changed = asyncio.run(run())
    except Exception as exc:  # the edge: the driver's reason, without the password
        reason = redact(str(exc), settings.secrets())
        typer.secho(f"forget failed for {settings.database_display()}: {reason}", err=True, fg="red")
        raise typer.Exit(1) from None
    if not changed:
        typer.echo(f"nothing stored about {platform} user {user_id}")
        return
    summary = ", ".join(f"{table} {count}" for table, count in sorted(changed.items()))
    typer.echo(f"forgot {platform} user {user_id}: {summary} (counts kept under an anonymous id)")


def register(app: typer.Typer) -> None:
    """Add ``forget`` to the ``steward`` app."""
    app.command(name="forget")(forget)
