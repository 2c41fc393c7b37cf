"""Settings of the Telegram adapter, read from the environment (secrets never come from YAML)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

DEFAULT_API = "https://api.telegram.org"


@dataclass(frozen=True)
class TelegramOptions:
    """How to reach Telegram and receive updates.

    Attributes:
        token: The bot token from BotFather (``TELEGRAM_TOKEN``).
        api_base_url: Bot API server (``TELEGRAM_API_BASE_URL``), e.g. a self-hosted telegram-bot-api.
        mode: ``polling`` (default) or ``webhook`` (``TELEGRAM_MODE``).
        poll_interval: Seconds between getUpdates calls; also the start of the back-off after errors.
        poll_timeout: Long-poll timeout of getUpdates in seconds.
        webhook_listen: Address the webhook server binds (``TELEGRAM_WEBHOOK_LISTEN``).
        webhook_port: Its port (``TELEGRAM_WEBHOOK_PORT``).
        webhook_path: URL path of the webhook (``TELEGRAM_WEBHOOK_PATH``).
        webhook_url: Public HTTPS URL Telegram posts to (``TELEGRAM_WEBHOOK_URL``).
        webhook_secret: Secret checked on every webhook request (``TELEGRAM_WEBHOOK_SECRET``; generated
            when unset).
        admin_cache_ttl: Seconds before a chat's administrator list is fetched again.
        rate_limit_retries: How often a request answered 429 is retried after ``retry_after``.
        concurrent_updates: How many updates are processed at the same time.
        bootstrap_retries: How often start-up calls (deleteWebhook/setWebhook) are retried before giving up.
    """

    token: str
    api_base_url: str = DEFAULT_API
    mode: Literal["polling", "webhook"] = "polling"
    poll_interval: float = 0.0
    poll_timeout: float = 10.0
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    admin_cache_ttl: float = 300.0
    rate_limit_retries: int = 3
    concurrent_updates: int = 16
    bootstrap_retries: int = 3

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TelegramOptions | None:
        """Options from ``TELEGRAM_*`` variables, or ``None`` when ``TELEGRAM_TOKEN`` is unset."""
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_TOKEN", "").strip()
        if not token:
            return None
        mode = env.get("TELEGRAM_MODE", "polling").strip().lower()
        if mode not in ("polling", "webhook"):
            raise ValueError(f"TELEGRAM_MODE must be 'polling' or 'webhook', not {mode!r}")
        if mode == "webhook" and not env.get("TELEGRAM_WEBHOOK_URL"):
            raise ValueError("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL (the public https:// address)")
        return cls(
            token=token,
            api_base_url=env.get("TELEGRAM_API_BASE_URL", DEFAULT_API).rstrip("/"),
            mode="webhook" if mode == "webhook" else "polling",
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0"),
            webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT", "8443")),
            webhook_path=env.get("TELEGRAM_WEBHOOK_PATH", "telegram").strip("/"),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        )

    def with_secret(self) -> TelegramOptions:
        """These options with a webhook secret (a random one when none was configured)."""
        if self.webhook_secret:
            return self
        return replace(self, webhook_secret=secrets.token_urlsafe(32))
