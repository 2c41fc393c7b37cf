"""Generated artefacts of the schema: config/schema.json for editors and docs/config.md for people."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from moderation.config.docgen import config_reference
from moderation.config.schema import CommunityConfig

SCHEMA_ID = "https://json-schema.org/draft/2020-12/schema"
TITLE = "Steward community configuration"
REGENERATE = "python -m moderation.config.export"
"""The command that rewrites both generated files."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a community file (``CommunityConfig``), with ``$schema`` and ``title``."""
    schema = CommunityConfig.model_json_schema(by_alias=True)
    return {"$schema": SCHEMA_ID, "title": TITLE, **{k: v for k, v in schema.items() if k != "title"}}


def schema_text() -> str:
    """The JSON Schema as the exact text committed in config/schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_json_schema(path: Path | str) -> Path:
    """Write the JSON Schema to ``path`` (creating folders) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_text(), encoding="utf-8")
    return target


def write_reference(path: Path | str) -> Path:
    """Write the Markdown key reference to ``path`` and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(config_reference(), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    """Write config/schema.json and docs/config.md under the given root (default: the current folder)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path.cwd()
    for written in (
        write_json_schema(root / "config" / "schema.json"),
        write_reference(root / "docs" / "config.md"),
    ):
        print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
