"""`steward classify`, `steward train` and `steward eval` through the real Typer app."""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from bot.cli import app
from models.heads import Heads
from models.keyword import KeywordClassifier
from models.stream import classify_lines

runner = CliRunner()


def test_classify_streams_one_json_line_per_input_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"text": "how do I reset my password"}),
        "this is not json",
        json.dumps({"text": "ты идиот"}),
        json.dumps({"message": "no text key"}),
        "",
        json.dumps({"text": "مرحبا بالجميع"}),
    ]
    result = runner.invoke(app, ["classify", "--backend", "keyword"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert len(out) == 5
    assert [("error" in o) for o in out] == [False, True, False, True, False]
    assert out[1]["line"] == 2
    assert out[3]["line"] == 4
    assert out[0]["lang"] == "en"
    assert out[2]["lang"] == "ru"
    assert out[4]["lang"] == "ar"
    assert out[2]["labels"]["toxic"] > out[0]["labels"]["toxic"]
    assert set(out[0]["labels"]) == {"toxic", "spam", "question"}


async def test_classify_lines_keeps_order_across_chunks() -> None:
    import io

    texts = [f"message {i}" + ("?" if i % 2 else "") for i in range(150)]
    out = io.StringIO()
    errors = await classify_lines(
        KeywordClassifier(["en"]), [json.dumps({"text": t}) + "\n" for t in texts], out
    )
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert errors == 0
    assert len(rows) == 150
    assert [r["labels"]["question"] > 0.5 for r in rows] == [i % 2 == 1 for i in range(150)]


def test_classify_with_the_shipped_e5_heads() -> None:
    lines = [json.dumps({"text": t}) for t in ["you are a stupid idiot", "thanks, see you tomorrow"]]
    result = runner.invoke(app, ["classify", "--backend", "e5"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    toxic = [json.loads(x)["labels"]["toxic"] for x in result.stdout.splitlines() if x.startswith("{")]
    assert toxic[0] > 0.5 > toxic[1]


def test_classify_reports_an_unloadable_model(tmp_path: Path) -> None:
    result = runner.invoke(app, ["classify", "--backend", "hf", "--path", str(tmp_path)], input="")
    assert result.exit_code == 2
    assert "not a Hugging Face model directory" in result.output


def _write(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_train_then_eval_on_a_tiny_dataset(tmp_path: Path) -> None:
    data = tmp_path / "datasets"
    data.mkdir()
    toxic = ["you idiot", "shut up moron", "you are trash", "stupid loser", "ты дебил", "заткнись урод"]
    calm = ["good morning", "thanks a lot", "see you later", "nice work", "доброе утро", "спасибо большое"]
    _write(
        data / "toxicity_xx_tiny.jsonl",
        [
            {"text": t, "lang": "ru" if not t.isascii() else "en", "task": "toxicity", "label": 1}
            for t in toxic
        ]
        + [
            {"text": t, "lang": "ru" if not t.isascii() else "en", "task": "toxicity", "label": 0}
            for t in calm
        ],
    )
    questions = ["where is the link", "how do I join", "what time is it", "can you help me"]
    _write(
        data / "question_en_tiny.jsonl",
        [{"text": t, "lang": "en", "task": "question", "label": 1} for t in questions]
        + [{"text": t, "lang": "en", "task": "question", "label": 0} for t in calm[:4]],
    )
    examples = tmp_path / "examples.jsonl"
    _write(
        examples,
        [
            {"text": "buy cheap followers now t.me/x", "lang": "en", "labels": {"spam": 1, "toxic": 0}},
            {"text": "earn $500 a day, dm me", "lang": "en", "labels": {"spam": 1, "toxic": 0}},
            {"text": "hello friends", "lang": "en", "labels": {"spam": 0, "toxic": 0}},
            {"text": "get lost you clown", "lang": "en", "labels": {"spam": 0, "toxic": 1}},
            {"text": "see you at the meetup", "lang": "en", "labels": {"spam": 0, "toxic": 0}},
        ],
    )
    out = tmp_path / "heads.npz"
    cache = tmp_path / "cache"
    args = ["train", "--datasets", str(data), "--examples", str(examples), "--out", str(out)]
    result = runner.invoke(app, [*args, "--cache-dir", str(cache), "--loso", "--no-keyword-features"])
    assert result.exit_code == 0, result.output
    heads = Heads.load(out)
    assert heads.labels == ("toxic", "spam", "question")
    assert heads.weights.shape == (3, 384)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["rebuild"].startswith("steward train")
    assert set(meta["data"]) == {"toxicity_xx_tiny.jsonl", "question_en_tiny.jsonl", "examples.jsonl"}
    assert any(r["label"] == "toxic" for r in meta["leave_one_source_out"])
    assert "leave-one-source-out ROC-AUC" in result.output
    assert list(cache.rglob("shard-*.npz"))  # embeddings were cached

    evalfile = tmp_path / "eval.jsonl"
    _write(
        evalfile,
        [{"text": t, "lang": "en", "task": "toxicity", "label": 1} for t in toxic[:4]]
        + [{"text": t, "lang": "en", "task": "toxicity", "label": 0} for t in calm[:4]],
    )
    result = runner.invoke(app, ["eval", str(evalfile), "--heads", str(out)])
    assert result.exit_code == 0, result.output
    assert "ROC-AUC" in result.output
    assert "calibration: toxic" in result.output
    auc_line = next(x for x in result.output.splitlines() if x.startswith("toxic") and " en " in x)
    assert float(auc_line.split()[4]) > 0.9  # training texts are separable by their own head
    assert np.isfinite(heads.weights).all()


async def test_train_with_keyword_features_and_classify_with_them(tmp_path: Path) -> None:
    from models.factory import build_classifier
    from moderation.config.schema import ModelSettings

    data = tmp_path / "datasets"
    data.mkdir()
    toxic = ["you idiot", "shut up moron", "stupid loser", "ты дебил", "you are a jerk"]
    calm = ["good morning", "thanks a lot", "see you later", "доброе утро", "nice work"]
    _write(
        data / "toxicity_en_tiny.jsonl",
        [{"text": t, "lang": "en", "task": "toxicity", "label": 1} for t in toxic]
        + [{"text": t, "lang": "en", "task": "toxicity", "label": 0} for t in calm],
    )
    examples = tmp_path / "examples.jsonl"
    _write(examples, [{"text": "get lost you clown", "lang": "en", "labels": {"toxic": 1}}])
    out = tmp_path / "kw.npz"
    args = [
        "train",
        "--datasets",
        str(data),
        "--examples",
        str(examples),
        "--out",
        str(out),
        "--keyword-features",
    ]
    result = runner.invoke(app, [*args, "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    heads = Heads.load(out)
    assert heads.features == ("kw_toxic", "kw_spam", "kw_question")
    assert heads.weights.shape == (1, 387)
    assert heads.dim == 384
    assert json.loads(out.with_suffix(".json").read_text())["keyword_features_sha256"]
    clf = build_classifier(ModelSettings(backend="e5"), ["en"], heads_path=out)
    bad, good = await clf.classify(["you idiot", "good morning"])  # training texts: plumbing, not quality
    assert bad.labels["toxic"] > good.labels["toxic"]
    await clf.aclose()  # type: ignore[attr-defined]

    evalfile = tmp_path / "eval.jsonl"
    _write(evalfile, [{"text": t, "lang": "en", "task": "toxicity", "label": 1} for t in toxic[:3]])
    with evalfile.open("a", encoding="utf-8") as fh:
        fh.writelines(
            json.dumps({"text": t, "lang": "en", "task": "toxicity", "label": 0}) + "\n" for t in calm[:3]
        )
    result = runner.invoke(
        app, ["eval", str(evalfile), "--heads", str(out)]
    )  # the keyword columns are appended
    assert result.exit_code == 0, result.output
    auc_line = next(x for x in result.output.splitlines() if x.startswith("toxic") and " en " in x)
    assert float(auc_line.split()[4]) > 0.9
