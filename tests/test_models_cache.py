"""The embedding cache keeps each encoder's vectors apart, exact and int8 ones included."""

from pathlib import Path

import numpy as np

from models.training.cache import EmbeddingCache


class CountingEncoder:
    """A tiny deterministic encoder that counts the texts it was asked to embed."""

    name = "counting"
    dim = 4

    def __init__(self, precision: str, offset: float) -> None:
        self.precision = precision
        self.offset = offset
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return np.array([[len(t), self.offset, 0.0, 1.0] for t in texts], dtype=np.float32)


def test_embeddings_are_stored_per_precision_and_reused(tmp_path: Path) -> None:
    exact, int8 = CountingEncoder("fp32", 0.0), CountingEncoder("int8", 0.5)
    first = EmbeddingCache(exact, tmp_path).embed(["hello", "hi"])
    assert exact.calls == 2
    again = EmbeddingCache(exact, tmp_path).embed(["hi", "hello"])  # a new process: read from disk
    assert exact.calls == 2
    assert np.array_equal(again, first[::-1])
    served = EmbeddingCache(int8, tmp_path).embed(["hello"])
    assert int8.calls == 1  # not the fp32 vector of the same text
    assert served[0, 1] == 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counting-4", "counting-4-int8"]
