"""Words that mix Latin with Cyrillic or Greek lookalike letters, written back in the word's own script.

A word mixing scripts is almost always a disguise: "рaypal" (Cyrillic р in a Latin word) or "сyка",
"xyй", "пuдор" (Latin letters in a Russian word). :func:`own_script` decides which script the word
was meant in and maps the lookalikes to it:

1. Letters that exist in only one of the two scripts decide: "й", "д", "п" have no Latin twin, "f",
   "l", "s" no Cyrillic one ("xyй" is Russian, "fuсk" English).
2. When those are tied, the script with more letters in the word wins ("сyка" is Russian).
3. Otherwise, and for Greek, the word is read as Latin, as it always was.

:func:`cyrillic_unleet` undoes digit disguises inside Russian words ("п0рно", "3аебал").
Both keep letter case, so the encoder's text and the lowercase skeletons can share them.
"""

from __future__ import annotations

_TO_LATIN = {
    # Cyrillic lookalikes
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ь": "b", "һ": "h", "ӏ": "l", "ɡ": "g",
    # Greek lookalikes
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s",
}  # fmt: skip
_TO_CYRILLIC = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "n": "п", "o": "о",
    "p": "р", "t": "т", "u": "и", "x": "х", "y": "у",
}  # fmt: skip
_CYRILLIC_LEET = {"0": "о", "3": "з", "4": "ч", "6": "б", "@": "а"}


def _with_upper(mapping: dict[str, str]) -> dict[int, str]:
    table = {ord(k): v for k, v in mapping.items()}
    for k, v in mapping.items():
        if k.upper() != k and len(k.upper()) == 1:
            table.setdefault(ord(k.upper()), v.upper())
    return table


TO_LATIN = _with_upper(_TO_LATIN)
"""``str.translate`` table: Cyrillic and Greek lookalikes to Latin (both cases)."""
TO_CYRILLIC = _with_upper(_TO_CYRILLIC)
"""``str.translate`` table: Latin lookalikes to Cyrillic (both cases)."""
LOOKALIKES = frozenset(chr(c) for c in TO_LATIN)
"""Cyrillic and Greek letters that have a Latin twin."""


def script(ch: str) -> str:
    """Coarse script of a letter: ``latin``, ``cyrillic``, ``greek`` or ``other``."""
    cp = ord(ch)
    if ch.isascii() or 0x00C0 <= cp <= 0x024F or 0x1E00 <= cp <= 0x1EFF or cp == 0x0261:
        return "latin"
    if 0x0400 <= cp <= 0x052F or 0x1C80 <= cp <= 0x1C8F:
        return "cyrillic"
    if 0x0370 <= cp <= 0x03FF or 0x1F00 <= cp <= 0x1FFF:
        return "greek"
    return "other"


def own_script(word: str) -> str:
    """Write a word that mixes Latin with Cyrillic or Greek letters wholly in the script it was meant in.

    Args:
        word: One word (any case). Words in a single script come back unchanged.

    Returns:
        The word with its lookalike letters mapped to Latin or to Cyrillic (module docstring).
    """
    latin = cyrillic = greek = latin_only = cyrillic_only = 0
    for ch in word:
        if not ch.isalpha():
            continue
        kind = script(ch)
        if kind == "latin":
            latin += 1
            latin_only += ord(ch.lower()) not in TO_CYRILLIC
        elif kind == "cyrillic":
            cyrillic += 1
            cyrillic_only += ch.lower() not in _TO_LATIN
        elif kind == "greek":
            greek += 1
    if not latin or not (cyrillic or greek):
        return word
    if not greek and (cyrillic_only > latin_only or (cyrillic_only == latin_only and cyrillic > latin)):
        return word.translate(TO_CYRILLIC)
    return word.translate(TO_LATIN)


def cyrillic_unleet(token: str) -> str:
    """Undo digit disguises in a Russian word: ``0 3 4 6 @`` between Cyrillic letters, or opening one.

    A digit opens a disguise only when it is the token's only digit and Cyrillic letters follow
    ("3аебал"); numbers with suffixes ("5й", "2023году") are left alone.

    Args:
        token: One token (any case).

    Returns:
        The token with disguising digits replaced by the Cyrillic letters they stand for.
    """
    if not any(c in _CYRILLIC_LEET for c in token) or not any(script(c) == "cyrillic" for c in token):
        return token
    chars = list(token)

    def cyrillic_at(i: int) -> bool:
        return 0 <= i < len(chars) and chars[i].isalpha() and script(chars[i]) == "cyrillic"

    def replace(i: int) -> None:
        upper = chars[i + 1].isupper() and (i == 0 or chars[i - 1].isupper())
        chars[i] = _CYRILLIC_LEET[chars[i]].upper() if upper else _CYRILLIC_LEET[chars[i]]

    for i, ch in enumerate(chars):
        if ch in _CYRILLIC_LEET and cyrillic_at(i - 1) and cyrillic_at(i + 1):
            replace(i)
    digits = sum(c.isdigit() for c in chars)
    if chars[0] in _CYRILLIC_LEET and chars[0] != "@" and digits == 1 and len(chars) > 3 and cyrillic_at(1):
        replace(0)
    return "".join(chars)
