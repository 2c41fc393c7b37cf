"""The small built-in keyword classifier: multilingual word and pattern scores for toxic, spam, question."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from models.keyword_lists import QUESTION_WORDS, SEVERE, SPAM, TOXIC
from moderation.ports import Classification

LABELS = frozenset({"toxic", "spam", "question"})
MAX_CHARS = 20_000
"""Only the start of a huge message is scored (a 100 kB paste costs no more than 20 kB)."""

_PERSIAN_LETTERS = set("پچژگکی")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_ARABIC_FOLD = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "\u200c": " "}
)
_WORD = re.compile(r"\w+")
_LINK = re.compile(r"(https?://|www\.|t\.me/|discord\.gg/|\b[\w-]+\.(?:com|net|org|io|xyz|ru|me|gg)\b)", re.I)
_REPEAT = re.compile(r"(.)\1+")


def detect_language(text: str, languages: Sequence[str]) -> str | None:
    """Guess the language from the script (Persian-only letters tell fa from ar), among ``languages``."""
    arabic = persian = cyrillic = latin = 0
    for ch in text[:2000]:
        code = ord(ch)
        if 0x0600 <= code <= 0x06FF or 0xFB50 <= code <= 0xFEFF:
            arabic += 1
            persian += ch in _PERSIAN_LETTERS
        elif 0x0400 <= code <= 0x04FF:
            cyrillic += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    best = max(arabic, cyrillic, latin)
    if best == 0:
        guess = None
    elif best == arabic:
        guess = "fa" if persian else "ar"
    elif best == cyrillic:
        guess = "ru"
    else:
        guess = "en"
    if guess is not None and guess not in languages:
        return "ar" if guess == "fa" and "ar" in languages else None
    return guess


def fold(text: str) -> str:
    """Skeleton used for matching: NFKC, casefold, no accents, leetspeak undone, runs collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    text = text.translate(_ARABIC_FOLD).replace("\u0640", "")
    words = [_REPEAT.sub(r"\1", w.translate(_LEET)) for w in text.split()]
    return " ".join(words)


def _compile(words: Sequence[str]) -> re.Pattern[str] | None:
    parts = []
    for word in words:
        prefix = word.endswith("*")
        skeleton = fold(word.rstrip("*"))
        if not skeleton:
            continue
        body = r"\s+".join(re.escape(w) for w in skeleton.split())
        parts.append(rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)"))
    return re.compile("|".join(parts)) if parts else None


def _merged(lists: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One pattern over every language's words (each word once, longest first)."""
    words = sorted({w for group in lists.values() for w in group}, key=len, reverse=True)
    pattern = _compile(words)
    assert pattern is not None
    return pattern


class KeywordClassifier:
    """A fast, dependency-free classifier for en/ar/ru/fa; implements ``moderation.ports.Classifier``.

    Scores are rough probabilities: one insult gives ``toxic`` 0.75, two give 0.94; spam words and
    links add up; a question mark or an opening question word makes a question.
    """

    def __init__(self, languages: Sequence[str] = ("en", "ar", "ru", "fa")) -> None:
        self._languages = tuple(languages) or ("en",)
        self._toxic = _merged(TOXIC)
        self._severe = _merged(SEVERE)
        self._spam = _merged(SPAM)
        self._question = {lang: {fold(w) for w in words} for lang, words in QUESTION_WORDS.items()}

    @property
    def labels(self) -> frozenset[str]:
        """Labels this classifier produces."""
        return LABELS

    async def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify texts, returning one result per input, in order."""
        return [self.classify_one(t) for t in texts]

    def classify_one(self, text: str) -> Classification:
        """Score one text."""
        text = text[:MAX_CHARS]
        lang = detect_language(text, self._languages)
        folded = fold(text)
        # Words of every language count: mixed-language insults are common.
        toxic_hits = _count(self._toxic, folded) + 2 * _count(self._severe, folded)
        spam_hits = _count(self._spam, folded)
        links = len(_LINK.findall(text))
        toxic = 1 - 0.25**toxic_hits
        spam = 1 - (0.6**spam_hits) * (0.75 ** min(links, 4))
        if links and spam_hits:
            spam = max(spam, 0.85)
        return Classification(
            labels={
                "toxic": round(toxic, 4),
                "spam": round(spam, 4),
                "question": self._question_score(text, folded),
            },
            lang=lang,
        )

    def _question_score(self, text: str, folded: str) -> float:
        stripped = text.strip()
        mark = stripped.endswith(("?", "؟", "？")) or "?" in stripped[-3:]
        words = _WORD.findall(folded)
        opener = bool(words) and any(words[0] in w for w in self._question.values())
        marker = "ли" in words
        score = 0.05
        if mark:
            score = 0.75
        if opener or marker:
            score = 0.9 if mark else 0.55
        return score


def _count(pattern: re.Pattern[str], text: str) -> int:
    return min(len(pattern.findall(text)), 4)
