"""Lower-layer states of recent texts, so the plain e5 view reuses the tuned pass's first 8 layers."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

#: How many tokens of hidden states to keep (384 floats each: 4,096 tokens = 6.3 MB, about 160
#: chat messages, over a second of traffic at full load).
DEFAULT_TOKEN_BUDGET = 4096


class LowerStates:
    """Hidden states after the frozen lower layers, per text, in one ring buffer of tokens.

    The fine-tuned encoder replaces only the top layers, so the plain view (FAQ matching by
    meaning) of a text that was just classified needs only the plain top layers on top of the
    states kept here. A question is matched right after it is classified, so a short memory is
    enough. States are copied into one buffer allocated once (per-text copies would fragment the
    heap: +16 MB peak RSS measured); a new state overwrites the oldest ones.

    Args:
        token_budget: Tokens the buffer holds (each costs ``hidden`` floats).
    """

    def __init__(self, token_budget: int = DEFAULT_TOKEN_BUDGET) -> None:
        self.token_budget = token_budget
        self._buffer: Any = None
        self._cursor = 0
        self._entries: OrderedDict[str, tuple[int, int]] = OrderedDict()  # text -> (start, tokens)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def put(self, text: str, state: Any) -> None:
        """Copy ``state`` (a ``[tokens, hidden]`` tensor) into the buffer as the state of ``text``."""
        size = int(state.shape[0])
        if size == 0 or size > self.token_budget:
            return
        with self._lock:
            if self._buffer is None or self._buffer.shape[1] != state.shape[1]:
                import torch

                self._buffer = torch.empty((self.token_budget, int(state.shape[1])), dtype=state.dtype)
                self._entries.clear()
                self._cursor = 0
            if self._cursor + size > self.token_budget:
                self._cursor = 0
            start, end = self._cursor, self._cursor + size
            self._entries.pop(text, None)
            for key, (s, n) in list(self._entries.items()):
                if s < end and start < s + n:  # overwritten
                    del self._entries[key]
            self._buffer[start:end] = state
            self._entries[text] = (start, size)
            self._cursor = end

    def get(self, text: str) -> Any | None:
        """A view of the kept state of ``text``, or ``None``; valid until the next :meth:`put`."""
        with self._lock:
            where = self._entries.get(text)
            if where is None:
                self.misses += 1
                return None
            self.hits += 1
            start, size = where
            return self._buffer[start : start + size]

    @property
    def tokens(self) -> int:
        """Tokens of the states currently kept."""
        return sum(n for _, n in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
