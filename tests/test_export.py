"""``aekit export``: every exportable family round-trips through ONNX and TorchScript.

The files are loaded back here, independently of the exporter's own check, and run on a
batch size (and, for fully convolutional models, an image size) the export never saw.
Refusals are one line with nothing left behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.capabilities import Capability
from aekit.cli import main
from aekit.errors import ConfigError
from aekit.io import load_run
from aekit.tasks.export import available_parts, export_run, exported_metadata
from tests.conftest import one_error_line, tiny_run

# family (preset) → the `aekit train` arguments of a tiny run on 1×8×8 blobs
FAMILIES: dict[str, list[str]] = {
    "dense": ["--model", "dense", "--set", "model.hidden=[8]", "--latent-dim", "2"],
    "conv": ["--model", "conv", "--set", "model.filters=[4,8]", "--latent-dim", "2"],
    "conv-full": ["--model", "conv-full", "--set", "model.filters=[4,8]"],
    "vae": ["--model", "vae", "--set", "model.hidden=[8]", "--latent-dim", "2"],
    "aae-style": ["--model", "aae-style", "--set", "model.hidden=[8]",
                  "--set", "model.disc_hidden=[8]", "--latent-dim", "2"],
    "vqvae": ["--model", "vqvae", "--set", "model.filters=[4]", "--set", "model.latent_dim=4",
              "--set", "model.codebook_size=8"],
    "lstm": ["--model", "lstm", "--set", "model.hidden=[8]"],
    "dcgan": ["--model", "dcgan", "--set", "model.filters=[4,8]", "--latent-dim", "4"],
    "espcn": ["--model", "espcn", "--task", "superres", "--scale", "2",
              "--set", "model.filters=[4,4]"],
    "srcnn": ["--model", "srcnn", "--task", "superres", "--scale", "2",
              "--set", "model.filters=[4,4]"],
    "dncnn": ["--model", "dncnn", "--task", "denoise", "--noise", "gaussian:0.1",
              "--set", "model.depth=3", "--set", "model.filters=[4]"],
    "tabular": ["--model", "tabular", "--set", "model.hidden=[8,4,8]"],
    "layers": ["--model", "layers"],
    "stem": ["--model", "stem", "--set", "model.filters=[4,8]"],
}
WITH_MODEL_PART = [f for f in FAMILIES if f != "dcgan"]
SUFFIX = {"onnx": ".onnx", "torchscript": ".pt"}
# loading a TorchScript file back, as a user would, warns that TorchScript is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny trained run per family, shared by every test of this module."""
    root = tmp_path_factory.mktemp("export")
    found = {}
    for name, args in FAMILIES.items():
        (root / name).mkdir()
        found[name] = tiny_run(root / name, *args, "--epochs", "1", "--batch-size", "32",
                               "--no-eval", n_train=32, n_test=8)
    return found


def run_file(fmt: str, path: Path, inputs: list[np.ndarray]) -> np.ndarray:
    """The exported file's output, loaded the way a user loads it."""
    if fmt == "onnx":
        import onnxruntime as ort

        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        return session.run(None, dict(zip(names, inputs, strict=True)))[0]
    module = torch.jit.load(str(path))
    with torch.no_grad():
        return module(*[torch.from_numpy(a) for a in inputs]).numpy()


def fresh_inputs(model: torch.nn.Module, part: str, batch: int, shape: tuple[int, ...]
                 ) -> list[np.ndarray]:
    """Inputs the exporter never used: another seed, another batch size."""
    rng = np.random.default_rng(99)
    if part == "decoder":
        if model.code_bits is not None:  # VQ-VAE: indices into the codebook, as floats
            first = rng.integers(0, 2 ** round(model.code_bits), (batch, model.code_size))
        else:
            first = rng.standard_normal((batch, model.code_size))
    else:
        first = rng.random((batch, *shape))
    inputs = [first.astype(np.float32)]
    if Capability.CONDITION in model.capabilities and part != "encoder":
        inputs.append(rng.integers(0, model.n_classes, batch).astype(np.int64))
    return inputs


