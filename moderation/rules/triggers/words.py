"""Words trigger: listed words/phrases matched on the evasion-resistant skeleton, plus regexes.

Listed words are normalised exactly like the text (``normalize(..., collapse=False)``) and both have
runs of a letter capped at two; a single letter then matches one or two copies and a double needs two,
so "fuck" catches "fuuuck" and "fuuck", and "ass" (double s) catches "asss" but not "as".
Whole-word by default; ``substring: true`` matches inside words. An occurrence that lies inside an
allow-listed word ("scunthorpe") is ignored. A word spelt only with Cyrillic/Greek lookalikes
("ѕсаm") gets a second look in Latin letters (``latinize_lookalikes``); ``normalize`` itself leaves
Russian words alone, so this second look only matters for listed words.

Regular expressions run case-insensitively on the raw text and on the skeleton, each cut to
``REGEX_INPUT_CAP`` characters so a pathological pattern cannot stall the bot for long.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby

from moderation.config.schema import WordsTrigger
from moderation.normalize import latinize_lookalikes, normalize
from moderation.rules.triggers.base import TriggerContext, TriggerResult

REGEX_INPUT_CAP = 4_000


_RUNS = re.compile(r"(.)\1{2,}")


def cap_runs(text: str) -> str:
    """Shorten every run of three or more identical characters to two ("fuuuck" -> "fuuck").

    Text and words both go through this, so patterns need only bounded quantifiers and matching stays
    linear even in substring mode on a 100 kB run of one letter.
    """
    return _RUNS.sub(r"\1\1", text)


def _run_pattern(word: str) -> str:
    """Regex for a run-capped word: a single letter matches one or two copies, a double needs two."""
    parts: list[str] = []
    for ch, group in groupby(word):
        size = len(list(group))
        if ch == " ":
            parts.append(" ")
        elif not ch.isalpha():
            parts.append(re.escape(ch * size))
        elif size == 1:
            parts.append(re.escape(ch) + "{1,2}")
        else:
            parts.append(re.escape(ch) * 2)
    return "".join(parts)


class WordMatcher:
    """Compiled words and allow-list of one trigger config."""

    def __init__(self, words: tuple[str, ...], allow: tuple[str, ...], substring: bool) -> None:
        normalised = {cap_runs(normalize(w, collapse=False)) for w in words}
        self.words = {w: re.compile(self._wrap(_run_pattern(w), substring)) for w in normalised if w}
        allowed = {cap_runs(normalize(w, collapse=False)) for w in allow} - {""}
        allowed_longest_first = sorted(allowed, key=len, reverse=True)
        self.allow = (
            re.compile(self._wrap("|".join(map(_run_pattern, allowed_longest_first)), False))
            if allowed
            else None
        )
        alternatives = sorted(self.words, key=len, reverse=True)
        self.any = (
            re.compile(self._wrap("|".join(_run_pattern(w) for w in alternatives), substring))
            if alternatives
            else None
        )

    @staticmethod
    def _wrap(body: str, substring: bool) -> str:
        return f"(?:{body})" if substring else f"(?<!\\S)(?:{body})(?!\\S)"

    def find(self, skeleton: str) -> str | None:
        """Return the listed word found in ``skeleton`` outside allow-listed words, or ``None``."""
        if self.any is None:
            return None
        allowed = [m.span() for m in self.allow.finditer(skeleton)] if self.allow else []
        for match in self.any.finditer(skeleton):
            start, end = match.span()
            if any(a <= start and end <= b for a, b in allowed):
                continue
            found = match.group(0)
            for word, pattern in self.words.items():
                if pattern.fullmatch(found):
                    return word
            return found
        return None


@lru_cache(maxsize=256)
def word_matcher(words: tuple[str, ...], allow: tuple[str, ...], substring: bool) -> WordMatcher:
    """Cached matcher for a words/allow list."""
    return WordMatcher(words, allow, substring)


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile an admin's regex case-insensitively; ``None`` if it is invalid."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return None


def pattern_errors(patterns: list[str]) -> list[str]:
    """Error messages for patterns that do not compile."""
    errors = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors.append(f"invalid regular expression {pattern!r}: {exc}")
    return errors


def check(cfg: WordsTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire on a listed word (outside the allow-list) or on a matching regular expression."""
    matcher = word_matcher(tuple(cfg.words), tuple(cfg.allow), cfg.substring)
    text = cap_runs(ctx.skeleton_runs)
    word = matcher.find(text)
    if word is not None:
        return TriggerResult.hit(f"listed word {word!r}")
    latin = latinize_lookalikes(text)
    if latin != text and (word := matcher.find(latin)) is not None:
        return TriggerResult.hit(f"listed word {word!r} (written with lookalike letters)")
    raw = ctx.msg.text[:REGEX_INPUT_CAP]
    skeleton = ctx.skeleton[:REGEX_INPUT_CAP]
    for pattern in cfg.patterns:
        compiled = compile_pattern(pattern)
        if compiled is None:
            continue
        if compiled.search(raw) or compiled.search(skeleton):
            return TriggerResult.hit(f"pattern {pattern!r}")
    checked = f"{len(matcher.words)} words" + (f", {len(cfg.patterns)} patterns" if cfg.patterns else "")
    return TriggerResult.miss(f"no match ({checked})")
