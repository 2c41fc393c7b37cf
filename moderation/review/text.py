"""Text hygiene for hostile input: lone surrogates, NULs, control and bidi characters, huge texts."""

from __future__ import annotations

import re
import unicodedata

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Make any string safe to store and process: lone surrogates become U+FFFD, NULs disappear.

    Valid surrogate pairs (as some JSON decoders leave them) are joined into the real character.
    """
    if text.isascii():
        return text.replace("\x00", "")
    fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return fixed.replace("\x00", "")


def excerpt(text: str, limit: int = 300) -> str:
    """A one-line, display-safe start of ``text`` for review cards and listings.

    Strips control, format (bidi, zero-width) and private characters, collapses whitespace and
    caps the length at ``limit`` characters (with an ellipsis when cut).
    """
    text = clean_text(text[: limit * 4])
    kept = []
    for ch in text:
        if ch in _BIDI or ch in _INVISIBLE:
            continue
        if ch in "\t\n\r":
            kept.append(" ")
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        kept.append(ch)
    flat = _SPACES.sub(" ", "".join(kept)).strip()
    if len(flat) > limit:
        return flat[: max(1, limit - 1)].rstrip() + "…"
    return flat
