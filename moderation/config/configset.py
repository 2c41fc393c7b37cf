"""The set of loaded communities and which community a platform space belongs to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.config.resolver import ConfigResolver
from moderation.config.schema import CommunityConfig, ModelSettings
from moderation.config.validation import Layer, locate
from moderation.config.yamltext import KeyPath, format_path
from moderation.errors import ConfigError, ConfigErrors


@dataclass(frozen=True)
class LoadedCommunity:
    """A validated community with the data and sources it came from.

    Attributes:
        config: The validated config (defaults and community file merged).
        raw: The merged data it was validated from.
        layers: Its sources, lowest first (defaults.yaml, then the community file).
    """

    config: CommunityConfig
    raw: Mapping[str, Any] = field(default_factory=dict)
    layers: tuple[Layer, ...] = ()

    @property
    def file(self) -> str | None:
        """The community's own file, if it came from one."""
        return self.layers[-1].file if self.layers else None


class ConfigSet:
    """All communities of one configuration directory.

    Attributes:
        communities: Community name -> its resolver.
        model: The process-wide classifier settings.
        source_dir: The directory it was loaded from.
        files: Community name -> its YAML file (when loaded from files).
    """

    def __init__(
        self,
        communities: Mapping[str, ConfigResolver],
        *,
        model: ModelSettings | None = None,
        source_dir: Path = Path("."),
        files: Mapping[str, str] | None = None,
    ) -> None:
        """Create a set; prefer ``ConfigSet.build`` or ``ConfigSet.from_configs``, which check conflicts."""
        self.communities: Mapping[str, ConfigResolver] = dict(communities)
        self.model = model or ModelSettings()
        self.source_dir = source_dir
        self.files: Mapping[str, str] = dict(files or {})
        self._spaces: dict[tuple[str, str], str] = {}
        self._sandbox: str | None = None
        for name, resolver in self.communities.items():
            platforms = resolver.base.platforms
            if platforms.discord is not None:
                self._spaces.update({("discord", gid): name for gid in platforms.discord.guild_ids})
            if platforms.telegram is not None:
                self._spaces.update({("telegram", cid): name for cid in platforms.telegram.chat_ids})
            if platforms.sandbox is not None and platforms.sandbox.enabled and self._sandbox is None:
                self._sandbox = name

    @classmethod
    def build(
        cls,
        loaded: Iterable[LoadedCommunity],
        *,
        model: ModelSettings | None = None,
        source_dir: Path = Path("."),
    ) -> ConfigSet:
        """Build a set from loaded communities.

        Raises:
            ConfigErrors: If two communities share a name, a Discord guild, a Telegram chat, or the sandbox.
        """
        items = list(loaded)
        errors: list[ConfigError] = []
        seen_names: dict[str, LoadedCommunity] = {}
        owners: dict[tuple[str, str], LoadedCommunity] = {}
        sandbox: LoadedCommunity | None = None

        def conflict(item: LoadedCommunity, path: KeyPath, message: str) -> None:
            file, line = locate(item.layers, path)
            errors.append(ConfigError(message, file=file, line=line, path=format_path(path)))

        for item in items:
            cfg = item.config
            first = seen_names.setdefault(cfg.community, item)
            if first is not item:
                conflict(item, ("community",), f"community '{cfg.community}' is also defined in {first.file}")
                continue
            spaces: list[tuple[str, str, KeyPath]] = []
            if cfg.platforms.discord is not None:
                ids = cfg.platforms.discord.guild_ids
                spaces += [
                    ("discord", s, ("platforms", "discord", "guild_ids", i)) for i, s in enumerate(ids)
                ]
            if cfg.platforms.telegram is not None:
                ids = cfg.platforms.telegram.chat_ids
                spaces += [
                    ("telegram", s, ("platforms", "telegram", "chat_ids", i)) for i, s in enumerate(ids)
                ]
            for platform, space, path in spaces:
                owner = owners.setdefault((platform, space), item)
                if owner is not item:
                    conflict(
                        item,
                        path,
                        f"{platform} id {space} already belongs to community '{owner.config.community}'",
                    )
            box = cfg.platforms.sandbox
            if box is not None and box.enabled:
                if sandbox is not None:
                    conflict(
                        item,
                        ("platforms", "sandbox"),
                        f"only one community may use the sandbox; {sandbox.config.community!r} does already",
                    )
                else:
                    sandbox = item
        if errors:
            raise ConfigErrors(errors)
        resolvers = {item.config.community: ConfigResolver(item.config, item.raw or None) for item in items}
        files = {item.config.community: item.file for item in items if item.file}
        return cls(resolvers, model=model, source_dir=source_dir, files=files)

    @classmethod
    def from_configs(
        cls, configs: Iterable[CommunityConfig], *, model: ModelSettings | None = None
    ) -> ConfigSet:
        """Build a set straight from config objects (handy in tests).

        Raises:
            ConfigErrors: On the same conflicts as ``build``.
        """
        return cls.build((LoadedCommunity(cfg) for cfg in configs), model=model)

    def community_for(self, platform: str, space_id: str) -> str | None:
        """The community a Discord guild, Telegram chat or the sandbox belongs to, if any."""
        if platform == "sandbox":
            return self._sandbox
        return self._spaces.get((platform, space_id))

    def resolver(self, community: str) -> ConfigResolver:
        """The resolver of a community.

        Raises:
            KeyError: If no such community is loaded.
        """
        try:
            return self.communities[community]
        except KeyError:
            raise KeyError(f"no community named {community!r}") from None

    def names(self) -> list[str]:
        """Community names, sorted."""
        return sorted(self.communities)
