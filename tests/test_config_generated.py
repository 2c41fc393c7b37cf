"""The committed config/schema.json and docs/config.md match the schema (regenerate when it changes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.config.docgen import config_reference, reference_rows
from moderation.config.export import REGENERATE, json_schema, main, schema_text, write_json_schema

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("relative", "render"),
    [("config/schema.json", schema_text), ("docs/config.md", config_reference)],
)
def test_committed_file_is_up_to_date(relative: str, render: object) -> None:
    committed = (ROOT / relative).read_text(encoding="utf-8")
    assert callable(render)
    assert committed == render(), f"{relative} is stale; regenerate it with: .venv/bin/{REGENERATE}"


def test_json_schema_describes_community_files() -> None:
    schema = json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] == "Steward community configuration"
    assert schema["required"] == ["community"]
    assert schema["additionalProperties"] is False
    assert "not" in schema["$defs"]["Criteria"]["properties"]


def test_write_json_schema_round_trips(tmp_path: Path) -> None:
    target = write_json_schema(tmp_path / "nested" / "schema.json")
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(schema_text())


def test_main_writes_both_files(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "config" / "schema.json").is_file()
    assert (tmp_path / "docs" / "config.md").read_text(encoding="utf-8") == config_reference()


def test_reference_lists_every_leaf_key_with_type() -> None:
    rows = {path.strip("`"): (kind, default) for path, kind, default, _ in reference_rows()}
    assert rows["rules.<name>.triggers.classifier.act_at"] == ("number 0..1", "—")
    assert rows["strikes.ladder[].within"] == ("duration", "required")
    assert rows["moderation.review_expiry"][0] == "duration"
    assert rows["overrides[].not"][0] == "mapping"
    assert rows["rules.<name>.triggers.words.patterns"][0] == "list of regular expression"
