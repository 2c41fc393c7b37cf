"""Bring-your-own-model backend, with a tiny random BERT built and saved inside the test."""

from pathlib import Path

import numpy as np
import pytest

from models.classifier import BatchedClassifier
from models.errors import ModelError
from models.factory import build_classifier
from models.hf import HF_HEADS_FILE, HFEncoder
from models.training.data import Row
from models.training.fit import train_heads
from moderation.config.schema import ModelSettings

VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "you",
    "are",
    "an",
    "idiot",
    "hello",
    "friend",
    "buy",
    "now",
    "?",
]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    directory = tmp_path_factory.mktemp("tiny-bert")
    vocab = {w: i for i, w in enumerate(VOCAB)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    ).save_pretrained(directory)
    config = BertConfig(  # type: ignore[call-arg]
        vocab_size=len(VOCAB),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        initializer_range=1.0,
        num_labels=3,
        id2label={0: "toxicity", 1: "insult", 2: "neutral"},
        label2id={"toxicity": 0, "insult": 1, "neutral": 2},
        problem_type="multi_label_classification",
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(directory)
    return directory


async def test_sequence_classification_model_with_label_map(tiny_bert: Path) -> None:
    settings = ModelSettings(
        backend="hf",
        path=str(tiny_bert),
        kind="sequence-classification",
        label_map={"toxicity": "toxic", "insult": "toxic", "neutral": "calm"},
    )
    clf = build_classifier(settings, ["en", "ru"])
    assert isinstance(clf, BatchedClassifier)
    assert clf.labels == frozenset({"toxic", "calm"})
    results = await clf.classify(["you are an idiot", "hello friend", "привет"])
    assert [r.lang for r in results] == ["en", "en", "ru"]
    for r in results:
        assert set(r.labels) == {"toxic", "calm"}
        assert all(0.0 <= p <= 1.0 for p in r.labels.values())
    # Random weights still give different scores to different texts, and the same score to the same text.
    assert results[0].labels != results[1].labels
    assert (await clf.classify(["you are an idiot"]))[0] == results[0]
    await clf.aclose()


async def test_softmax_when_single_label_problem(tiny_bert: Path, tmp_path: Path) -> None:
    import json
    import shutil

    copy = tmp_path / "softmax"
    shutil.copytree(tiny_bert, copy)
    config = json.loads((copy / "config.json").read_text())
    config["problem_type"] = "single_label_classification"
    (copy / "config.json").write_text(json.dumps(config))
    clf = build_classifier(
        ModelSettings(backend="hf", path=str(copy), kind="sequence-classification"), ["en"]
    )
    (result,) = await clf.classify(["buy now"])
    assert set(result.labels) == {"toxicity", "insult", "neutral"}
    assert sum(result.labels.values()) == pytest.approx(1.0, abs=1e-3)
    await clf.aclose()  # type: ignore[attr-defined]


def test_unknown_label_in_label_map_is_a_clear_error(tiny_bert: Path) -> None:
    settings = ModelSettings(
        backend="hf", path=str(tiny_bert), kind="sequence-classification", label_map={"hate": "toxic"}
    )
    with pytest.raises(ModelError, match=r"hate.*toxicity, insult, neutral"):
        build_classifier(settings, ["en"])


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a Hugging Face model directory"):
        build_classifier(ModelSettings(backend="hf", path=str(tmp_path)), ["en"])
    with pytest.raises(ModelError, match=r"needs model\.path"):
        build_classifier(ModelSettings(backend="hf"), ["en"])


async def test_encoder_kind_needs_heads_for_its_dimension_then_uses_them(
    tiny_bert: Path, tmp_path: Path
) -> None:
    import shutil

    model_dir = tmp_path / "encoder"
    shutil.copytree(tiny_bert, model_dir)
    settings = ModelSettings(backend="hf", path=str(model_dir), kind="encoder")
    with pytest.raises(ModelError, match=r"no heads .*16-dimensional.*steward train --hf-path"):
        build_classifier(settings, ["en"])

    encoder = HFEncoder(model_dir)
    texts = ["you are an idiot", "idiot idiot", "you idiot", "hello friend", "hello", "friend ?"]
    rows = [Row(t, "en", "toxic", int("idiot" in t), "test") for t in texts]
    emb = encoder.encode(texts)
    assert emb.shape == (6, 16)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    repeat = 50  # more (identical) rows = weaker regularisation on this tiny set
    heads = train_heads(
        rows * repeat, np.tile(emb, (repeat, 1)), ["toxic"], encoder=encoder.name, calibrate=False
    )
    heads.save(model_dir / HF_HEADS_FILE)

    clf = build_classifier(settings, ["en"])
    results = await clf.classify(texts)
    toxic = [r.labels["toxic"] for r in results]
    # The heads learnt the training split of this encoder.
    assert np.mean(toxic[:3]) > np.mean(toxic[3:]) + 0.2
    await clf.aclose()  # type: ignore[attr-defined]
