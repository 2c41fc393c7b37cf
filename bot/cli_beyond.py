"""``steward backtest``: replay stored decisions through a changed configuration (never acts)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

BACKTEST_HELP = """Replay the stored decisions of the last `--since` through the live configuration and
through
`--config NEW_DIR`, and print per rule what the new one would change: newly flagged, no longer flagged,
different action, with examples and the moderators' past verdicts (approved flags it would drop,
rejected ones it would still raise). Nothing is done and nothing is written.

Limitation: the text of unflagged messages is never stored, and flagged text only until retention
purges it; those messages are replayed with their stored classifier scores only, so word, link and
other text rules cannot newly fire on them. Author roles, member history, strikes and pauses are not
replayed (every author counts as an ordinary member; exempt authors are skipped).
"""


def register(app: typer.Typer) -> None:
    """Add ``backtest`` to the ``steward`` command line."""

    @app.command(
        help=BACKTEST_HELP,
        epilog="Examples:\n\n    steward backtest --config ./config-new --since 7d\n\n"
        "    steward backtest --config ./config-new --since 30d --community acme",
    )
    def backtest(
        config: Annotated[Path, typer.Option("--config", help="The changed configuration directory.")],
        since: Annotated[str, typer.Option(help="How far back to replay, e.g. 24h, 7d.")] = "7d",
        community: Annotated[str | None, typer.Option(help="Only this community.")] = None,
        live_config: Annotated[
            Path | None, typer.Option(help="The live configuration (default STEWARD_CONFIG_DIR).")
        ] = None,
    ) -> None:
        from bot.cli import _config_dir, _fail, _settings
        from moderation.beyond.backtest import format_report, run_backtest
        from moderation.beyond.history import HistorySource
        from moderation.config.loader import load_config_dir
        from moderation.config.schema import parse_duration
        from moderation.errors import ConfigErrors, StewardError
        from moderation.storage.store import open_store

        settings = _settings()
        try:
            period = parse_duration(since)
        except ValueError:
            _fail(f"'{since}' is not a duration (try 24h or 7d)", 2)
        try:
            old = load_config_dir(_config_dir(settings, live_config))
            new = load_config_dir(config)
        except ConfigErrors as exc:
            for error in exc.errors:
                typer.echo(str(error), err=True)
            _fail("a configuration does not load (steward check-config shows why)")

        async def replay() -> list[str]:
            store = await open_store(settings.database_url.get_secret_value(), migrate=False)
            try:
                assert isinstance(store, HistorySource)
                start = datetime.now(UTC) - period
                return [format_report(r) for r in await run_backtest(store, old, new, start, community)]
            finally:
                await store.close()

        try:
            texts = asyncio.run(replay())
        except StewardError as exc:
            _fail(f"cannot backtest: {exc}")
        if not texts:
            _fail("no community is configured in both configurations")
        typer.echo("\n\n".join(texts))
