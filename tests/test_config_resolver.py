"""Resolver: criteria semantics (hypothesis), overrides in order, caching, conflicts, levels."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.config.criteria import level_matches, matches
from moderation.config.levels import resolve_level
from moderation.config.loader import load_community_text
from moderation.config.resolver import ConfigResolver, ScopeContext
from moderation.config.schema import CommunityConfig, Criteria
from moderation.errors import ConfigErrors

PLATFORMS = ["discord", "telegram", "sandbox"]
CHANNELS = ["100", "101", "1200"]
ROLES = ["role:3100", "admin", "mod"]
LANGS = ["en", "ar", "ru", "fa"]

contexts = st.builds(
    ScopeContext,
    platform=st.sampled_from(PLATFORMS),
    channel=st.sampled_from(CHANNELS),
    category=st.one_of(st.none(), st.sampled_from(["7", "8"])),
    roles=st.lists(st.sampled_from(ROLES), max_size=2, unique=True).map(tuple),
    level=st.integers(-5, 120),
    user=st.sampled_from(["1", "2"]),
    lang=st.one_of(st.none(), st.sampled_from(LANGS)),
)


def _one_or_list(values: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(values), st.lists(st.sampled_from(values), min_size=1, max_size=2))


simple_criteria = st.fixed_dictionaries(
    {},
    optional={
        "platform": _one_or_list(PLATFORMS),
        "channel": _one_or_list(CHANNELS),
        "category": _one_or_list(["7", "8"]),
        "role": _one_or_list(["3100", "admin", "discord:mod", "sandbox:mod"]),
        "level": st.one_of(
            st.integers(0, 100),
            st.builds(
                lambda op, n: f"{op}{n}", st.sampled_from([">=", "<=", ">", "<", ""]), st.integers(0, 100)
            ),
        ),
        "user": _one_or_list(["1", "2", "telegram:1"]),
        "lang": _one_or_list(LANGS),
    },
).filter(bool)
criteria_data = st.recursive(
    simple_criteria,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=2)),
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=2)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=4,
)


@settings(max_examples=150)
@given(criteria_data, contexts)
def test_override_applies_exactly_when_its_criteria_match(data: dict[str, Any], ctx: ScopeContext) -> None:
    cfg = CommunityConfig.model_validate(
        {"community": "prop", "overrides": [{**data, "config": {"mode": "dry_run"}}]}
    )
    resolver = ConfigResolver(cfg)
    effective = resolver.effective(ctx)
    if matches(Criteria.model_validate(data), ctx):
        assert effective.mode == "dry_run"
        assert resolver.matching(ctx) == (0,)
    else:
        assert effective is resolver.base  # a non-matching override changes nothing


@given(criteria_data, criteria_data, contexts)
def test_combinators(a: dict[str, Any], b: dict[str, Any], ctx: ScopeContext) -> None:
    ca, cb = Criteria.model_validate(a), Criteria.model_validate(b)
    assert matches(Criteria.model_validate({"not": a}), ctx) is (not matches(ca, ctx))
    assert matches(Criteria.model_validate({"any": [a, b]}), ctx) is (matches(ca, ctx) or matches(cb, ctx))
    assert matches(Criteria.model_validate({"all": [a, b]}), ctx) is (matches(ca, ctx) and matches(cb, ctx))


@given(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3), contexts)
def test_a_list_means_one_of(channels: list[str], ctx: ScopeContext) -> None:
    as_list = matches(Criteria(channel=channels), ctx)
    assert as_list is any(matches(Criteria(channel=c), ctx) for c in channels)


@given(st.sampled_from([">=", "<=", ">", "<", "", "="]), st.integers(-10, 200), st.integers(-10, 200))
def test_level_conditions_compare_like_python(op: str, bound: int, level: int) -> None:
    expected = {">=": level >= bound, "<=": level <= bound, ">": level > bound, "<": level < bound}.get(
        op, level == bound
    )
    assert level_matches(f"{op}{bound}", level) is expected
    assert level_matches(f" {op} {bound} ", level) is expected


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_unknown_criteria_key_fails_to_load(key: str) -> None:
    known = {
        "platform",
        "channel",
        "category",
        "role",
        "level",
        "user",
        "lang",
        "any",
        "all",
        "not",
        "config",
    }
    text = f"community: x\noverrides:\n  - {key}: '1'\n    config: {{mode: dry_run}}\n"
    if key in known:
        return
    with pytest.raises(ConfigErrors) as caught:
        load_community_text(text, "x.yaml")
    assert any(e.path == f"overrides[0].{key}" and e.line == 3 for e in caught.value.errors)


def test_role_tokens_match_in_several_spellings() -> None:
    ctx = ScopeContext("discord", "1", None, ("role:3100", "perm:administrator"), 0, "9", None)
    for spelling in ["3100", "role:3100", "discord:role:3100", "perm:administrator"]:
        assert matches(Criteria(role=spelling), ctx), spelling
    assert not matches(Criteria(role="telegram:role:3100"), ctx)
    assert not matches(Criteria(role="31"), ctx)


YAML = """
community: layered
rules:
  toxicity:
    triggers: {classifier: {label: toxic, review_at: 0.5, act_at: 0.8}}
    actions: {delete: true}
