"""The shipped config/defaults.yaml and communities/example.yaml load cleanly and mean what they say."""

from __future__ import annotations

from pathlib import Path

from moderation.config.configset import ConfigSet
from moderation.config.levels import resolve_level
from moderation.config.loader import load_config_dir
from moderation.config.resolver import ScopeContext
from moderation.config.yamltext import read_yaml_file
from moderation.domain import Outcome
from moderation.rules.engine import RuleEngine
from tests.fakes.core import FrozenClock
from tests.rules_support import T0, make_msg, mctx, scores

CONFIG = Path(__file__).resolve().parents[1] / "config"
LANGS = {"en", "ar", "ru", "fa"}


def _load() -> ConfigSet:
    return load_config_dir(CONFIG)


def test_shipped_config_loads() -> None:
    configs = _load()
    assert configs.names() == ["acme"]
    assert configs.community_for("sandbox", "1") == "acme"
    assert configs.community_for("discord", "1100") == "acme"
    assert configs.community_for("telegram", "-1001234567890") == "acme"
    assert configs.community_for("discord", "999") is None
    assert configs.model.backend == "auto"


def test_defaults_define_the_promised_rules_and_ladder() -> None:
    base = _load().resolver("acme").base
    promised = {"toxicity", "spam", "spam_links", "mass_mentions", "flood", "spam_wave", "slurs"}
    assert promised <= set(base.rules)
    toxicity = base.rules["toxicity"]
    assert toxicity.triggers.classifier is not None
    assert (toxicity.triggers.classifier.review_at, toxicity.triggers.classifier.act_at) == (0.6, 0.9)
    assert toxicity.actions.delete
    assert toxicity.actions.reply == "toxicity_removed"
    assert toxicity.actions.warn is not None
    assert base.rules["spam_links"].match == "all"
    assert base.rules["flood"].actions.timeout is not None
    assert base.rules["flood"].actions.timeout.total_seconds() == 600
    assert [(s.count, s.action) for s in base.strikes.ladder] == [(3, "timeout"), (4, "timeout"), (5, "ban")]


def test_shipped_threats_rule_reviews_then_removes_warns_and_tells_moderators() -> None:
    base = _load().resolver("acme").base
    engine = RuleEngine(FrozenClock(T0))
    msg = make_msg("I know where you live")

    sure = engine.evaluate(base, mctx(msg, classification=scores(threat=0.97, toxic=0.95)))
    assert sure.outcome is Outcome.ACT
    assert sure.fired_rules == ("threats",)  # acting first, it spares the member a second strike
    assert [str(a.kind) for a in sure.actions] == ["delete", "reply", "warn", "notify"]
    assert "threats have no place" in (sure.actions[1].text or "")

    unsure = engine.evaluate(base, mctx(msg, classification=scores(threat=0.8, toxic=0.1)))
    assert unsure.outcome is Outcome.REVIEW
    assert [str(a.kind) for a in unsure.held_actions] == ["delete", "reply", "warn", "notify"]

    calm = engine.evaluate(base, mctx(msg, classification=scores(threat=0.5, toxic=0.1)))
    assert calm.outcome is Outcome.IGNORE


def test_every_template_and_greeting_has_all_four_languages() -> None:
    defaults = read_yaml_file(CONFIG / "defaults.yaml").data
    for key, texts in defaults["voice"]["replies"].items():
        assert set(texts) == LANGS, key
    assert set(defaults["greetings"]["text"]) == LANGS
    base = _load().resolver("acme").base
    for name, entry in base.faq.entries.items():
        assert set(entry.questions) == LANGS, name
        assert set(entry.answer) == LANGS, name


def test_moderators_are_exempt_and_memes_is_looser() -> None:
    resolver = _load().resolver("acme")
    member = ScopeContext("sandbox", "100", None, ("member",), 0, "10001", "en")
    moderator = ScopeContext("sandbox", "100", None, ("mod",), 50, "10002", "en")
    memes = ScopeContext("sandbox", "101", None, (), 0, "10001", "en")
    assert resolver.effective(member) is resolver.base
    assert not any(rule.enabled for rule in resolver.effective(moderator).rules.values())
    classifier = resolver.effective(memes).rules["toxicity"].triggers.classifier
    assert classifier is not None
    assert classifier.act_at == 0.97


def test_example_levels() -> None:
    base = _load().resolver("acme").base
    assert resolve_level(base, "sandbox", "1", ["mod"]) == 50
    assert resolve_level(base, "sandbox", "1", ["admin", "mod"]) == 100
    assert resolve_level(base, "telegram", "1", ["admin"]) == 50
    assert resolve_level(base, "discord", "1", ["role:1", "perm:administrator"]) == 100
    assert resolve_level(base, "discord", "4242", []) == 100
    assert resolve_level(base, "discord", "7", ["role:1"]) == 0
