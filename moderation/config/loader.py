"""Loading a configuration directory: defaults.yaml under each community file, validated with locations."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from moderation.config.configset import ConfigSet, LoadedCommunity
from moderation.config.merge import deep_merge
from moderation.config.schema import CommunityConfig, ModelSettings
from moderation.config.validation import Layer, place, semantic_problems, validation_problems
from moderation.config.yamltext import YamlDocument, parse_yaml, read_yaml_file
from moderation.errors import ConfigError, ConfigErrors

__all__ = [
    "build_community",
    "load_community_text",
    "load_config_dir",
    "load_yaml_text",
]

DEFAULTS_FILE = "defaults.yaml"
COMMUNITIES_DIR = "communities"
_PLACEHOLDER = "defaults"


def load_yaml_text(text: str, file: str = "<text>") -> dict[str, Any]:
    """Parse YAML text that must be one mapping (duplicate keys, aliases etc. are errors).

    Args:
        text: The YAML source.
        file: Name used in error messages.

    Returns:
        The mapping.

    Raises:
        ConfigErrors: With file, line and key path of each problem.
    """
    return parse_yaml(text, file).data


def _layer(doc: YamlDocument) -> Layer:
    return Layer(doc.file, doc.data, doc.lines)


def _validate(data: Mapping[str, Any], layers: Sequence[Layer]) -> CommunityConfig:
    try:
        return CommunityConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigErrors(place(validation_problems(exc, data), layers)) from None


def build_community(doc: YamlDocument, defaults: YamlDocument | None = None) -> LoadedCommunity:
    """Validate one community document over the defaults, including each override as merged.

    Raises:
        ConfigErrors: Every problem found, located in the file (and line) responsible.
    """
    layers = tuple(_layer(d) for d in (defaults, doc) if d is not None)
    raw = deep_merge(defaults.data if defaults else {}, doc.data)
    cfg = _validate(raw, layers)
    base_problems = semantic_problems(cfg)
    errors = place(base_problems, layers)
    without_overrides = {key: value for key, value in raw.items() if key != "overrides"}
    for index, override in enumerate(cfg.overrides):
        prefix = ("overrides", index, "config")
        merged = deep_merge(without_overrides, override.config)
        try:
            effective = CommunityConfig.model_validate(merged)
        except ValidationError as exc:
            errors += place(validation_problems(exc, merged), layers, prefix=prefix, scope=override.config)
            continue
        fresh = [p for p in semantic_problems(effective) if p not in base_problems]
        errors += place(fresh, layers, prefix=prefix, scope=override.config)
    if errors:
        raise ConfigErrors(errors)
    return LoadedCommunity(cfg, raw, layers)


def load_community_text(
    text: str, file: str = "<text>", defaults: Mapping[str, Any] | None = None
) -> CommunityConfig:
    """Load one community from YAML text, optionally over a defaults mapping (handy in tests).

    Raises:
        ConfigErrors: As ``load_config_dir`` would.
    """
    base = YamlDocument(dict(defaults), {}, "<defaults>") if defaults is not None else None
    return build_community(parse_yaml(text, file), base).config


def _check_defaults(doc: YamlDocument) -> list[ConfigError]:
    layer = _layer(doc)
    if "community" in doc.data:
        line = doc.lines.get(("community",))
        return [
            ConfigError(
                "defaults.yaml applies to every community; remove 'community'", file=doc.file, line=line
            )
        ]
    try:
        _validate(deep_merge(doc.data, {"community": _PLACEHOLDER}), [layer])
    except ConfigErrors as exc:
        return exc.errors
    return []


def _dedupe(errors: list[ConfigError]) -> list[ConfigError]:
    seen: set[tuple[str | None, int | None, str | None, str]] = set()
    unique: list[ConfigError] = []
    for error in errors:
        key = (error.file, error.line, error.path, error.message)
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique


def community_files(path: Path) -> list[Path]:
    """The community YAML files of a configuration directory, sorted by name."""
    folder = path / COMMUNITIES_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def load_config_dir(path: Path) -> ConfigSet:
    """Load ``defaults.yaml`` and every ``communities/*.yaml`` of a configuration directory.

    Layers, lowest first: schema defaults, defaults.yaml, the community file, then its overrides in
    file order (each validated as merged over the community).

    Args:
        path: The configuration directory.

    Returns:
        The loaded communities.

    Raises:
        ConfigErrors: Every problem found in every file, each with file, line and key path.
    """
    path = Path(path)
    errors: list[ConfigError] = []
    defaults: YamlDocument | None = None
    defaults_ok = True
    defaults_path = path / DEFAULTS_FILE
    if defaults_path.exists():
        try:
            defaults = read_yaml_file(defaults_path)
            errors += _check_defaults(defaults)
        except ConfigErrors as exc:
            errors += exc.errors
            defaults_ok = False
    files = community_files(path)
    if not files:
        errors.append(ConfigError(f"no community files (*.yaml) in {path / COMMUNITIES_DIR}", file=str(path)))
    loaded: list[LoadedCommunity] = []
    for file in files:
        try:
            doc = read_yaml_file(file)
            if defaults_ok:
                loaded.append(build_community(doc, defaults))
        except ConfigErrors as exc:
            errors += exc.errors
    model = ModelSettings()
    if defaults is not None and isinstance(defaults.data.get("model"), Mapping):
        with contextlib.suppress(ValidationError):  # reported by _check_defaults
            model = ModelSettings.model_validate(defaults.data["model"])
    elif loaded:
        model = loaded[0].config.model
    try:
        configs = ConfigSet.build(loaded, model=model, source_dir=path)
    except ConfigErrors as exc:
        errors += exc.errors
    if errors:
        raise ConfigErrors(_dedupe(errors))
    return configs
