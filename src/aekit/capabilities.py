"""What a model can do, as a closed set of names.

The engine, the evaluators, the report sections and the verbs ask a model for these,
never for its class or family name. ``Capability`` is a :class:`enum.StrEnum`, so a
typo is an ``AttributeError`` at import time instead of a membership test that is
silently ``False``; members still compare equal to their string values, so a saved
list of capability names reads back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    """One thing a model family offers (``Autoencoder.capabilities`` is a set of these)."""

    EMBED = "embed"  # encode(x) gives a deterministic code
    GENERATE = "generate"  # sample(n, generator) draws from the model's prior
    CONDITION = "condition"  # forward/decode need class labels ``y`` (supervised AAE)
    ADVERSARIAL = "adversarial"  # several optimizers: parameter_groups() + adversarial_step()
    SCORE = "score"  # anomaly_score(x) -> (b,) of its own (e.g. a VAE's negative ELBO)
    ANY_SIZE = "any_size"  # fully convolutional: any (c, h, w), h and w multiples of
    #                        ``size_multiple``
    UPSCALE = "upscale"  # forward maps (b, c, h, w) to (b, c, h·scale, w·scale)


def capability_set(*names: str | Capability) -> frozenset[Capability]:
    """A frozen set of capabilities from names; an unknown name raises ValueError."""
    return frozenset(Capability(n) for n in names)