@torch.no_grad()
def pytorch_output(model: torch.nn.Module, part: str, inputs: list[np.ndarray]) -> np.ndarray:
    t = [torch.from_numpy(a) for a in inputs]
    if part == "encoder":
        return model.encode(t[0]).numpy()
    if part == "decoder":
        return model.decode(*t).numpy()
    cond = {"y": t[1]} if len(t) > 1 else {}
    return model(t[0], **cond)["x_hat"].numpy()


def check_round_trip(run: Path, fmt: str, part: str, out: Path) -> dict:
    summary = export_run(run, format=fmt, part=part, out=out)
    assert out.is_file() and summary["bytes"] == out.stat().st_size
    assert summary["max_abs_diff"] <= 1e-4
    loaded = load_run(run)
    model = loaded.model
    shape = tuple(loaded.input_shape)
    shapes = [shape]
    if part == "model" and Capability.ANY_SIZE in model.capabilities:
        m = model.size_multiple
        shapes.append((shape[0], shape[1] + 3 * m, shape[2] + 5 * m))  # an unseen size
    for s in shapes:
        inputs = fresh_inputs(model, part, 5, s)  # batch 5: never exported nor checked
        got = run_file(fmt, out, inputs)
        want = pytorch_output(model, part, inputs)
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= 1e-4, (fmt, part, s)
    return summary


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
@pytest.mark.parametrize("family", WITH_MODEL_PART)
def test_model_part_round_trips(runs: dict[str, Path], family: str, fmt: str,
                                tmp_path: Path) -> None:
    out = tmp_path / f"{family}{SUFFIX[fmt]}"
    summary = check_round_trip(runs[family], fmt, "model", out)
    model = load_run(runs[family]).model
    x_axes = summary["dynamic_axes"]["x"]
    if Capability.ANY_SIZE in model.capabilities:
        assert x_axes == {0: "batch", 2: "height", 3: "width"}
        scale = model.scale
        want = ["batch", 1, *(["height", "width"] if scale == 1
                              else [f"{scale}*height", f"{scale}*width"])]
        assert summary["outputs"][0]["shape"] == want
    else:
        assert x_axes == {0: "batch"}
    assert os.listdir(tmp_path) == [out.name]  # no temp file left beside it


@pytest.mark.parametrize(("family", "part"), [
    ("dense", "encoder"), ("dense", "decoder"), ("vqvae", "encoder"), ("vqvae", "decoder"),
    ("aae-style", "decoder"), ("dcgan", "decoder")])
