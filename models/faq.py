"""FAQ matching by meaning: encoder similarity between a message and every question variant.

Raw e5 cosines are compressed: unrelated questions still score ~0.8, and two account how-tos
("change my nickname", "reset my password") score higher than a question and its translation.
So embeddings are first moved into a *content space*: the mean and the top principal directions of
a bank of everyday community questions in four languages (``models.faq_bank``) are removed, since
those directions carry what every question shares (its language, "how do I ... my ..."), then
re-normalised. There the score is relative: ``best - mean(top-5 similarity to generic background
questions)`` plus half the margin over the next entry (or the background), mapped through a
logistic curve fitted on ``bench/data/faq_dev.jsonl`` so that the score estimates the chance that
the answer is the right one. Works across languages: a Russian question matches an English
variant. ``bench/faq.py`` measures it on held-out messages.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from models.encoder import Encoder, Matrix
from models.faq_bank import bank_texts
from models.lru import LRUCache
from models.text import clean_text
from moderation.ports import FaqMatch

#: Generic questions that no FAQ answers; a message's similarity to them is its baseline.
BACKGROUND = (
    "What time is it?",
    "How are you?",
    "What is your name?",
    "Where are you from?",
    "Do you like music?",
    "What are you doing today?",
    "Can you help me?",
    "Is anyone here?",
    "What do you think about this?",
    "Why is the sky blue?",
    "How does this work?",
    "What should I do?",
    "Any news?",
    "Does anyone know?",
    "Как дела?",
    "Что нового?",
    "Кто-нибудь тут есть?",
    "Который час?",
    "كيف حالك؟",
    "ماذا تفعل؟",
    "هل أحد هنا؟",
    "حالت چطوره؟",
    "چیکار می‌کنی؟",
    "کسی اینجا هست؟",
)
#: Principal directions of the question bank removed before comparing (chosen on the dev set).
COMMON_DIRECTIONS = 8
#: Logistic mapping of the relative similarity to a score (0.5 at ``CENTER``; fitted on the dev set).
CENTER = 0.22
SLOPE = 9.75


def relative_score(best: float, second: float, background: float) -> float:
    """Map (best entry cosine, next entry cosine, background baseline) to a [0, 1] score."""
    margin = best - max(second, background)
    x = (best - background) + 0.5 * margin
    return 1.0 / (1.0 + math.exp(-SLOPE * (x - CENTER)))


class ContentSpace:
    """Removes what all questions share: the mean and the top principal directions of a corpus.

    Args:
        corpus: Embeddings of many different questions (rows).
        directions: How many principal directions to remove.
    """

    def __init__(self, corpus: Matrix, directions: int = COMMON_DIRECTIONS) -> None:
        self.mean = corpus.mean(axis=0)
        _, _, vt = np.linalg.svd(corpus - self.mean, full_matrices=False)
        self.components: Matrix = vt[:directions]

    def __call__(self, vectors: Matrix) -> Matrix:
        """Project rows into the content space and L2-normalise them."""
        centred = vectors - self.mean
        content = centred - (centred @ self.components.T) @ self.components
        norms = np.linalg.norm(content, axis=-1, keepdims=True)
        normalised: Matrix = (content / np.maximum(norms, 1e-6)).astype(np.float32)
        return normalised


class EmbeddingFaqMatcher:
    """Implements ``moderation.ports.FaqMatcher`` with sentence embeddings (variant embeddings cached).

    Args:
        encoder: Sentence encoder (the classifier's, so no second model is loaded).
        cache_size: How many variant embeddings to keep.
        space_corpus: Questions whose shared directions are removed (default: the near-miss bank
            and the background questions).
    """

    def __init__(
        self, encoder: Encoder, *, cache_size: int = 4096, space_corpus: Sequence[str] | None = None
    ) -> None:
        self.encoder = encoder
        self.space_corpus = list(space_corpus) if space_corpus else [*bank_texts(), *BACKGROUND]
        self._cache: LRUCache[str, Matrix] = LRUCache(cache_size)
        self._background: Matrix | None = None
        self._space: ContentSpace | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steward-faq")

    def _embed(self, texts: Sequence[str]) -> Matrix:
        missing = [t for t in dict.fromkeys(texts) if self._cache.get(t) is None]
        if missing:
            for text, vec in zip(missing, self.encoder.encode(missing), strict=True):
                self._cache.put(text, vec)
        rows = []
        for t in texts:
            vec = self._cache.get(t)
            rows.append(vec if vec is not None else self.encoder.encode([t])[0])
        return np.stack(rows) if rows else np.zeros((0, self.encoder.dim), dtype=np.float32)

    def match_sync(self, text: str, entries: Mapping[str, Sequence[str]]) -> FaqMatch | None:
        """Blocking version of :meth:`match` (used by tests and the CLI)."""
        query = clean_text(text)
        names: list[str] = []
        variants: list[str] = []
        for name, questions in entries.items():
            for q in questions:
                cq = clean_text(q)
                if cq:
                    names.append(name)
                    variants.append(cq)
        if not query or not variants:
            return None
        if self._space is None or self._background is None:
            self._space = ContentSpace(self.encoder.encode(self.space_corpus))
            self._background = self._space(self.encoder.encode(list(BACKGROUND)))
        space = self._space
        qv = space(self.encoder.encode([query]))[0]
        sims = space(self._embed(variants)) @ qv
        best_per: dict[str, float] = {}
        for name, sim in zip(names, sims.tolist(), strict=True):
            best_per[name] = max(best_per.get(name, -1.0), sim)
        ranked = sorted(best_per.items(), key=lambda kv: kv[1], reverse=True)
        top, best = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else -1.0
        background = float(np.sort(self._background @ qv)[-5:].mean())
        return FaqMatch(entry=top, score=round(relative_score(best, second, background), 4))

    async def match(
        self, text: str, lang: str | None, entries: Mapping[str, Sequence[str]]
    ) -> FaqMatch | None:
        """Return the best entry for ``text`` with a [0, 1] score (the caller applies the threshold).

        Args:
            text: The member's message.
            lang: Its detected language (unused: matching is cross-lingual).
            entries: Entry name -> all question variants (every language).
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.match_sync, text, entries)
