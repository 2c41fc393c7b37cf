"""Composition root: config holder, store, classifier and service, then the sandbox or the platforms.

``steward run`` lands in :func:`run`. With no platform token it starts the sandbox console; otherwise
every platform whose token is set, each imported lazily through :data:`PLATFORMS` (so a Telegram-only
deployment never imports discord.py). SIGINT/SIGTERM stop everything cleanly; config edits are picked up
by ``ConfigHolder.watch``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO

from bot.classifier_service import RemoteClassifier
from bot.leader import scheduler_leadership
from bot.logging import configure_logging
from bot.observability import Observability
from bot.sandbox.world import PLATFORM, SPACE_ID
from bot.scheduler import Scheduler
from bot.settings import Settings, mask_url
from models.factory import build_classifier, build_faq_matcher
from moderation.config.configset import ConfigSet
from moderation.config.reload import ConfigHolder, ReloadResult
from moderation.ports import Classifier, FaqMatcher, SystemClock
from moderation.service import ModerationService
from moderation.storage.resilience import resilient
from moderation.storage.store import SqlStore, open_store

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0


class PlatformRunner(Protocol):
    """What the runtime needs from a platform adapter: start in this loop, stop cleanly."""

    async def start(self) -> None:
        """Connect and start receiving updates (returns once running)."""
        ...

    async def stop(self) -> None:
        """Stop receiving updates and close connections."""
        ...


class PlatformFailed(Exception):
    """A platform adapter could not start (bad token, unreachable API...)."""

    def __init__(self, platform: str, cause: BaseException) -> None:
        self.platform = platform
        super().__init__(f"{platform} could not start: {type(cause).__name__}: {cause}")


class DatabaseUnavailable(Exception):
    """The database cannot be opened or migrated."""


class PlatformGone(Exception):
    """Every platform connection ended for good while running."""


class PlatformFactory(Protocol):
    """An adapter module's ``create_runner``."""

    def __call__(
        self, core: Core, settings: Settings, environ: Mapping[str, str] | None = None
    ) -> PlatformRunner:
        """Build the adapter's runner (it may read extra ``<PLATFORM>_*`` knobs from ``environ``)."""
        ...


PLATFORMS: dict[str, str] = {
    "discord": "bot.discord.runtime",
    "telegram": "bot.telegram.runtime",
}
"""Platform name -> adapter module with ``create_runner(core, settings, environ) -> PlatformRunner``.
A module is imported only when its platform's token is set (so Telegram alone never imports discord.py)."""


def load_platform(name: str) -> PlatformFactory:
    """Import a platform adapter's ``create_runner`` by its module name in :data:`PLATFORMS`."""
    try:
        module = importlib.import_module(PLATFORMS[name])
        factory: PlatformFactory = module.create_runner
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"the {name} adapter ({PLATFORMS[name]}) cannot be loaded: {exc}") from exc
    return factory


@dataclass
class Core:
    """The wired core: configuration, storage, classifier and service."""

    config: ConfigHolder
    store: SqlStore
    classifier: Classifier
    service: ModerationService

    def communities(self) -> list[str]:
        """Names of the communities in the live configuration."""
        return sorted(self.config.current.communities)

    async def close(self) -> None:
        """Write the community manager's queued records, release the database (and a classifier service)."""
        if self.service.manager is not None:
            await self.service.manager.close()
        if isinstance(self.classifier, RemoteClassifier):
            await self.classifier.aclose()
        await self.store.close()


def languages_of(configset: ConfigSet) -> list[str]:
    """Every language any community uses, in a stable order."""
    found: dict[str, None] = {}
    for name in sorted(configset.communities):
        for lang in configset.communities[name].base.languages:
            found.setdefault(lang, None)
    return list(found)


def classifier_name(core: Core) -> str:
    """A short human name for the classifier in use, e.g. ``KeywordClassifier (backend auto)``."""
    kind = getattr(core.classifier, "name", None) or type(core.classifier).__name__
    return f"{kind} (backend {core.config.current.model.backend})"


