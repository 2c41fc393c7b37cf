"""The ``steward`` command line: help, check-config, explain, schema, db upgrade, version, extensions."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import inspect
from typer.testing import CliRunner

from bot.cli import app, register_extensions
from moderation.storage.engine import make_engine
from tests.postgres import run_in_thread

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()

TINY_DEFAULTS = """\
languages: [en]
model: {backend: keyword}
"""
TINY_COMMUNITY = """\
community: tiny
platforms: {sandbox: {channels: [general, memes]}}
levels: {"sandbox:mod": 50}
rules:
  shout:
    triggers: {words: {words: [darn]}}
    actions: {delete: true}
  spammy:
    triggers: {classifier: {label: spam, review_at: 0.5, act_at: 0.9}}
    actions: {delete: true}
overrides:
  - channel: "101"
    config: {rules: {shout: {enabled: false}}}
"""


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("DATABASE_URL", "STEWARD_CONFIG_DIR", "DISCORD_TOKEN", "TELEGRAM_TOKEN", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield
    root = logging.getLogger()  # `run` installs Steward's log handler; do not leave it behind
    for handler in list(root.handlers):
        if handler.get_name() == "steward":
            root.removeHandler(handler)


def write_config(root: Path, defaults: str, communities: dict[str, str]) -> Path:
    (root / "communities").mkdir(parents=True)
    (root / "defaults.yaml").write_text(defaults)
    for name, text in communities.items():
        (root / "communities" / name).write_text(text)
    return root


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_config(tmp_path / "tiny", TINY_DEFAULTS, {"tiny.yaml": TINY_COMMUNITY})


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["check-config"], ["explain"], ["schema"], ["db"], ["db", "upgrade"], ["version"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: steward" in result.output
    if command and command not in (["db"], ["version"]):
        assert "Examples" in result.output
        assert "steward " + " ".join(command) in result.output.split("Examples", 1)[1]


def test_check_config_accepts_the_repo_config() -> None:
    result = runner.invoke(app, ["check-config", str(REPO / "config")])
    assert result.exit_code == 0, result.output
    assert "OK: acme (" in result.stdout


def test_check_config_counts_rules_and_overrides(tiny: Path) -> None:
    result = runner.invoke(app, ["check-config", str(tiny)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "OK: tiny (2 rules, 1 overrides)"


def test_check_config_uses_steward_config_dir(tiny: Path) -> None:
    result = runner.invoke(app, ["check-config"], env={"STEWARD_CONFIG_DIR": str(tiny)})
    assert result.exit_code == 0, result.output
    assert "OK: tiny" in result.stdout


def test_check_config_reports_every_error_with_file_and_line(tmp_path: Path) -> None:
    bad = textwrap.dedent(
        """\
        community: broken
        rules:
          shout:
            triggers: {words: {words: [darn]}}
            actions: {delete: true, timeout: forever}
          shout:
            enabled: false
        mystery: 1
        """
    )
    root = write_config(
        tmp_path / "bad", TINY_DEFAULTS, {"broken.yaml": bad, "ugly.yaml": "community: [unclosed\n"}
    )
    result = runner.invoke(app, ["check-config", str(root)])
    assert result.exit_code == 1
    out = result.output
    assert "broken.yaml:6" in out  # the duplicate key, where it repeats
    assert "duplicate key 'shout'" in out
    assert "ugly.yaml:" in out
    assert "error(s) in" in out


def test_check_config_reports_bad_values_with_path(tmp_path: Path) -> None:
    bad = TINY_COMMUNITY.replace("actions: {delete: true}\n  spammy", "actions: {timeout: forever}\n  spammy")
    bad += "mystery: 1\n"
    root = write_config(tmp_path / "bad", TINY_DEFAULTS, {"tiny.yaml": bad})
    result = runner.invoke(app, ["check-config", str(root)])
    assert result.exit_code == 1
    assert "tiny.yaml:7 at rules.shout.actions.timeout" in result.stdout
    assert "tiny.yaml:14 at mystery: unknown key" in result.stdout


def test_check_config_missing_dir_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check-config", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "nowhere" in result.output


def test_explain_prints_every_rule_and_the_decision(tiny: Path) -> None:
    result = runner.invoke(app, ["explain", "well darn it", "--config-dir", str(tiny)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "“well darn it” in tiny (sandbox, channel 0, level 0)"
    assert any(line.split()[:3] == ["RULE", "RESULT", "BAND"] for line in lines)
    shout = next(line for line in lines if line.startswith("shout"))
    assert shout.split()[1:3] == ["FIRED", "act"]
    spammy = next(line for line in lines if line.startswith("spammy"))
    assert "FIRED" not in spammy
    assert "decision: act" in result.stdout
    assert "would act: delete (rule shout)" in result.stdout


def test_explain_applies_channel_overrides_and_scores(tiny: Path) -> None:
    args = ["explain", "darn, buy followers now http://x.y", "--config-dir", str(tiny), "--channel", "101"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    shout = next(line for line in result.stdout.splitlines() if line.startswith("shout"))
    assert "FIRED" not in shout
    assert "spam 0.85" in result.stdout  # the keyword classifier's deterministic score
    spammy = next(line for line in result.stdout.splitlines() if line.startswith("spammy"))
    assert spammy.split()[1:3] == ["FIRED", "review"]
    assert "held for review: delete (rule spammy)" in result.stdout


def test_explain_unknown_community_is_a_clear_error(tiny: Path) -> None:
    result = runner.invoke(app, ["explain", "hi", "--community", "nope", "--config-dir", str(tiny)])
    assert result.exit_code == 1
    assert "no community named 'nope'" in result.output


def test_explain_escapes_hostile_text(tiny: Path) -> None:
    result = runner.invoke(app, ["explain", "darn \x1b[2J\u202eevil", "--config-dir", str(tiny)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "\\x1b[2J\\u202eevil" in result.stdout


def test_schema_writes_valid_json(tmp_path: Path, tiny: Path) -> None:
    target = tmp_path / "out" / "schema.json"
    result = runner.invoke(app, ["schema", "--output", str(target)])
    assert result.exit_code == 0, result.output
    schema = json.loads(target.read_text())
    assert {"community", "rules", "overrides"} <= set(schema["properties"])
    assert schema["properties"]["community"]["type"] == "string"
    printed = runner.invoke(app, ["schema", "-o", "-"])
    assert json.loads(printed.stdout) == schema
    default = runner.invoke(app, ["schema"], env={"STEWARD_CONFIG_DIR": str(tiny)})
    assert default.exit_code == 0, default.output
    assert json.loads((tiny / "schema.json").read_text()) == schema


def test_repo_schema_is_up_to_date() -> None:
    printed = runner.invoke(app, ["schema", "-o", "-"])
    assert json.loads(printed.stdout) == json.loads((REPO / "config" / "schema.json").read_text())


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


def test_db_upgrade_creates_the_tables(empty_db_url: str) -> None:
    """On SQLite and on a real PostgreSQL (the ``postgres`` case of ``empty_db_url``)."""
    assert run_in_thread(lambda: _tables(empty_db_url)) == set()
    result = runner.invoke(app, ["db", "upgrade"], env={"DATABASE_URL": empty_db_url})
    assert result.exit_code == 0, result.output
    assert "is at revision" in result.stdout
    tables = run_in_thread(lambda: _tables(empty_db_url))
    assert {"alembic_version", "members", "cases", "review_items", "decisions"} <= tables
    again = runner.invoke(app, ["db", "upgrade"], env={"DATABASE_URL": empty_db_url})
    assert again.exit_code == 0, again.output


def test_db_upgrade_failure_hides_the_password() -> None:
    url = "postgresql://steward:pw-s3cret-123@127.0.0.1:1/steward"
    result = runner.invoke(app, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert result.exit_code == 1
    assert "database upgrade failed for postgresql://steward:***@127.0.0.1:1/steward" in result.output
    assert "pw-s3cret-123" not in result.output


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("steward ")


def test_extensions_register_their_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("steward_ext_for_test")

    def register(target: typer.Typer) -> None:
        @target.command("hello-ext")
        def hello() -> None:
            """Say hello from an extension."""
            typer.echo("hello from the extension")

    module.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "steward_ext_for_test", module)
    local = typer.Typer()

    @local.command()
    def base() -> None:
        """A base command."""

    found = register_extensions(local, ("steward_ext_for_test", "steward_ext_that_does_not_exist"))
    assert found == ["steward_ext_for_test"]
    result = runner.invoke(local, ["hello-ext"])
    assert result.exit_code == 0, result.output
    assert "hello from the extension" in result.stdout


def test_extension_with_a_broken_import_is_not_hidden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "steward_ext_broken.py").write_text("import steward_dependency_that_is_missing\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="steward_dependency_that_is_missing"):
        register_extensions(typer.Typer(), ("steward_ext_broken",))


def test_run_with_an_unreachable_database_names_it_without_the_password(tiny: Path) -> None:
    url = "postgresql://steward:pw-s3cret-456@127.0.0.1:1/steward"
    result = runner.invoke(app, ["run"], env={"DATABASE_URL": url, "STEWARD_CONFIG_DIR": str(tiny)})
    assert result.exit_code == 1
    assert "cannot open the database postgresql://steward:***@127.0.0.1:1/steward" in result.output
    assert "pw-s3cret-456" not in result.output
