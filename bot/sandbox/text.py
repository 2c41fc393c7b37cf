"""Making untrusted text safe to show in a terminal: escape control and bidi characters, clip length."""

from __future__ import annotations

import unicodedata

#: Format characters shown as they are: the zero-width joiner (part of emoji sequences) and the
#: zero-width non-joiner (Persian's half-space, "می‌خواهم"); neither moves the cursor or reorders text.
_KEEP_FORMAT = frozenset({"\u200d", "\u200c"})
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
DISPLAY_LIMIT = 400


def _escape_char(ch: str) -> str:
    cp = ord(ch)
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def escape(text: str, *, keep_newlines: bool = False) -> str:
    r"""Return ``text`` with control, bidi, zero-width and unassigned characters shown as escapes.

    Args:
        text: Untrusted text (a member's message, a name, a reply that quotes a member).
        keep_newlines: Keep ``\\n`` as a line break (for multi-line bot replies).

    Returns:
        Text that cannot move the cursor, recolour the terminal or reorder what follows it.
    """
    out: list[str] = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch == "\t":
            out.append("    ")
        elif ch in _KEEP_FORMAT:
            out.append(ch)
        elif unicodedata.category(ch) in _ESCAPED_CATEGORIES:
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def clip(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """Shorten ``text`` to ``limit`` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [+{len(text) - limit} chars]"


def show(text: str, *, limit: int = DISPLAY_LIMIT, keep_newlines: bool = False) -> str:
    """Clip then escape: the safe form of untrusted text for one terminal line."""
    return escape(clip(text, limit), keep_newlines=keep_newlines)
