"""Model commands for the ``steward`` CLI: ``classify``, ``train`` and ``eval``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from moderation.config.schema import ModelSettings

LANGS_HELP = "Comma-separated languages for language id (default: from the configuration, else en,ar,ru,fa)."


def _model_settings(
    config_dir: Path | None, backend: str | None, path: Path | None, kind: str | None
) -> tuple[ModelSettings, list[str]]:
    """Model settings and languages from the configuration (if any), overridden by options."""
    from moderation.config.schema import ModelSettings

    settings = ModelSettings()
    languages: list[str] = []
    if config_dir is not None:
        from moderation.config.loader import load_config_dir

        configs = load_config_dir(config_dir)
        settings = configs.model
        for name in configs.communities:
            languages.extend(configs.resolver(name).base.languages)
    update: dict[str, object] = {}
    if backend:
        update["backend"] = backend
    if path:
        update["path"] = str(path)
    if kind:
        update["kind"] = kind
    if update:
        settings = ModelSettings.model_validate({**settings.model_dump(), **update})
    return settings, list(dict.fromkeys(languages)) or ["en", "ar", "ru", "fa"]


def classify(
    backend: Annotated[
        str | None, typer.Option(help="auto, keyword, e5 or hf (default: configuration).")
    ] = None,
    path: Annotated[Path | None, typer.Option(help="Hugging Face model directory (backend hf).")] = None,
    kind: Annotated[str | None, typer.Option(help="hf kind: sequence-classification or encoder.")] = None,
    languages: Annotated[str | None, typer.Option(help=LANGS_HELP)] = None,
    config_dir: Annotated[
        Path | None, typer.Option(help="Read model settings from this config directory.")
    ] = None,
) -> None:
    """Classify JSON lines `{"text": ...}` from stdin; write `{"labels": {...}, "lang": ...}` per line.

    Output is in input order and streams; a bad line gives `{"error": ...}` and processing continues.
    Example: `echo '{"text": "how do I reset my password"}' | steward classify`
    """
    from models.errors import ModelError
    from models.factory import build_classifier
    from models.stream import classify_lines
    from moderation.errors import ConfigErrors

    try:
        settings, langs = _model_settings(config_dir, backend, path, kind)
        if languages:
            langs = [x.strip() for x in languages.split(",") if x.strip()]
        classifier = build_classifier(settings, langs)
    except (ModelError, ConfigErrors, ValueError) as exc:
        typer.secho(f"cannot load the classifier: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from exc
    errors = asyncio.run(classify_lines(classifier, sys.stdin, sys.stdout))
    if errors:
        typer.secho(f"{errors} invalid input line(s)", err=True, fg=typer.colors.YELLOW)


def train(
    datasets: Annotated[Path, typer.Option(help="Directory of *.jsonl training files.")] = Path(
        "/work/shared/datasets"
    ),
    examples: Annotated[
        Path | None, typer.Option(help="Hand-written examples (default: the committed set).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the heads (.npz; metadata .json beside).")
    ] = None,
    loso: Annotated[bool, typer.Option(help="Also run leave-one-source-out evaluation.")] = False,
    hf_path: Annotated[
        Path | None, typer.Option(help="Train heads for this Hugging Face encoder instead of the bundled e5.")
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Embedding cache (default: models/.cache).")] = None,
    keyword_features: Annotated[
        bool, typer.Option(help="Append the keyword classifier's scores (word lists) to the embedding.")
    ] = True,
    from_decisions: Annotated[
        bool,
        typer.Option(
            help="Refit the existing heads with moderators' approve/reject verdicts (DATABASE_URL); "
            "they replace the heads only if better on a held-back third of those verdicts."
        ),
    ] = False,
) -> None:
    """Train the classifier heads (toxic, spam, question, threat) on frozen embeddings; write heads.npz.

    Embeddings are cached under models/.cache, so re-training is fast.
    """
    if from_decisions:
        from bot.cli_beyond import train_from_decisions

        train_from_decisions(
            datasets=datasets, examples=examples, out=out, cache_dir=cache_dir, hf_path=hf_path
        )
        return
    from models.encoder import Encoder
    from models.factory import shared_e5
    from models.heads import DEFAULT_HEADS
    from models.training.cache import DEFAULT_CACHE_DIR
    from models.training.data import EXAMPLES_PATH
    from models.training.metrics import fmt
    from models.training.train import run_training

    encoder: Encoder
    if hf_path is not None:
        from models.hf import HF_HEADS_FILE, HFEncoder

        encoder = HFEncoder(hf_path)
        target = out or hf_path / HF_HEADS_FILE
    else:
        encoder = shared_e5(precision="fp32")  # heads are fit on exact embeddings
        target = out or DEFAULT_HEADS
    if not datasets.is_dir():
        typer.secho(f"no datasets directory at {datasets}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    heads, results = run_training(
        encoder,
        datasets=datasets,
        examples=examples or EXAMPLES_PATH,
        out=target,
        loso=loso,
        cache_dir=cache_dir or DEFAULT_CACHE_DIR,
        keyword_features=keyword_features,
    )
    typer.echo(
        f"wrote {target} ({', '.join(heads.labels)}; {heads.dim} dims) and {target.with_suffix('.json')}"
    )
    if results:
        typer.echo(
            f"\nleave-one-source-out ROC-AUC\n{'label':9} {'held-out source':28} {'all':>6}  per language"
        )
        for h in results:
            langs = " ".join(f"{lg}={fmt(s.roc_auc)}" for lg, s in h.by_lang.items())
            extra = (
                ""
                if h.no_mark_recall is None
                else f"  (questions without '?' caught: {h.no_mark_recall:.0%})"
            )
            typer.echo(f"{h.label:9} {h.source:28} {fmt(h.overall.roc_auc):>6}  {langs}{extra}")
        if "leave_one_source_out_note" in heads.meta:
            typer.echo(f"note: {heads.meta['leave_one_source_out_note']}")


def evaluate(
    data: Annotated[Path, typer.Argument(help="JSONL: {text, lang, task, label} or {text, lang, labels}.")],
    heads_path: Annotated[Path | None, typer.Option("--heads", help="Heads file (default: shipped).")] = None,
    languages: Annotated[str, typer.Option(help="Languages for language id.")] = "en,ar,ru,fa,fr,de,es,tr",
) -> None:
    """Print ROC-AUC, average precision and F1 per language and label, plus a calibration table."""
    from models.errors import ModelError
    from models.factory import heads_for, shared_e5
    from models.heads import DEFAULT_HEADS
    from models.langid import LanguageIdentifier
    from models.training.evaluate import evaluate as run_eval
    from models.training.evaluate import read_eval_file

    try:
        rows = read_eval_file(data)
    except (OSError, ValueError) as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from exc
    encoder = shared_e5()
    try:
        heads = heads_for(encoder, heads_path or DEFAULT_HEADS)
    except ModelError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from exc
    langid = LanguageIdentifier([x.strip() for x in languages.split(",") if x.strip()])
    try:
        report = run_eval(rows, encoder, heads, langid)
    except ModelError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from exc
    typer.echo(report.render())


def register(app: typer.Typer) -> None:
    """Add the model commands to the ``steward`` app."""
    app.command(name="classify")(classify)
    app.command(name="train")(train)
    app.command(name="eval")(evaluate)
