"""Per-scope configuration: the community config with every matching override merged on top."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from moderation.config.criteria import ScopeContext, matches
from moderation.config.merge import deep_merge
from moderation.config.schema import CommunityConfig

__all__ = ["ConfigResolver", "ScopeContext"]

log = logging.getLogger(__name__)

CACHE_SIZE = 128


class ConfigResolver:
    """Resolves the effective config of one community for a scope.

    Effective configs are cached by the set of overrides that match (a small LRU), so the many
    scopes that share the same overrides share one validated config object.

    Attributes:
        base: The community config without any override applied.
    """

    def __init__(self, base: CommunityConfig, raw: Mapping[str, Any] | None = None) -> None:
        """Create a resolver.

        Args:
            base: The validated community config (defaults and community file merged).
            raw: The merged YAML data ``base`` was validated from; overrides are deep-merged onto it.
                When omitted, it is rebuilt from ``base`` (the keys that were set).
        """
        self.base = base
        data = dict(raw) if raw is not None else base.model_dump(by_alias=True, exclude_unset=True)
        self._raw = {key: value for key, value in data.items() if key != "overrides"}
        self._cache: OrderedDict[tuple[int, ...], CommunityConfig] = OrderedDict()

    def matching(self, ctx: ScopeContext) -> tuple[int, ...]:
        """Indexes of the overrides whose criteria hold for ``ctx``, in file order."""
        return tuple(i for i, override in enumerate(self.base.overrides) if matches(override, ctx))

    def effective(self, ctx: ScopeContext) -> CommunityConfig:
        """The config that applies in ``ctx``: base, then each matching override in file order.

        Each override was validated as merged at load; should a combination of overrides still be
        invalid, the override that breaks it is skipped (and logged) rather than failing a message.
        """
        indexes = self.matching(ctx)
        if not indexes:
            return self.base
        cached = self._cache.get(indexes)
        if cached is not None:
            self._cache.move_to_end(indexes)
            return cached
        config = self._build(indexes)
        self._cache[indexes] = config
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return config

    def _build(self, indexes: tuple[int, ...]) -> CommunityConfig:
        overrides = self.base.overrides
        layers = [overrides[i].config for i in indexes]
        try:
            return self._validate(deep_merge(self._raw, *layers))
        except ValidationError:
            pass
        merged: dict[str, Any] = dict(self._raw)
        for i in indexes:
            candidate = deep_merge(merged, overrides[i].config)
            try:
                self._validate(candidate)
            except ValidationError as exc:
                log.warning(
                    "community %s: override %d skipped, it conflicts with an earlier one: %s",
                    self.base.community,
                    i,
                    exc.errors()[0]["msg"],
                )
                continue
            merged = candidate
        return self._validate(merged)

    def _validate(self, data: dict[str, Any]) -> CommunityConfig:
        config = CommunityConfig.model_validate(data)
        return config.model_copy(update={"overrides": self.base.overrides})
