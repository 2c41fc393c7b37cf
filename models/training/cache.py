"""On-disk cache of training-text embeddings so re-training and evaluation are fast."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from models.encoder import Encoder, Matrix

#: Default cache directory (gitignored).
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "embeddings"


def text_key(text: str) -> bytes:
    """Cache key of a (cleaned) text."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).digest()


class EmbeddingCache:
    """Embeddings keyed by text hash, stored as append-only shards per encoder.

    A run interrupted midway keeps every shard it finished, so the next run resumes. Embeddings of
    an encoder served in int8 or bfloat16 are kept apart from its exact (fp32) ones.
    """

    def __init__(self, encoder: Encoder, directory: Path = DEFAULT_CACHE_DIR, shard_size: int = 1024) -> None:
        self.encoder = encoder
        precision = getattr(encoder, "precision", "fp32")
        suffix = "" if precision == "fp32" else f"-{precision}"
        tag = getattr(encoder, "cache_tag", "")  # what changes embeddings without changing the name
        self.dir = directory / f"{encoder.name}-{encoder.dim}{suffix}{'-' + tag if tag else ''}"
        self.shard_size = shard_size
        self._index: dict[bytes, tuple[int, int]] = {}
        self._shards: list[Matrix] = []
        self._load()

    def _load(self) -> None:
        if not self.dir.is_dir():
            return
        for path in sorted(self.dir.glob("shard-*.npz")):
            with np.load(path) as data:
                keys, vecs = data["keys"], data["vecs"].astype(np.float32)
            shard = len(self._shards)
            self._shards.append(vecs)
            for row, key in enumerate(keys):
                self._index[bytes(key)] = (shard, row)

    def __len__(self) -> int:
        return len(self._index)

    def has(self, text: str) -> bool:
        """Whether ``text`` is cached."""
        return text_key(text) in self._index

    def _save(self, keys: list[bytes], vecs: Matrix) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        n = len(list(self.dir.glob("shard-*.npz")))
        path = self.dir / f"shard-{n:05d}.npz"
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys, dtype="S20"), vecs=vecs.astype(np.float16))
        tmp.replace(path)
        shard = len(self._shards)
        self._shards.append(vecs.astype(np.float16).astype(np.float32))
        for row, key in enumerate(keys):
            self._index[key] = (shard, row)

    def embed(
        self,
        texts: Sequence[str],
        *,
        batch: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> Matrix:
        """Return embeddings for ``texts`` (cleaned already), computing and storing missing ones.

        Args:
            texts: Texts to embed.
            batch: Encoder batch size.
            progress: Called with the number of newly embedded texts after each batch.
        """
        keys = [text_key(t) for t in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._index and key not in missing:
                missing[key] = text
        pend_keys: list[bytes] = []
        pend_vecs: list[Matrix] = []
        items = list(missing.items())
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            vecs = self.encoder.encode([t for _, t in chunk])
            pend_keys.extend(k for k, _ in chunk)
            pend_vecs.append(vecs)
            if progress is not None:
                progress(len(chunk))
            if len(pend_keys) >= self.shard_size:
                self._save(pend_keys, np.concatenate(pend_vecs))
                pend_keys, pend_vecs = [], []
        if pend_keys:
            self._save(pend_keys, np.concatenate(pend_vecs))
        out = np.empty((len(texts), self.encoder.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            shard, row = self._index[key]
            out[i] = self._shards[shard][row]
        return out
