"""The ``steward report`` command: a community's digest as Markdown, CSV or HTML (with the chart)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from moderation.config.schema import DigestConfig

FORMAT_HELP = "md (Markdown), csv, or html (one self-contained page with the chart)."


def report(
    community: Annotated[str, typer.Option(help="Community name (its `community:` key).")],
    since: Annotated[str, typer.Option(help="Period ending now: 24h, 7d, 4w...")] = "7d",
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    config_dir: Annotated[
        Path | None, typer.Option(help="Config directory (default STEWARD_CONFIG_DIR), for digest settings.")
    ] = None,
) -> None:
    """Report on a community from the database: volume, members, questions, moderation, mood, key members.

    Example: `steward report --community acme --since 7d --format html --output report.html`
    """
    from bot.cli import _fail, _settings
    from bot.logging import redact
    from bot.settings import ConfigDirNotFound
    from moderation.config.loader import load_config_dir
    from moderation.config.schema import DigestConfig, parse_duration
    from moderation.errors import StewardError
    from moderation.manager.report import FORMATS

    if fmt not in FORMATS:
        _fail(f"unknown format {fmt!r}: use md, csv or html", 2)
    try:
        period = parse_duration(since)
    except ValueError as exc:
        _fail(str(exc), 2)
    if period <= timedelta(0):
        _fail("--since must be longer than zero", 2)
    settings = _settings()
    digest_cfg = DigestConfig()
    try:  # the report also works without a loadable config (default digest settings)
        configs = load_config_dir(config_dir or settings.resolved_config_dir())
        if community in configs.communities:
            digest_cfg = configs.resolver(community).base.digest
    except (ConfigDirNotFound, StewardError, OSError):
        typer.echo("(configuration not loaded: default digest settings)", err=True)
    try:
        text = asyncio.run(
            _render(settings.database_url.get_secret_value(), community, period, fmt, digest_cfg)
        )
    except Exception as exc:  # the edge: one clear line, secrets masked
        _fail(f"report failed: {redact(str(exc), settings.secrets())}")
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


async def _render(url: str, community: str, period: timedelta, fmt: str, cfg: DigestConfig) -> str:
    from datetime import UTC, datetime

    from moderation.manager.digest import build_digest
    from moderation.manager.report import render_csv, render_html, render_markdown
    from moderation.storage.store import open_store

    store = await open_store(url)
    try:
        until = datetime.now(UTC)
        digest = await build_digest(store, cfg, community, until - period, until)
    finally:
        await store.close()
    if fmt == "csv":
        return render_csv(digest)
    if fmt == "html":
        from bot.charts import digest_chart

        return render_html(digest, digest_chart(digest) if cfg.chart else None)
    return render_markdown(digest)


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``steward`` app."""
    app.command(name="report")(report)
