"""Name → entry tables for models, presets, data sources and tasks.

Adding a model family is one file: its model class registered with
``@register_model("name", config=FamilyConfig)`` and its presets with
:func:`register_preset`. The CLI, the config and the tests discover everything through
these tables, never through ``if name == ...`` chains.

A table may name the package whose modules fill it (``discover``). The first lookup
imports that package, like a plugin system's entry points: ``aekit.config`` resolves a
model name through :data:`MODELS` without importing the model layer itself, which sits
above it. This is the one import by name in aekit, and it goes through this module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from aekit.errors import ConfigError

T = TypeVar("T")


class Registry:
    """A named table of factories with a helpful error for unknown names."""

    def __init__(self, kind: str, discover: str | None = None) -> None:
        self.kind = kind
        self.discover = discover  # package whose import registers the entries
        self._items: dict[str, Any] = {}
        self._configs: dict[str, Any] = {}

    def _load(self) -> None:
        if self.discover is not None:
            name, self.discover = self.discover, None
            importlib.import_module(name)

    def register(self, name: str, config: Any = None) -> Callable[[T], T]:
        """Decorator that records ``obj`` under ``name`` (names are unique); ``config``
        is the entry's config dataclass (model families)."""

        def deco(obj: T) -> T:
            self.add(name, obj)
            if config is not None:
                self._configs[name] = config
            return obj

        return deco

    def add(self, name: str, obj: Any) -> None:
        """Record ``obj`` under ``name``; a second entry of one name is our bug."""
        if name in self._items:
            raise RuntimeError(f"{self.kind} {name!r} registered twice")
        self._items[name] = obj

    def get(self, name: str) -> Any:
        """Return the entry for ``name`` or raise a one-line :class:`ConfigError`."""
        self._load()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "(none)"
            raise ConfigError(f"unknown {self.kind} {name!r}; choose one of: {known}"
                              f"{did_you_mean(name, self._items)}") from None

    def config_of(self, name: str) -> Any:
        """The config class registered with ``name`` (one-line error if unknown)."""
        self.get(name)
        return self._configs[name]

    def names(self) -> list[str]:
        self._load()
        return sorted(self._items)

    def items(self) -> list[tuple[str, Any]]:
        """Entries sorted by name (iterate the registry for registration order)."""
        self._load()
        return sorted(self._items.items())

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(list(self._items))

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __len__(self) -> int:
        self._load()
        return len(self._items)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``" — did you mean 'conv'?"`` for a near miss among ``choices``, else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.75)
    return f" — did you mean {close[0]!r}?" if close else ""


@dataclass(frozen=True)
class Preset:
    """A named, described model config: a family's config instance with chosen values."""

    config: Any  # an aekit.config.ModelConfig subclass instance; config.name = family
    description: str
    source: str = ""  # where the layout comes from (paper, textbook), if anywhere

    @property
    def family(self) -> str:
        return str(self.config.name)


MODELS = Registry("model", discover="aekit.models")
PRESETS = Registry("preset", discover="aekit.models")
SOURCES = Registry("data source")
TASKS = Registry("task")

register_model = MODELS.register
register_source = SOURCES.register
register_task = TASKS.register


def register_preset(name: str, config: Any, description: str, source: str = "") -> None:
    """Register ``config`` (a family's config instance) as preset ``name``."""
    PRESETS.add(name, Preset(config, description, source))
