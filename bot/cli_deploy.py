"""``steward healthcheck``: the container's HEALTHCHECK (asks this process's ``/healthz`` or ``/readyz``)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Annotated

import typer

from bot.settings import Settings

TIMEOUT_SECONDS = 4.0
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # our own port, never a proxy


def probe(host: str, port: int, path: str = "/healthz", timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    """GET ``http://host:port/path``; ``(True, body)`` on 200, ``(False, why)`` otherwise."""
    target = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    url = f"http://{target}:{port}{path}"
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return response.status == 200, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"{url} unreachable: {getattr(exc, 'reason', exc)}"


def register(app: typer.Typer) -> None:
    """Add ``healthcheck`` to the ``steward`` command line."""

    @app.command(epilog="Examples:\n\n    steward healthcheck\n\n    steward healthcheck --ready")
    def healthcheck(
        ready: Annotated[bool, typer.Option("--ready", help="Ask /readyz instead of /healthz.")] = False,
    ) -> None:
        """Exit 0 when the running Steward answers on METRICS_PORT, 1 otherwise (Docker HEALTHCHECK)."""
        settings = Settings()
        if settings.metrics_port is None:
            typer.echo("METRICS_PORT is not set: there is no health endpoint to ask", err=True)
            raise typer.Exit(1)
        ok, detail = probe(settings.metrics_host, settings.metrics_port, "/readyz" if ready else "/healthz")
        typer.echo(detail.strip(), err=not ok)
        raise typer.Exit(0 if ok else 1)
