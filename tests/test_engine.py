from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.domain import Outcome
from moderation.rules.engine import RuleEngine
from tests.fakes.core import FrozenClock
from tests.rules_support import T0, make_cfg, make_msg, mctx, scores

VOICE = {
    "signature": "— Acme",
    "replies": {"removed": {"en": "Please be kind, {user}."}, "spam": {"en": "No ads, {user}."}},
}
TOXIC: dict[str, Any] = {
    "priority": 10,
    "triggers": {"classifier": {"label": "toxic", "review_at": 0.6, "act_at": 0.9}},
    "actions": {"delete": True, "reply": "removed", "timeout": "10m"},
}
SPAM: dict[str, Any] = {
    "priority": 5,
    "triggers": {"words": {"words": ["buy followers"]}},
    "actions": {"delete": True, "reply": "spam"},
}


def _engine() -> RuleEngine:
    return RuleEngine(FrozenClock(T0))


def _kinds(actions: tuple[Any, ...]) -> list[str]:
    return [str(a.kind) for a in actions]


def test_act_band_plans_actions_with_rendered_texts() -> None:
    cfg = make_cfg(voice=VOICE, rules={"toxicity": TOXIC})
    decision = _engine().evaluate(cfg, mctx(make_msg("you idiot"), classification=scores(toxic=0.95)))
    assert decision.outcome is Outcome.ACT
    assert _kinds(decision.actions) == ["delete", "reply", "timeout"]
    assert decision.actions[1].text == "Please be kind, alice.\n— Acme"
    assert decision.actions[2].duration == timedelta(minutes=10)
    (trace,) = decision.traces
    assert (trace.rule, trace.fired, trace.band) == ("toxicity", True, "act")
    assert trace.reason == "classifier: toxic 0.95 >= act_at 0.90"
    assert decision.scores == {"toxic": 0.95}
    assert decision.fired_rules == ("toxicity",)


def test_review_band_holds_the_rules_actions() -> None:
    cfg = make_cfg(voice=VOICE, rules={"toxicity": TOXIC})
    decision = _engine().evaluate(cfg, mctx(make_msg("meh"), classification=scores(toxic=0.7)))
    assert decision.outcome is Outcome.REVIEW
    assert _kinds(decision.actions) == ["review"]
    assert _kinds(decision.held_actions) == ["delete", "reply", "timeout"]
    assert decision.traces[0].band == "review"


def test_below_bands_ignores_with_reason() -> None:
    cfg = make_cfg(rules={"toxicity": TOXIC})
    decision = _engine().evaluate(cfg, mctx(make_msg("hello"), classification=scores(toxic=0.1)))
    assert decision.outcome is Outcome.IGNORE
    assert decision.actions == ()
    assert decision.traces[0].reason == "classifier: toxic 0.10 < review_at 0.60"


def test_priority_order_and_first_acting_rule_stops_the_rest() -> None:
    cfg = make_cfg(voice=VOICE, rules={"toxicity": TOXIC, "spam": SPAM})
    msg = make_msg("buy followers you idiot")
    decision = _engine().evaluate(cfg, mctx(msg, classification=scores(toxic=0.99)))
    assert [t.rule for t in decision.traces] == ["toxicity", "spam"]
    assert decision.fired_rules == ("toxicity",)
    assert decision.traces[1].skipped == "not evaluated: higher-priority rule 'toxicity' already acted"
    # swap priorities: spam acts first and stops toxicity
    cfg2 = make_cfg(voice=VOICE, rules={"toxicity": TOXIC, "spam": {**SPAM, "priority": 20}})
    decision2 = _engine().evaluate(cfg2, mctx(msg, classification=scores(toxic=0.99)))
    assert decision2.fired_rules == ("spam",)
    assert decision2.actions[1].text == "No ads, alice.\n— Acme"


def test_equal_priority_runs_by_name() -> None:
    rules = {
        n: {"triggers": {"words": {"words": ["x1"]}}, "actions": {"reply": "spam"}} for n in ("b", "a", "c")
    }
    decision = _engine().evaluate(make_cfg(voice=VOICE, rules=rules), mctx(make_msg("x1")))
    assert [t.rule for t in decision.traces] == ["a", "b", "c"]
    # replies do not stop lower rules: they accumulate
    assert decision.outcome is Outcome.REPLY
    assert len(decision.actions) == 3


