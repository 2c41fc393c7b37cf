"""The ``steward`` command line: run, check-config, explain, schema, db upgrade, version.

Other modules add commands through :data:`EXTENSIONS` (each has ``register(app: typer.Typer)``), so the
models side can ship ``classify``/``train``/``eval`` without touching this file's commands. Heavy imports
happen inside the commands, which keeps ``steward --help`` fast.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from bot.settings import ConfigDirNotFound, Settings

if TYPE_CHECKING:
    from moderation.domain import Decision

EXTENSIONS: tuple[str, ...] = ("bot.cli_models", "bot.cli_deploy", "bot.cli_beyond", "bot.cli_report")
"""Modules that add commands, each with ``register(app: typer.Typer) -> None`` (missing ones are skipped)."""
EXTENSIONS += ("bot.cli_forget",)  # steward forget (privacy)
EXTENSIONS += ("bot.cli_tune",)  # steward tune-encoder (fine-tuned e5 layers)

app = typer.Typer(
    name="steward",
    help="Steward: a self-hosted community moderation assistant for Discord and Telegram.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(help="Database maintenance (migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:  # pydantic's ValidationError: a malformed variable
        _fail(f"invalid environment: {exc}", 2)


def _config_dir(settings: Settings, directory: Path | None) -> Path:
    if directory is not None:
        return directory
    try:
        return settings.resolved_config_dir()
    except ConfigDirNotFound as exc:
        _fail(str(exc), 2)


@app.command(
    epilog="Examples:\n\n    steward run\n\n    LOG_LEVEL=INFO steward run\n\n"
    "    TELEGRAM_TOKEN=123:abc DATABASE_URL=postgresql://steward@db/steward steward run"
)
def run() -> None:
    """Start Steward: the platforms whose token is set, or the sandbox console when none is.

    Tokens and the database come from the environment (DISCORD_TOKEN, TELEGRAM_TOKEN, DATABASE_URL,
    STEWARD_CONFIG_DIR, LOG_LEVEL, LOG_FORMAT) or a `.env` file. The sandbox simulates the community
    whose file sets `platforms: {sandbox: ...}`. Stop with Ctrl-C (or /quit in the sandbox).
    """
    import logging

    from bot import runtime
    from bot.logging import redact
    from moderation.errors import ConfigErrors

    settings = _settings()
    try:
        asyncio.run(runtime.run(settings))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except BrokenPipeError:
        raise  # main() exits quietly
    except ConfigErrors as exc:
        for error in exc.errors:
            typer.echo(str(error), err=True)
        _fail(f"{len(exc.errors)} configuration error(s): fix them and run again (steward check-config)")
    except Exception as exc:  # the edge: one clear line (secrets masked); the traceback goes to the log
        logging.getLogger("steward").debug("steward run failed", exc_info=True)
        _fail(f"steward stopped: {redact(str(exc), settings.secrets())}")


@app.command(
    "check-config",
    epilog="Examples:\n\n    steward check-config\n\n    steward check-config ./config\n\n"
    "    steward check-config /etc/steward",
)
def check_config(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Config directory (defaults.yaml + communities/*.yaml); default STEWARD_CONFIG_DIR."
        ),
    ] = None,
) -> None:
    """Validate a configuration directory; print every error with its file, line and key path.

    Exits 0 and prints one `OK:` line per community when everything loads, else 1.
    """
    from moderation.config.loader import load_config_dir
    from moderation.errors import ConfigError, ConfigErrors

    path = _config_dir(_settings(), directory)
    try:
        configset = load_config_dir(path)
    except ConfigErrors as exc:
        for error in exc.errors:
            typer.echo(str(error))
        _fail(f"{len(exc.errors)} error(s) in {path}")
    except ConfigError as exc:
        typer.echo(str(exc))
        _fail(f"1 error in {path}")
    if not configset.communities:
        _fail(f"no community in {path}/communities/")
    for name in sorted(configset.communities):
        base = configset.communities[name].base
        typer.echo(f"OK: {name} ({len(base.rules)} rules, {len(base.overrides)} overrides)")


def _explain_table(decision: Decision) -> list[str]:
    from bot.sandbox.text import show

    rows = [("RULE", "RESULT", "BAND", "WHY")]
    for trace in decision.traces:
        result = "skipped" if trace.skipped else ("FIRED" if trace.fired else "-")
        why = trace.skipped or trace.reason
        if trace.mode == "dry_run":
            why = f"{why} (rule in dry run)"
        rows.append((show(trace.rule, limit=40), result, trace.band or "-", show(why, limit=200)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip() for r in rows]


def _explain_actions(decision: Decision) -> list[str]:
    from bot.sandbox.text import show

    lines: list[str] = []
    for title, actions in (("would act", decision.actions), ("held for review", decision.held_actions)):
        for action in actions:
            kind = "send to the review queue" if action.kind.value == "review" else action.kind.value
            detail = [kind, f"(rule {action.rule})"]
            if action.duration is not None:
                detail.append(f"for {action.duration}")
            if action.text:
                detail.append(f"“{show(action.text.replace(chr(10), ' / '), limit=120)}”")
            lines.append(f"  {title}: {' '.join(detail)}")
    return lines


@app.command(
    epilog='Examples:\n\n    steward explain "buy followers now http://spam.example"\n\n'
    '    steward explain "you are an idiot" --community acme --channel 1200 --level 0\n\n'
    '    steward explain "ты идиот" --platform telegram --channel -1001234 --lang ru',
)
def explain(
    text: Annotated[str, typer.Argument(help="The message to dry-run.")],
    community: Annotated[str | None, typer.Option(help="Community (default: the first configured).")] = None,
    platform: Annotated[str, typer.Option(help="discord, telegram or sandbox.")] = "sandbox",
    channel: Annotated[str, typer.Option(help="Channel id, for channel overrides.")] = "0",
    level: Annotated[int, typer.Option(help="The author's trust level (50 = moderator by default).")] = 0,
    lang: Annotated[str | None, typer.Option(help="Force the language instead of detecting it.")] = None,
    config_dir: Annotated[
        Path | None, typer.Option(help="Config directory (default STEWARD_CONFIG_DIR).")
    ] = None,
) -> None:
    """Dry-run a text against a community's rules: every rule's outcome and why. Nothing is stored or done.

    The text is judged as a message from a member of the given level in the given channel, with its
    overrides applied. Rule pauses set with /pause in the live database are not considered.
    """
    import tempfile

    from bot.runtime import build_core, classifier_name
    from bot.sandbox.text import show
    from moderation.errors import ConfigErrors, StewardError

    settings = _settings()
    path = _config_dir(settings, config_dir)

    async def dry_run() -> tuple[Decision, str, str]:
        with tempfile.TemporaryDirectory(prefix="steward-explain-") as tmp:
            core = await build_core(settings, config_dir=path, database_url=f"sqlite+aiosqlite:///{tmp}/x.db")
            try:
                name = community or core.communities()[0]
                decision = await core.service.explain(
                    name, text, platform=platform, channel=channel, level=level, lang=lang
                )
                return decision, name, classifier_name(core)
            finally:
                await core.close()

    try:
        decision, name, classifier = asyncio.run(dry_run())
    except ConfigErrors as exc:
        for error in exc.errors:
            typer.echo(str(error), err=True)
        _fail("the configuration does not load (steward check-config shows why)")
    except (KeyError, IndexError, ValueError, StewardError) as exc:
        _fail(f"cannot explain: {exc.args[0] if exc.args else exc}")
    typer.echo(f"“{show(text, limit=200)}” in {name} ({platform}, channel {channel}, level {level})")
    scores = "  ".join(f"{label} {score:.2f}" for label, score in sorted(decision.scores.items()))
    typer.echo(f"classifier {classifier}: {scores or 'not needed'}   language: {decision.lang or '?'}")
    typer.echo("")
    for line in _explain_table(decision):
        typer.echo(line)
    typer.echo("")
    typer.echo(f"decision: {decision.outcome.value} (dry run: nothing was done)")
    for line in _explain_actions(decision):
        typer.echo(line)


@app.command(epilog="Examples:\n\n    steward schema\n\n    steward schema --output - | jq .title")
def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write; '-' for stdout (default config/schema.json)."),
    ] = None,
) -> None:
    """Write the JSON schema of the community YAML files, for editor completion and validation."""
    from moderation.config.export import json_schema, write_json_schema

    if output is not None and str(output) == "-":
        typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
        return
    target = output or _config_dir(_settings(), None) / "schema.json"
    write_json_schema(target)
    typer.echo(f"wrote {target}")


@db_app.command(
    "upgrade",
    epilog="Examples:\n\n    steward db upgrade\n\n"
    "    DATABASE_URL=postgresql://steward:pw@localhost/steward steward db upgrade",
)
def db_upgrade() -> None:
    """Create the tables or migrate the database at DATABASE_URL to the newest schema."""
    from bot.logging import redact
    from moderation.storage.migrate import head_revision, upgrade

    settings = _settings()
    try:
        upgrade(settings.database_url.get_secret_value())
    except Exception as exc:  # the edge: show the driver's reason without a traceback or a password
        reason = redact(str(exc), settings.secrets())
        _fail(f"database upgrade failed for {settings.database_display()}: {reason}")
    typer.echo(f"database {settings.database_display()} is at revision {head_revision()}")


@app.command()
def version() -> None:
    """Print Steward's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        typer.echo(f"steward {dist_version('steward')}")
    except PackageNotFoundError:
        typer.echo("steward (not installed)")


def register_extensions(target: typer.Typer, names: tuple[str, ...] = EXTENSIONS) -> list[str]:
    """Let each module in ``names`` add its commands; return the ones found."""
    found = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(target)
        found.append(name)
    return found


register_extensions(app)


def main() -> None:
    """Console script entry point (``steward``)."""
    try:
        app(prog_name="steward")
    finally:
        _silence_closed_stdout()


def _silence_closed_stdout() -> None:
    """When our output was piped into e.g. ``head``, exit quietly as other CLI tools do."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    main()