@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_encoder_and_decoder_parts_round_trip(runs: dict[str, Path], family: str, part: str,
                                              fmt: str, tmp_path: Path) -> None:
    summary = check_round_trip(runs[family], fmt, part, tmp_path / f"p{SUFFIX[fmt]}")
    names = [t["name"] for t in summary["inputs"]]
    assert names == (["z", "y"] if family == "aae-style" else
                     ["x"] if part == "encoder" else ["z"])


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_the_config_rides_in_the_file(runs: dict[str, Path], fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"m{SUFFIX[fmt]}"
    export_run(runs["conv"], format=fmt, part="encoder", out=out)
    config = json.loads((runs["conv"] / "config.json").read_text())
    meta = exported_metadata(out)
    assert meta["config"] == config and meta["part"] == "encoder" and meta["format"] == fmt
    if fmt == "onnx":  # and readable with onnx alone, as a user would
        import onnx

        props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
        assert json.loads(props["aekit_config"]) == config
        assert props["aekit_part"] == "encoder" and props["aekit_version"]
    else:
        extra = {"aekit_config.json": ""}
        torch.jit.load(str(out), _extra_files=extra)
        assert json.loads(extra["aekit_config.json"]) == config


def test_parts_follow_capabilities(runs: dict[str, Path]) -> None:
    parts = {f: available_parts(load_run(runs[f]).model) for f in ("dense", "dcgan", "espcn",
                                                                  "dncnn", "aae-style")}
    assert parts == {"dense": ["model", "encoder", "decoder"], "dcgan": ["decoder"],
                     "espcn": ["model"], "dncnn": ["model"],
                     "aae-style": ["model", "encoder", "decoder"]}


def test_cli_prints_a_summary(runs: dict[str, Path], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sr.onnx"
    assert main(["export", str(runs["espcn"]), "--format", "onnx", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("exported the model of espcn to ") and "(onnx, " in lines[0]
    assert "  input  x      (batch, 1, height, width) float32" in lines
    assert "  output x_hat  (batch, 1, 2*height, 2*width) float32" in lines
    assert "  dynamic axes: batch, height, width" in lines
    assert "checked with onnxruntime" in lines[-1]
    assert captured.err == ""  # no exporter chatter: [torch.onnx] lines, warnings, logs


@pytest.mark.parametrize(("family", "part", "needle"), [
    ("dcgan", "encoder", "it has no encoder (no `embed` capability); it has: decoder "
                         "(use --part decoder)"),
    ("dcgan", "model", "draws noise instead of reading x"),
    ("espcn", "decoder", "it has no code to decode"),
])
def test_parts_a_model_lacks_are_refused(runs: dict[str, Path], family: str, part: str,
                                         needle: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.onnx"
    argv = ["export", str(runs[family]), "--format", "onnx", "--out", str(out)]
    assert main(argv + ([] if part == "model" else ["--part", part])) == 2
    assert needle in one_error_line(capsys)
    assert not out.exists()


def test_an_existing_out_is_kept_unless_forced(runs: dict[str, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.pt"
    out.write_text("precious")
    argv = ["export", str(runs["dense"]), "--format", "torchscript", "--out", str(out)]
    assert main(argv) == 2
    assert "already exists; choose another --out or pass --force" in one_error_line(capsys)
    assert out.read_text() == "precious"
    assert main([*argv, "--force"]) == 0
    assert exported_metadata(out)["part"] == "model"


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_a_file_that_differs_from_pytorch_is_not_written(
        runs: dict[str, Path], fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The runtime's outputs are shifted by 1e-3: the check refuses, nothing stays."""
    if fmt == "onnx":
        import onnxruntime as ort

        class Off(ort.InferenceSession):
            def run(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                return [o + 1e-3 for o in super().run(*args, **kwargs)]

        monkeypatch.setattr(ort, "InferenceSession", Off)
    else:
        real = torch.jit.load

        def load(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            module = real(*args, **kwargs)
            return lambda *x: module(*x) + 1e-3

        monkeypatch.setattr(torch.jit, "load", load)
    out = tmp_path / "sub" / f"m{SUFFIX[fmt]}"
    assert main(["export", str(runs["dense"]), "--format", fmt, "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert f"the exported model of dense ({fmt}) differs from PyTorch by 0.001" in line
    assert "nothing was written" in line
    assert not (tmp_path / "sub").exists()  # the folder it made is gone too


def test_an_exporter_failure_is_one_line(runs: dict[str, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    def fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            raise ValueError("\x1b[96mdata-dependent branch\x1b[0m\nin line 3")
        except ValueError as exc:
            raise RuntimeError("Failed to export the model with torch.export.") from exc

    monkeypatch.setattr(torch.onnx, "export", fail)
    out = tmp_path / "m.onnx"
    assert main(["export", str(runs["vae"]), "--format", "onnx", "--out", str(out)]) == 2
    assert one_error_line(capsys).endswith(
        "cannot export the model of vae as onnx: ValueError: data-dependent branch")
    assert os.listdir(tmp_path) == []


def test_bad_requests_are_refused(runs: dict[str, Path], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="unknown format 'png'; choose one of: onnx, "
                                          "torchscript"):
        export_run(runs["dense"], format="png", out=tmp_path / "m.png")
    with pytest.raises(ConfigError, match="unknown part 'head'"):
        export_run(runs["dense"], format="onnx", part="head", out=tmp_path / "m.onnx")
    with pytest.raises(SystemExit) as exit_info:  # argparse refuses it before aekit runs
        main(["export", str(runs["dense"]), "--format", "png", "--out", "m"])
    assert exit_info.value.code == 2 and "invalid choice: 'png'" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)  # extra missing
    assert main(["export", str(runs["dense"]), "--format", "onnx",
                 "--out", str(tmp_path / "m.onnx")]) == 2
    assert "pip install 'aekit[export]'" in one_error_line(capsys)
    assert os.listdir(tmp_path) == []
