"""VAE, adversarial autoencoder and DCGAN: losses, update isolation, sampling, verbs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from aekit.cli import main
from aekit.config import TrainConfig, preset_config
from aekit.engine.system import make_optimizer
from aekit.models import build_model


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the sample-quality classifier is cached under $AEKIT_DATA
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path_factory.getbasetemp() / "cache"))


def test_vae_loss_is_summed_reconstruction_plus_beta_kl() -> None:
    torch.manual_seed(0)
    model = build_model(preset_config("vae", hidden=[16], latent_dim=3, beta=2.0),
                        (1, 4, 4)).eval()
    x = torch.rand(5, 1, 4, 4)
    out = model(x)
    terms = model.loss(out, x)
    mu, logvar = out["mu"], out["logvar"]
    kl = (0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)).mean()
    bce = torch.nn.functional.binary_cross_entropy(out["x_hat"], x, reduction="none")
    rec = bce.flatten(1).sum(1).mean()
    assert torch.allclose(terms["kl"], kl, atol=1e-5)
    assert torch.allclose(terms["recon"], rec, atol=1e-4)
    assert torch.allclose(terms["loss"], rec + 2.0 * kl, atol=1e-4)
    assert torch.equal(model.encode(x), mu)  # the embedding is the posterior mean
    assert model.anomaly_score(x).shape == (5,)


def test_vae_kl_warmup_ramps_beta() -> None:
    model = build_model(preset_config("vae", hidden=[8], latent_dim=2, kl_warmup=4),
                        (1, 4, 4))
    weights = []
    for epoch in range(6):
        model.on_train_epoch_start(epoch, 6)
        weights.append(model.kl_weight)
    assert weights == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


class Spy:
    """Wraps an optimizer; on each step records which model parameters changed."""

    def __init__(self, name: str, opt: torch.optim.Optimizer, model: torch.nn.Module,
                 log: list[tuple[str, set[str]]]) -> None:
        self.name, self.opt, self.model, self.log = name, opt, model, log

    def zero_grad(self) -> None:
        self.opt.zero_grad()

    def step(self) -> None:
        before = {k: p.detach().clone() for k, p in self.model.named_parameters()}
        self.opt.step()
        changed = {k for k, p in self.model.named_parameters() if not torch.equal(p, before[k])}
        self.log.append((self.name, changed))


def _run_step(model: Any, x: torch.Tensor, **cond: Any) -> list[tuple[str, set[str]]]:
    cfg = TrainConfig(lr=1e-2)
    log: list[tuple[str, set[str]]] = []
    opts = {name: Spy(name, make_optimizer(g["params"], cfg, betas=g.get("betas")), model, log)
            for name, g in model.parameter_groups().items()}
    model.train()
    model.adversarial_step(x, x, opts, lambda loss: loss.backward(),
                           generator=torch.Generator().manual_seed(0), **cond)
    return log


def _names(model: torch.nn.Module, prefix: str) -> set[str]:
    return {k for k, _ in model.named_parameters() if k.startswith(prefix)}


@pytest.mark.parametrize("supervised", [False, True])
def test_aae_each_update_changes_only_its_own_parameters(supervised: bool) -> None:
    torch.manual_seed(0)
    cfg = preset_config("aae", hidden=[16], latent_dim=2, disc_hidden=[8],
                      supervised=supervised, num_classes=3 if supervised else None)
    model = build_model(cfg, (1, 4, 4))
    cond = {"y": torch.tensor([0, 1, 2, 0, 1, 2])} if supervised else {}
    log = _run_step(model, torch.rand(6, 1, 4, 4), **cond)
    enc, dec, disc = (_names(model, p) for p in ("encoder.", "decoder.", "discriminator."))
    assert [name for name, _ in log] == ["reconstruction", "discriminator", "regularisation"]
    assert log[0][1] == enc | dec
    assert log[1][1] == disc
    assert log[2][1] == enc
    assert all(p.requires_grad for p in model.discriminator.parameters())  # restored


@pytest.mark.parametrize("disc_label", [True, False])
def test_supervised_aae_discriminator_sees_the_label(disc_label: bool) -> None:
    """disc_label: (code, one-hot) pairs, so each class's codes are matched to the prior."""
    torch.manual_seed(0)
    cfg = preset_config("aae", hidden=[16], latent_dim=2, disc_hidden=[8],
                      supervised=True, num_classes=3, disc_label=disc_label)
    model = build_model(cfg, (1, 4, 4))
    assert model.discriminator[0].in_features == 2 + (3 if disc_label else 0)
    z = torch.randn(4, 2)
    d0 = model.discriminate(z, torch.zeros(4, dtype=torch.long))
    d1 = model.discriminate(z, torch.ones(4, dtype=torch.long))
    assert d0.shape == (4, 1) and (not torch.equal(d0, d1)) == disc_label
    log = _run_step(model, torch.rand(6, 1, 4, 4), y=torch.tensor([0, 1, 2, 0, 1, 2]))
    assert log[1][1] == _names(model, "discriminator.") and log[2][1] == _names(model, "encoder.")


