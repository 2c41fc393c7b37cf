"""The production classifier: cleanup, language id, LRU cache and micro-batched inference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from models.batcher import MicroBatcher
from models.encoder import Encoder, Matrix
from models.errors import ModelError
from models.features import KEYWORD_FEATURES, KeywordFeatures
from models.heads import Heads
from models.langid import LanguageIdentifier
from models.lru import LRUCache
from models.text import clean_text
from moderation.ports import Classification


class Scorer(Protocol):
    """Blocking batch scorer behind the classifier (runs in the inference thread)."""

    labels: tuple[str, ...]

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[dict[str, float]]:
        """Probabilities per label for each (cleaned, non-empty) text."""
        ...


class HeadsScorer:
    """One encoder pass, then every trained head (toxic, spam, question, ...)."""

    def __init__(self, encoder: Encoder, heads: Heads) -> None:
        if heads.dim != encoder.dim:
            raise ModelError(
                f"heads were trained for {heads.dim}-dimensional embeddings ({heads.encoder}), "
                f"but the encoder {encoder.name} produces {encoder.dim}: run `steward train` for this encoder"
            )
        self.encoder = encoder
        self.heads = heads
        self.labels = heads.labels
        self._features: KeywordFeatures | None = None
        if heads.features:
            if heads.features != KEYWORD_FEATURES:
                raise ModelError(f"unknown head features {heads.features}; expected {KEYWORD_FEATURES}")
            self._features = KeywordFeatures()

    def with_features(self, emb: Matrix, texts: Sequence[str]) -> Matrix:
        """``emb`` with the heads' extra feature columns (keyword scores of ``texts``) appended, if any."""
        if self._features is None:
            return emb
        return np.hstack([emb, self._features(texts)])

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[dict[str, float]]:
        """Embed (plus keyword features if the heads use them) and apply the heads."""
        return self.heads.predict(self.with_features(self.encoder.encode(texts), texts), langs)


class BatchedClassifier:
    """Implements ``moderation.ports.Classifier`` on top of a blocking :class:`Scorer`.

    Texts are lightly cleaned (invisible/bidi characters removed) and looked up in an LRU cache;
    misses go through an async micro-batcher to a single inference thread, where the language is
    detected and the scorer runs.

    Args:
        scorer: The model.
        langid: Language identifier restricted to the configured languages.
        cache_size: LRU capacity (texts).
        max_batch: Micro-batch size limit.
        max_wait: How long a lone message waits for company before its batch starts (seconds; 0:
            none, the batch is whatever queued while the previous one ran).
    """

    def __init__(
        self,
        scorer: Scorer,
        langid: LanguageIdentifier,
        *,
        cache_size: int = 4096,
        max_batch: int = 32,
        max_wait: float = 0.0,
    ) -> None:
        self.scorer = scorer
        self.langid = langid
        self.cache: LRUCache[str, Classification] = LRUCache(cache_size)
        self.batcher: MicroBatcher[str, Classification] = MicroBatcher(
            self.classify_sync, max_batch=max_batch, max_wait=max_wait
        )

    @property
    def labels(self) -> frozenset[str]:
        """Labels this classifier produces."""
        return frozenset(self.scorer.labels)

    def classify_sync(self, texts: Sequence[str]) -> list[Classification]:
        """Classify cleaned texts in the calling thread (no cache)."""
        out: list[Classification | None] = [None] * len(texts)
        todo = [i for i, t in enumerate(texts) if t]
        for i, t in enumerate(texts):
            if not t:
                out[i] = Classification(dict.fromkeys(self.scorer.labels, 0.0), None)
        if todo:
            langs = [self.langid.detect(texts[i]) for i in todo]
            scores = self.scorer.score([texts[i] for i in todo], langs)
            for i, lang, labels in zip(todo, langs, scores, strict=True):
                out[i] = Classification(labels, lang)
        return [c if c is not None else Classification() for c in out]

    async def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify texts, returning one result per input, in order."""
        cleaned = [clean_text(t) for t in texts]
        results: list[Classification | None] = [self.cache.get(t) for t in cleaned]
        missing = list(dict.fromkeys(t for t, r in zip(cleaned, results, strict=True) if r is None))
        if missing:
            fresh = dict(zip(missing, await self.batcher.submit(missing), strict=True))
            for text, result in fresh.items():
                self.cache.put(text, result)
            results = [r if r is not None else fresh[t] for t, r in zip(cleaned, results, strict=True)]
        return [r if r is not None else Classification() for r in results]

    async def aclose(self) -> None:
        """Stop the inference thread."""
        await self.batcher.aclose()