def test_review_does_not_stop_a_lower_acting_rule() -> None:
    cfg = make_cfg(voice=VOICE, rules={"toxicity": TOXIC, "spam": SPAM})
    decision = _engine().evaluate(cfg, mctx(make_msg("buy followers"), classification=scores(toxic=0.7)))
    assert decision.fired_rules == ("toxicity", "spam")
    assert decision.outcome is Outcome.ACT
    assert _kinds(decision.actions) == ["review", "delete", "reply"]
    # approving runs only what the message did not get live: it is deleted and answered already
    assert _kinds(decision.held_actions) == ["timeout"]


def test_two_rules_in_review_hold_each_action_once_from_the_higher_rule() -> None:
    warn_toxic = {**TOXIC, "actions": {"delete": True, "reply": "removed", "warn": {"template": "removed"}}}
    threat = {
        "priority": 12,
        "triggers": {"classifier": {"label": "threat", "review_at": 0.7, "act_at": 0.95}},
        "actions": {"delete": True, "reply": "spam", "warn": {"template": "spam"}, "notify": "spam"},
    }
    cfg = make_cfg(voice=VOICE, rules={"toxicity": warn_toxic, "threats": threat})
    decision = _engine().evaluate(cfg, mctx(make_msg("x"), classification=scores(toxic=0.7, threat=0.8)))
    assert decision.fired_rules == ("threats", "toxicity")
    assert decision.outcome is Outcome.REVIEW
    # one delete, one reply, one warning (one strike) when a moderator approves
    assert _kinds(decision.held_actions) == ["delete", "reply", "warn", "notify"]
    assert {a.rule for a in decision.held_actions} == {"threats"}


def test_reply_only_rule_above_does_not_stop_an_acting_rule() -> None:
    rules = {
        "hint": {"priority": 9, "triggers": {"words": {"words": ["zz1"]}}, "actions": {"reply": "spam"}},
        "act": {"priority": 1, "triggers": {"words": {"words": ["zz1"]}}, "actions": {"delete": True}},
        "last": {"priority": 0, "triggers": {"words": {"words": ["zz1"]}}, "actions": {"reply": "spam"}},
    }
    decision = _engine().evaluate(make_cfg(voice=VOICE, rules=rules), mctx(make_msg("zz1")))
    assert decision.fired_rules == ("hint", "act")
    assert _kinds(decision.actions) == ["reply", "delete"]
    assert decision.outcome is Outcome.ACT


@pytest.mark.parametrize(
    ("match", "text", "fired"),
    [
        ("any", "buy followers", True),
        ("all", "buy followers", False),
        ("all", "buy followers discord.gg/x", True),
    ],
)
def test_match_any_and_all(match: str, text: str, fired: bool) -> None:
    rule = {
        "match": match,
        "triggers": {"words": {"words": ["buy followers"]}, "links": {}},
        "actions": {"delete": True},
    }
    decision = _engine().evaluate(make_cfg(rules={"r": rule}), mctx(make_msg(text)))
    assert decision.traces[0].fired is fired
    if not fired:
        assert decision.traces[0].reason == "links: no links"


def test_match_all_with_review_band_is_review() -> None:
    rule = {
        "match": "all",
        "triggers": {"classifier": {"label": "spam", "review_at": 0.5, "act_at": 0.9}, "links": {}},
        "actions": {"delete": True},
    }
    decision = _engine().evaluate(
        make_cfg(rules={"r": rule}), mctx(make_msg("discord.gg/x"), classification=scores(spam=0.6))
    )
    assert decision.outcome is Outcome.REVIEW
    assert (
        decision.traces[0].reason
        == "classifier: spam 0.60 >= review_at 0.50; links: invite link discord.gg/x"
    )


