"""``aekit export``: one part of a run's model as a self-checked ONNX or TorchScript file.

A trained run lives in PyTorch; serving it elsewhere (onnxruntime in a service, C++, a
phone) needs a graph file. This module writes one part of the model:

* ``model``   — x → x̂, the forward pass (``forward(x)["x_hat"]``);
* ``encoder`` — x → z, the deterministic code (``encode(x)``);
* ``decoder`` — z → x̂ (``decode(z)``).

Which parts a model has follows from its capabilities, never from its family name:
``encoder`` needs ``embed``; ``decoder`` needs a code to decode (``embed`` or
``generate``: a DCGAN's generator is its decoder); ``model`` needs a forward pass that
reads x, which a model that ``generate``\\ s without ``embed`` lacks (a GAN's forward
draws noise). A part the model lacks is refused in one line naming the parts it has.
A ``condition`` model (supervised AAE) gets a second input ``y``, int64 labels (b,),
for the parts that need it (``decoder``, ``model``).

Axis 0 (the batch) is always dynamic; the ``model`` part of an ``any_size`` (fully
convolutional) model also has dynamic height and width, multiples of ``size_multiple``.
ONNX goes through ``torch.onnx.export(dynamo=True)`` (torch.export + onnxscript: the
exporter torch keeps; the TorchScript-based one is deprecated); TorchScript through
``torch.jit.trace`` (deprecated upstream as well, kept for C++ LibTorch users).
Exporters' progress lines, warnings and log records are silenced, so the command prints
only aekit's lines.

The run's ``config.json`` rides in the file: ONNX ``metadata_props`` (``aekit_config``,
``aekit_version``, ``aekit_part``), TorchScript extra files of the same names
(``aekit_config.json``, …); :func:`exported_metadata` reads either back.

Nothing is reported as exported before it was checked: the file is written to a hidden
temp file beside ``out``, loaded back (onnxruntime on CPU / ``torch.jit.load``) and run on
fresh inputs of at least two batch sizes — and, for dynamic height and width, at three
spatial sizes, one of them the training size — against PyTorch's output of the same
part. A max abs difference above :data:`TOLERANCE`, a shape that differs, or a runtime
error is one error line and no file; only a checked file is renamed into place.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from aekit import __version__
from aekit.capabilities import Capability
from aekit.errors import ConfigError, RunError

if TYPE_CHECKING:
    from aekit.io import LoadedRun
    from aekit.models.base import Autoencoder

Tensor = torch.Tensor

FORMATS = ("onnx", "torchscript")
PARTS = ("model", "encoder", "decoder")
TOLERANCE = 1e-4  # max abs difference between the file's outputs and PyTorch's
EXPORT_EXTRA = "pip install 'aekit[export]'"
# metadata keys (ONNX metadata_props; TorchScript extra files, the config as .json)
META_CONFIG, META_VERSION, META_PART = "aekit_config", "aekit_version", "aekit_part"
TS_FILES = {META_CONFIG: "aekit_config.json", META_VERSION: "aekit_version",
            META_PART: "aekit_part"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- what a model offers ---------------------------------------------------------------
def available_parts(model: Autoencoder) -> list[str]:
    """The parts of ``model`` that can be exported, in :data:`PARTS` order.

    Decided by capabilities alone (see the module docstring), so a new family needs no
    entry here.
    """
    caps = model.capabilities
    found = []
    if Capability.EMBED in caps or Capability.GENERATE not in caps:
        found.append("model")  # a generator without an encoder ignores x in forward
    if Capability.EMBED in caps:
        found.append("encoder")
    if Capability.EMBED in caps or Capability.GENERATE in caps:
        found.append("decoder")
    return found


_MISSING = {
    "model": "its forward pass draws noise instead of reading x (a generator without an "
             "encoder)",
    "encoder": "it has no encoder (no `embed` capability)",
    "decoder": "it has no code to decode (neither `embed` nor `generate`: it maps images "
               "to images)",
}


class _ModelPart(nn.Module):
    """x (b, *shape) → x̂, the forward pass."""

    def __init__(self, model: Autoencoder) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)["x_hat"]


class _ConditionedModelPart(_ModelPart):
    """(x (b, *shape), y (b,) int64) → x̂."""

    def forward(self, x: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        return self.model(x, y=y)["x_hat"]


class _EncoderPart(_ModelPart):
    """x (b, *shape) → z (b, d)."""

    def forward(self, x: Tensor) -> Tensor:
        return self.model.encode(x)


class _DecoderPart(_ModelPart):
    """z (b, d) → x̂ (b, *shape)."""

    def forward(self, z: Tensor) -> Tensor:
        return self.model.decode(z)


class _ConditionedDecoderPart(_ModelPart):
    """(z (b, d), y (b,) int64) → x̂ (b, *shape)."""

    def forward(self, z: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        return self.model.decode(z, y)


@dataclass(frozen=True)
class PartSpec:
    """What an exported part takes and gives, and how its inputs may vary."""

    part: str
    inputs: tuple[str, ...]  # names, in argument order: x | z, then y
    output: str  # x_hat | z
    spatial: bool  # dynamic height and width (the model part of an any_size model)
    size_multiple: int  # height and width must be multiples of this (spatial only)
    classes: int  # labels y are in [0, classes); 0 = no y


def part_spec(model: Autoencoder, part: str) -> PartSpec:
    """The signature of ``part`` for ``model`` (assumes :func:`available_parts` has it)."""
    caps = model.capabilities
    conditioned = Capability.CONDITION in caps and part != "encoder"
    classes = 0
    if conditioned:
        classes = int(getattr(model, "n_classes", 0) or
                      getattr(model.cfg, "num_classes", 0) or 0)
        if classes < 1:
            raise ConfigError(f"the {model.family} model needs class labels but does not say "
                              f"how many classes it has; cannot export its {part}")
    first = "z" if part == "decoder" else "x"
    return PartSpec(part=part, inputs=(first, "y") if conditioned else (first,),
                    output="z" if part == "encoder" else "x_hat",
                    spatial=part == "model" and Capability.ANY_SIZE in caps,
                    size_multiple=max(1, int(model.size_multiple)), classes=classes)


def _wrap(model: Autoencoder, spec: PartSpec) -> nn.Module:
    if spec.part == "encoder":
        return _EncoderPart(model)
    if spec.part == "decoder":
        return _ConditionedDecoderPart(model) if spec.classes else _DecoderPart(model)
    return _ConditionedModelPart(model) if spec.classes else _ModelPart(model)


# -- sample inputs ---------------------------------------------------------------------
def _sizes(spec: PartSpec, input_shape: tuple[int, ...]) -> list[tuple[int, tuple[int, ...]]]:
    """(batch, sample shape) of the trace input, then of each check.

    A spatial part is traced at a size other than the training size: a model that takes
    a special path for its training size (conv-full flattens its code there) then
    records the general path, and the check at the training size proves both agree.
    """
    if not spec.spatial:
        return [(2, input_shape), (3, input_shape), (1, input_shape)]
    c, h, w = input_shape
    m = spec.size_multiple
    return [(2, (c, h + m, w + 2 * m)), (3, (c, h, w)), (1, (c, h + 2 * m, w + m))]


def sample_inputs(model: Autoencoder, spec: PartSpec, batch: int, shape: tuple[int, ...],
                  seed: int) -> tuple[Tensor, ...]:
    """Inputs of the part that look like real ones, seeded.

    x: uniform [0, 1) samples of ``shape`` (the range of aekit's image data, and inside
    the range of RankGauss-scaled tables); z: N(0, 1) codes of ``model.code_size``, or
    whole numbers in [0, 2^code_bits) for a discrete code (VQ-VAE indices, which
    ``decode`` rounds and clamps); y: labels in [0, classes).
    """
    g = torch.Generator().manual_seed(seed)
    if spec.inputs[0] == "x":
        first = torch.rand(batch, *shape, generator=g)  # (b, *shape)
    elif model.code_bits is not None:
        k = max(2, round(2.0 ** model.code_bits))
        first = torch.randint(0, k, (batch, model.code_size), generator=g).float()  # (b, d)
    else:
        first = torch.randn(batch, model.code_size, generator=g)  # (b, d)
    if not spec.classes:
        return (first,)
    return first, torch.randint(0, spec.classes, (batch,), generator=g)  # (b,) int64


# -- exporters ---------------------------------------------------------------------------
@contextmanager
def _quiet() -> Iterator[None]:
    """Silence exporters: their stdout/stderr prints, warnings and log records.

    ``logging.disable`` rather than logger levels because torch configures per-module
    loggers with handlers of their own (``W… torchvision is not installed``).
    """
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), redirect_stdout(io.StringIO()), \
                redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def _dynamic_shapes(spec: PartSpec, n_dims: int) -> tuple[dict[int, Any], ...]:
    """torch.export dims per input: one shared batch dim; H, W for spatial parts."""
    from torch.export import Dim

    batch = Dim("batch", min=1)
    first: dict[int, Any] = {0: batch}
    if spec.spatial:
        m = spec.size_multiple
        if m > 1:  # a derived dim: the exporter knows h is a multiple of m
            first[n_dims - 2] = m * Dim("height_blocks", min=1)
            first[n_dims - 1] = m * Dim("width_blocks", min=1)
        else:
            first[n_dims - 2], first[n_dims - 1] = Dim("height", min=1), Dim("width", min=1)
    return (first, {0: batch}) if spec.classes else (first,)


def _require_onnx() -> None:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"ONNX export needs onnx, onnxscript and onnxruntime ({exc.name} "
                          f"is missing): {EXPORT_EXTRA}") from None


def _write_onnx(module: nn.Module, spec: PartSpec, sample: tuple[Tensor, ...], path: Path,
                metadata: dict[str, str]) -> None:
    """Export with torch.export + onnxscript; metadata into ``metadata_props``."""
    program = torch.onnx.export(
        module, sample, dynamo=True, dynamic_shapes=_dynamic_shapes(spec, sample[0].ndim),
        input_names=list(spec.inputs), output_names=[spec.output], verbose=False,
        report=False, optimize=True)
    assert program is not None  # dynamo=True always returns the program
    for key, value in metadata.items():
        program.model.metadata_props[key] = value
    program.save(str(path), external_data=False)  # one self-contained file


def _write_torchscript(module: nn.Module, spec: PartSpec, sample: tuple[Tensor, ...],
                       path: Path, metadata: dict[str, str]) -> None:
    """Trace (sizes become graph values, so the batch and H, W stay free); the check
    below proves they did. Metadata as extra files in the archive."""
    traced = torch.jit.trace(module, sample, check_trace=False)
    torch.jit.save(traced, str(path),
                   _extra_files={TS_FILES[k]: v for k, v in metadata.items()})


class _Runner:
    """Runs an exported file, loaded back from disk, on numpy inputs."""

    def __init__(self, fmt: str, path: Path, spec: PartSpec) -> None:
        self.fmt, self.spec = fmt, spec
        if fmt == "onnx":
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.log_severity_level = 3  # errors only: no optimiser notes on stderr
            self.session = ort.InferenceSession(str(path), opts,
                                                providers=["CPUExecutionProvider"])
            self.names = [i.name for i in self.session.get_inputs()]
            if self.names != list(spec.inputs):
                raise RunError(f"takes inputs {self.names} instead of {list(spec.inputs)}")
        else:
            self.module = torch.jit.load(str(path), map_location="cpu")

    def __call__(self, inputs: tuple[Tensor, ...]) -> np.ndarray:
        if self.fmt == "onnx":
            return self.session.run(None, {n: t.numpy() for n, t in
                                           zip(self.names, inputs, strict=True)})[0]
        with torch.no_grad():
            return self.module(*inputs).numpy()

    @property
    def label(self) -> str:
        if self.fmt == "onnx":
            import onnxruntime as ort

            return f"onnxruntime {ort.__version__} (CPU)"
        return f"torch.jit.load (torch {torch.__version__})"


def _reason(exc: BaseException) -> str:
    """The first line of the innermost cause, without terminal colours."""
    inner = exc
    while inner.__cause__ is not None:
        inner = inner.__cause__
    lines = [ln.strip() for ln in _ANSI.sub("", str(inner)).splitlines() if ln.strip()]
    text = lines[0] if lines else ""
    if len(text) > 200:
        text = text[:197] + "…"
    return f"{type(inner).__name__}: {text}" if text else type(inner).__name__


def _axis_names(spec: PartSpec, n_dims: int) -> dict[int, str]:
    names = {0: "batch"}
    if spec.spatial:
        names[n_dims - 2], names[n_dims - 1] = "height", "width"
    return names


def _describe(shape_per_case: list[tuple[int, ...]], known: dict[str, list[int]]
              ) -> list[int | str]:
    """An output's shape with dynamic axes named after the input axis they follow
    (``batch``, ``height``, or ``2*height`` for an upscaler), from the checked cases."""
    out: list[int | str] = []
    for axis in range(len(shape_per_case[0])):
        values = [s[axis] for s in shape_per_case]
        if len(set(values)) == 1:
            out.append(values[0])
            continue
        name = "?"
        for dim, inputs in known.items():
            if values[0] % inputs[0] == 0:
                r = values[0] // inputs[0]
                if all(v == r * u for v, u in zip(values, inputs, strict=True)):
                    name = dim if r == 1 else f"{r}*{dim}"
                    break
        out.append(name)
    return out


# -- the verb --------------------------------------------------------------------------
def _kind(loaded: LoadedRun) -> str:
    cfg = loaded.config.model
    return f"{cfg.preset} ({cfg.name})" if cfg.preset and cfg.preset != cfg.name else cfg.name


def check_part(loaded: LoadedRun, part: str) -> None:
    """Refuse, in one line naming the parts it has, a part the run's model lacks."""
    if part not in PARTS:
        raise ConfigError(f"unknown part {part!r}; choose one of: {', '.join(PARTS)}")
    parts = available_parts(loaded.model)
    if part not in parts:
        raise ConfigError(f"cannot export the {part} of {loaded.path} ({_kind(loaded)}): "
                          f"{_MISSING[part]}; it has: {', '.join(parts)} "
                          f"(use --part {parts[0]})")


