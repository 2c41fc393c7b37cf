import pytest

from models.langid import LanguageIdentifier
from models.text import clean_text


def test_clean_text_removes_invisible_and_bidi_characters() -> None:
    assert clean_text("i\u200bd\u200di\u2060o\u202et  \n here") == "idiot here"
    assert clean_text("\ufeff  ") == ""
    assert clean_text("x" * 600) == "x" * 512


def test_clean_text_keeps_real_text() -> None:
    texts = [
        "Привет, как дела?",
        "سلام، حالت چطوره؟",
        "مرحبا 👋",
        "Café naïve",
        "встреча в 5й аудитории в 2023году",
    ]
    for text in [*texts, "iPhoneы и Wi-Fi", "Ωmega 3 capsules", "ставка 6% на 3 года"]:
        assert clean_text(text) == text


def test_clean_text_writes_disguised_words_in_their_own_script() -> None:
    # Latin lookalikes in Russian words, Cyrillic ones in English words, digits for Russian letters
    assert clean_text("ты сyка, пuдор") == "ты сука, пидор"
    assert clean_text("СУKА xyй") == "СУКА хуй"
    assert clean_text("login at рaypal") == "login at paypal"
    assert clean_text("п0рно и 3аебал") == "порно и заебал"


@pytest.fixture(scope="module")
def langid() -> LanguageIdentifier:
    return LanguageIdentifier(["en", "ar", "ru", "fa"], preload=True)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hey everyone, how is it going", "en"),
        ("ok", "en"),
        ("привет, когда начнётся стрим", "ru"),
        ("مرحبا كيف حالك", "ar"),
        ("هل يمكنك مساعدتي في التثبيت", "ar"),
        ("متى يبدأ الاجتماع", "ar"),
        ("سلام حالت چطوره", "fa"),
        ("کسی می‌دونه لینک دانلود کجاست", "fa"),
        ("من خیلی خوشحالم", "fa"),
        ("این برنامه خیلی خوبه", "fa"),
    ],
)
def test_language_id_on_sample_sentences(langid: LanguageIdentifier, text: str, lang: str) -> None:
    assert langid.detect(text) == lang


def test_language_id_is_restricted_to_configured_languages() -> None:
    only_en_ru = LanguageIdentifier(["en", "ru"])
    assert only_en_ru.detect("bonjour tout le monde") == "en"
    assert only_en_ru.detect("مرحبا كيف حالك") is None
    assert only_en_ru.detect("12345 !!! 😂") is None
    arabic_only = LanguageIdentifier(["ar"])
    assert arabic_only.detect("سلام حالت چطوره") == "ar"


def test_language_id_uses_lingua_between_latin_languages() -> None:
    ident = LanguageIdentifier(["en", "fr", "de"])
    assert ident.detect("bonjour, est-ce que quelqu'un peut m'aider") == "fr"
    assert ident.detect("kann mir bitte jemand helfen") == "de"
    assert ident.detect("can someone please help me") == "en"
