"""Evasion-resistant text skeletons for matching words, duplicates and FAQ questions.

``normalize`` turns a message into lowercase words separated by single spaces. The steps, in order:

1. Characters: NFKC, then per character (a cached table): drop zero-width, bidi and other format
   characters (category Cf), lone surrogates, Arabic tatweel and every combining mark (accents and
   Arabic harakat) except the breve of Russian "й"; turn control characters into spaces; casefold;
   map Arabic-Indic and Persian digits to ASCII and unify Arabic/Persian yeh and kaf.
2. Spaced letters inside one token ("f.u.c.k", "f-u-c-k") are joined.
3. Leetspeak (``0 1 3 4 5 7 @ $``, and ``!`` between two letters as in "sh!t") is undone only in
   tokens that mix letters with those characters; a leading ``@`` is a mention, and tokens like
   ``1st``, ``5th``, ``4k`` or ``10pm`` (digits then at most three letters) are left alone, so
   ordinals and units survive. In Russian words, ``0 3 4 6 @`` stand for "о з ч б а" ("п0рно").
4. Every other symbol becomes a word break.
5. Homoglyphs: a word that mixes Latin with Cyrillic or Greek letters is written wholly in the script
   it was meant in (``moderation.scripts.own_script``): "рaypal" -> "paypal", "сyка" -> "сука",
   "xyй" -> "хуй". A word written wholly in Cyrillic is a genuine Russian word and is kept as is
   ("сор" stays Cyrillic), so Russian text is never destroyed; the price is that an all-Cyrillic
   disguise of an English word is not caught here (``latinize_lookalikes`` gives the words trigger
   that second look).
6. Runs of three or more of the same letter collapse to one ("fuuuuck" -> "fuck"): three repeats are
   almost always a stretch, while doubles are real spelling ("cool", "book") and are kept. Pass
   ``collapse=False`` to keep runs (the words trigger does this and matches runs with ``+`` instead).
7. Runs of three or more single-letter words are joined ("f u c k" -> "fuck"); two are kept
   ("a b") so ordinary sentences with "a" or "I" are not glued together.

``normalize`` is idempotent: ``normalize(normalize(t)) == normalize(t)`` (property-tested).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from moderation.scripts import LOOKALIKES, TO_LATIN, cyrillic_unleet, own_script

_TATWEEL = "\u0640"
_BREVE = "\u0306"
_EXTRA = {
    "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
    "\u0649": "\u06cc",  # alef maksura -> Persian yeh
    "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
}
for _i in range(10):
    _EXTRA[chr(0x0660 + _i)] = str(_i)
    _EXTRA[chr(0x06F0 + _i)] = str(_i)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_CHARS = frozenset("0134 57@$".replace(" ", ""))
_UNIT_TOKEN = re.compile(r"^\d+[^\W\d_]{0,3}$")
_SPACED = re.compile(r"^[^\w.]*(?:[^\W\d_][.\-_*·•,/|~+]){2,}[^\W\d_][^\w]*$")
_SEPARATORS = re.compile(r"[.\-_*·•,/|~+]")
_INNER_BANG = re.compile(r"(?<=[^\W\d_])!(?=[^\W\d_])")
_NON_WORD = re.compile(r"[^\w@$]+|_+")
_SYMBOLS = re.compile(r"[^\w]+|_+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_SPACE = re.compile(r"\s+")

_LOOKALIKE_LETTERS = LOOKALIKES | frozenset("abcdefghijklmnopqrstuvwxyz")


class _CharTable(dict[int, str | None]):
    """A ``str.translate`` table filled lazily: one computation per distinct code point."""

    def __missing__(self, cp: int) -> str | None:
        value = _map_char(chr(cp))
        self[cp] = value
        return value


def _map_char(ch: str) -> str | None:
    if ch in _EXTRA:
        return _EXTRA[ch]
    category = unicodedata.category(ch)
    if ch.isspace() or category in ("Cc", "Zl", "Zp", "Zs"):
        return " "
    if ch == _TATWEEL or category in ("Cf", "Cs", "Co", "Cn"):
        return None
    if category in ("Mn", "Me"):
        return _BREVE if ch == _BREVE else None
    folded = ch.casefold()
    if folded == ch:
        return ch
    return "".join(_map_char(c) or "" for c in unicodedata.normalize("NFKD", folded))


_TABLE = _CharTable()


def _clean_chars(text: str) -> str:
    """Step 1: compatibility forms, marks, invisible characters, case and digits."""
    text = unicodedata.normalize("NFKC", text.encode("utf-8", "replace").decode("utf-8"))
    text = unicodedata.normalize("NFKD", text).translate(_TABLE)
    # keep the breve only where it makes Russian "й"; drop it everywhere else
    text = text.replace("и" + _BREVE, "й").replace(_BREVE, "")
    return unicodedata.normalize("NFC", text)


def _unleet(token: str) -> str:
    """Undo leetspeak in a token that mixes letters with leet characters."""
    if not any(c in _LEET_CHARS for c in token) or not any(c.isalpha() and c.isascii() for c in token):
        return token
    if _UNIT_TOKEN.match(token):
        return token
    prefix = ""
    if token.startswith("@"):
        prefix, token = "@", token.lstrip("@")
    return prefix + token.translate(_LEET)


def _words(text: str) -> list[str]:
    """Steps 2-5: tokens, spaced letters, leetspeak, symbols and homoglyphs."""
    words: list[str] = []
    for token in text.split():
        if _SPACED.match(token):
            token = _SEPARATORS.sub("", token)
        if "!" in token:
            token = _INNER_BANG.sub("i", token)
        for part in _NON_WORD.split(token):
            if not part:
                continue
            for word in _SYMBOLS.split(_unleet(cyrillic_unleet(part))):
                if word:
                    words.append(own_script(word))
    return words


def _join_single_letters(words: list[str]) -> list[str]:
    """Step 7: glue runs of three or more single-letter words."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= 3:
            out.append(own_script("".join(run)))
        else:
            out.extend(run)
        run.clear()

    for word in words:
        if len(word) == 1 and word.isalpha():
            run.append(word)
        else:
            flush()
            out.append(word)
    flush()
    return out


