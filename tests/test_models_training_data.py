"""Training rows: threat rows derived from functionality labels, chat negatives, and what the tuning keeps."""

import json
from pathlib import Path

from models.training.data import cross_task_negatives, load_dataset_file, threat_label


def _write(path: Path, objs: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    return path


def test_threat_label_comes_from_the_functionality_of_a_toxicity_row() -> None:
    assert threat_label({"task": "toxicity", "orig_label": "threat_dir_h|hateful"}) == 1
    assert threat_label({"task": "toxicity", "orig_label": "threat_norm_h|hateful"}) == 1
    assert threat_label({"task": "toxicity", "orig_label": "derog_neg_emote_h|hateful"}) == 0
    assert threat_label({"task": "toxicity", "orig_label": "counter_quote_nh|non-hateful"}) == 0
    # Without a functionality the threat label is unknown, not 0.
    assert threat_label({"task": "toxicity", "orig_label": "offensive_language"}) is None
    assert threat_label({"task": "toxicity", "orig_label": "toxicity=1;distortion=0"}) is None
    assert threat_label({"task": "toxicity"}) is None
    assert threat_label({"task": "spam", "orig_label": "threat_dir_h|hateful"}) is None


def _tox(text: str, label: int, orig: str) -> dict[str, object]:
    return {"text": text, "lang": "en", "task": "toxicity", "label": label, "orig_label": orig}


def test_functionality_labelled_files_also_give_threat_rows_without_changing_the_toxic_rows(
    tmp_path: Path,
) -> None:
    objs = [
        _tox("I will hurt you", 1, "threat_dir_h|hateful"),
        _tox("you are vile", 1, "derog_h|hateful"),
        _tox("I love them", 0, "ident_pos_nh|non-hateful"),
    ]
    rows = load_dataset_file(_write(tmp_path / "toxicity_en_check.jsonl", objs))
    toxic = {r.text: r.y for r in rows if r.label == "toxic"}
    threat = {r.text: r.y for r in rows if r.label == "threat"}
    assert toxic == {"I will hurt you": 1, "you are vile": 1, "I love them": 0}
    assert threat == {"I will hurt you": 1, "you are vile": 0, "I love them": 0}
    # The cap counts toxicity rows only: the threat rows follow the rows it kept.
    capped = load_dataset_file(tmp_path / "toxicity_en_check.jsonl", cap=2)
    kept = {r.text for r in capped if r.label == "toxic"}
    assert len(kept) == 2
    assert {r.text for r in capped if r.label == "threat"} == kept

    plain = _write(tmp_path / "toxicity_en_plain.jsonl", [_tox("so rude", 1, "offensive")])
    assert {r.label for r in load_dataset_file(plain)} == {"toxic"}


def test_everyday_chat_is_a_negative_for_toxic_spam_and_threat(tmp_path: Path) -> None:
    objs = [{"text": "what time is the meetup", "lang": "en", "task": "question", "label": 1}]
    rows = load_dataset_file(_write(tmp_path / "question_en_chat.jsonl", objs))
    negatives = cross_task_negatives(rows)
    assert {(r.label, r.y) for r in negatives} == {("toxic", 0), ("spam", 0), ("threat", 0)}
