"""Hostile configuration: random YAML, deep nesting, bombs, huge numbers, bad regexes -> located errors."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.config.loader import load_community_text
from moderation.errors import ConfigError, ConfigErrors

FILE = "communities/fuzz.yaml"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
keys = st.sampled_from(
    [
        "community",
        "rules",
        "triggers",
        "actions",
        "words",
        "patterns",
        "voice",
        "replies",
        "levels",
        "overrides",
        "raid",
        "joins",
        "within",
        "config",
        "platform",
        "mode",
        "strikes",
        "ladder",
        "x",
    ]
) | st.text(max_size=12)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)


def load(text: str) -> None:
    """Load ``text`` as a community file: it either loads or raises ConfigErrors with a location."""
    failure: ConfigErrors | None = None
    try:
        load_community_text(text, FILE)
    except ConfigErrors as exc:
        failure = exc
    if failure is None:
        return
    assert failure.errors
    for error in failure.errors:
        assert isinstance(error, ConfigError)
        assert error.file == FILE
        assert str(error).startswith(FILE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_yaml_structures_load_or_fail_with_located_errors(doc: Any) -> None:
    load(yaml.safe_dump({"community": "fuzz", "rules": doc}, allow_unicode=True))
    load(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_random_text_as_yaml_never_escapes_as_another_error(text: str) -> None:
    load(text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_random_regexes_are_accepted_or_refused_at_load(pattern: str) -> None:
    body = {"community": "fuzz", "rules": {"r": {"triggers": {"words": {"patterns": [pattern]}}}}}
    load(yaml.safe_dump(body, allow_unicode=True))


def assert_fast_error(text: str, limit: float = 5.0) -> ConfigErrors:
    started = time.monotonic()
    with pytest.raises(ConfigErrors) as caught:
        load_community_text(text, FILE)
    assert time.monotonic() - started < limit
    assert all(e.file == FILE for e in caught.value.errors)
    return caught.value


def test_hostile_documents_fail_fast_with_a_location() -> None:
    nested = "community: fuzz\nrules: " + "[" * 5000 + "]" * 5000 + "\n"
    assert_fast_error(nested)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
    )
    assert_fast_error("community: fuzz\n" + bomb)
    huge = "community: fuzz\nraid: {joins: " + "9" * 5000 + "}\n"
    assert "raid.joins" in str(assert_fast_error(huge))
    assert_fast_error("community: fuzz\nraid: {within: 1e400}\n")
    assert_fast_error("community: fuzz\nrules: {r: {triggers: {words: {patterns: ['(a+)+$']}}}}\n")
    assert_fast_error("community: fuzz\nrules: {r: {triggers: {words: {patterns: ['([a-z]*)*x']}}}}\n")
    assert_fast_error("community: fuzz\nrules: {r: {triggers: {words: {patterns: ['(unclosed']}}}}\n")
    errors = assert_fast_error("community: fuzz\nraid: {overrides: {community: other}}\n")
    assert "raid" in str(errors)