def export_run(run: str | Path | LoadedRun, *, format: str, part: str = "model",
               out: str | Path, force: bool = False) -> dict[str, Any]:
    """Write ``part`` of the run's model to ``out`` as ``format``, checked, and summarise.

    ``run`` is a run directory (or a :class:`~aekit.io.LoadedRun`). Refused in one line
    (:class:`~aekit.errors.ConfigError` / :class:`~aekit.errors.RunError`), with nothing
    written: an unknown format or part, a part the model lacks, an existing ``out``
    without ``force``, a missing ONNX extra, an exporter failure, and a file whose
    outputs differ from PyTorch's by more than :data:`TOLERANCE`.

    Returns ``path``, ``format``, ``part``, ``family``, ``inputs``/``outputs`` (name,
    shape with dynamic axes as names, dtype), ``dynamic_axes`` (input or output name →
    axis → name), ``size_multiple``, ``checked`` (the input shapes run), ``runtime``,
    ``max_abs_diff``, ``tolerance`` and ``bytes``.
    """
    from aekit.io import CONFIG, LoadedRun, load_run

    if format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}; choose one of: {', '.join(FORMATS)}")
    if part not in PARTS:
        raise ConfigError(f"unknown part {part!r}; choose one of: {', '.join(PARTS)}")
    out_path = Path(out)
    if out_path.is_dir():
        raise ConfigError(f"--out {out_path} is a directory; give a file name such as "
                          f"{out_path / ('model.onnx' if format == 'onnx' else 'model.pt')}")
    if any(d.exists() and not d.is_dir() for d in out_path.parents):
        raise ConfigError(f"--out {out_path}: a folder on its path is a file")
    if out_path.exists() and not force:
        raise ConfigError(f"{out_path} already exists; choose another --out or pass --force "
                          f"to replace it")
    if format == "onnx":
        _require_onnx()
    loaded = run if isinstance(run, LoadedRun) else load_run(run)
    check_part(loaded, part)
    model = loaded.model.eval()
    spec = part_spec(model, part)
    module = _wrap(model, spec).eval()
    sizes = _sizes(spec, loaded.input_shape)
    cases = [sample_inputs(model, spec, b, shape, seed=i)
             for i, (b, shape) in enumerate(sizes)]
    try:
        with torch.no_grad():
            expected = [module(*inputs).numpy() for inputs in cases]
    except (RuntimeError, ValueError) as exc:
        raise RunError(f"cannot export the {part} of {_kind(loaded)}: PyTorch itself fails on "
                       f"a sample input ({_reason(exc)})") from None
    metadata = {META_CONFIG: (loaded.path / CONFIG).read_text(encoding="utf-8"),
                META_VERSION: __version__, META_PART: part}
    what = f"the {part} of {_kind(loaded)} as {format}"

    # folders this call creates, deepest first: removed again if nothing is written
    made = [d for d in [out_path.parent, *out_path.parent.parents] if not d.exists()]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        writer = _write_onnx if format == "onnx" else _write_torchscript
        try:
            with _quiet():
                writer(module, spec, cases[0], tmp, metadata)
        except (AssertionError, OSError):  # our bug, or a full disk: not an export refusal
            raise
        except Exception as exc:  # noqa: BLE001 — every exporter failure is one line
            raise RunError(f"cannot export {what}: {_reason(exc)}") from None
        diff = 0.0
        got_shapes: list[tuple[int, ...]] = []
        current = tuple(cases[0][0].shape)  # the input being run, for messages
        try:
            with _quiet():
                runner = _Runner(format, tmp, spec)
                for inputs, want in zip(cases, expected, strict=True):
                    current = tuple(inputs[0].shape)
                    got = runner(inputs)
                    if got.shape != want.shape:
                        raise RunError(f"gives shape {tuple(got.shape)} for input "
                                       f"{current}, PyTorch {tuple(want.shape)}")
                    d = float(np.max(np.abs(got.astype(np.float64) - want)))
                    if not d <= TOLERANCE:  # NaN fails too
                        raise RunError(f"differs from PyTorch by {d:.3g} (max abs) on input "
                                       f"{current}; the tolerance is {TOLERANCE:g}")
                    diff = max(diff, d)
                    got_shapes.append(tuple(got.shape))
        except RunError as exc:
            raise RunError(f"the exported {part} of {_kind(loaded)} ({format}) {exc}; "
                           f"nothing was written") from None
        except Exception as exc:  # noqa: BLE001 — a runtime that cannot run the file
            raise RunError(f"the exported {part} of {_kind(loaded)} ({format}) fails to run "
                           f"on input {current}: {_reason(exc)}; nothing was written") from None
        label = runner.label
        del runner  # onnxruntime holds the file open on some platforms
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        for d in made:
            try:
                d.rmdir()
            except OSError:  # something else was put there meanwhile: keep it
                break
        raise

    in_shapes = {name: [tuple(inputs[i].shape) for inputs in cases]
                 for i, name in enumerate(spec.inputs)}
    axes = _axis_names(spec, cases[0][0].ndim)
    known = {axes[a]: [s[a] for s in in_shapes[spec.inputs[0]]] for a in axes}
    inputs_desc, dynamic = [], {}
    for i, name in enumerate(spec.inputs):
        names = axes if i == 0 else {0: "batch"}
        shape = list(cases[0][i].shape)
        inputs_desc.append({"name": name, "dtype": str(cases[0][i].dtype).removeprefix("torch."),
                            "shape": [names.get(a, s) for a, s in enumerate(shape)]})
        dynamic[name] = dict(names)
    out_shape = _describe(got_shapes, known)
    dynamic[spec.output] = {a: s for a, s in enumerate(out_shape) if isinstance(s, str)}
    return {
        "path": str(out_path), "format": format, "part": part,
        "family": loaded.config.model.name, "preset": loaded.config.model.preset,
        "inputs": inputs_desc,
        "outputs": [{"name": spec.output, "dtype": str(expected[0].dtype),
                     "shape": out_shape}],
        "dynamic_axes": dynamic,
        "size_multiple": spec.size_multiple if spec.spatial else None,
        "checked": [list(inputs[0].shape) for inputs in cases],
        "runtime": label, "max_abs_diff": diff, "tolerance": TOLERANCE,
        "bytes": out_path.stat().st_size,
    }


