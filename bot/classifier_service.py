"""The classifier as a shared service: ``steward classifier-serve`` hosts the model, bots ask it over HTTP.

With ``CLASSIFIER_URL`` set, ``steward run`` loads no model at all (a light bot process, ~100 MB) and
sends each text to the service, whose micro-batcher merges the concurrent requests of every bot into
batches. The service answers ``GET /v1/info`` (labels), ``POST /v1/classify`` (``{"texts": [...]}`` ->
``{"results": [{"labels": {...}, "lang": ...}]}``), ``/healthz`` and ``/metrics``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp import web

from bot.metrics import CONTENT_TYPE, StewardMetrics
from moderation.ports import Classification, Classifier

log = logging.getLogger(__name__)

MAX_TEXTS = 256
REQUEST_TIMEOUT_SECONDS = 10.0


class RemoteClassifierError(Exception):
    """The classifier service could not be reached or answered nonsense."""


class RemoteClassifier:
    """A ``Classifier`` that asks a ``steward classifier-serve`` instance; create it with :meth:`connect`."""

    def __init__(self, url: str, labels: frozenset[str], name: str, session: aiohttp.ClientSession) -> None:
        self.url = url.rstrip("/")
        self._labels = labels
        self.name = f"remote {name} at {self.url}"
        self._session = session

    @classmethod
    async def connect(cls, url: str, *, request_timeout: float = REQUEST_TIMEOUT_SECONDS) -> RemoteClassifier:
        """Ask the service at ``url`` for its labels.

        Raises:
            RemoteClassifierError: The service is unreachable or not a Steward classifier service.
        """
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=request_timeout))
        try:
            async with session.get(f"{url.rstrip('/')}/v1/info") as response:
                response.raise_for_status()
                info = await response.json()
            return cls(url, frozenset(info["labels"]), str(info.get("name", "classifier")), session)
        except (aiohttp.ClientError, TimeoutError, KeyError, TypeError, ValueError) as exc:
            await session.close()
            raise RemoteClassifierError(f"no classifier service at {url}: {exc}") from exc

    @property
    def labels(self) -> frozenset[str]:
        """Labels the service produces."""
        return self._labels

    async def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Classify through the service.

        Raises:
            RemoteClassifierError: On a network error or a malformed answer (the service then decides
                with the word and link rules only).
        """
        if not texts:
            return []
        try:
            async with self._session.post(f"{self.url}/v1/classify", json={"texts": list(texts)}) as response:
                response.raise_for_status()
                body = await response.json()
            results = [Classification(dict(r["labels"]), r.get("lang")) for r in body["results"]]
        except (aiohttp.ClientError, TimeoutError, KeyError, TypeError, ValueError) as exc:
            raise RemoteClassifierError(f"classifier service {self.url} failed: {exc}") from exc
        if len(results) != len(texts):
            raise RemoteClassifierError(f"classifier service returned {len(results)} for {len(texts)} texts")
        return results

    async def aclose(self) -> None:
        """Close the HTTP session."""
        await self._session.close()


def classifier_app(classifier: Classifier, metrics: StewardMetrics | None = None) -> web.Application:
    """The service's aiohttp application around any ``Classifier``."""
    metrics = metrics or StewardMetrics()
    name = getattr(classifier, "name", None) or type(classifier).__name__

    async def info(_request: web.Request) -> web.Response:
        return web.json_response({"name": name, "labels": sorted(classifier.labels)})

    async def classify(request: web.Request) -> web.Response:
        try:
            body: Any = await request.json()
            texts = body["texts"]
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise TypeError("texts must be a list of strings")
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"error": f"bad request: {exc}"}, status=400)
        if len(texts) > MAX_TEXTS:
            return web.json_response({"error": f"at most {MAX_TEXTS} texts per request"}, status=413)
        started = asyncio.get_running_loop().time()
        results = await classifier.classify(texts)
        if getattr(classifier, "batcher", None) is None:
            metrics.classifier_batch(len(texts), asyncio.get_running_loop().time() - started)
        payload = [{"labels": dict(r.labels), "lang": r.lang} for r in results]
        return web.json_response({"results": payload})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def prometheus(_request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    batcher = getattr(classifier, "batcher", None)
    if batcher is not None and hasattr(batcher, "on_batch"):
        batcher.on_batch = metrics.classifier_batch
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_get("/v1/info", info)
    app.router.add_post("/v1/classify", classify)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)  # the model is loaded before the app exists
    app.router.add_get("/metrics", prometheus)
    return app


async def serve(classifier: Classifier, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve ``classifier`` on ``host:port`` until ``stop`` is set."""
    runner = web.AppRunner(classifier_app(classifier), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("classifier service on http://%s:%s (%s)", host, port, ", ".join(sorted(classifier.labels)))
        await stop.wait()
    finally:
        await runner.cleanup()
