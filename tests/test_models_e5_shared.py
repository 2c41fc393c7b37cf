"""Lower-layer states kept for the plain view stay within their token budget."""

import torch

from models.e5_shared import LowerStates


def test_states_are_kept_and_the_oldest_dropped_past_the_budget() -> None:
    kept = LowerStates(token_budget=10)
    kept.put("a", torch.zeros(4, 3))
    kept.put("b", torch.ones(4, 3))
    assert kept.get("a") is not None  # "a" is now the most recently used
    kept.put("c", torch.ones(4, 3))
    assert kept.get("b") is None
    assert (len(kept), kept.tokens) == (2, 8)
    assert (kept.hits, kept.misses) == (1, 1)


def test_replacing_a_text_recounts_its_tokens_and_oversized_states_are_not_kept() -> None:
    kept = LowerStates(token_budget=10)
    kept.put("a", torch.zeros(6, 3))
    kept.put("a", torch.zeros(2, 3))
    assert kept.tokens == 2
    kept.put("huge", torch.zeros(11, 3))
    assert kept.get("huge") is None
    assert kept.tokens == 2
