"""The built-in keyword classifier: en/ar/ru/fa toxicity, spam and questions, evasion, hostile input."""

from __future__ import annotations

import pytest

from models.keyword import KeywordClassifier, detect_language
from moderation.ports import Classifier

K = KeywordClassifier()


def test_implements_the_classifier_port() -> None:
    assert isinstance(K, Classifier)
    assert K.labels == frozenset({"toxic", "spam", "question"})


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("you are an idiot", "en"),
        ("ты идиот", "ru"),
        ("انت غبي", "ar"),
        ("تو احمق هستی", "fa"),
        ("1d10t", "en"),
        ("IDIOOOOT", "en"),
    ],
)
def test_insults_in_every_language(text: str, lang: str) -> None:
    result = K.classify_one(text)
    assert result.labels["toxic"] >= 0.7
    assert result.lang == lang


@pytest.mark.parametrize(
    "text", ["have a nice day", "спасибо за помощь", "شكرا جزيلا", "ممنون از کمک شما", "scunthorpe idiom"]
)
def test_harmless_texts_score_low(text: str) -> None:
    labels = K.classify_one(text).labels
    assert labels["toxic"] < 0.3
    assert labels["spam"] < 0.3


@pytest.mark.parametrize(
    "text",
    [
        "ты заебал уже",  # a root behind a prefix
        "распиздяй",  # a root inside a word (``*root*``)
        "والكلاب كلهم",  # Arabic article and conjunction attached to the word
        "بالحمير",
        "ты сyка",  # Latin y inside a Russian word
        "xyй тебе",
        "ты 3аебал",  # a digit for a Russian letter
        "ты х*й",  # masked letters
        "с*ка",
        "п**дец",
    ],
)
def test_roots_behind_prefixes_and_attached_particles(text: str) -> None:
    assert K.classify_one(text).labels["toxic"] >= 0.7


@pytest.mark.parametrize(
    "text",
    [
        "я употребляю витамины",  # contains бля
        "застрахуй машину",  # contains хуй
        "жидкий азот",  # begins like a slur
        "хачапури с сыром",
        "الموت حق",  # "death is certain": the short threat word takes no particles
        "نحن في العرض المسرحي",
        "the *best* day",  # stars around a word
        "ну *** тебе",  # stars alone
        "p*ssword reset",
        "б**ь",  # too few letters shown to tell
    ],
)
def test_words_that_contain_a_listed_root_stay_clean(text: str) -> None:
    assert K.classify_one(text).labels["toxic"] < 0.3


def test_spam_with_link_scores_high() -> None:
    assert K.classify_one("Buy followers cheap at http://x.example").labels["spam"] >= 0.85
    assert K.classify_one("заработок без вложений, пиши в лс").labels["spam"] >= 0.6


@pytest.mark.parametrize(
    "text",
    ["how do I reset my password?", "как сменить пароль?", "كيف أغير كلمة المرور؟", "چطور رمز را عوض کنم؟"],
)
def test_questions(text: str) -> None:
    assert K.classify_one(text).labels["question"] >= 0.75


def test_statement_is_not_a_question() -> None:
    assert K.classify_one("I reset my password yesterday.").labels["question"] < 0.5


def test_language_outside_the_configured_ones_is_none() -> None:
    assert detect_language("ты идиот", ("en", "ar")) is None
    assert detect_language("چطور", ("en", "ar")) == "ar"
    assert detect_language("12345 !!!", ("en",)) is None


async def test_batch_and_hostile_input() -> None:
    texts = ["x" * 100_000, "bad \ud800 idiot", "\u202eidiot\u202c", "", "\x00\x07"]
    results = await K.classify(texts)
    assert len(results) == len(texts)
    assert results[1].labels["toxic"] >= 0.7
    assert results[2].labels["toxic"] >= 0.7
    assert results[3].labels["toxic"] == 0.0