# -- reading an exported file back -------------------------------------------------------
def exported_metadata(path: str | Path) -> dict[str, Any]:
    """What :func:`export_run` stored in a file: ``format``, ``part``, ``version`` and
    ``config`` (the run's config.json, parsed). Refused in one line for a file aekit
    did not write.

    A TorchScript file is a zip archive whose extra files are read without loading the
    module; an ONNX file is read with ``onnx.load`` (metadata only, no weights data).
    """
    p = Path(path)
    if not p.is_file():
        raise RunError(f"{p} does not exist")
    if zipfile.is_zipfile(p):
        fmt = "torchscript"
        with zipfile.ZipFile(p) as zf:
            by_name = {Path(n).name: n for n in zf.namelist() if "/extra/" in n}
            raw = {key: zf.read(by_name[name]).decode("utf-8")
                   for key, name in TS_FILES.items() if name in by_name}
    else:
        fmt = "onnx"
        try:
            import onnx
        except ImportError:
            raise ConfigError(f"reading ONNX files needs onnx: {EXPORT_EXTRA}") from None
        try:
            proto = onnx.load(str(p), load_external_data=False)
        except Exception as exc:  # noqa: BLE001 — not a protobuf
            raise RunError(f"{p} is neither an ONNX nor a TorchScript file "
                           f"({_reason(exc)})") from None
        raw = {m.key: m.value for m in proto.metadata_props}
    if META_CONFIG not in raw:
        raise RunError(f"{p} was not written by aekit export (no {META_CONFIG} metadata)")
    try:
        config = json.loads(raw[META_CONFIG])
    except json.JSONDecodeError as exc:
        raise RunError(f"{p}: its {META_CONFIG} metadata is not JSON ({exc.msg})") from None
    return {"format": fmt, "part": raw.get(META_PART), "version": raw.get(META_VERSION),
            "config": config}


