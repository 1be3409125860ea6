"""Report sections register themselves with what they need from a run.

A section is a function ``ReportContext -> Section | None`` decorated with
:func:`section`, which records its place on the page (``order``) and its
requirements: capabilities the model must have (``requires``) or must not have
(``excludes``), a test on the task object (``task``, e.g. ``lambda t: t.corrupts``)
and, for what depends on the data or the run's files, a test on the context
(``when``). :func:`build_sections` keeps the sections whose requirements the loaded run
meets, in ``order``, and drops those whose function returns ``None`` (nothing to
show, e.g. a latent plane for codes that are not 2-D).

Requirements ask what a model can do and what a task does, never their names, so a
new model family or task gets the sections that fit it without an edit here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from aekit.capabilities import Capability, capability_set
from aekit.errors import AekitError
from aekit.log import NO_BARS, Bars
from aekit.report.page import Section, escape

if TYPE_CHECKING:
    from aekit.data.splits import Splits
    from aekit.io import LoadedRun
    from aekit.tasks.pairs import Task

# The modules whose import registers the sections (imported on first use).
SECTION_MODULES: tuple[str, ...] = (
    "aekit.report.summary", "aekit.report.scores", "aekit.report.curves",
    "aekit.report.examples", "aekit.report.codes", "aekit.report.restoration",
    "aekit.report.generative", "aekit.report.snapshots", "aekit.report.ratedistortion",
)

T = TypeVar("T")


@dataclass(frozen=True)
class DataSamples:
    """The test split as the data sections use it: float32 samples of the model's shape."""

    x: np.ndarray  # (n, …) float32, n > 0
    y: np.ndarray | None  # (n,) labels, or None for unlabelled data
    classes: list[str] | None  # class names, when the data name them
    feature_names: list[str] | None  # column names of vector data, when known


