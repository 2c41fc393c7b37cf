import pytest

from moderation.config.schema import VoiceConfig
from moderation.ports import FaqMatcher
from moderation.voice.faq import KeywordFaqMatcher, faq_questions, overlap_score
from moderation.voice.greetings import render_greeting
from moderation.voice.templates import (
    PLACEHOLDERS,
    TemplateError,
    parse_template,
    pick_lang,
    render,
    render_text,
    validate_templates,
)
from tests.rules_support import make_cfg


def test_whitelist() -> None:
    assert {
        "user",
        "channel",
        "community",
        "rules_channel",
        "case",
        "duration",
        "rule",
        "answer",
    } == PLACEHOLDERS


@pytest.mark.parametrize(
    "template",
    [
        "{user.__init__}",
        "{user.__class__.__mro__}",
        "{user[0]}",
        "{0}",
        "{}",
        "{user!r}",
        "{user:>999999}",
        "{user:{community}}",
        "{password}",
        "{",
        "}",
        "hi {user",
    ],
)
def test_injection_and_bad_syntax_are_rejected(template: str) -> None:
    with pytest.raises(TemplateError):
        parse_template(template)
    with pytest.raises(TemplateError):
        render_text(template, {"user": "x"})


def test_values_are_never_reinterpreted() -> None:
    hostile = "{community}{user.__class__}{{x}}{0}"
    assert render_text("Hi {user}!", {"user": hostile, "community": "acme"}) == f"Hi {hostile}!"


def test_escaped_braces_and_missing_values() -> None:
    assert render_text("{{literal}} {user} in {channel}", {"user": "bob"}) == "{literal} bob in "


def test_language_fallback_order() -> None:
    texts = {"fr": "bonjour", "en": "hello", "default": "hey"}
    assert pick_lang(texts, "fr", "en") == "bonjour"
    assert pick_lang(texts, "ru", "en") == "hello"
    assert pick_lang({"default": "hey", "fr": "salut"}, "ru", "en") == "hey"
    assert pick_lang({"fa": "سلام", "ar": "مرحبا"}, "ru", "en") == "سلام"
    assert pick_lang({}, "en", "en") is None


def test_render_signature_and_unknown_key() -> None:
    voice = VoiceConfig(signature="— {community}", default_lang="ru", replies={"x": {"ru": "привет {user}"}})
    assert render(voice, "x", "en", {"user": "bob", "community": "acme"}) == "привет bob\n— acme"
    assert render(voice, "x", None, {"user": "bob"}, signed=False) == "привет bob"
    with pytest.raises(TemplateError, match="no reply template 'y'"):
        render(voice, "y", "en", {})


def test_validate_templates_reports_every_problem() -> None:
    cfg = make_cfg(
        voice={
            "signature": "{team}",
            "replies": {"ok": {"en": "hi {user}"}, "bad": {"en": "{user.name}", "ar": "{"}},
        },
        greetings={
            "enabled": True,
            "text": {"en": "Welcome {nickname}"},
            "rules_reminder": {"en": "{rules_channel}"},
        },
        faq={
            "entries": {"hours": {"questions": {"en": ["when open"]}, "answer": {"en": "{answer} at {time}"}}}
        },
        rules={
            "r": {
                "triggers": {"words": {"words": ["x"]}},
                "actions": {"reply": "missing", "warn": {"template": "ok"}, "notify": "gone"},
            }
        },
    )
    errors = validate_templates(cfg)
    paths = sorted(e.split(":")[0] for e in errors)
    assert paths == [
        "faq.entries.hours.answer.en",
        "greetings.text.en",
        "rules.r.actions.notify",
        "rules.r.actions.reply",
        "voice.replies.bad.ar",
        "voice.replies.bad.en",
        "voice.signature",
    ]
    assert validate_templates(make_cfg(voice={"replies": {"ok": {"en": "hi {user}"}}})) == []


def test_greeting_with_rules_reminder() -> None:
    cfg = make_cfg(
        greetings={
            "enabled": True,
            "text": {"en": "Welcome to {community}, {user}!", "ar": "أهلا {user}"},
            "rules_reminder": {"en": "Please read {rules_channel}."},
            "rules_channel": "#rules",
        }
    )
    assert render_greeting(cfg, "en", {"user": "bob"}) == "Welcome to acme, bob!\nPlease read #rules."
    assert render_greeting(cfg, "ar", {"user": "bob"}) == "أهلا bob\nPlease read #rules."
    assert render_greeting(cfg, "en", {"user": "bob", "rules_channel": "<#42>"}) == (
        "Welcome to acme, bob!\nPlease read <#42>."
    )


def test_greeting_without_rules_channel_disabled_or_empty() -> None:
    base = {"enabled": True, "text": {"en": "Hi {user}"}, "rules_reminder": {"en": "Read {rules_channel}"}}
    assert render_greeting(make_cfg(greetings=base), "en", {"user": "{user}"}) == "Hi {user}"
    assert render_greeting(make_cfg(greetings={**base, "enabled": False}), "en", {"user": "x"}) is None
    assert render_greeting(make_cfg(greetings={"enabled": True}), "en", {"user": "x"}) is None


FAQ = {
    "password": ["How do I reset my password?", "كيف أعيد تعيين كلمة المرور"],
    "hours": ["When are you open?", "What are your opening hours?"],
}


async def test_faq_matcher_picks_best_entry() -> None:
    matcher = KeywordFaqMatcher()
    assert isinstance(matcher, FaqMatcher)
    match = await matcher.match("hi all, how do I reset my password? thanks", "en", FAQ)
    assert match is not None
    assert match.entry == "password"
    assert 0.5 < match.score < 1.0
    exact = await matcher.match("what are your opening hours", None, FAQ)
    assert exact is not None
    assert (exact.entry, exact.score) == ("hours", 1.0)
    arabic = await matcher.match("كَيْفَ أعيد تعيين كلمة المرور؟", "ar", FAQ)
    assert arabic is not None
    assert arabic.entry == "password"
    assert await matcher.match("nice weather", "en", FAQ) is None
    assert await KeywordFaqMatcher(min_score=0.99).match("reset password", "en", FAQ) is None


def test_overlap_score_bounds() -> None:
    a = frozenset({"a1", "b1"})
    assert overlap_score(a, a) == 1.0
    assert overlap_score(a, frozenset()) == 0.0
    assert overlap_score(a, frozenset({"c1"})) == 0.0


def test_faq_questions_flattens_languages() -> None:
    cfg = make_cfg(
        faq={
            "entries": {
                "hours": {
                    "questions": {"en": ["when open", "hours?"], "ru": ["когда открыто"]},
                    "answer": {"en": "9-5"},
                }
            }
        }
    )
    assert faq_questions(cfg.faq) == {"hours": ["when open", "hours?", "когда открыто"]}