async def build_core(
    settings: Settings, *, config_dir: Path | None = None, database_url: str | None = None
) -> Core:
    """Load the configuration, open the database and build the service.

    Raises:
        ConfigErrors: The configuration does not load.
        ConfigDirNotFound: There is no configuration directory.
        ModelError: The configured classifier cannot be loaded.
        DatabaseUnavailable: The database cannot be opened or migrated.
    """
    holder = ConfigHolder(config_dir or settings.resolved_config_dir())
    url = database_url or settings.database_url.get_secret_value()
    try:
        store = resilient(await open_store(url))  # store calls ride out a brief database outage
    except Exception as exc:  # driver errors differ per database; say which one failed, without secrets
        raise DatabaseUnavailable(f"cannot open the database {mask_url(url)}: {exc}") from exc
    try:
        configset = holder.current
        languages = languages_of(configset)
        classifier: Classifier
        faq: FaqMatcher | None = None  # with a classifier service: FAQ by keywords (no model here)
        if settings.classifier_url:
            classifier = await RemoteClassifier.connect(settings.classifier_url)
        else:
            classifier = build_classifier(configset.model, languages)
            faq = build_faq_matcher(configset.model, languages, classifier)
        service = ModerationService(
            config=holder, store=store, classifier=classifier, clock=SystemClock(), faq_matcher=faq
        )
    except BaseException:
        await store.close()
        raise
    return Core(holder, store, classifier, service)


def sandbox_community(configset: ConfigSet) -> str:
    """The community the sandbox simulates: the one whose config enables ``platforms.sandbox``.

    Raises:
        ValueError: No community enables the sandbox.
    """
    found = configset.community_for(PLATFORM, SPACE_ID)
    if found is None:
        raise ValueError(
            "no community enables the sandbox: add 'platforms: {sandbox: {channels: [general]}}' "
            f"to one of {', '.join(sorted(configset.communities)) or 'your communities'}"
        )
    return found


def _install_signals(stop: asyncio.Event) -> Callable[[], None]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            pass

    def remove() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)

    return remove


async def _finish(tasks: Iterable[asyncio.Task[Any]]) -> None:
    pending = [t for t in tasks if not t.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def _log_watch_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("configuration watching stopped; use /reload after edits", exc_info=task.exception())


def _reload_logger(listeners: list[Callable[[ReloadResult], None]]) -> Callable[[ReloadResult], None]:
    def on_change(result: ReloadResult) -> None:
        if result.ok:
            log.info("configuration reloaded: %s", ", ".join(result.communities))
        else:
            log.warning(
                "configuration edit rejected, keeping the last good one:\n%s", "\n".join(result.errors)
            )
        for listener in listeners:
            listener(result)

    return on_change


@dataclass
class _Running:
    """What the sandbox or the platforms need while Steward runs."""

    core: Core
    settings: Settings
    stop: asyncio.Event
    scheduler: Scheduler
    listeners: list[Callable[[ReloadResult], None]]
    observability: Observability | None = None


async def _run_sandbox(ctx: _Running, io: tuple[BinaryIO, TextIO]) -> None:
    from bot.sandbox.app import SandboxConsole  # the console is only needed without tokens
    from bot.sandbox.gateway import reports_dir_for

    stdin, stdout = io
    name = sandbox_community(ctx.core.config.current)
    sandbox = ctx.core.config.current.communities[name].base.platforms.sandbox
    pending = await ctx.core.store.pending_reviews(name, limit=100_000)
    held = [int(r.message_id) for r in pending if r.platform == PLATFORM and r.message_id.isdigit()]
    console = SandboxConsole(
        ctx.core.service,
        community=name,
        channels=sandbox.channels if sandbox is not None else ["general"],
        stdout=stdout,
        clock=SystemClock(),
        first_message_id=max([1000, *held]) + 1,
        reports_dir=reports_dir_for(ctx.settings.database_url.get_secret_value()),
    )
    ctx.listeners.append(lambda r: console.config_changed(r.ok, r.errors, r.communities))
    console.banner(
        config_dir=str(ctx.core.config.current.source_dir),
        database=ctx.settings.database_display(),
        classifier=classifier_name(ctx.core),
    )
    await ctx.scheduler.start()
    await console.run(stdin)
    ctx.stop.set()


async def _run_sandbox_quietly(ctx: _Running, io: tuple[BinaryIO, TextIO]) -> None:
    try:
        await _run_sandbox(ctx, io)
    except BrokenPipeError:  # whoever read our output is gone (``steward run | head``): just stop
        ctx.stop.set()


async def _run_platforms(ctx: _Running, names: Iterable[str]) -> None:
    runners: list[tuple[str, PlatformRunner]] = []
    try:
        for name in names:
            runner = load_platform(name)(ctx.core, ctx.settings, ctx.settings.environ())
            try:
                await runner.start()
            except Exception as exc:
                raise PlatformFailed(name, exc) from exc
            runners.append((name, runner))
            log.info("%s: started", name)
        obs = ctx.observability
        if obs is not None:
            obs.platforms_ready()
        async with scheduler_leadership(
            ctx.scheduler,
            ctx.settings.database_url.get_secret_value(),
            lease=ctx.settings.leader_lease_seconds,
            on_change=obs.metrics.leader.set if obs is not None else None,
        ):
            await _watch_connections(ctx.stop, runners)
    finally:
        for name, runner in reversed(runners):
            try:
                await asyncio.wait_for(runner.stop(), STOP_GRACE_SECONDS)
            except Exception:  # the edge: one adapter failing to stop must not block the others
                log.exception("%s: did not stop cleanly", name)


async def _watch_connections(stop: asyncio.Event, runners: list[tuple[str, PlatformRunner]]) -> None:
    """Wait for ``stop``; a connection that ends for good is logged, and when none is left, it raises.

    Adapters may expose ``connection``, the task holding their connection (done when it gave up).
    One platform going away leaves the others running; with nothing left, Steward exits non-zero so
    that a supervisor (systemd, Docker) restarts it.
    """
    tasks: dict[asyncio.Future[Any], str] = {}
    for name, runner in runners:
        connection = getattr(runner, "connection", None)
        if isinstance(connection, asyncio.Future):
            tasks[connection] = name
    unwatched = len(runners) - len(tasks)
    stopper = asyncio.ensure_future(stop.wait())
    pending: set[asyncio.Future[Any]] = {stopper, *tasks}
    try:
        while not stop.is_set():
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopper}:
                log.error("%s: the connection ended for good; the other platforms keep running", tasks[task])
            if not stop.is_set() and unwatched == 0 and pending == {stopper}:
                raise PlatformGone("every platform connection ended")
    finally:
        stopper.cancel()


