"""The small built-in keyword classifier: multilingual word and pattern scores for toxic, spam, question."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import islice

from models.keyword_lists import QUESTION_WORDS, SEVERE, SPAM, TOXIC
from moderation.ports import Classification
from moderation.scripts import cyrillic_unleet, own_script

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
_REPEAT = re.compile(r"([^*])\1+")
_MASKED = re.compile(r"(?<![\w*])[^\W\d_]*(?:\*+[^\W\d_]*)+(?![\w*])")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


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
    """Matching skeleton: NFKC, casefold, no accents, leetspeak and mixed scripts undone, runs collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    text = text.translate(_ARABIC_FOLD).replace("\u0640", "")
    words = [_REPEAT.sub(r"\1", own_script(cyrillic_unleet(w).translate(_LEET))) for w in text.split()]
    return " ".join(words)


_PROCLITICS = "(?:[وف]?(?:{})?)".format(
    "|".join(fold(p) for p in ("بال", "كال", "ال", "لل", "يا", "ب", "ل", "ك"))
)
"""Particles Arabic attaches in front of a word (conjunction, then preposition or article)."""


def _compile(words: Sequence[str], *, proclitics: bool = False) -> re.Pattern[str] | None:
    """One pattern for a word list: ``w*`` matches a word prefix, ``*w*`` a root anywhere in a word.

    With ``proclitics``, an Arabic-script entry of three letters or more also matches behind the
    particles Arabic writes attached (``و``, ``ف``, ``ب``, ``ل``, ``ك``, ``ال``, ``يا``: "والكلاب"
    finds "كلاب").
    """
    parts = []
    for word in words:
        infix = word.startswith("*")
        prefix = word.endswith("*")
        skeleton = fold(word.strip("*"))
        if not skeleton:
            continue
        body = r"\s+".join(re.escape(w) for w in skeleton.split())
        if infix:
            lead = r"\w*"
        elif proclitics and len(skeleton) >= 3 and _ARABIC_SCRIPT.match(skeleton):
            lead = _PROCLITICS
        else:
            lead = ""
        parts.append(lead + body + (r"\w*" if prefix else r"(?!\w)"))
    # Checked once, before the alternatives: a match starts at the start of a word.
    return re.compile(r"(?<!\w)(?=\w)(?:" + "|".join(parts) + ")") if parts else None


def _merged(lists: dict[str, tuple[str, ...]], *, proclitics: bool = False) -> re.Pattern[str]:
    """One pattern over every language's words (each word once, longest first)."""
    words = sorted({w for group in lists.values() for w in group}, key=len, reverse=True)
    pattern = _compile(words, proclitics=proclitics)
    assert pattern is not None
    return pattern


class _MaskedWords:
    """Finds listed words written with letters masked by ``*`` ("х*й", "с*ка", "п**дец").

    Each ``*`` stands for one letter. A masked word counts when it fits a listed word (exactly, as a
    prefix or as a root, as listed) with at least two of its letters shown and no more stars than
    shown letters where they overlap.
    """

    def __init__(self, words: Sequence[str]) -> None:
        entries = []
        for word in words:
            skeleton = fold(word.strip("*"))
            if skeleton and " " not in skeleton:
                entries.append((skeleton, word.endswith("*"), word.startswith("*")))
        self._entries = entries

    def count(self, folded: str) -> int:
        """How many masked words in a folded text fit a listed word."""
        hits = 0
        for match in _MASKED.finditer(folded):
            masked = match.group()
            if sum(c != "*" for c in masked) >= 2 and any(self._fits(masked, e) for e in self._entries):
                hits += 1
        return hits

    @staticmethod
    def _fits(masked: str, entry: tuple[str, bool, bool]) -> bool:
        word, prefix, infix = entry
        if len(masked) < len(word) or (len(masked) != len(word) and not (prefix or infix)):
            return False
        offsets = range(len(masked) - len(word) + 1) if infix else range(1)
        for start in offsets:
            span = masked[start : start + len(word)]
            stars = span.count("*")
            fits = all(m in ("*", c) for m, c in zip(span, word, strict=True))
            if fits and stars and len(word) - stars >= max(2, stars):
                return True
        return False


class KeywordClassifier:
    """A fast, dependency-free classifier for en/ar/ru/fa; implements ``moderation.ports.Classifier``.

    Scores are rough probabilities: one insult gives ``toxic`` 0.75, two give 0.94; spam words and
    links add up; a question mark or an opening question word makes a question.
    """

    def __init__(self, languages: Sequence[str] = ("en", "ar", "ru", "fa")) -> None:
        self._languages = tuple(languages) or ("en",)
        self._toxic = _merged(TOXIC, proclitics=True)
        self._masked = _MaskedWords([w for group in TOXIC.values() for w in group])
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
        if "*" in folded:
            toxic_hits += self._masked.count(folded)
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
    return sum(1 for _ in islice(pattern.finditer(text), 4))
