"""Keyword features appended to the embedding: the built-in keyword classifier's scores.

The keyword classifier matches word lists on an evasion-resistant skeleton (folding, leetspeak,
repeated letters), which complements the encoder: the encoder sees the lightly cleaned original
text, the keyword features see the skeleton.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.encoder import Matrix

#: Feature names, in column order.
KEYWORD_FEATURES = ("kw_toxic", "kw_spam", "kw_question")
_HERE = Path(__file__).resolve().parent
_SOURCES = [_HERE / "keyword_lists.py", _HERE / "keyword.py", _HERE.parent / "moderation" / "scripts.py"]


def keyword_features_hash() -> str:
    """SHA-256 of the word lists and the matching code (``moderation/scripts.py`` too); kept with heads."""
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


class KeywordFeatures:
    """Computes :data:`KEYWORD_FEATURES` for texts."""

    names = KEYWORD_FEATURES

    def __init__(self) -> None:
        from models.keyword import KeywordClassifier

        self._kw = KeywordClassifier(["en", "ar", "ru", "fa"])

    def __call__(self, texts: Sequence[str]) -> Matrix:
        """Array (len(texts), 3) of keyword scores in [0, 1]."""
        out = np.zeros((len(texts), len(KEYWORD_FEATURES)), dtype=np.float32)
        for i, text in enumerate(texts):
            labels = self._kw.classify_one(text).labels
            out[i] = [labels["toxic"], labels["spam"], labels["question"]]
        return out
