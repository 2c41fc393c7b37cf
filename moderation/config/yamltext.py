"""Hostile-input-safe YAML reading: one mapping, no duplicate keys or aliases, a line for every key."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from yaml.nodes import ScalarNode

from moderation.errors import ConfigError, ConfigErrors

try:
    from yaml import CSafeLoader as _Loader  # libyaml: fast, and its parser is not recursive
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1_000_000
"""Largest configuration file accepted, in bytes."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists accepted."""
MAX_INT = 2**63
"""Integers must lie strictly between -MAX_INT and MAX_INT."""

KeyPath = tuple[str | int, ...]
LineMap = dict[KeyPath, int]
"""Key path (``("rules", "spam", "actions")``, list items as ints) -> 1-based line of that key or item."""

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_TRUE_FALSE = {"true", "false"}


@dataclass
class YamlDocument:
    """A parsed YAML file: its data and where each key sits.

    Attributes:
        data: The top-level mapping (empty for an empty file).
        lines: Key path -> 1-based line.
        file: The file name used in error messages.
    """

    data: dict[str, Any]
    lines: LineMap
    file: str


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: KeyPath
    key: str | None = None
    key_line: int = 0


@dataclass
class _Builder:
    file: str
    lines: LineMap = field(default_factory=dict)
    errors: list[ConfigError] = field(default_factory=list)
    stack: list[_Frame] = field(default_factory=list)
    root: Any = None
    documents: int = 0

    def fail(self, message: str, line: int | None, path: KeyPath = ()) -> ConfigErrors:
        return ConfigErrors([ConfigError(message, file=self.file, line=line, path=format_path(path) or None)])

    def feed(self, loader: _Loader, event: yaml.Event) -> None:
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.fail("only one YAML document per file (remove the second '---')", line)
            return
        if isinstance(event, AliasEvent):
            raise self.fail(
                f"YAML aliases (*{event.anchor}) are not supported; write the value out", line, self._here()
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise self.fail(
                f"YAML anchors (&{event.anchor}) are not supported; write the value out", line, self._here()
            )
        if isinstance(event, MappingEndEvent | SequenceEndEvent):
            frame = self.stack.pop()
            self._attach(frame.container, frame.path, line)
        elif isinstance(event, CollectionStartEvent):
            self._start(event, line)
        elif isinstance(event, ScalarEvent):
            self._scalar(loader, event, line)

    def _here(self) -> KeyPath:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.container, dict):
            return (*top.path, top.key) if top.key is not None else top.path
        return (*top.path, len(top.container))

    def _start(self, event: CollectionStartEvent, line: int | None) -> None:
        if self.stack and isinstance(self.stack[-1].container, dict) and self.stack[-1].key is None:
            raise self.fail("keys must be plain text, not a mapping or a list", line, self.stack[-1].path)
        if len(self.stack) >= MAX_DEPTH:
            raise self.fail(f"nesting is deeper than {MAX_DEPTH} levels", line, self._here()[:5])
        is_map = isinstance(event, MappingStartEvent)
        expected = f"{_TAG}map" if is_map else f"{_TAG}seq"
        if event.tag not in (None, "!", expected):
            raise self.fail(f"unsupported YAML tag {event.tag}", line, self._here())
        container: dict[str, Any] | list[Any] = {} if is_map else []
        self.stack.append(_Frame(container, self._here()))
        if line is not None:
            self.lines.setdefault(self.stack[-1].path, line)

    def _scalar(self, loader: _Loader, event: ScalarEvent, line: int | None) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.key is None:
            self._key(top, event.value, line or 0)
            return
        value = self._construct(loader, event, line)
        self._attach(value, self._here(), line)

    def _key(self, frame: _Frame, key: str, line: int) -> None:
        assert isinstance(frame.container, dict)
        path = (*frame.path, key)
        if key in frame.container:
            first = self.lines.get(path)
            self.errors.append(
                ConfigError(
                    f"duplicate key '{key}' (first set on line {first}); each key may appear once",
                    file=self.file,
                    line=line,
                    path=format_path(path),
                )
            )
            frame.key = f"\0duplicate:{key}:{line}"  # parsed, then dropped
        else:
            frame.key = key
        frame.key_line = line

    def _attach(self, value: Any, path: KeyPath, line: int | None) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.container, dict):
            assert top.key is not None
            if not top.key.startswith("\0duplicate:"):
                top.container[top.key] = value
                self.lines[path] = top.key_line
            top.key = None
        else:
            top.container.append(value)
            if line is not None:
                self.lines.setdefault(path, line)

    def _construct(self, loader: _Loader, event: ScalarEvent, line: int | None) -> Any:
        here = self._here()
        if event.tag not in (None, "!"):
            tag = event.tag
            if tag not in _SCALAR_TAGS:
                raise self.fail(f"unsupported YAML tag {tag}", line, here)
        else:
            resolved: str = loader.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
            tag = _plain_tag(resolved, event.value)
        if tag == f"{_TAG}int" and len(event.value) > 30:
            raise self.fail(f"number {event.value[:30]}... is too large", line, here)
        node = ScalarNode(tag, event.value, None, None, event.style)
        value = loader.construct_object(node)
        if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT < value < MAX_INT:
            raise self.fail(f"number {event.value} is too large", line, here)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"number {event.value} is not finite", line, here)
        return value


