"""Deployment commands: ``healthcheck`` (the image's HEALTHCHECK) and ``classifier-serve`` (shared model)."""

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
    """Add ``healthcheck`` and ``classifier-serve`` to the ``steward`` command line."""
    app.command(
        "classifier-serve",
        epilog="Examples:\n\n    steward classifier-serve --port 8710\n\n"
        "    CLASSIFIER_URL=http://classifier:8710 steward run",
    )(classifier_serve)

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


def classifier_serve(
    host: Annotated[str, typer.Option(help="Address to bind (0.0.0.0 in a container).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8710,
) -> None:
    """Load the configured model once and serve it to bot processes (they set CLASSIFIER_URL).

    The model and languages come from the configuration directory (STEWARD_CONFIG_DIR), as for
    `steward run`. Stop with Ctrl-C or SIGTERM.
    """
    import asyncio
    import signal

    from bot.classifier_service import serve
    from bot.logging import configure_logging
    from bot.runtime import languages_of
    from models.factory import build_classifier
    from moderation.config.loader import load_config_dir

    settings = Settings()
    configure_logging(settings.log_level or "INFO", settings.log_format)
    configset = load_config_dir(settings.resolved_config_dir())
    classifier = build_classifier(configset.model, languages_of(configset))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(classifier, host, port, stop)

    asyncio.run(main())