def test_runs_saved_before_disc_label_load_as_trained() -> None:
    """A config.json without model.disc_label rebuilds the code-only discriminator."""
    from aekit.config import RunConfig

    old = {"model": {"name": "aae", "supervised": True}}
    assert RunConfig.from_saved(old).model.disc_label is False
    new = {"model": {"name": "aae", "supervised": True, "disc_label": True}}
    assert RunConfig.from_saved(new).model.disc_label is True
    assert RunConfig.from_dict(old).model.disc_label is True  # new configs: the default


def test_dcgan_each_update_changes_only_its_own_parameters() -> None:
    torch.manual_seed(0)
    model = build_model(preset_config("dcgan", filters=[4, 8], latent_dim=5), (1, 8, 8))
    log = _run_step(model, torch.rand(6, 1, 8, 8))
    assert [name for name, _ in log] == ["discriminator", "generator"]
    assert log[0][1] == _names(model, "discriminator.")
    assert log[1][1] == _names(model, "decoder.")
    assert all(p.requires_grad for p in model.discriminator.parameters())


@pytest.mark.parametrize("prior", ["gaussian", "uniform", "mixture10"])
def test_aae_priors_have_the_documented_shape(prior: str) -> None:
    from aekit.models.aae import sample_prior

    z = sample_prior(prior, 20000, 3, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert z.shape == (20000, 3)
    if prior == "uniform":
        assert z.abs().max() <= 3**0.5 and abs(z.var().item() - 1) < 0.05
    elif prior == "mixture10":
        radius = z[:, :2].norm(dim=1)
        assert abs(radius.mean().item() - 3.0) < 0.1
    else:
        assert abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1) < 0.05


def test_frechet_distance_closed_form() -> None:
    from aekit.evaluate.fid import frechet_distance

    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # same covariance, shifted mean: FD = ‖shift‖²
    assert frechet_distance(a, a + np.array([1, 2, 0, 0])) == pytest.approx(5.0, rel=1e-3)
    # N(0, I) vs N(0, 4I) in 4-D: Tr(I + 4I − 2·2I) = 4
    assert frechet_distance(a, 2 * rng.normal(size=(20000, 4))) == pytest.approx(4.0, rel=0.05)


