"""Pretext pretraining: the stem autoencoder, weight copies both ways, `aekit pretrain`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.classify.models import StemClassifier
from aekit.cli import main
from aekit.config import preset_config
from aekit.errors import ConfigError
from aekit.io import load_run
from aekit.models import build_model
from aekit.tasks.pretrain import labelled_subset


def test_stem_autoencoder_mirrors_the_classifier_stem() -> None:
    ae = build_model(preset_config("stem", filters=[4, 8]), (1, 8, 8))
    clf = StemClassifier((1, 8, 8), 3, filters=[4, 8])
    assert ae.cfg.sparsity == "l1" and ae.cfg.sparsity_weight > 0  # sparse code
    assert ae.code_size == 8 * 2 * 2
    assert list(ae.stem.state_dict()) == list(clf.stem.state_dict())
    kinds = [type(m).__name__ for m in ae.decoder.modules()]
    assert kinds.count("Upsample") == 2 and kinds.count("ConvTranspose2d") == 2
    out = ae(torch.rand(2, 1, 8, 8))
    assert out["x_hat"].shape == (2, 1, 8, 8) and bool((out["z"] >= 0).all())
    # copy in, then back: the classifier's stem then computes the AE's code exactly
    with torch.no_grad():
        for p in clf.stem.parameters():
            p.add_(1.0)
    ae.stem.load_state_dict(clf.stem.state_dict())
    ae.eval(), clf.eval()
    x = torch.rand(3, 1, 8, 8)
    assert torch.equal(ae.encode(x), clf.stem(x).flatten(1))
    with pytest.raises(ConfigError, match="leave model.latent_dim unset"):
        build_model(preset_config("stem", latent_dim=8), (1, 8, 8))
    with pytest.raises(ConfigError, match="divisible by 4"):
        build_model(preset_config("stem"), (1, 10, 10))


def test_labelled_subset_is_stratified_and_seeded() -> None:
    y = np.repeat(np.arange(4), [100, 50, 10, 3])
    idx = labelled_subset(y, 0.1, seed=0)
    assert np.bincount(y[idx]).tolist() == [10, 5, 1, 1]  # ≥ 1 per class
    assert np.array_equal(idx, labelled_subset(y, 0.1, seed=0))
    assert not np.array_equal(idx, labelled_subset(y, 0.1, seed=1))


def test_pretrain_cli_writes_results_and_a_loadable_pretext_run(
        tiny_npz: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pre"
    assert main(["pretrain", "--data", tiny_npz, "--labels", "0.25", "--filters", "4,8",
                 "--pretext", "denoise",
                 "--pretext-epochs", "1", "--epochs", "2", "--batch-size", "16",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "pretrained: test accuracy" in printed and "from scratch" in printed
    res = json.loads((out / "results.json").read_text())
    assert res["n_labelled"] == 24 and res["n_unlabelled"] == 96
    assert res["supervised_epochs"] == 3
    for k in ("warmup_accuracy", "pretrained_accuracy", "scratch_accuracy"):
        assert 0.0 <= res[k] <= 1.0
    run = load_run(out / "pretext")  # a regular run directory of the stem AE
    assert run.config.model.name == "stem" and run.config.task.name == "denoise"
    from safetensors.torch import load_file

    clf = load_file(str(out / "classifier.safetensors"))
    ae = run.model.stem.state_dict()
    # the saved classifier's stem has the pretext stem's layout (what steps 3 and 5 copy)
    assert set(ae) == {k.removeprefix("stem.") for k in clf if k.startswith("stem.")}


@pytest.mark.parametrize("argv, message", [
    (["--labels", "0"], "--labels must be a fraction in (0, 1]"),
    (["--pretext", "inpaint"], "--pretext must be reconstruct or denoise"),
    (["--pretext", "denoise", "--noise", "speckle:1"], "unknown noise 'speckle'"),
])
def test_pretrain_bad_input_is_one_line(argv: list[str], message: str, tiny_npz: str,
                                        tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pre"
    assert main(["pretrain", "--data", tiny_npz, "--out", str(out), *argv]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("aekit: error:")]
    assert len(err) == 1 and message in err[0]
    assert not out.exists()


def test_pretrain_without_labels_is_one_line(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((40, 1, 8, 8)).astype("f4"))
    assert main(["pretrain", "--data", f"npy:{tmp_path / 'x.npy'}", "--out",
                 str(tmp_path / "pre")]) == 2
    assert "has no labels" in capsys.readouterr().err
    assert not (tmp_path / "pre").exists()
