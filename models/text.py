"""Light text cleanup applied before the encoder (the model sees near-original text)."""

from __future__ import annotations

import re
import unicodedata

from moderation.scripts import cyrillic_unleet, own_script

#: Longest text (characters) fed to the encoder; chat messages past this are truncated.
MAX_CHARS = 512

# Zero-width characters, bidi controls and other invisible format characters used to evade filters.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_SPACES = re.compile(r"\s+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Remove invisible characters, NFC-compose, collapse whitespace, undo lookalike disguises, truncate.

    The encoder is fed this lightly cleaned original text rather than the evasion-resistant
    skeleton from ``moderation.normalize``: the multilingual tokenizer understands real words,
    accents and emoji far better than a folded skeleton. Only disguises that no real word has are
    undone: a word mixing Latin with Cyrillic letters is written in its own script ("сyка" ->
    "сука", "рaypal" -> "paypal") and digits standing for letters inside Russian words are replaced
    ("п0рно" -> "порно"), so the tokenizer sees the word it knows. Note that ZWNJ (U+200C) is
    removed too; in Persian it only affects spacing inside words, which the tokenizer tolerates.

    Args:
        text: Raw message text.
        max_chars: Truncate the result to this many characters.

    Returns:
        The cleaned text (possibly empty).
    """
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text).strip()[:max_chars]
    if _CYRILLIC.search(text):  # Greek stylings ("Ωmega") are left to the tokenizer
        text = " ".join(own_script(cyrillic_unleet(w)) if _CYRILLIC.search(w) else w for w in text.split(" "))
    return text
