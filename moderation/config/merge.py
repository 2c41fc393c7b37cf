"""Deep merge of configuration layers: dicts merge key by key, scalars and lists replace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def deep_merge(base: Mapping[str, Any], *overlays: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``overlays`` over ``base`` in order and return a new dict.

    Mappings merge key by key (recursively); every other value, lists included, replaces what was
    below it. A ``None`` value replaces too, which is how a layer removes e.g. a trigger. The inputs
    are never modified; containers in the result are fresh copies.

    Args:
        base: The lowest layer.
        *overlays: Higher layers, lowest first.

    Returns:
        The merged mapping.
    """
    result = _copy(base)
    for overlay in overlays:
        result = _merge_two(result, overlay)
    return result


def _merge_two(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = _merge_two(dict(below), value)
        else:
            merged[key] = _copy_value(value)
    return merged


def _copy(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _copy_value(value) for key, value in mapping.items()}


def _copy_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _copy(value)
    if isinstance(value, list):
        return [_copy_value(item) for item in value]
    return value