def test_exempt_authors_disabled_and_paused_rules_are_skipped() -> None:
    rules = {"spam": SPAM, "off": {**SPAM, "enabled": False}, "paused": SPAM}
    cfg = make_cfg(voice=VOICE, rules=rules)
    paused = {"paused": T0 + timedelta(minutes=5), "spam": T0 - timedelta(minutes=1)}  # spam's pause ended
    decision = _engine().evaluate(cfg, mctx(make_msg("buy followers"), paused=paused))
    skipped = {t.rule: t.skipped for t in decision.traces}
    assert skipped["off"] == "disabled"
    assert skipped["paused"] is not None
    assert skipped["paused"].startswith("paused until 2026-01-05T12:05")
    assert skipped["spam"] is None
    assert decision.fired_rules == ("spam",)

    mod = make_msg("buy followers", level=50)
    exempt = _engine().evaluate(cfg, mctx(mod))
    assert exempt.outcome is Outcome.IGNORE
    assert exempt.actions == ()
    assert all(
        t.skipped and t.skipped.startswith("author exempt (level 50 >= exempt_level 50)")
        for t in exempt.traces[1:]
    )
    lower = make_cfg(voice=VOICE, rules=rules, moderation={"exempt_level": 100})
    assert _engine().evaluate(lower, mctx(mod)).outcome is Outcome.ACT


def test_community_dry_run_records_but_plans_nothing() -> None:
    cfg = make_cfg(voice=VOICE, mode="dry_run", rules={"toxicity": TOXIC, "spam": SPAM})
    decision = _engine().evaluate(
        cfg, mctx(make_msg("buy followers idiot"), classification=scores(toxic=0.95))
    )
    assert decision.dry_run is True
    assert decision.actions == ()
    assert decision.held_actions == ()
    assert decision.outcome is Outcome.ACT  # what live mode would have done
    assert decision.traces[0].reason.startswith("would act: classifier: toxic 0.95")
    assert decision.traces[0].mode == "dry_run"
    assert decision.traces[1].skipped is not None  # stops like live mode would


def test_rule_dry_run_in_live_community() -> None:
    cfg = make_cfg(voice=VOICE, rules={"toxicity": {**TOXIC, "mode": "dry_run"}, "spam": SPAM})
    msg = make_msg("buy followers idiot")
    decision = _engine().evaluate(cfg, mctx(msg, classification=scores(toxic=0.95)))
    assert decision.dry_run is False
    assert decision.fired_rules == ("toxicity", "spam")  # the dry rule did not stop the live one
    assert decision.traces[0].reason.startswith("would act:")
    assert all(a.rule == "spam" for a in decision.actions)
    only_dry = _engine().evaluate(cfg, mctx(make_msg("idiot"), classification=scores(toxic=0.7)))
    assert only_dry.dry_run is False  # the decision is live; the dry rule only left its trace
    assert only_dry.actions == ()
    assert only_dry.held_actions == ()
    assert only_dry.outcome is Outcome.IGNORE
    assert only_dry.fired_rules == ("toxicity",)
    assert only_dry.traces[0].mode == "dry_run"
    assert only_dry.traces[0].reason.startswith("would review:")


def test_needs_classifier() -> None:
    engine = _engine()
    assert engine.needs_classifier(make_cfg(rules={"t": TOXIC}))
    assert not engine.needs_classifier(make_cfg(rules={"t": {**TOXIC, "enabled": False}, "s": SPAM}))
    faq = {"entries": {"h": {"questions": {"en": ["when open"]}, "answer": {"en": "9-5"}}}}
    assert engine.needs_classifier(make_cfg(faq=faq))
    assert not engine.needs_classifier(make_cfg(faq={**faq, "enabled": False}))


def test_flood_window_updated_once_per_message_across_rules() -> None:
    flood = {"triggers": {"flood": {"messages": 3, "within": "10s"}}, "actions": {"reply": "spam"}}
    cfg = make_cfg(voice=VOICE, rules={"f1": flood, "f2": flood})
    engine = _engine()
    fired = []
    for second in range(3):
        msg = make_msg(f"msg {second}", at=T0 + timedelta(seconds=second))
        fired.append(engine.evaluate(cfg, mctx(msg)).fired_rules)
    # with a double update the second message would already count 4 and fire
    assert fired == [(), (), ("f1", "f2")]


