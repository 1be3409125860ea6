"""Contract tests run over every registered model and preset."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from aekit.config import ModelConfig, preset_config
from aekit.errors import ConfigError
from aekit.io import save_weights
from aekit.losses import jacobian_frobenius, kl_normal, kl_sparsity
from aekit.models import PRESETS, build_model
from aekit.registry import MODELS

# Sample shape each preset is tested on (default: one 8×8 gray image).
SHAPE_OVERRIDES: dict[str, tuple[int, ...]] = {"deep": (3, 8, 8)}
PRESET_SHAPES = {name: SHAPE_OVERRIDES.get(name, (1, 8, 8)) for name in PRESETS}


def _small(name: str) -> ModelConfig:
    cfg = preset_config(name)
    if name == "deep":
        cfg.hidden, cfg.latent_dim = [32, 16], 8  # same family, test-sized
    if getattr(cfg, "supervised", False):
        cfg.num_classes = 3
    if PRESETS[name].family == "superres":
        cfg.scale = 2
    if PRESETS[name].family == "dncnn":
        cfg.depth, cfg.filters = 4, [8]  # same family, test-sized
    return cfg


def _target(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What the model should output for x: x itself, or x upscaled (shape only)."""
    s = getattr(model, "scale", 1)
    return x.repeat_interleave(s, -1).repeat_interleave(s, -2) if s > 1 else x


def _cond(model: nn.Module, n: int) -> dict[str, torch.Tensor]:
    """Labels for models that condition on them."""
    return {"y": torch.arange(n) % 3} if "condition" in model.capabilities else {}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_contract_shapes_loss_backward(name: str) -> None:
    torch.manual_seed(0)
    shape = PRESET_SHAPES[name]
    model = build_model(_small(name), shape)
    x = torch.rand(5, *shape)
    cond = _cond(model, 5)
    out = model(x, **cond)
    target = _target(model, x)
    assert out["x_hat"].shape == target.shape
    assert out["z"].shape[0] == 5
    if "embed" in model.capabilities:  # a code: one flat row per sample
        assert out["z"].ndim == 2 and out["z"].shape[1] == model.code_size
    if "adversarial" in model.capabilities:
        # every parameter is trained by one of the model's optimizers
        grouped = {id(p) for g in model.parameter_groups().values() for p in g["params"]}
        stray = [n for n, p in model.named_parameters() if id(p) not in grouped]
        assert not stray, f"parameters no optimizer updates: {stray}"
        terms = model.step_terms(x, x, **cond)
        assert "loss" in terms and all(torch.isfinite(v) for v in terms.values())
    else:
        terms = model.loss(out, target)
        assert set(terms) >= {"loss", "recon"}
        assert all(torch.isfinite(v) for v in terms.values())
        terms["loss"].backward()
        missing = [n for n, p in model.named_parameters() if p.grad is None]
        assert not missing, f"parameters without gradient: {missing}"
    if "embed" in model.capabilities:
        model.eval()
        assert torch.equal(model.encode(x), model(x, **cond)["z"])  # deterministic embedding
    if "generate" in model.capabilities:
        g = torch.Generator().manual_seed(0)
        assert model.eval().sample(4, generator=g).shape == (4, *shape)


