"""Lower-layer states of recent texts, so the plain e5 view reuses the tuned pass's first 8 layers."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

#: How many tokens of hidden states to keep (384 floats each: 8,192 tokens = 12.6 MB).
DEFAULT_TOKEN_BUDGET = 8192


class LowerStates:
    """Hidden states after the frozen lower layers, per text, oldest dropped past a token budget.

    The fine-tuned encoder replaces only the top layers, so the plain view (FAQ matching by
    meaning) of a text that was just classified needs only the plain top layers on top of the
    states kept here. A question is matched right after it is classified, so a short memory is
    enough.

    Args:
        token_budget: Most tokens kept in all (each costs ``hidden`` floats).
    """

    def __init__(self, token_budget: int = DEFAULT_TOKEN_BUDGET) -> None:
        self.token_budget = token_budget
        self._states: OrderedDict[str, Any] = OrderedDict()
        self._tokens = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def put(self, text: str, state: Any) -> None:
        """Keep ``state`` (a ``[tokens, hidden]`` tensor that nothing else holds) for ``text``."""
        size = int(state.shape[0])
        if size > self.token_budget:
            return
        with self._lock:
            old = self._states.pop(text, None)
            if old is not None:
                self._tokens -= int(old.shape[0])
            self._states[text] = state
            self._tokens += size
            while self._tokens > self.token_budget:
                _, dropped = self._states.popitem(last=False)
                self._tokens -= int(dropped.shape[0])

    def get(self, text: str) -> Any | None:
        """The kept state of ``text`` (marking it recently used), or ``None``."""
        with self._lock:
            state = self._states.get(text)
            if state is None:
                self.misses += 1
                return None
            self._states.move_to_end(text)
            self.hits += 1
            return state

    @property
    def tokens(self) -> int:
        """Tokens currently kept."""
        return self._tokens

    def __len__(self) -> int:
        return len(self._states)
