"""``/metrics``, ``/healthz`` and ``/readyz`` on ``METRICS_HOST:METRICS_PORT``, and the hooks that feed them.

``/healthz`` answers 200 as long as the event loop runs (liveness: Docker's HEALTHCHECK). ``/readyz``
answers 200 only once the model is loaded and every platform has started, 503 before that and while
stopping (readiness: a load balancer or Kubernetes). ``/metrics`` is Prometheus' text format.
Without ``METRICS_PORT`` nothing listens, but the hooks still count (cheap, in-process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from aiohttp import web

from bot.metrics import CONTENT_TYPE, StewardMetrics
from bot.scheduler import Scheduler
from bot.settings import Settings
from moderation.ports import Classification, Classifier, Store

log = logging.getLogger(__name__)

QUEUE_REFRESH_SECONDS = 15.0
QUEUE_LIMIT = 100_000


class _Core(Protocol):
    """The parts of ``bot.runtime.Core`` used here."""

    @property
    def store(self) -> Store:
        """The database."""
        ...

    def communities(self) -> list[str]:
        """Configured community names."""
        ...


class TimedClassifier:
    """Wraps a classifier without its own micro-batcher, timing each call as one batch."""

    def __init__(self, inner: Classifier, metrics: StewardMetrics) -> None:
        self.inner = inner
        self._metrics = metrics
        self.name = getattr(inner, "name", None) or type(inner).__name__

    @property
    def labels(self) -> frozenset[str]:
        """Labels of the wrapped classifier."""
        return self.inner.labels

    async def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify through the wrapped classifier and record size and time."""
        started = time.perf_counter()
        result = await self.inner.classify(texts)
        self._metrics.classifier_batch(len(texts), time.perf_counter() - started)
        return result


def instrument_classifier(service: Any, metrics: StewardMetrics) -> None:
    """Hook the service's classifier: its micro-batcher reports real batches, else each call is timed."""
    batcher = getattr(service.classifier, "batcher", None)
    if batcher is not None and hasattr(batcher, "on_batch"):
        batcher.on_batch = metrics.classifier_batch
    elif not isinstance(service.classifier, TimedClassifier):
        service.classifier = TimedClassifier(service.classifier, metrics)


class Observability:
    """The process's metrics, readiness state and (when configured) its HTTP endpoint.

    Create it with :meth:`start` before the model loads (so ``/healthz`` answers during a slow start),
    :meth:`attach` it to the core, call :meth:`platforms_ready` once the adapters run, and
    :meth:`close` it at the end.
    """

    def __init__(self, metrics: StewardMetrics | None = None) -> None:
        self.metrics = metrics or StewardMetrics()
        self.model_ready = False
        self.platforms_started = False
        self.stopping = False
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    async def start(cls, settings: Settings) -> Observability:
        """An Observability serving on ``METRICS_HOST:METRICS_PORT`` (or not serving when unset).

        Raises:
            OSError: The port cannot be bound.
        """
        obs = cls()
        if settings.metrics_port is not None:
            await obs.serve(settings.metrics_host, settings.metrics_port)
        return obs

    @property
    def ready(self) -> bool:
        """Whether ``/readyz`` answers 200."""
        return self.model_ready and self.platforms_started and not self.stopping

    def _update_ready(self) -> None:
        self.metrics.ready.set(1 if self.ready else 0)

    async def serve(self, host: str, port: int) -> None:
        """Listen on ``host:port`` (``0``: a free port, then in :attr:`port`)."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        self.port = int(addresses[0][1]) if addresses else port
        log.info("metrics and health on http://%s:%s (/metrics, /healthz, /readyz)", host, self.port)

    def attach(self, core: _Core, scheduler: Scheduler, service: Any) -> None:
        """Wire the hooks into a built core: decisions, classifier batches, scheduler lag, queue depth."""
        if self.metrics not in service.observers:
            service.observers.append(self.metrics)
        instrument_classifier(service, self.metrics)
        scheduler.on_job_start = self.metrics.job_started
        self.model_ready = True
        self._update_ready()
        self._tasks.append(asyncio.create_task(self._refresh_queue(core), name="metrics-queue-depth"))

    def platforms_ready(self) -> None:
        """Every platform adapter has started."""
        self.platforms_started = True
        self._update_ready()
        log.info("ready")

    async def _refresh_queue(self, core: _Core) -> None:
        while True:
            try:
                depths = {
                    name: len(await core.store.pending_reviews(name, limit=QUEUE_LIMIT))
                    for name in core.communities()
                }
                self.metrics.set_queue_depth(depths)
            except Exception:  # the edge of one refresh: a database hiccup must not end the loop
                log.warning("could not count pending reviews for the metrics", exc_info=True)
            await asyncio.sleep(QUEUE_REFRESH_SECONDS)

    async def _metrics(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _request: web.Request) -> web.Response:
        body = {
            "ready": self.ready,
            "model": self.model_ready,
            "platforms": self.platforms_started,
            "stopping": self.stopping,
        }
        return web.json_response(body, status=200 if self.ready else 503)

    async def close(self) -> None:
        """Stop the refresh task and the HTTP endpoint (readiness turns false first)."""
        self.stopping = True
        self._update_ready()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
