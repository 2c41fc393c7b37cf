"""Properties of deep_merge: identity, later layers win, associativity where kinds agree, no mutation."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from moderation.config.merge import deep_merge

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
leaves = st.one_of(scalars, st.lists(scalars, max_size=3))


def _mapping(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """Keys starting with 'd' always hold mappings, keys starting with 's' never do."""
    scalar_keys = st.sampled_from(["s1", "s2", "s3"])
    if depth == 0:
        return st.dictionaries(scalar_keys, leaves, max_size=3)
    dict_keys = st.sampled_from(["d1", "d2"])
    return st.builds(
        lambda a, b: {**a, **b},
        st.dictionaries(scalar_keys, leaves, max_size=3),
        st.dictionaries(dict_keys, _mapping(depth - 1), max_size=2),
    )


consistent = _mapping(3)
anything = st.recursive(
    st.dictionaries(st.sampled_from("abc"), leaves, max_size=3),
    lambda inner: st.dictionaries(st.sampled_from("abc"), st.one_of(leaves, inner), max_size=3),
    max_leaves=12,
)


@given(anything)
def test_empty_layers_are_identity(a: dict[str, Any]) -> None:
    assert deep_merge(a, {}) == a
    assert deep_merge({}, a) == a
    assert deep_merge(a) == a


@given(anything)
def test_merging_with_itself_changes_nothing(a: dict[str, Any]) -> None:
    assert deep_merge(a, a) == a


def _assert_later_wins(merged: dict[str, Any], low: dict[str, Any], high: dict[str, Any]) -> None:
    for key, value in high.items():
        if isinstance(value, dict) and isinstance(low.get(key), dict):
            _assert_later_wins(merged[key], low[key], value)
        else:
            assert merged[key] == value
    for key, value in low.items():
        if key not in high:
            assert merged[key] == value


@given(anything, anything)
def test_later_layer_wins_and_lower_keys_survive(low: dict[str, Any], high: dict[str, Any]) -> None:
    merged = deep_merge(low, high)
    _assert_later_wins(merged, low, high)
    assert set(merged) == set(low) | set(high)


@given(consistent, consistent, consistent)
def test_associative_when_each_key_keeps_its_kind(
    a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]
) -> None:
    assert deep_merge(deep_merge(a, b), c) == deep_merge(a, deep_merge(b, c)) == deep_merge(a, b, c)


def test_associativity_fails_when_a_key_changes_kind() -> None:
    # Documented limit: a scalar in the middle layer cuts the mapping below it off.
    a, b, c = {"k": {"x": 1}}, {"k": 0}, {"k": {"y": 2}}
    assert deep_merge(deep_merge(a, b), c) == {"k": {"y": 2}}
    assert deep_merge(a, deep_merge(b, c)) == {"k": {"x": 1, "y": 2}}


@given(anything, anything)
def test_inputs_are_not_modified_and_result_is_independent(low: dict[str, Any], high: dict[str, Any]) -> None:
    low_before, high_before = copy.deepcopy(low), copy.deepcopy(high)
    merged = deep_merge(low, high)
    assert (low, high) == (low_before, high_before)
    for value in merged.values():
        if isinstance(value, dict | list):
            value.clear()
    assert (low, high) == (low_before, high_before)


def test_lists_replace_and_none_removes() -> None:
    base = {"words": ["a", "b"], "triggers": {"classifier": {"label": "toxic"}, "words": {"words": ["x"]}}}
    top = {"words": ["c"], "triggers": {"classifier": None}}
    assert deep_merge(base, top) == {
        "words": ["c"],
        "triggers": {"classifier": None, "words": {"words": ["x"]}},
    }
