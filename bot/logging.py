"""Log setup: readable text or JSON lines on stderr, with every secret masked wherever it appears."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, TextIO

MASK = "***"
_NOISY = ("httpx", "httpcore", "aiosqlite", "watchfiles", "discord.gateway", "discord.http", "apscheduler")
_HANDLER_NAME = "steward"


class RedactingFormatter(logging.Formatter):
    """Formats a record (text or JSON), then masks every known secret in the whole output.

    Masking the final string catches secrets in arguments, exception messages and tracebacks alike
    (python-telegram-bot's HTTP client, for one, logs request URLs that contain the bot token).
    """

    def __init__(self, fmt: Literal["text", "json"], secrets: Iterable[str]) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")
        self._json = fmt == "json"
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` and mask secrets."""
        if not self._json:
            return self._mask(super().format(record))
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return self._mask(json.dumps(data, ensure_ascii=False))


def configure_logging(
    level: str = "INFO",
    fmt: Literal["text", "json"] = "text",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Send logs to ``stream`` (stderr) at ``level``, replacing an earlier Steward handler.

    Args:
        level: Root level name (``DEBUG``... ``CRITICAL``).
        fmt: ``text`` for people, ``json`` for log collectors.
        secrets: Values to mask (tokens, database password).
        stream: Where to write; default ``sys.stderr``.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(RedactingFormatter(fmt, secrets))
    root.addHandler(handler)
    root.setLevel(level)
    quiet = max(logging.WARNING, logging.getLevelName(level) if isinstance(level, str) else level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(quiet)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (at least 4 characters long) replaced by ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
