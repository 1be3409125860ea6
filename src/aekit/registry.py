"""Name → class tables for models, data sources and tasks.

Adding a model family is one file plus one ``@register_model("name")`` line; the
CLI, the config and the tests discover everything through these tables, never through
``if name == ...`` chains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aekit.errors import ConfigError

T = TypeVar("T")


class Registry:
    """A named table of factories with a helpful error for unknown names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Any] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that records ``obj`` under ``name`` (names are unique)."""

        def deco(obj: T) -> T:
            if name in self._items:
                raise RuntimeError(f"{self.kind} {name!r} registered twice")
            self._items[name] = obj
            return obj

        return deco

    def get(self, name: str) -> Any:
        """Return the entry for ``name`` or raise a one-line :class:`ConfigError`."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "(none)"
            raise ConfigError(f"unknown {self.kind} {name!r}; choose one of: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, Any]]:
        return sorted(self._items.items())

    def __contains__(self, name: object) -> bool:
        return name in self._items


MODELS = Registry("model")
SOURCES = Registry("data source")
TASKS = Registry("task")

register_model = MODELS.register
register_source = SOURCES.register
register_task = TASKS.register
