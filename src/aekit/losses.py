"""Loss terms shared by all models.

Reconstruction losses are averaged over every element (per-pixel mean), so their
scale does not depend on image size; regularisers are added with explicit weights.
Each function returns a scalar tensor.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


def reconstruction_loss(x_hat: Tensor, target: Tensor, kind: str) -> Tensor:
    """Mean-over-elements ``mse``, ``bce`` (x_hat are probabilities) or ``l1``."""
    x_hat = x_hat.float()
    target = target.float()
    if kind == "mse":
        return F.mse_loss(x_hat, target)
    if kind == "bce":
        # binary_cross_entropy is unsafe under autocast; x_hat is already float32 here.
        return F.binary_cross_entropy(x_hat.clamp(1e-7, 1 - 1e-7), target.clamp(0, 1))
    if kind == "l1":
        return F.l1_loss(x_hat, target)
    raise ValueError(f"unknown reconstruction loss {kind!r}")  # validated in config


def l1_activity(z: Tensor) -> Tensor:
    """Mean absolute code activation (L1 activity regulariser, Keras-style sparse AE)."""
    return z.float().abs().mean()


def kl_sparsity(z: Tensor, rho: float) -> Tensor:
    """Σ_j KL(ρ ‖ ρ̂_j) with ρ̂_j the batch-mean activation of code unit j (Ng, CS294A).

    ``z`` must hold activations in (0, 1) (the models use a sigmoid code for this).
    """
    rho_hat = z.float().flatten(1).mean(0).clamp(1e-6, 1 - 1e-6)  # (d,)
    return (rho * torch.log(rho / rho_hat)
            + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


def kl_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) summed over latent dims, averaged over the batch.

    Closed form: ½ Σ (μ² + σ² − 1 − log σ²) (Kingma & Welling 2014, appendix B).
    """
    mu, logvar = mu.float().flatten(1), logvar.float().flatten(1)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1).mean()


def jacobian_frobenius(encoder: torch.nn.Module, x: Tensor, *, exact: bool,
                       projections: int = 1, generator: torch.Generator | None = None
                       ) -> Tensor:
    """Mean over the batch of ‖∂z/∂x‖²_F, differentiable (for the contractive AE).

    ``exact=True`` computes all rows of the Jacobian with one batched vector-Jacobian
    product per code unit (cost ∝ code size; used for dense encoders). Otherwise an
    unbiased Hutchinson-style estimator is used: for v ~ N(0, I) in code space,
    E‖vᵀJ‖² = ‖J‖²_F, averaged over ``projections`` draws (Rifai et al. 2011 use the
    exact norm; the estimator keeps conv encoders affordable).

    Samples are treated independently; with BatchNorm in training mode the small
    cross-sample terms through the batch statistics are included in the gradient.
    """
    x = x.detach().requires_grad_(True)
    z = encoder(x).flatten(1)  # (b, d)
    b, d = z.shape
    if exact:
        eye = torch.eye(d, device=z.device, dtype=z.dtype).unsqueeze(1).expand(d, b, d)
        (g,) = torch.autograd.grad(z, x, grad_outputs=eye, create_graph=True,
                                   is_grads_batched=True)  # (d, b, *x.shape[1:])
        return g.float().pow(2).sum() / b
    total = z.new_zeros(())
    for _ in range(projections):
        dev = generator.device if generator is not None else z.device
        v = torch.randn(z.shape, generator=generator, device=dev).to(z)
        (g,) = torch.autograd.grad(z, x, grad_outputs=v, create_graph=True)
        total = total + g.float().pow(2).sum() / b
    return total / projections