def _stdio(stdin: BinaryIO | None, stdout: TextIO | None) -> tuple[BinaryIO, TextIO]:
    if stdout is None:
        stdout = sys.stdout
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    return (stdin if stdin is not None else sys.stdin.buffer), stdout


async def run(
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Run Steward until SIGINT/SIGTERM (or, in the sandbox, ``/quit`` or end of input).

    Args:
        settings: The environment.
        stdin: Sandbox input (bytes); default the process's stdin.
        stdout: Sandbox output; default the process's stdout.

    Raises:
        ConfigErrors: The configuration does not load at start.
        ConfigDirNotFound: There is no configuration directory.
    """
    tokens = settings.tokens()
    level = settings.log_level or ("INFO" if tokens else "WARNING")
    configure_logging(level, settings.log_format, secrets=settings.secrets())
    unknown = sorted(set(tokens) - set(PLATFORMS))
    if unknown:
        raise ValueError(f"no adapter registered for {', '.join(unknown)}")
    if not tokens:
        with contextlib.suppress(BrokenPipeError):
            io = _stdio(stdin, stdout)
            io[1].write("Starting the Steward sandbox (no DISCORD_TOKEN or TELEGRAM_TOKEN set)…\n")
            io[1].flush()
    observability = await Observability.start(settings)  # /healthz answers while the model loads
    try:
        core = await build_core(settings)
    except BaseException:
        await observability.close()
        raise
    stop = asyncio.Event()
    remove_signals = _install_signals(stop)
    ctx = _Running(core, settings, stop, Scheduler(core.service), [], observability)
    observability.attach(core, ctx.scheduler, core.service)
    watcher = asyncio.create_task(core.config.watch(_reload_logger(ctx.listeners)), name="config-watch")
    watcher.add_done_callback(_log_watch_end)
    if tokens:
        main: Coroutine[Any, Any, None] = _run_platforms(ctx, sorted(tokens))
    else:
        main = _run_sandbox_quietly(ctx, _stdio(stdin, stdout))
    worker = asyncio.create_task(main, name="platforms" if tokens else "sandbox")
    stopper = asyncio.create_task(stop.wait(), name="stop")
    try:
        await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        if tokens and not worker.done():  # adapters watch ``stop`` and close their connections
            await asyncio.wait({worker}, timeout=STOP_GRACE_SECONDS)
    finally:
        remove_signals()
        ctx.scheduler.stop()
        await _finish([worker, stopper, watcher])
        if not await core.service.intake.drain(STOP_GRACE_SECONDS):  # in-flight messages get decided
            log.warning("stopped with messages still in flight; their stored decisions resume at start")
        await observability.close()
        await core.close()
        log.info("stopped")
    failure = worker.exception() if worker.done() and not worker.cancelled() else None
    if failure is not None:
        raise failure