overrides:
  - channel: "1200"
    config: {rules: {toxicity: {triggers: {classifier: {act_at: 0.95}}}}}
  - platform: telegram
    config: {rules: {toxicity: {triggers: {classifier: {act_at: 0.9, review_at: 0.7}}}}}
  - level: ">=50"
    config: {rules: {toxicity: {enabled: false}}}
"""


def _classifier(cfg: CommunityConfig) -> tuple[float | None, float | None]:
    trigger = cfg.rules["toxicity"].triggers.classifier
    assert trigger is not None
    return trigger.review_at, trigger.act_at


def test_overrides_apply_in_file_order_over_the_base() -> None:
    resolver = ConfigResolver(load_community_text(YAML))
    assert _classifier(resolver.effective(ScopeContext("discord", "1"))) == (0.5, 0.8)
    assert _classifier(resolver.effective(ScopeContext("discord", "1200"))) == (0.5, 0.95)
    # both match: the later one (telegram) wins where they overlap
    assert _classifier(resolver.effective(ScopeContext("telegram", "1200"))) == (0.7, 0.9)
    moderator = resolver.effective(ScopeContext("telegram", "1200", level=50))
    assert not moderator.rules["toxicity"].enabled
    assert _classifier(moderator) == (0.7, 0.9)
    assert moderator.rules["toxicity"].actions.delete  # untouched keys survive the merge
    assert len(moderator.overrides) == 3


def test_effective_configs_are_cached_per_set_of_matching_overrides() -> None:
    resolver = ConfigResolver(load_community_text(YAML))
    first = resolver.effective(ScopeContext("discord", "1200", user="1"))
    assert resolver.effective(ScopeContext("sandbox", "1200", user="2", lang="fa")) is first
    assert resolver.effective(ScopeContext("telegram", "1200")) is not first


def test_conflicting_combination_skips_the_later_override(caplog: pytest.LogCaptureFixture) -> None:
    text = """
community: conflict
rules:
  toxicity:
    triggers: {classifier: {label: toxic, review_at: 0.5, act_at: 0.8}}
overrides:
  - channel: "1"
    config: {rules: {toxicity: {triggers: {classifier: {act_at: 0.6}}}}}
  - platform: telegram
    config: {rules: {toxicity: {triggers: {classifier: {review_at: 0.7}}}}}
"""
    resolver = ConfigResolver(load_community_text(text))  # each is valid as merged alone
    with caplog.at_level(logging.WARNING, logger="moderation.config.resolver"):
        effective = resolver.effective(ScopeContext("telegram", "1"))
    assert _classifier(effective) == (0.5, 0.6)
    assert "override 1 skipped" in caplog.text


def test_resolve_level_takes_the_highest_match() -> None:
    cfg = CommunityConfig.model_validate(
        {
            "community": "lv",
            "levels": {
                "discord:role:1": 10,
                "discord:role:2": 60,
                "user:discord:9": 100,
                "telegram:admin": 50,
            },
        }
    )
    assert resolve_level(cfg, "discord", "1", ["role:1", "role:2"]) == 60
    assert resolve_level(cfg, "discord", "9", ["role:1"]) == 100
    assert resolve_level(cfg, "telegram", "9", ["admin"]) == 50
    assert resolve_level(cfg, "telegram", "9", ["role:2"]) == 0
    assert resolve_level(cfg, "sandbox", "9", []) == 0
