"""Light text cleanup applied before the encoder (the model sees near-original text)."""

from __future__ import annotations

import re
import unicodedata

#: Longest text (characters) fed to the encoder; chat messages past this are truncated.
MAX_CHARS = 512

# Zero-width characters, bidi controls and other invisible format characters used to evade filters.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_SPACES = re.compile(r"\s+")


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Remove invisible and bidi-control characters, NFC-compose, collapse whitespace, truncate.

    The encoder is fed this lightly cleaned original text rather than the evasion-resistant
    skeleton from ``moderation.normalize``: the multilingual tokenizer understands real words,
    accents and emoji far better than a folded skeleton. Note that ZWNJ (U+200C) is removed too;
    in Persian it only affects spacing inside words, which the tokenizer tolerates.

    Args:
        text: Raw message text.
        max_chars: Truncate the result to this many characters.

    Returns:
        The cleaned text (possibly empty).
    """
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:max_chars]
