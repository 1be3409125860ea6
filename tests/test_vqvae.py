"""The VQ-VAE family: quantisation, gradients, loss terms, restarts, codes and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.cli import main
from aekit.errors import ConfigError
from aekit.models import build_model, preset_config
from aekit.models.vqvae import VQVAE
from tests.conftest import one_error_line

SHAPE = (1, 8, 8)


def _model(**values: object) -> VQVAE:
    torch.manual_seed(0)
    values = {"filters": [4, 8], "latent_dim": 3, "codebook_size": 8, **values}
    model = build_model(preset_config("vqvae", **values), SHAPE)
    assert isinstance(model, VQVAE)
    return model


def _set_codebook(model: VQVAE, rows: list[list[float]]) -> None:
    with torch.no_grad():
        model.codebook.copy_(torch.tensor(rows))


def test_quantisation_picks_the_nearest_entry() -> None:
    model = _model(codebook_size=16)
    torch.manual_seed(1)
    with torch.no_grad():
        model.codebook.normal_()
    z_e = torch.randn(3, 3, 4, 5)  # (b, D, h, w)
    flat = z_e.permute(0, 2, 3, 1).reshape(-1, 3)
    brute = ((flat[:, None, :] - model.codebook[None]) ** 2).sum(-1).argmin(1)
    assert torch.equal(model.nearest(z_e).reshape(-1), brute)
    q = model.quantise(z_e)
    assert torch.equal(q["z_q"].permute(0, 2, 3, 1).reshape(-1, 3), model.codebook[brute])
    assert torch.equal(q["z_st"], q["z_q"])  # the straight-through input is z_q in value


def test_gradients_straight_through_codebook_and_commitment_terms() -> None:
    model = _model(dead_after=0).train()
    x = torch.rand(4, *SHAPE)
    enc = list(model.encoder.parameters())

    def grads(term: str) -> tuple[bool, bool]:
        model.zero_grad(set_to_none=True)
        model.loss(model(x), x)[term].backward()
        enc_grad = any(p.grad is not None and p.grad.abs().sum() > 0 for p in enc)
        g = model.codebook.grad
        return enc_grad, g is not None and bool(g.abs().sum() > 0)

    assert grads("recon") == (True, False)  # straight through to the encoder only
    assert grads("codebook") == (False, True)  # ‖sg[z_e] − e‖² moves the entries only
    assert grads("commitment") == (True, False)  # ‖z_e − sg[e]‖² moves the encoder only


def test_loss_terms_match_closed_forms() -> None:
    model = _model(latent_dim=2, codebook_size=2, commitment=0.25)
    _set_codebook(model, [[0.0, 0.0], [1.0, 1.0]])
    # two positions: (0.2, -0.1) → entry 0, (0.9, 1.3) → entry 1
    z_e = torch.tensor([[[[0.2, 0.9]], [[-0.1, 1.3]]]])  # (1, D=2, h=1, w=2)
    out = model.quantise(z_e)
    assert out["indices"].tolist() == [[[0, 1]]]
    x_hat, target = torch.full((1, 1, 2, 2), 0.5), torch.tensor([[[[0.0, 1.0], [0.5, 0.5]]]])
    terms = model.loss({**out, "x_hat": x_hat}, target)
    sq = (0.2**2 + 0.1**2 + 0.1**2 + 0.3**2) / 4  # mean over the code's 4 numbers
    recon = (0.25 + 0.25) / 4
    assert terms["recon"].item() == pytest.approx(recon)
    assert terms["codebook"].item() == pytest.approx(sq)
    assert terms["commitment"].item() == pytest.approx(sq)
    assert terms["loss"].item() == pytest.approx(recon + sq + 0.25 * sq)
    assert terms["perplexity"].item() == pytest.approx(2.0)


def test_perplexity_is_k_for_uniform_use_and_one_for_a_single_entry() -> None:
    model = _model(latent_dim=1, codebook_size=4)
    _set_codebook(model, [[0.0], [1.0], [2.0], [3.0]])
    x = torch.rand(2, *SHAPE)
    for values, expected in (([0.0, 1.0, 2.0, 3.0] * 2, 4.0), ([2.1] * 8, 1.0)):
        z_e = torch.tensor(values).view(2, 1, 2, 2)
        terms = model.loss({**model.quantise(z_e), "x_hat": x}, x)
        assert terms["perplexity"].item() == pytest.approx(expected)
        assert not terms["perplexity"].requires_grad
    assert terms["loss"].item() == pytest.approx(  # perplexity is logged, not minimised
        (terms["recon"] + terms["codebook"] + 0.25 * terms["commitment"]).item())


def test_dead_entry_is_restarted_after_dead_after_steps_and_resumes_exactly() -> None:
    model = _model(latent_dim=3, codebook_size=2, dead_after=3).train()
    _set_codebook(model, [[0.0, 0.0, 0.0], [1e3, 1e3, 1e3]])  # entry 1: never nearest
    x = torch.rand(4, *SHAPE)
    for _ in range(2):
        model(x)
    assert model.codebook[1].tolist() == [1e3, 1e3, 1e3]  # not before dead_after steps
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model(x)
    assert model.codebook[0].tolist() == [0.0, 0.0, 0.0]  # a used entry stays
    z_e = model.encoder(x).detach().permute(0, 2, 3, 1).reshape(-1, 3)
    new = model.codebook[1].detach()
    assert ((z_e - new).abs().max(1).values < 1e-6).any()  # an encoder output of the batch
    assert int(model.steps) == 3 and model.unused.tolist() == [0, 0]
    # the counters are state: a rebuilt model restarts exactly as the uninterrupted one
    again = _model(latent_dim=3, codebook_size=2, dead_after=3).train()
    again.load_state_dict(state)
    again(x)
    assert torch.equal(again.codebook, model.codebook)
    with torch.no_grad():  # eval mode never restarts or counts
        model.eval()(x)
    assert int(model.steps) == 3


def test_encode_decode_equals_forward_and_code_bits() -> None:
    model = _model(codebook_size=32).eval()
    x = torch.rand(3, *SHAPE)
    with torch.no_grad():
        z = model.encode(x)
        out = model(x)
        assert z.shape == (3, 4) and z.dtype == torch.float32
        assert torch.equal(z, z.round()) and z.min() >= 0 and z.max() < 32
        assert torch.equal(model.decode(z), out["x_hat"])
        assert torch.equal(model.decode(torch.full((1, 4), 99.4)),  # clamped to K − 1
                           model.decode(torch.full((1, 4), 31.0)))
        assert torch.equal(model.decode(torch.full((1, 4), 2.6)),  # rounded, not truncated
                           model.decode(torch.full((1, 4), 3.0)))
    assert model.code_bits == math.log2(32) == 5
    assert build_model(preset_config("vqvae"), (1, 28, 28)).code_size * 9 == 441


@pytest.mark.parametrize("values, message", [
    ({"codebook_size": 1}, "model.codebook_size must be ≥ 2"),
    ({"commitment": -0.1}, "model.commitment must be ≥ 0"),
    ({"dead_after": -1}, "model.dead_after must be ≥ 0"),
    ({"sparsity": "l1", "sparsity_weight": 0.1}, "sparsity and contractive penalties"),
    ({"contractive_weight": 0.1}, "sparsity and contractive penalties"),
])
def test_bad_config_is_a_one_line_error(values: dict[str, object], message: str) -> None:
    cfg = preset_config("vqvae", **values)
    with pytest.raises(ConfigError, match=message) as err:
        cfg.check()
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match=message):
        build_model(cfg, SHAPE)


def test_cli_refuses_a_bad_codebook_in_one_line(tiny_npz: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "--model", "vqvae", "--data", tiny_npz, "--epochs", "1", "--quiet",
                 "--out", str(out), "--set", "model.codebook_size=1"]) == 2
    assert "model.codebook_size must be ≥ 2" in one_error_line(capsys)
    assert not out.exists()


def test_train_evaluate_encode_decode_through_the_cli(tiny_npz: str, tmp_path: Path) -> None:
    run = tmp_path / "run"
    # one stride-2 stage: a 4×4 grid of indices into 16 entries = 16·4 = 64 bits
    assert main(["train", "--model", "vqvae", "--data", tiny_npz, "--epochs", "1",
                 "--batch-size", "16", "--quiet", "--no-eval", "--out", str(run),
                 "--set", "model.codebook_size=16", "--set", "model.filters=[8]",
                 "--set", "model.latent_dim=4", "--set", "model.dead_after=2"]) == 0
    assert main(["evaluate", str(run)]) == 0  # (the HTML report is left out: it is slow)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["code_size"] == 16 and metrics["code_bits"] == 64
    assert metrics["baselines"]["pca"]["components"] == max(1, metrics["code_bits"] // 32) == 2
    header = (run / "history.csv").read_text().splitlines()[0].split(",")
    assert {"train_codebook", "train_commitment", "train_perplexity",
            "val_perplexity"} <= set(header)
    codes = tmp_path / "codes.npy"
    assert main(["encode", str(run), "--out", str(codes)]) == 0
    z = np.load(codes)
    assert z.shape == (32, 16) and np.array_equal(z, np.round(z)) and 0 <= z.min() <= z.max() < 16
    assert main(["decode", str(run), str(codes), "--out", str(tmp_path / "dec")]) == 0
    assert len(list((tmp_path / "dec").glob("*.png"))) == 32