@dataclass
class ReportContext:
    """What a section may read: the loaded run, its task, its files and the figure folder.

    ``metrics`` / ``history`` are the parsed ``metrics.json`` / ``history.csv`` (None /
    empty when missing; the ``*_note`` fields then say why). The test split is loaded on
    first use and shared by all sections, as are values stored with :meth:`memo`.
    """

    loaded: LoadedRun
    task: Task
    metrics: dict[str, Any] | None
    metrics_note: str | None
    history: list[dict[str, float]]
    history_note: str | None
    fig_dir: Path
    # the latent plane's code range for both axes; None: the test codes' 1st–99th
    # percentile (``aekit report --plane-range=-3,3`` gives the textbook's fixed grid)
    plane_range: tuple[float, float] | None = None
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def capabilities(self) -> frozenset[str]:
        """The model's capabilities (plain strings or members; they compare equal)."""
        return frozenset(self.loaded.model.capabilities)

    @property
    def image(self) -> bool:
        """Samples are (c, h, w) images (not vectors or sequences)."""
        return len(self.loaded.input_shape) == 3

    @property
    def photos(self) -> bool:
        """The run's data are whole photos of varying size (trained on patches)."""
        return (self.loaded.meta.get("data_info") or {}).get("kind") == "photos"

    @property
    def restores(self) -> bool:
        """A restoration run: an ``any_size`` model on photos, or one without a code.

        Evaluation scored such a run per photo and saved crops for the report, and
        there are no fixed-size codes to map, so it gets the restoration section instead
        of reconstructions and latent maps.
        """
        caps = self.capabilities
        return Capability.ANY_SIZE in caps and (self.photos or Capability.EMBED not in caps)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for, the stored value after.

        Lets several sections share one costly result (the test codes) whatever order
        they run in.
        """
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def splits(self) -> Splits:
        """The run's data splits, loaded once; raises the loader's AekitError every time."""
        def load() -> Splits | AekitError:
            from aekit.data.splits import make_splits
            from aekit.rundata import check_data_trusted

            try:
                check_data_trusted(self.loaded.config.data, self.loaded.path)
                return make_splits(self.loaded.config.data, self.loaded.config.train.seed)
            except AekitError as exc:
                return exc

        out = self.memo("splits", load)
        if isinstance(out, AekitError):
            raise out
        return out

    def test_data(self) -> DataSamples | str:
        """The test split checked against the model's input shape, or an HTML note.

        The note (a ``<p class=note>``) says why the figures drawn from the data are left
        out: the data could not be loaded, or no longer match what the model takes.
        """
        return self.memo("test_data", self._load_test_data)

    def data_section(self, key: str, title: str) -> tuple[Section, DataSamples | None]:
        """A new section and the test data it draws from; when the data cannot be used,
        the section already holds the note saying why and the data is ``None``."""
        sec = Section(key, title)
        data = self.test_data()
        if isinstance(data, str):
            sec.body.append(data)
            return sec, None
        return sec, data

    def _load_test_data(self) -> DataSamples | str:
        loaded = self.loaded
        try:
            splits = self.splits()
        except AekitError as exc:
            return (f"<p class=note>The test data could not be loaded ({escape(str(exc))}), "
                    f"so this figure is left out.</p>")
        x_test = np.asarray(splits.x_test, dtype=np.float32)
        if tuple(x_test.shape[1:]) != loaded.input_shape or x_test.shape[0] == 0:
            return (f"<p class=note>The test split of {escape(loaded.config.data.source)} now "
                    f"has samples of shape {tuple(x_test.shape[1:])} (n={x_test.shape[0]}), "
                    f"but the model takes {loaded.input_shape}; figures from the data are "
                    f"left out.</p>")
        classes = getattr(splits.dataset, "classes", None) or \
            (loaded.meta.get("data_info") or {}).get("classes")
        return DataSamples(x_test, splits.y_test, classes,
                        getattr(splits.dataset, "feature_names", None))


SectionBuilder = Callable[[ReportContext], Section | None]
B = TypeVar("B", bound=SectionBuilder)


@dataclass(frozen=True)
class SectionSpec:
    """One registered section: its builder, its place on the page and its requirements."""

    build: SectionBuilder
    order: int
    requires: frozenset[Capability] = frozenset()
    excludes: frozenset[Capability] = frozenset()
    task: Callable[[Task], bool] | None = None
    when: Callable[[ReportContext], bool] | None = None

    @property
    def name(self) -> str:
        """``module.function`` of the builder (unique; re-registering replaces)."""
        return f"{self.build.__module__}.{self.build.__qualname__}"

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the run in ``ctx`` meets every requirement."""
        caps = ctx.capabilities
        return (self.requires <= caps and not self.excludes & caps
                and (self.task is None or self.task(ctx.task))
                and (self.when is None or self.when(ctx)))


_SECTIONS: dict[str, SectionSpec] = {}


def section(*, order: int, requires: Iterable[Capability] = (),
            excludes: Iterable[Capability] = (), task: Callable[[Task], bool] | None = None,
            when: Callable[[ReportContext], bool] | None = None) -> Callable[[B], B]:
    """Register the decorated builder as a report section.

    ``order`` places it on the page (ascending; sections with equal order are meant
    to exclude each other). The section is built when the model has every capability in
    ``requires`` and none in ``excludes``, ``task(ctx.task)`` holds and ``when(ctx)``
    holds; the builder may still return ``None`` to leave itself out.
    """
    def register(build: B) -> B:
        spec = SectionSpec(build, order, capability_set(*requires),
                           capability_set(*excludes), task, when)
        _SECTIONS[spec.name] = spec
        return build

    return register


def registered() -> list[SectionSpec]:
    """Every registered section in page order (importing the section modules first)."""
    for name in SECTION_MODULES:
        importlib.import_module(name)
    return sorted(_SECTIONS.values(), key=lambda s: s.order)


def sections_for(ctx: ReportContext) -> list[SectionSpec]:
    """The registered sections whose requirements the run in ``ctx`` meets, in order."""
    return [s for s in registered() if s.applies(ctx)]


def build_sections(ctx: ReportContext, bars: Bars = NO_BARS) -> list[Section]:
    """Build the run's sections in order, leaving out those with nothing to show
    (``bars``: progress over the sections, some of which draw figures for seconds)."""
    specs = sections_for(ctx)
    out = []
    with bars("writing the report", len(specs), "sections") as bar:
        for spec in specs:
            sec = spec.build(ctx)
            if sec is not None:
                out.append(sec)
            bar.update(1)
    return out
