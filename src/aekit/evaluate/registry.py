"""Evaluators register themselves with what they need from a run.

An evaluator is a function ``EvalContext -> dict`` (the keys it adds to
``metrics.json``) decorated with :func:`evaluator`, which records its place (``order``),
whether it is one of the *exclusive* main evaluations (a run gets the first of those
whose requirements it meets: sequences, super-resolution, photo denoising,
reconstruction) or an additive one (sample quality for generative models), and its
requirements: capabilities the model must have (``requires``) or lack (``excludes``)
and a test on the context (``when``: the task object, the data). Requirements ask what
a model can do and what a task does, never their names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aekit.capabilities import Capability, capability_set
from aekit.log import NO_BARS, Bars, Say

if TYPE_CHECKING:
    from aekit.config import RunConfig
    from aekit.data.splits import Splits
    from aekit.io import LoadedRun
    from aekit.models.base import Autoencoder
    from aekit.tasks.pairs import Task

# The modules whose import registers the evaluators (imported on first use).
EVALUATOR_MODULES: tuple[str, ...] = (
    "aekit.evaluate.sequence", "aekit.evaluate.restoration", "aekit.evaluate.run",
    "aekit.evaluate.fid",
)


@dataclass(frozen=True)
class EvalContext:
    """What an evaluator may read: the loaded run, its task, its splits and test samples."""

    loaded: LoadedRun
    task: Task
    splits: Splits
    x_test: Any  # (n, …) array, or a list of (c, h, w) photos
    y_test: Any  # (n,) labels or None
    say: Say
    bars: Bars = NO_BARS  # progress with an ETA for the long steps (aekit.log.bars)

    @property
    def model(self) -> Autoencoder:
        return self.loaded.model

    @property
    def cfg(self) -> RunConfig:
        return self.loaded.config

    @property
    def capabilities(self) -> frozenset[Capability]:
        return capability_set(*self.loaded.model.capabilities)


Evaluate = Callable[[EvalContext], dict[str, Any]]


@dataclass(frozen=True)
class EvaluatorSpec:
    """A registered evaluator and its requirements."""

    name: str
    order: int
    exclusive: bool
    requires: frozenset[Capability]
    excludes: frozenset[Capability]
    when: Callable[[EvalContext], bool] | None
    fn: Evaluate

    def applies(self, ctx: EvalContext) -> bool:
        caps = ctx.capabilities
        return self.requires <= caps and not (self.excludes & caps) and \
            (self.when is None or bool(self.when(ctx)))


_REGISTRY: dict[str, EvaluatorSpec] = {}


def evaluator(name: str, *, order: int, exclusive: bool = True,
              requires: Iterable[Capability] = (), excludes: Iterable[Capability] = (),
              when: Callable[[EvalContext], bool] | None = None
              ) -> Callable[[Evaluate], Evaluate]:
    """Register the decorated function as evaluator ``name``."""

    def deco(fn: Evaluate) -> Evaluate:
        _REGISTRY[name] = EvaluatorSpec(name, order, exclusive, capability_set(*requires),
                                        capability_set(*excludes), when, fn)
        return fn

    return deco


def registered() -> list[EvaluatorSpec]:
    """Every evaluator, in order (importing the modules that register them)."""
    for module in EVALUATOR_MODULES:
        importlib.import_module(module)
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


def evaluators_for(ctx: EvalContext) -> list[EvaluatorSpec]:
    """The first exclusive evaluator the run meets, then every additive one it meets."""
    specs = [s for s in registered() if s.applies(ctx)]
    main = [s for s in specs if s.exclusive][:1]
    return main + [s for s in specs if not s.exclusive]
