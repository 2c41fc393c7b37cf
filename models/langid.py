"""Language identification restricted to a community's configured languages.

The dominant script decides first (Cyrillic, Arabic, Latin, ...); when several configured languages
share that script, a lingua detector built with only those languages decides (plus letter evidence
for Persian vs Arabic). Restricting lingua keeps it small (~100 MB for en/ar/ru/fa, not 1.3 GB).
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

# Letters only Persian uses (پ چ ژ گ, Persian yeh/kaf) vs only Arabic (yeh/kaf, teh marbuta, alef maksura).
_PERSIAN_ONLY = frozenset("پچژگیک")
_ARABIC_ONLY = frozenset("يكةىؤ")


def script_of(ch: str) -> str | None:
    """Script name of a letter (``LATIN``, ``CYRILLIC``, ``ARABIC``, ...), ``None`` for non-letters."""
    if not ch.isalpha():
        return None
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return None


def _lingua_languages(codes: Sequence[str]) -> dict[str, Any]:
    from lingua import IsoCode639_1, Language

    out: dict[str, Any] = {}
    for code in codes:
        try:
            out[code] = Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
        except ValueError:
            continue
    return out


def _scripts_of(code: str, lang: Any) -> set[str]:
    from lingua import Language

    scripts: set[str] = set()
    if lang in Language.all_with_arabic_script():
        scripts.add("ARABIC")
    if lang in Language.all_with_cyrillic_script():
        scripts.add("CYRILLIC")
    if lang in Language.all_with_latin_script():
        scripts.add("LATIN")
    if lang in Language.all_with_devanagari_script():
        scripts.add("DEVANAGARI")
    return scripts or {code.upper()}


class LanguageIdentifier:
    """Detects which of the configured languages a text is in.

    Args:
        languages: ISO 639-1 codes configured for the community (order = preference on ties).
        preload: Load lingua's models now (about 0.5 s) rather than on first use.
    """

    def __init__(self, languages: Sequence[str], *, preload: bool = False) -> None:
        self.languages = tuple(dict.fromkeys(code.lower() for code in languages))
        self._lingua = _lingua_languages(self.languages)
        self._by_script: dict[str, list[str]] = {}
        for code in self.languages:
            lang = self._lingua.get(code)
            for script in _scripts_of(code, lang) if lang is not None else {"LATIN"}:
                self._by_script.setdefault(script, []).append(code)
        self._detectors: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()
        if preload:
            for codes in self._by_script.values():
                if len(codes) > 1:
                    self._detector(tuple(codes), preload=True)

    def _detector(self, codes: tuple[str, ...], *, preload: bool = False) -> Any:
        with self._lock:
            det = self._detectors.get(codes)
            if det is None:
                from lingua import LanguageDetectorBuilder

                builder = LanguageDetectorBuilder.from_languages(*(self._lingua[c] for c in codes))
                if preload:
                    builder = builder.with_preloaded_language_models()
                det = builder.build()
                self._detectors[codes] = det
            return det

    def detect(self, text: str) -> str | None:
        """Return the configured language of ``text``, or ``None`` (no letters / unconfigured script)."""
        scripts = Counter(s for s in map(script_of, text) if s is not None)
        if not scripts:
            return None
        for script, _ in scripts.most_common():
            codes = self._by_script.get(script)
            if codes:
                return self._pick(text, tuple(codes))
        return None

    def _pick(self, text: str, codes: tuple[str, ...]) -> str:
        if len(codes) == 1:
            return codes[0]
        if "fa" in codes and "ar" in codes:
            fa = sum(ch in _PERSIAN_ONLY for ch in text)
            ar = sum(ch in _ARABIC_ONLY for ch in text)
            if fa and not ar:
                return "fa"
            if ar and not fa:
                return "ar"
        usable = tuple(c for c in codes if c in self._lingua)
        if len(usable) < 2:
            return usable[0] if usable else codes[0]
        found = self._detector(usable).detect_language_of(text)
        if found is None:
            return codes[0]
        return str(found.iso_code_639_1.name).lower()
