"""``steward tune-encoder``: fine-tune the bundled e5's top layers and write the shipped delta."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

REBUILD = "steward tune-encoder --datasets /work/shared/datasets --out models/data/e5-delta.npz"


def tune_encoder(
    datasets: Annotated[Path, typer.Option(help="Directory of *.jsonl training files.")] = Path(
        "/work/shared/datasets"
    ),
    examples: Annotated[
        Path | None, typer.Option(help="Hand-written examples (default: the committed set).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Delta file (default: models/data/e5-delta.npz).")] = None,
    layers: Annotated[int, typer.Option(min=1, max=12, help="Top layers to fine-tune.")] = 4,
    rows: Annotated[int, typer.Option(min=64, help="Balanced training rows drawn per epoch.")] = 16000,
    epochs: Annotated[int, typer.Option(min=1, help="Passes, each over a fresh draw.")] = 2,
    seed: Annotated[int, typer.Option(help="Sampling and initialisation seed.")] = 0,
) -> None:
    """Fine-tune e5's top layers for toxic/spam/question; write them as a small delta (int8 differences).

    Afterwards run `steward train` to fit the heads on the tuned embeddings. Takes about 20 minutes on
    2 cores. The plain encoder is tuned, so the delta in use is ignored while this runs.
    """
    import dataclasses
    import os

    from tqdm import tqdm

    from models.e5_delta import DEFAULT_DELTA, image_sha256, save_delta
    from models.e5_torch import TorchE5Encoder, bundled_image
    from models.training.data import EXAMPLES_PATH, file_hashes, load_all
    from models.training.tune import TuneSettings, tune_top_layers

    if not datasets.is_dir():
        typer.secho(f"no datasets directory at {datasets}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2)
    settings = dataclasses.replace(TuneSettings(), layers=layers, rows=rows, epochs=epochs, seed=seed)
    examples = examples or EXAMPLES_PATH
    training_rows = load_all(datasets, examples)
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=stage, unit="text" if stage.startswith("frozen") else "step")
        bars[stage].update(done - bars[stage].n)

    encoder = TorchE5Encoder()
    tuned, base, meta = tune_top_layers(encoder, training_rows, settings, progress=progress)
    for bar in bars.values():
        bar.close()
    meta["data"] = file_hashes(datasets, examples)
    meta["rebuild"] = REBUILD
    target = out or DEFAULT_DELTA
    sha = save_delta(target, tuned, base, layers=layers, base_sha256=image_sha256(bundled_image()), meta=meta)
    size = os.path.getsize(target) / 1e6
    typer.echo(f"wrote {target} ({size:.1f} MB, sha256 {sha[:12]}, {meta['seconds']} s)")
    typer.echo("next: `steward train --loso` fits the heads on the tuned embeddings")


def register(app: typer.Typer) -> None:
    """Add ``tune-encoder`` to the ``steward`` app."""
    app.command(name="tune-encoder")(tune_encoder)
