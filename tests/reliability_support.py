"""Shared by the reliability tests and ``bench/load.py``: a many-chat Telegram community config."""

from __future__ import annotations

from pathlib import Path

import yaml

BASE_CHAT = -1002000000000
BAD_WORD = "idiot"


def chat_ids(chats: int) -> list[int]:
    """``chats`` Telegram supergroup ids."""
    return [BASE_CHAT - i for i in range(chats)]


def write_load_config(path: Path, chats: int, *, backend: str = "keyword") -> Path:
    """A config dir: one community over ``chats`` Telegram groups; a bad word is deleted with a reply.

    There is no moderators' chat, so nothing is posted beyond the replies (Telegram paces posting to
    20 messages a minute per group; spreading the load over many groups keeps within it).
    """
    community = {
        "community": "load",
        "platforms": {"telegram": {"chat_ids": [str(c) for c in chat_ids(chats)]}},
        "levels": {"telegram:admin": 50, "telegram:creator": 100},
        "voice": {"replies": {"removed": {"en": "Removed, {user}."}}},
        "rules": {
            "badwords": {
                "triggers": {"words": {"words": [BAD_WORD]}},
                "actions": {"delete": True, "reply": "removed"},
            }
        },
    }
    (path / "communities").mkdir(parents=True, exist_ok=True)
    (path / "defaults.yaml").write_text(yaml.safe_dump({"model": {"backend": backend}}), encoding="utf-8")
    (path / "communities" / "load.yaml").write_text(yaml.safe_dump(community), encoding="utf-8")
    return path