@pytest.fixture(scope="module")
def gen_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny trained runs: vae, supervised aae, dcgan and a plain conv AE."""
    import os

    from tests.conftest import make_blobs_images

    root = tmp_path_factory.mktemp("gen")
    os.environ["AEKIT_DATA"] = str(root / "cache")
    x_tr, y_tr = make_blobs_images(64, seed=1)
    x_te, y_te = make_blobs_images(24, seed=2)
    data = root / "tiny.npz"
    np.savez(data, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    runs = {}
    for name, extra in (("vae", ["--latent-dim", "2"]), ("aae-style", []), ("dcgan", []),
                        ("conv", [])):
        runs[name] = root / name
        argv = ["train", "--model", name, "--data", f"npz:{data}", "--epochs", "1",
                "--batch-size", "16", "--quiet", "--out", str(runs[name]), *extra]
        if name == "dcgan":
            argv += ["--set", "model.filters=[4,8]", "--latent-dim", "4"]
        assert main(argv) == 0, name
    runs["data"] = data
    return runs


def test_generative_metrics_include_sample_quality(gen_runs: dict[str, Path]) -> None:
    import json

    for name in ("vae", "aae-style", "dcgan"):
        m = json.loads((gen_runs[name] / "metrics.json").read_text())
        g = m["generation"]
        assert g["frechet_distance"] >= 0 and 0 < g["confidence"] <= 1, name
        assert g["n_samples"] == 24
        assert ("metrics" in m) == (name != "dcgan")  # a GAN has nothing to reconstruct
        # every FD has its references beside it: the real-vs-real floor, and for a model
        # that encodes its decoder on a Gaussian fitted to its training codes
        refs = g["references"]
        assert set(refs) == ({"real_floor"} if name == "dcgan" else
                             {"real_floor", "codes_gaussian"}), name
        assert all(r["n_samples"] == 24 and r["frechet_distance"] >= -1e-9
                   for r in refs.values()), name
    report = (gen_runs["dcgan"] / "report.html").read_text()
    assert "Samples" in report
    assert "Reference: real training images vs the test split" in report  # the floor only
    assert "fitted to its training codes" not in report  # no encoder
    assert "fitted to its training codes (lower is better)" in \
        (gen_runs["vae"] / "report.html").read_text()
    # the loss curves say what each family's total is
    assert "does not fall as samples improve" in report
    assert "the negative ELBO" in (gen_runs["vae"] / "report.html").read_text()
    assert "adversarial terms" in (gen_runs["aae-style"] / "report.html").read_text()


def test_generate_is_reproducible_with_a_seed(gen_runs: dict[str, Path], tmp_path: Path) -> None:
    for name in ("vae", "aae-style", "dcgan"):
        dirs = []
        for i, seed in enumerate((3, 3, 4)):
            out = tmp_path / f"{name}{i}"
            assert main(["generate", str(gen_runs[name]), "-n", "5", "--seed", str(seed),
                         "--out", str(out)]) == 0
            dirs.append(out)
        assert len(list(dirs[0].glob("*.png"))) == 6  # 5 samples + grid.png
        a, b, _ = ((d / "000000.png").read_bytes() for d in dirs)
        assert a == b, name
        # floats, not 8-bit files: a 1-epoch GAN's samples can quantise alike
        from aekit.evaluate.fid import draw_samples
        from aekit.io import load_run

        model = load_run(gen_runs[name]).model
        s3, s3b, s4 = (draw_samples(model, 5, seed) for seed in (3, 3, 4))
        assert np.array_equal(s3, s3b) and not np.array_equal(s3, s4), name


def test_interpolate_traverse_and_style(gen_runs: dict[str, Path], tmp_path: Path) -> None:
    from aekit.data.images import read_image, write_image
    from tests.conftest import make_blobs_images

    x, _ = make_blobs_images(2, seed=5)
    for i in range(2):
        write_image(tmp_path / f"{i}.png", x[i])
    strip = tmp_path / "strip.png"
    assert main(["interpolate", str(gen_runs["vae"]), str(tmp_path / "0.png"),
                 str(tmp_path / "1.png"), "--steps", "6", "--out", str(strip)]) == 0
    # 8-pixel images are written 14× (shorter side ≥ 112 px), with 2-pixel gutters
    assert read_image(strip).shape == (1, 8 * 14, 6 * (8 * 14 + 2) - 2)
    grid = tmp_path / "trav.png"
    assert main(["traverse", str(gen_runs["vae"]), "--steps", "5", "--zoom", "1",
                 "--out", str(grid)]) == 0
    assert read_image(grid).shape == (1, 2 * 9 - 1, 5 * 9 - 1)  # one row per code dimension
    assert main(["style", str(gen_runs["aae-style"]), str(tmp_path / "0.png"), "--out",
                 str(tmp_path / "style")]) == 0
    assert len(list((tmp_path / "style").glob("0_class*.png"))) == 4
    assert read_image(tmp_path / "style" / "0_class1.png").shape == (1, 112, 112)
    assert main(["interpolate", str(gen_runs["vae"]), str(tmp_path / "0.png"),
                 str(tmp_path / "1.png"), "--zoom", "0", "--out", str(strip)]) == 2


@pytest.mark.parametrize("argv, message", [
    (["generate", "{conv}", "-n", "4"], "cannot generate samples: train a vae, aae or dcgan"),
    (["generate", "{vae}", "-n", "0"], "-n must be at least 1"),
    (["style", "{vae}", "{img}"], "train a supervised aae"),
    (["interpolate", "{dcgan}", "{img}", "{img}"], "a dcgan has no encoder"),
])
def test_generative_verbs_refuse_bad_input(argv: list[str], message: str,
                                           gen_runs: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.data.images import write_image

    img = tmp_path / "img.png"
    write_image(img, np.zeros((1, 8, 8)))
    values = {k: str(v) for k, v in gen_runs.items()} | {"img": str(img)}
    out = tmp_path / "out"
    assert main([a.format(**values) for a in argv] + ["--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


def test_adversarial_resume_is_exact(gen_runs: dict[str, Path], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.api import resume as resume_run
    from aekit.api import train as train_run
    from aekit.config import RunConfig
    from tests.conftest import interrupt_training

    cfg = RunConfig()
    cfg.data.source = f"npz:{gen_runs['data']}"
    cfg.model = preset_config("aae", hidden=[16], latent_dim=2)
    cfg.train.epochs, cfg.train.batch_size = 3, 16
    straight = train_run(cfg, tmp_path / "a", quiet=True, evaluate=False)
    restore = interrupt_training(monkeypatch, epoch=2, batch=1)
    cfg2 = RunConfig.from_dict(cfg.to_dict())
    cfg2.model.name, cfg2.model.preset = "aae", None
    with pytest.raises(KeyboardInterrupt):
        train_run(cfg2, tmp_path / "b", quiet=True, evaluate=False)
    restore()
    resumed = resume_run(tmp_path / "b", quiet=True, evaluate=False)
    a = load_file(str(straight / "model.safetensors"))
    b = load_file(str(resumed / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)
