"""Lower-layer states kept for the plain view: one ring buffer, the oldest overwritten first."""

import torch

from models.e5_shared import LowerStates


def test_states_are_copied_and_the_oldest_overwritten() -> None:
    kept = LowerStates(token_budget=10)
    a = torch.zeros(4, 3)
    kept.put("a", a)
    kept.put("b", torch.ones(4, 3))
    a += 5  # the buffer holds a copy
    got = kept.get("a")
    assert got is not None
    assert torch.equal(got, torch.zeros(4, 3))
    kept.put("c", torch.full((4, 3), 2.0))  # does not fit after "b": wraps and overwrites "a"
    assert kept.get("a") is None
    b, c = kept.get("b"), kept.get("c")
    assert b is not None
    assert c is not None
    assert torch.equal(b, torch.ones(4, 3))
    assert torch.equal(c, torch.full((4, 3), 2.0))
    assert (len(kept), kept.tokens) == (2, 8)
    assert (kept.hits, kept.misses) == (3, 1)
    kept.put("d", torch.full((4, 3), 3.0))  # overwrites "b", which now starts right after "c"
    assert kept.get("b") is None
    assert kept.get("c") is not None


def test_replacing_a_text_keeps_one_entry_and_oversized_states_are_not_kept() -> None:
    kept = LowerStates(token_budget=10)
    kept.put("a", torch.zeros(6, 3))
    kept.put("a", torch.ones(2, 3))
    assert (len(kept), kept.tokens) == (1, 2)
    got = kept.get("a")
    assert got is not None
    assert torch.equal(got, torch.ones(2, 3))
    kept.put("huge", torch.zeros(11, 3))
    assert kept.get("huge") is None
    assert kept.tokens == 2
