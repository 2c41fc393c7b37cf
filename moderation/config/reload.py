"""Hot reload: keep the last good configuration live, reload on demand or when files change."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from moderation.config.configset import ConfigSet
from moderation.config.loader import load_config_dir
from moderation.errors import ConfigErrors

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
"""Changes arriving within this many milliseconds are handled as one reload."""


@dataclass(frozen=True)
class ReloadResult:
    """Outcome of a reload.

    Attributes:
        ok: Whether the new configuration was loaded and is now live.
        errors: Each problem as ``file:line at path: message`` (empty when ok).
        communities: Names of the communities now live (the previous set's when not ok).
    """

    ok: bool
    errors: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One human-readable paragraph for logs and the /reload command."""
        if self.ok:
            return "config reloaded: " + ", ".join(self.communities)
        head = f"config NOT reloaded ({len(self.errors)} error(s)); still using: " + ", ".join(
            self.communities
        )
        return "\n".join([head, *self.errors])


OnChange = Callable[[ReloadResult], Awaitable[None] | None]


def _is_config_file(_change: object, path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


class ConfigHolder:
    """Holds the live ConfigSet of a configuration directory.

    Attributes:
        path: The configuration directory.
        current: The live configuration (the last one that loaded without errors).
    """

    def __init__(self, path: Path | str, *, initial: ConfigSet | None = None) -> None:
        """Load the directory (or adopt ``initial``).

        Raises:
            ConfigErrors: If the first load fails: there is no good configuration to fall back on.
        """
        self.path = Path(path)
        self.current: ConfigSet = initial if initial is not None else load_config_dir(self.path)
        self._lock = asyncio.Lock()

    def reload(self) -> ReloadResult:
        """Load the directory again; on any error keep the current configuration and report."""
        try:
            fresh = load_config_dir(self.path)
        except ConfigErrors as exc:
            return self._keep(exc)
        return self._adopt(fresh)

    async def reload_async(self) -> ReloadResult:
        """Like ``reload``, but reads and validates the files in a worker thread."""
        async with self._lock:
            try:
                fresh = await asyncio.to_thread(load_config_dir, self.path)
            except ConfigErrors as exc:
                return self._keep(exc)
            return self._adopt(fresh)

    def _keep(self, exc: ConfigErrors) -> ReloadResult:
        result = ReloadResult(False, [str(e) for e in exc.errors], self.current.names())
        log.error("%s", result.summary())
        return result

    def _adopt(self, fresh: ConfigSet) -> ReloadResult:
        self.current = fresh
        result = ReloadResult(True, [], fresh.names())
        log.info("%s", result.summary())
        return result

    async def watch(
        self,
        on_change: OnChange,
        *,
        stop_event: asyncio.Event | None = None,
        debounce_ms: int = DEBOUNCE_MS,
        force_polling: bool | None = None,
    ) -> None:
        """Reload whenever a YAML file under the directory changes, and report each reload.

        Runs until cancelled or until ``stop_event`` is set. Changes within ``debounce_ms`` are
        grouped into one reload; errors in ``on_change`` are logged and watching goes on.

        Args:
            on_change: Called (and awaited if it returns an awaitable) with each reload's result.
            stop_event: Set it to stop watching.
            debounce_ms: Grouping window for changes.
            force_polling: Poll instead of using OS notifications (e.g. on network file systems).
        """
        from watchfiles import awatch  # imported here: only watching needs the native extension

        async for _changes in awatch(
            self.path,
            watch_filter=_is_config_file,
            debounce=debounce_ms,
            step=min(50, debounce_ms),
            stop_event=stop_event,
            force_polling=force_polling,
            poll_delay_ms=100,
        ):
            result = await self.reload_async()
            try:
                outcome = on_change(result)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:  # an edge: a broken callback must not stop the watcher
                log.exception("config reload callback failed")
