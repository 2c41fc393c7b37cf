"""FAQ matching by meaning with the bundled e5 encoder (cross-lingual)."""

import numpy as np
import pytest

from models.e5_torch import TorchE5Encoder
from models.factory import build_faq_matcher, shared_e5
from models.faq import ContentSpace, EmbeddingFaqMatcher, relative_score
from models.keyword import KeywordClassifier
from moderation.config.schema import ModelSettings
from moderation.ports import FaqMatcher

ENTRIES = {
    "password": ["How do I reset my password?", "I forgot my password"],
    "rules": ["What are the server rules?", "Where can I find the rules?"],
    "event": ["When is the next event?", "When does the next stream start?"],
    "refund": ["How do I get a refund?", "Can I get my money back?"],
}


@pytest.fixture(scope="module")
def matcher() -> EmbeddingFaqMatcher:
    built = build_faq_matcher(ModelSettings(backend="e5"), ["en", "ar", "ru", "fa"])
    assert isinstance(built, EmbeddingFaqMatcher)
    return built


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("i forgot my password, how do i change it", "password"),
        ("как сбросить пароль", "password"),
        ("где почитать правила", "rules"),
        ("وين القوانين", "rules"),
        ("البث القادم متى", "event"),
        ("استریم بعدی کیه", "event"),
        ("как вернуть деньги", "refund"),
    ],
)
async def test_questions_match_their_entry_across_languages(
    matcher: EmbeddingFaqMatcher, text: str, entry: str
) -> None:
    match = await matcher.match(text, None, ENTRIES)
    assert match is not None
    assert match.entry == entry  # very short dialect questions rank right but may score below 0.75


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("как сбросить пароль", "password"),
        ("أين أجد قوانين المجموعة", "rules"),
        ("قوانین سرور چیه", "rules"),
        ("استریم بعدی کی شروع میشه", "event"),
        ("когда следующий стрим", "event"),
    ],
)
async def test_full_questions_in_other_languages_pass_the_default_threshold(
    matcher: EmbeddingFaqMatcher, text: str, entry: str
) -> None:
    match = await matcher.match(text, None, ENTRIES)
    assert match is not None
    assert (match.entry, match.score >= 0.75) == (entry, True)


@pytest.mark.parametrize(
    "text",
    ["what's your favourite movie", "лол", "هل تحب القطط", "امروز هوا چطوره", "is it raining in london"],
)
async def test_unrelated_messages_score_below_the_default_threshold(
    matcher: EmbeddingFaqMatcher, text: str
) -> None:
    match = await matcher.match(text, None, ENTRIES)
    assert match is not None
    assert match.score < 0.75


@pytest.mark.parametrize(
    "text",
    [
        "how do I change my nickname",  # got the password answer (0.93) before the content space
        "как поменять ник",
        "كيف أغير اسمي في السيرفر",  # was 0.77: the password answer
        "كيف أطلع من القروب",
        "how do I report a bug",  # was 0.96: the refund answer
        pytest.param(
            "how do I leave the server",
            marks=pytest.mark.xfail(strict=True, reason="known near miss: 'server' pulls it to the rules"),
        ),
        pytest.param(
            "who won the last stream giveaway",
            marks=pytest.mark.xfail(strict=True, reason="known near miss: same event vocabulary"),
        ),
    ],
)
async def test_near_misses_on_the_same_topic_get_no_answer(matcher: EmbeddingFaqMatcher, text: str) -> None:
    match = await matcher.match(text, None, ENTRIES)
    assert match is not None
    assert match.score < 0.75, match


def test_content_space_removes_what_every_row_shares() -> None:
    rng = np.random.default_rng(0)
    shared = rng.normal(size=16)
    corpus = (rng.normal(size=(200, 16)) * 0.1 + shared).astype(np.float32)
    space = ContentSpace(corpus, directions=2)
    a, b = corpus[:2]
    raw = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    projected = space(corpus[:2])
    assert raw > 0.9  # the shared component dominates the raw cosine
    assert abs(float(projected[0] @ projected[1])) < 0.5
    assert np.allclose(np.linalg.norm(projected, axis=1), 1.0, atol=1e-5)
    assert np.allclose(projected @ space.components.T, 0.0, atol=1e-5)


async def test_clear_match_passes_default_threshold_and_variants_are_cached(
    matcher: EmbeddingFaqMatcher,
) -> None:
    match = await matcher.match("I forgot my password, can I reset it?", "en", ENTRIES)
    assert match is not None
    assert (match.entry, match.score >= 0.75) == ("password", True)
    hits = matcher._cache.hits
    await matcher.match("where are the rules", "en", ENTRIES)
    assert matcher._cache.hits >= hits + sum(len(v) for v in ENTRIES.values())


async def test_no_entries_or_empty_text_give_none(matcher: EmbeddingFaqMatcher) -> None:
    assert await matcher.match("hello", None, {}) is None
    assert await matcher.match("\u200b", None, ENTRIES) is None


def test_relative_score_is_monotonic() -> None:
    assert (
        relative_score(0.95, 0.80, 0.80) > relative_score(0.85, 0.80, 0.80) > relative_score(0.80, 0.80, 0.80)
    )
    assert 0.0 < relative_score(0.5, 0.9, 0.9) < 0.05


def test_factory_faq_matcher_follows_the_backend() -> None:
    assert build_faq_matcher(ModelSettings(backend="keyword"), ["en"]) is None
    assert build_faq_matcher(ModelSettings(backend="auto"), ["en"], KeywordClassifier(["en"])) is None
    matcher = build_faq_matcher(ModelSettings(backend="e5"), ["en"])
    assert isinstance(matcher, EmbeddingFaqMatcher)
    assert isinstance(matcher, FaqMatcher)
    # Matching by meaning uses the plain e5 layers even when the classifier's top layers are tuned.
    assert matcher.encoder.name == "e5-small-q4"
    texts = ["how do I reset my password", "как вернуть деньги"]
    encoder = shared_e5()
    if isinstance(encoder, TorchE5Encoder):
        assert np.array_equal(matcher.encoder.encode(texts), encoder.encode(texts, base=True))
