"""FAQ matching by shared words: a language-agnostic baseline behind the ``FaqMatcher`` port."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from moderation.config.schema import FaqConfig
from moderation.normalize import skeleton_words
from moderation.ports import FaqMatch

MAX_QUESTION_CHARS = 2_000


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in skeleton_words(text[:MAX_QUESTION_CHARS]) if len(w) > 1 or not w.isascii())


def overlap_score(a: frozenset[str], b: frozenset[str]) -> float:
    """Ochiai coefficient ``|a & b| / sqrt(|a| * |b|)`` in [0, 1] (1 = same words).

    Kinder than Jaccard to a question wrapped in greetings ("hi all, how do I ...?").
    """
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


class KeywordFaqMatcher:
    """Scores each entry by its best question variant's word overlap with the message."""

    def __init__(self, min_score: float = 0.0) -> None:
        self._min_score = min_score

    async def match(
        self, text: str, lang: str | None, entries: Mapping[str, Sequence[str]]
    ) -> FaqMatch | None:
        """Return the best entry, or ``None`` if no variant shares a word (or beats ``min_score``).

        Args:
            text: The member's message.
            lang: Unused: normalised words work across languages.
            entries: Entry name -> question variants.
        """
        return self.best(text, entries)

    def best(self, text: str, entries: Mapping[str, Sequence[str]]) -> FaqMatch | None:
        """Synchronous core of ``match``; ties go to the entry listed first."""
        words = _words(text)
        best: FaqMatch | None = None
        for name, variants in entries.items():
            score = max((overlap_score(words, _words(v)) for v in variants), default=0.0)
            if score > 0 and score > self._min_score and (best is None or score > best.score):
                best = FaqMatch(name, round(score, 4))
        return best


def faq_questions(cfg: FaqConfig) -> dict[str, list[str]]:
    """Entry name -> every question variant across languages."""
    return {
        name: [q for variants in entry.questions.values() for q in variants]
        for name, entry in cfg.entries.items()
    }