def format_summary(summary: dict[str, Any]) -> list[str]:
    """The lines ``aekit export`` prints for a summary of :func:`export_run`."""
    def shape(s: Sequence[int | str]) -> str:
        return "(" + ", ".join(str(d) for d in s) + ("," if len(s) == 1 else "") + ")"

    size = summary["bytes"]
    human = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{math.ceil(size / 1e3)} kB"
    lines = [f"exported the {summary['part']} of {summary['preset'] or summary['family']} "
             f"to {summary['path']} ({summary['format']}, {human})"]
    for kind in ("inputs", "outputs"):
        for t in summary[kind]:
            lines.append(f"  {kind[:-1]:<6} {t['name']:<6} {shape(t['shape'])} {t['dtype']}")
    order = ("batch", "height", "width")
    axes = sorted({n for per in summary["dynamic_axes"].values() for n in per.values()
                   if n in order}, key=order.index)
    note = ""
    if summary["size_multiple"] and summary["size_multiple"] > 1:
        note = f" (height and width multiples of {summary['size_multiple']})"
    lines.append(f"  dynamic axes: {', '.join(axes)}{note}")
    checked = ", ".join(shape(s) for s in summary["checked"])
    tol = f"{summary['tolerance']:.0e}".replace("e-0", "e-")
    lines.append(f"  checked with {summary['runtime']} on inputs {checked}: max abs "
                 f"difference {summary['max_abs_diff']:.2g} ≤ {tol}")
    return lines