def _outputs(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Deterministic outputs: decode a fixed code, and reconstruct x when there is an encoder."""
    if "any_size" in model.capabilities and "embed" not in model.capabilities:
        # restoration models: no code to decode; the features too, since a zero-initialised
        # last layer (edsr) outputs exactly the bicubic image whatever the seed
        out = model(x)
        return torch.cat([out["x_hat"].flatten(), out["z"].flatten()])
    z = torch.linspace(-1, 1, 3 * model.code_size).reshape(3, model.code_size)
    y = _cond(model, 3).get("y")
    dec = model.decode(z, y) if y is not None else model.decode(z)
    if "embed" not in model.capabilities:
        return dec
    return torch.cat([dec.flatten(), model(x, **_cond(model, 3))["x_hat"].flatten()])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_save_load_identical_and_seeded(name: str, tmp_path) -> None:
    shape = PRESET_SHAPES[name]
    torch.manual_seed(1)
    a = build_model(_small(name), shape).eval()
    torch.manual_seed(1)
    b = build_model(_small(name), shape).eval()
    x = torch.rand(3, *shape)
    with torch.no_grad():
        assert torch.equal(_outputs(a, x), _outputs(b, x))  # seeded determinism
        save_weights(a, tmp_path / "w.safetensors")
        torch.manual_seed(2)
        c = build_model(_small(name), shape).eval()
        assert not torch.equal(_outputs(a, x), _outputs(c, x))
        from safetensors.torch import load_file

        c.load_state_dict(load_file(str(tmp_path / "w.safetensors")))
        assert torch.equal(_outputs(a, x), _outputs(c, x))


def test_every_registered_family_has_a_preset() -> None:
    families = {PRESETS[name].family for name in PRESETS}
    assert set(MODELS.names()) <= families


def test_dense_decoder_mirrors_every_encoder_width() -> None:
    model = build_model(preset_config("dense"), (1, 28, 28))
    enc, dec = model.widths()
    assert enc == [256, 128, 64]
    assert dec == [128, 256, 784]
    deep = build_model(preset_config("deep"), (3, 64, 64))
    assert deep.widths() == ([1024, 512, 256], [512, 1024, 12288])


def test_conv_decoder_mirrors_encoder_channels() -> None:
    model = build_model(preset_config("conv", filters=[8, 16, 32], latent_dim=4), (3, 16, 16))
    enc = [m.out_channels for m in model.encoder.modules() if isinstance(m, nn.Conv2d)]
    dec = [m.out_channels for m in model.decoder.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert enc == [8, 16, 32]
    assert dec == [16, 8, 3]


def test_conv_size_error_names_sizes_that_work() -> None:
    with pytest.raises(ConfigError, match=r"divisible by 8 .*32×32.*got 28×28"):
        build_model(preset_config("conv", filters=[8, 16, 32]), (1, 28, 28))


def test_conv_accepts_three_channels_and_rectangles() -> None:
    model = build_model(preset_config("conv"), (3, 12, 20))
    assert model(torch.rand(2, 3, 12, 20))["x_hat"].shape == (2, 3, 12, 20)


def test_preset_resolution_is_idempotent() -> None:
    from dataclasses import asdict

    from aekit.config import RunConfig

    once = preset_config("conv-pool")
    assert (once.name, once.preset, once.latent_dim) == ("conv", "conv-pool", None)
    assert RunConfig.from_saved({"model": asdict(once)}).model == once  # saved = as resolved


def test_unknown_model_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match="unknown model 'nope'; choose one of"):
        build_model(preset_config("nope"), (1, 8, 8))


# -- losses against closed forms ------------------------------------------------------
def test_kl_normal_matches_closed_form_and_torch_distributions() -> None:
    torch.manual_seed(0)
    mu, logvar = torch.randn(6, 4), torch.randn(6, 4)
    ours = kl_normal(mu, logvar)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    ref = torch.distributions.kl_divergence(q, p).sum(1).mean()
    assert torch.allclose(ours, ref, atol=1e-5)
    assert kl_normal(torch.zeros(3, 2), torch.zeros(3, 2)).item() == 0.0


def test_kl_sparsity_closed_form() -> None:
    z = torch.full((10, 3), 0.2)  # every unit fires at rate 0.2
    rho = 0.05
    expected = 3 * (rho * math.log(rho / 0.2) + (1 - rho) * math.log((1 - rho) / 0.8))
    assert kl_sparsity(z, rho).item() == pytest.approx(expected, rel=1e-5)
    assert kl_sparsity(torch.full((4, 2), rho), rho).item() == pytest.approx(0.0, abs=1e-6)


def test_jacobian_norm_exact_and_estimator_match_autograd() -> None:
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.Tanh())
    x = torch.randn(4, 1, 3, 4)
    ref = sum(torch.autograd.functional.jacobian(lambda v: enc(v[None])[0], x[i]).pow(2).sum()
              for i in range(4)) / 4
    exact = jacobian_frobenius(enc, x, exact=True)
    assert exact.item() == pytest.approx(ref.item(), rel=1e-5)
    est = jacobian_frobenius(enc, x, exact=False, projections=4000,
                             generator=torch.Generator().manual_seed(0))
    assert est.item() == pytest.approx(ref.item(), rel=0.1)


def _fit(model: nn.Module, x: torch.Tensor, steps: int = 150) -> nn.Module:
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        loss = model.loss(model(x), x)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


@pytest.mark.parametrize("kind", ["l1", "kl"])
def test_sparsity_penalty_lowers_mean_code_activation(kind: str) -> None:
    from tests.conftest import make_blobs_images

    x = torch.from_numpy(make_blobs_images(64)[0])
    acts = {}
    for weight in (0.0, 0.5 if kind == "l1" else 0.1):
        torch.manual_seed(0)
        cfg = preset_config("dense", hidden=[32], latent_dim=16, sparsity=kind,
                          sparsity_weight=weight, code_activation="relu" if kind == "l1" else None)
        model = _fit(build_model(cfg, (1, 8, 8)), x)
        with torch.no_grad():
            acts[weight] = model.encode(x).abs().mean().item()
    plain, sparse = acts.values()
    assert sparse < 0.7 * plain, acts


def test_contractive_penalty_lowers_jacobian_norm() -> None:
    from tests.conftest import make_blobs_images

    x = torch.from_numpy(make_blobs_images(64)[0])
    norms = {}
    for weight in (0.0, 0.05):
        torch.manual_seed(0)
        cfg = preset_config("dense", hidden=[32], latent_dim=8, contractive_weight=weight,
                          batch_norm=False, code_activation="sigmoid")
        model = _fit(build_model(cfg, (1, 8, 8)), x)
        norms[weight] = jacobian_frobenius(model.encoder, x, exact=True).item()
    assert norms[0.05] < 0.5 * norms[0.0], norms


def test_contractive_penalty_runs_on_conv_with_estimator() -> None:
    model = build_model(preset_config("conv", contractive_weight=0.1), (1, 8, 8)).train()
    x = torch.rand(4, 1, 8, 8)
    terms = model.loss(model(x), x)
    assert "contractive" in terms and terms["contractive"].item() > 0
    terms["loss"].backward()