def _plain_tag(tag: str, value: str) -> str:
    """Keep YAML 1.1 surprises as text: ``no``/``on`` booleans, ``1:30`` sexagesimals, dates."""
    if tag == f"{_TAG}bool" and value.lower() not in _TRUE_FALSE:
        return f"{_TAG}str"
    if tag in (f"{_TAG}int", f"{_TAG}float") and ":" in value:
        return f"{_TAG}str"
    if tag not in _SCALAR_TAGS:
        return f"{_TAG}str"
    return tag


def format_path(path: KeyPath) -> str:
    """Format a key path as ``overrides[2].config.rules.spam``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if part and not any(c in part for c in ". []\"'") else repr(part)
            out += f".{text}" if out else text
    return out


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML mapping document safely.

    Duplicate keys, anchors/aliases, non-standard tags, nesting deeper than MAX_DEPTH, integers outside
    64 bits and documents larger than MAX_BYTES are errors. Plain ``yes``/``no``/``on``/``off`` stay text.

    Args:
        text: The YAML source.
        file: Name used in error messages.

    Returns:
        The data with its line map.

    Raises:
        ConfigErrors: With file, line and key path for every problem found.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise ConfigErrors([ConfigError(f"file is {size} bytes; the limit is {MAX_BYTES}", file=file)])
    builder = _Builder(file)
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if event is not None:
                builder.feed(loader, event)
    except yaml.YAMLError as exc:
        raise ConfigErrors([_yaml_error(exc, file, text.rstrip().count("\n") + 1)]) from None
    except (ValueError, OverflowError) as exc:
        raise ConfigErrors([ConfigError(f"bad value: {exc}", file=file)]) from None
    finally:
        loader.dispose()
    if builder.errors:
        raise ConfigErrors(builder.errors)
    root = builder.root
    if root is None:
        return YamlDocument({}, {(): 1}, file)
    if not isinstance(root, dict):
        kind = "a list" if isinstance(root, list) else "a single value"
        raise ConfigErrors(
            [ConfigError(f"the file must be a mapping (key: value lines), not {kind}", file=file, line=1)]
        )
    builder.lines[()] = 1
    return YamlDocument(root, builder.lines, file)


def _yaml_error(exc: yaml.YAMLError, file: str, last_line: int) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    text = "; ".join(str(p) for p in (context, problem) if p) or str(exc).splitlines()[0]
    line = min(mark.line + 1, last_line) if mark is not None else None  # EOF errors: the last line written
    return ConfigError(f"malformed YAML: {text}", file=file, line=line)


def decode_yaml_bytes(data: bytes, file: str) -> str:
    """Decode a configuration file's bytes as UTF-8 (a BOM is allowed).

    Raises:
        ConfigErrors: If the file is too large or not valid UTF-8 (with the line of the bad byte).
    """
    if len(data) > MAX_BYTES:
        raise ConfigErrors([ConfigError(f"file is {len(data)} bytes; the limit is {MAX_BYTES}", file=file)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise ConfigErrors([ConfigError(message, file=file, line=line)]) from None
    return text.removeprefix("\ufeff")


def read_yaml_file(path: Path) -> YamlDocument:
    """Read and parse a YAML configuration file.

    Raises:
        ConfigErrors: If it cannot be read, decoded or parsed.
    """
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigErrors([ConfigError(f"file is {size} bytes; the limit is {MAX_BYTES}", file=file)])
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigErrors([ConfigError(f"cannot read: {exc.strerror or exc}", file=file)]) from None
    return parse_yaml(decode_yaml_bytes(data, file), file)