def test_windows_not_fed_without_rules_that_use_them_or_for_exempt_authors() -> None:
    engine = _engine()
    engine.evaluate(make_cfg(rules={"s": SPAM}), mctx(make_msg("hi there everyone")))
    assert len(engine.flood) == 0
    flood = {"triggers": {"flood": {"messages": 2}}, "actions": {"delete": True}}
    engine.evaluate(make_cfg(rules={"f": flood}), mctx(make_msg("hi", level=90)))
    assert len(engine.flood) == 0


def test_duplicates_across_members_through_the_engine() -> None:
    rule = {"triggers": {"duplicates": {"members": 3, "within": "1m"}}, "actions": {"delete": True}}
    cfg = make_cfg(rules={"wave": rule})
    engine = _engine()
    outcomes = [
        engine.evaluate(cfg, mctx(make_msg("Join my channel for free coins", user=str(u)))).outcome
        for u in range(4)
    ]
    assert outcomes == [Outcome.IGNORE, Outcome.IGNORE, Outcome.ACT, Outcome.ACT]


def test_rule_without_triggers_and_missing_template_are_reported() -> None:
    cfg = make_cfg(
        rules={
            "empty": {"actions": {"delete": True}},
            "typo": {"triggers": {"words": {"words": ["zz2"]}}, "actions": {"reply": "nope"}},
        }
    )
    decision = _engine().evaluate(cfg, mctx(make_msg("zz2")))
    reasons = {t.rule: t.reason for t in decision.traces}
    assert reasons["empty"] == "no triggers configured"
    assert reasons["typo"] == "words: listed word 'zz2' (typo: no reply template 'nope')"
    assert decision.outcome is Outcome.IGNORE  # nothing could be planned
    assert decision.fired_rules == ("typo",)


def test_lang_falls_back_to_classification() -> None:
    voice = {"replies": {"r": {"en": "hello", "ar": "مرحبا"}}}
    rule = {"triggers": {"words": {"words": ["zz3"]}}, "actions": {"reply": "r"}}
    cfg = make_cfg(voice=voice, rules={"r": rule})
    from moderation.ports import Classification

    decision = _engine().evaluate(cfg, mctx(make_msg("zz3"), classification=Classification({}, "ar")))
    assert decision.lang == "ar"
    assert decision.actions[0].text == "مرحبا"
    explicit = _engine().evaluate(cfg, mctx(make_msg("zz3"), lang="en"))
    assert explicit.actions[0].text == "hello"


def test_hostile_messages_never_raise() -> None:
    rules = {
        "w": {"triggers": {"words": {"words": ["bad"], "patterns": ["x+y"]}}, "actions": {"delete": True}},
        "l": {"triggers": {"links": {"only_allowed": True}}, "actions": {"delete": True}},
        "m": {"triggers": {"mentions": {"max": 3}}, "actions": {"delete": True}},
        "d": {"triggers": {"duplicates": {}, "flood": {}}, "actions": {"delete": True}},
        "n": {"triggers": {"new_member": {"first_messages": 1}}, "actions": {"review": True}},
    }
    cfg = make_cfg(rules=rules)
    engine = _engine()
    texts = [
        "a" * 100_000,
        ("word " * 25_000)[:100_000],
        "\x00\x01\x1b[2J\u202e\u2066\u200b" * 1000,
        "\ud800\udc00\udfff broken surrogates",
        "".join(chr(c) for c in range(0, 0x3000, 7)),
        "@" * 50_000,
        "." * 100_000,
        "http://" + "a." * 40_000 + "com",
    ]
    for text in texts:
        decision = engine.evaluate(cfg, mctx(make_msg(text)))
        assert len(decision.traces) == len(rules)


HOSTILE_RULES: dict[str, Any] = {
    "all": {
        "triggers": {
            "words": {"words": ["bad", "f u c k"], "allow": ["badminton"], "substring": True},
            "links": {"only_allowed": True, "allow_domains": ["acme.org"]},
            "mentions": {"max": 2},
            "duplicates": {"members": 2},
            "flood": {"messages": 3},
        },
        "actions": {"delete": True, "reply": "spam", "review": True},
    }
}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    engine = _engine()
    decision = engine.evaluate(
        make_cfg(voice=VOICE, rules=HOSTILE_RULES), mctx(make_msg(text, name=text[:20]))
    )
    assert len(decision.traces) == 1
    assert decision.outcome in (Outcome.IGNORE, Outcome.REVIEW)
