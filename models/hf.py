"""Bring your own model: a local Hugging Face directory loaded offline with transformers + torch.

torch and transformers are imported lazily, only when this backend is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.encoder import Matrix, default_threads
from models.errors import ModelError
from models.heads import Heads
from models.torch_thread import on_torch_thread

#: File name of heads trained for a user's encoder, kept inside the model directory.
HF_HEADS_FILE = "steward_heads.npz"
MAX_TOKENS = 256


def _import_torch(threads: int | None) -> tuple[Any, Any]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    import transformers

    torch.set_num_threads(threads or default_threads())
    tf: Any = transformers
    tf.logging.set_verbosity_error()
    tf.logging.disable_progress_bar()
    return torch, tf


def _model_dir(path: str | None) -> Path:
    if not path:
        raise ModelError("model.backend 'hf' needs model.path: a local Hugging Face model directory")
    directory = Path(path).expanduser()
    if not (directory / "config.json").is_file():
        raise ModelError(f"model.path {directory} is not a Hugging Face model directory (no config.json)")
    return directory


class HFEncoder:
    """A Hugging Face encoder (``AutoModel``) with mean pooling and L2 normalisation."""

    def __init__(self, path: str | Path, *, threads: int | None = None, batch: int = 32) -> None:
        self.path = _model_dir(str(path))
        self._torch, tf = on_torch_thread(_import_torch, threads)
        try:
            self._tok = tf.AutoTokenizer.from_pretrained(str(self.path))
            self._model = on_torch_thread(lambda: tf.AutoModel.from_pretrained(str(self.path)).eval())
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the encoder in {self.path}: {exc}") from exc
        self.dim = int(self._model.config.hidden_size)
        self.name = f"hf:{self.path.name}"
        self.batch = batch

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Mean-pooled, L2-normalised embeddings (computed on the torch thread)."""
        return on_torch_thread(self._encode, texts)

    def _encode(self, texts: Sequence[str]) -> Matrix:
        torch = self._torch
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch):
                enc = self._tok(
                    list(texts[start : start + self.batch]),
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                hidden = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out.append(pooled.float().numpy())
        if not out:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)


def load_encoder_heads(directory: Path, encoder: HFEncoder) -> Heads:
    """Heads trained for a user's encoder (``steward train --hf-path DIR``), checked for dimension."""
    path = directory / HF_HEADS_FILE
    if not path.is_file():
        raise ModelError(
            f"no heads for the encoder in {directory} ({encoder.dim}-dimensional): "
            f"run `steward train --hf-path {directory}` to train them (writes {HF_HEADS_FILE})"
        )
    heads = Heads.load(path)
    if heads.dim != encoder.dim:
        raise ModelError(f"{path} was trained for {heads.dim} dimensions, the encoder has {encoder.dim}")
    return heads


class HFSequenceClassifier:
    """A ``AutoModelForSequenceClassification`` whose labels map onto Steward's labels.

    Sigmoid per label when ``config.problem_type`` is ``multi_label_classification`` (or the model
    has a single output), softmax otherwise. Several model labels mapped to one Steward label
    combine by maximum.
    """

    def __init__(
        self, path: str | None, label_map: Mapping[str, str], *, threads: int | None = None, batch: int = 16
    ) -> None:
        self.path = _model_dir(path)
        directory = str(self.path)
        self._torch, tf = on_torch_thread(_import_torch, threads)
        try:
            self._tok = tf.AutoTokenizer.from_pretrained(directory)
            self._model = on_torch_thread(
                lambda: tf.AutoModelForSequenceClassification.from_pretrained(directory).eval()
            )
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the classifier in {self.path}: {exc}") from exc
        config = self._model.config
        id2label = {int(k): str(v) for k, v in config.id2label.items()}
        mapping = dict(label_map) or {name: name.lower() for name in id2label.values()}
        unknown = sorted(set(mapping) - set(id2label.values()))
        if unknown:
            raise ModelError(
                f"model.label_map names labels the model does not have: {', '.join(unknown)} "
                f"(the model's labels: {', '.join(id2label[i] for i in sorted(id2label))})"
            )
        self._columns = [(i, mapping[name]) for i, name in sorted(id2label.items()) if name in mapping]
        self.labels = tuple(dict.fromkeys(label for _, label in self._columns))
        self.multi_label = config.problem_type == "multi_label_classification" or config.num_labels == 1
        self.batch = batch

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[dict[str, float]]:
        """Probabilities per mapped label (computed on the torch thread)."""
        return on_torch_thread(self._score, texts)

    def _score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        torch = self._torch
        rows: list[dict[str, float]] = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch):
                enc = self._tok(
                    list(texts[start : start + self.batch]),
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                logits = self._model(**enc).logits.float()
                probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
                for vec in probs.numpy():
                    row: dict[str, float] = {}
                    for col, label in self._columns:
                        row[label] = round(max(row.get(label, 0.0), float(vec[col])), 4)
                    rows.append(row)
        return rows