@lru_cache(maxsize=4)
def _base_words(text: str) -> tuple[str, ...]:
    """Steps 1-5, shared by the collapsed and uncollapsed skeletons of the same message."""
    return tuple(_words(_clean_chars(text)))


@lru_cache(maxsize=4096)
def _normalize_cached(text: str, collapse: bool) -> str:
    words = list(_base_words(text))
    if collapse:
        words = [_REPEATS.sub(r"\1", w) for w in words]
    words = _join_single_letters(words)
    if collapse:
        words = [_REPEATS.sub(r"\1", w) for w in words]
    return " ".join(words)


def normalize(text: str, *, collapse: bool = True) -> str:
    """Return the evasion-resistant skeleton of ``text``: lowercase words joined by single spaces.

    Args:
        text: Any string (arbitrary unicode, lone surrogates and control characters are fine).
        collapse: Collapse runs of three or more identical letters to one.

    Returns:
        The skeleton; ``""`` for text without letters or digits.
    """
    if len(text) > 512:
        return _normalize_cached.__wrapped__(text, collapse)
    return _normalize_cached(text, collapse)


def latinize_lookalikes(skeleton: str) -> str:
    """Map words written *only* in Cyrillic/Greek lookalike letters to Latin ("ѕсаm" -> "scam").

    ``normalize`` never does this (it would turn Russian "сор" into "cop"); the words trigger uses it as
    a second look for listed Latin words, so an all-lookalike disguise is still caught.
    """
    words = skeleton.split(" ")
    changed = False
    for i, word in enumerate(words):
        if word and all(c in _LOOKALIKE_LETTERS for c in word):
            latin = word.translate(TO_LATIN)
            if latin != word:
                words[i] = latin
                changed = True
    return " ".join(words) if changed else skeleton


def skeleton_words(text: str) -> list[str]:
    """Return the words of ``normalize(text)``."""
    return normalize(text).split()


def squeeze_spaces(text: str) -> str:
    """Collapse whitespace runs to single spaces and strip the ends (no other change)."""
    return _SPACE.sub(" ", text).strip()
