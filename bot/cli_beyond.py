"""``steward backtest`` (replay stored decisions through a changed config) and ``train --from-decisions``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from models.training.data import Row
    from moderation.beyond.history import Verdict
    from moderation.config.configset import ConfigSet

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


def decision_rows(verdicts: Sequence[Verdict], configs: ConfigSet) -> list[Row]:
    """Labelled examples from verdicts: the rule's classifier label, approved = 1, rejected = 0."""
    from models.text import clean_text
    from models.training.data import Row
    from moderation.beyond.stats import rule_label

    rows = []
    for verdict in verdicts:
        if verdict.text is None or verdict.community not in configs.communities:
            continue
        label = rule_label(configs.resolver(verdict.community).base, verdict.rule)
        text = clean_text(verdict.text)
        if label is not None and text:
            rows.append(Row(text, verdict.lang or "und", label, int(verdict.approved), "decisions"))
    return rows


def train_from_decisions(
    *,
    datasets: Path,
    examples: Path | None,
    out: Path | None,
    cache_dir: Path | None,
    hf_path: Path | None,
) -> None:
    """``steward train --from-decisions``: refit the heads with moderators' verdicts if that is better."""
    import numpy as np

    from bot.cli import _config_dir, _fail, _settings
    from models.encoder import Encoder
    from models.factory import shared_e5
    from models.features import KeywordFeatures
    from models.heads import DEFAULT_HEADS, Heads
    from models.training.cache import DEFAULT_CACHE_DIR, EmbeddingCache
    from models.training.data import EXAMPLES_PATH, load_all
    from models.training.decisions import refit_from_decisions
    from moderation.beyond.history import VerdictSource
    from moderation.config.loader import load_config_dir
    from moderation.storage.store import open_store

    settings = _settings()
    configs = load_config_dir(_config_dir(settings, None))

    async def read() -> list[Verdict]:
        store = await open_store(settings.database_url.get_secret_value(), migrate=False)
        try:
            assert isinstance(store, VerdictSource)
            return await store.review_verdicts(None, datetime(1970, 1, 1, tzinfo=UTC))
        finally:
            await store.close()

    rows = decision_rows(asyncio.run(read()), configs)
    encoder: Encoder
    if hf_path is not None:
        from models.hf import HF_HEADS_FILE, HFEncoder

        encoder, target = HFEncoder(hf_path), out or hf_path / HF_HEADS_FILE
    else:
        encoder, target = shared_e5(precision="fp32"), out or DEFAULT_HEADS  # exact embeddings
    if not target.exists():
        _fail(f"no heads at {target} to improve: run steward train first", 2)
    if not datasets.is_dir():
        _fail(f"no datasets directory at {datasets}", 2)
    heads = Heads.load(target)
    if hf_path is None and heads.encoder != encoder.name:
        _fail(f"the heads at {target} belong to the encoder {heads.encoder}, not {encoder.name}", 2)
    rows = [r for r in rows if r.label in heads.labels]
    typer.echo(f"{len(rows)} labelled example(s) from moderators' verdicts (text still retained)")
    if not rows:
        typer.echo("nothing to learn from yet; the heads are unchanged")
        return
    base = [r for r in load_all(datasets, examples or EXAMPLES_PATH) if r.label in heads.labels]
    cache = EmbeddingCache(encoder, cache_dir or DEFAULT_CACHE_DIR)
    base_emb, new_emb = cache.embed([r.text for r in base]), cache.embed([r.text for r in rows])
    if heads.features:
        base_emb = np.hstack([base_emb, KeywordFeatures()([r.text for r in base])])
        new_emb = np.hstack([new_emb, KeywordFeatures()([r.text for r in rows])])
    chosen, report = refit_from_decisions(heads, base, base_emb, rows, new_emb)
    typer.echo(report.render())
    if report.accepted:
        chosen.save(target)
        typer.echo(f"wrote {target}")
