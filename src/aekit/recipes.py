"""Recipes: every textbook exercise as one command (``aekit train --recipe NAME``).

A recipe bundles what the book fixes — model layout, data, task and training settings
(optimizer, loss, learning rate, epochs, batch size, validation fraction, early
stopping) — as ``--set`` items, plus where it comes from, what it shows, and the
parameter count the book states (a test checks it). Recipes are data: each is a list of
the same ``section.key=value`` strings a user could type, applied to a fresh config
before the user's own ``--config``, flags and ``--set`` (which therefore win).

Conversions from Keras, which most of these books use, are stated where they matter:
Keras's activity regulariser ``l1(λ)`` adds λ·Σ|z| over a sample's code units (averaged
over the batch), aekit's ``sparsity_weight`` multiplies the *mean* over units, so
``sparsity_weight = λ × code units``. Keras's ``binary_crossentropy`` and ``mse`` average
over a sample's values, as aekit's losses do.
"""

from __future__ import annotations

from dataclasses import dataclass

from aekit.config import RunConfig, apply_items
from aekit.errors import ConfigError
from aekit.registry import Registry


@dataclass(frozen=True)
class Recipe:
    """One textbook exercise: its settings and where they come from."""

    name: str
    source: str  # the book, chapter or post the layout comes from
    shows: str  # what running it demonstrates
    settings: tuple[str, ...]  # ``section.key=value`` items, as for --set
    parameters: int | None = None  # the trainable parameters the source states
    shape: tuple[int, ...] | None = None  # the sample shape that count is for
    note: str = ""  # conversions and what differs from the source
    needs_data: bool = False  # the data is the user's (a folder): --data is required


RECIPES = Registry("recipe")

# Layer lists of the `layers` family (see aekit.models.layers), written out once.
_BLOG_ENCODER = ("[conv:8:3:2,relu,conv:8:3,relu,conv:8:3:2,relu,conv:8:3,relu,flatten,"
                 "dense:{z},relu]")
_BLOG_DECODER = ("[dense:3136,relu,reshape:64:7:7,conv:64:3,relu,up:2,conv:32:3,relu,up:2,"
                 "conv:in:3,sigmoid]")


def _add(recipe: Recipe) -> None:
    RECIPES.add(recipe.name, recipe)


_add(Recipe(
    "dense-mnist", "textbook dense autoencoder (Keras, MNIST)",
    "a deep dense AE: 784→256→128→64 Linear–BN–ReLU blocks, mirrored, sigmoid output",
    ("data.source=mnist", "model.name=dense", "model.hidden=[256,128]", "model.latent_dim=64",
     "model.loss=bce", "train.optimizer=adam", "train.batch_size=32", "train.epochs=10",
     "data.val_fraction=0.1")))
_add(Recipe(
    "sparse-shallow-mnist", "textbook sparse autoencoder (Keras blog \"Building autoencoders "
    "in Keras\", sparse variant)",
    "one hidden layer of 32 ReLU units with an L1 activity penalty: sparse codes",
    ("data.source=mnist", "model.name=shallow", "model.latent_dim=32",
     "model.code_activation=relu", "model.sparsity=l1", "model.sparsity_weight=0.0032",
     "model.loss=bce", "train.optimizer=adadelta", "train.lr=1.0", "train.batch_size=256",
     "train.epochs=50", "data.val_fraction=0.1"),
    parameters=50_992, shape=(1, 28, 28),
    note="Keras l1(1e-4) sums |z| over the 32 units; aekit's weight multiplies the mean, so "
         "1e-4 × 32 = 3.2e-3. Adadelta at lr 1.0, as in Keras and PyTorch."))
_add(Recipe(
    "deep-folder", "textbook deep dense autoencoder for 64×64 RGB images",
    "a large dense AE on photos: 12288→1024→512→256 ReLU and mirrored back, no batch norm",
    ("data.image_size=64", "data.channels=3", "model.name=deep", "model.hidden=[1024,512]",
     "model.latent_dim=256", "model.batch_norm=false", "model.code_activation=relu",
     "model.loss=mse", "train.optimizer=adam", "train.batch_size=20", "train.epochs=100"),
    parameters=26_492_160, shape=(3, 64, 64), needs_data=True,
    note="give a folder of images (--data folder:DIR); they are resized to 64×64 RGB"))
_add(Recipe(
    "conv-pool-folder", "textbook convolutional autoencoder for 64×64 RGB images",
    "Conv 32 3×3 → max-pool → Conv 16: a 32×32×16 feature-map code; the decoder "
    "Conv 16 → upsample → Conv 3",
    ("data.image_size=64", "data.channels=3", "model.name=layers",
     "model.encoder=[conv:32:3,relu,pool:2,conv:16:3,relu]",
     "model.decoder=[conv:16:3,relu,up:2,conv:in:3,sigmoid]", "model.loss=mse",
     "train.optimizer=adam", "train.batch_size=32", "train.epochs=20"),
    parameters=8_275, shape=(3, 64, 64), needs_data=True,
    note="the book's count (8,275) has a Conv 16 + Conv 3 decoder, not a full mirror"))
_add(Recipe(
    "gap4-mnist", "textbook global-pooling autoencoder (PyTorch, MNIST)",
    "a 4-number code from Conv 4×4 → AvgPool 9; decoder ConvTranspose 5/5/4",
    ("data.source=mnist", "model.name=layers",
     "model.encoder=[conv:4:4:3:0,relu,avgpool:9]", "model.init=torch",
     "model.decoder=[convT:16:5:1:0,relu,convT:8:5:2:0,relu,convT:in:4:2:0,sigmoid]",
     "model.loss=mse", "train.optimizer=adam", "train.lr=0.02", "train.batch_size=32",
     "train.epochs=20"),
    note="28×28 → Conv 4×4 stride 3 → 9×9×4 → AvgPool 9 → 4 features; 1×1 → 5 → 13 → 28. "
         "aekit keeps the best validation epoch's weights, as the book's best checkpoint."))
for _z, _lr in ((10, "0.0003"), (2, "0.001")):
    _add(Recipe(
        f"blog-z{_z}-mnist", "blog convolutional autoencoder for MNIST (Keras)",
        f"an asymmetric conv AE with a {_z}-number dense code"
        + (": a 2-D map of the digits" if _z == 2 else ""),
        ("data.source=mnist", "model.name=layers", f"model.encoder={_BLOG_ENCODER.format(z=_z)}",
         f"model.decoder={_BLOG_DECODER}", "model.loss=mse", "train.optimizer=rmsprop",
         f"train.lr={_lr}", "train.patience=5", "train.epochs=50", "train.batch_size=128"),
        note="encoder 4 × Conv 8 (strides 2,1,2,1) → Dense z (ReLU); decoder Dense 7·7·64 → "
             "Conv 64 → up → Conv 32 → up → Conv 1: it does not mirror the encoder"))
_add(Recipe(
    "conv-cifar", "textbook CIFAR-10 convolutional autoencoder",
    "Conv–BN–ReLU 3×3 stride 2 with 64, 32, 16 filters and a transposed-conv mirror: a "
    "4×4×16 feature-map code for 32×32 RGB",
    ("data.source=cifar10", "model.name=conv-full", "model.filters=[64,32,16]",
     "model.loss=mse", "train.optimizer=adam", "train.batch_size=128", "train.epochs=20"),
    note="CIFAR-10 cannot always be fetched: the same layout runs on any 32×32 data, e.g. "
         "--data fashion-mnist --set data.image_size=32 --set data.channels=3"))
_add(Recipe(
    "srcnn-textbook", "textbook SRCNN (Dong et al. 2014, as a book builds it)",
    "super-resolution: bicubic up, then 9×9·64 → 1×1·32 → 5×5·3 with batch norm, sigmoid",
    ("data.source=natural-images", "task.name=superres", "task.scale=2",
     "model.name=superres", "model.variant=pre", "model.filters=[64,32]",
     "model.kernels=[9,1,5]", "model.batch_norm=true", "model.residual=false",
     "model.output_activation=sigmoid", "model.loss=mse", "train.epochs=25"),
    parameters=20_099, shape=(3, 32, 32),
    note="the book's 20,099 weights are without the batch norm (192 more with it)"))
_add(Recipe(
    "srcnn-post-textbook", "textbook post-upsampling super-resolution network",
    "features at low resolution (Conv 16/32/64 3×3), then one ConvTranspose 3×3 stride 2",
    ("data.source=natural-images", "task.name=superres", "task.scale=2",
     "model.name=superres", "model.variant=post", "model.filters=[16,32,64]",
     "model.kernels=[3,3,3,3]", "model.residual=false", "model.output_activation=sigmoid",
     "model.loss=bce", "train.epochs=25")))
_add(Recipe(
    "pretext-stem", "textbook pretext stem for 128×128 RGB images",
    "a one-stage stem (Conv 64 5×5 stride 2 + L1 activity + max-pool) learned by "
    "reconstruction, to transfer to a classifier",
    ("data.image_size=128", "data.channels=3", "model.name=layers",
     "model.encoder=[conv:64:5:2,relu,pool:2]", "model.decoder=[up:2,convT:in:5:2,sigmoid]",
     "model.sparsity=l1", "model.sparsity_weight=6.5536", "model.loss=mse",
     "train.optimizer=adam", "train.epochs=20"),
    parameters=9_667, shape=(3, 128, 128), needs_data=True,
    note="Keras l1(1e-4) over the 32×32×64 = 65,536 code units is 6.5536 in aekit's mean "
         "form"))
_AAE = ("data.source=mnist", "model.variant=dense", "model.hidden=[392,392]",
        "model.latent_dim=10", "model.batch_norm=false", "model.dropout=0.2",
        "model.disc_hidden=[1500,1500]", "model.prior=gaussian", "model.prior_std=5.0",
        "model.reg_lr_scale=0.1", "train.batch_size=1024", "train.epochs=50")
_add(Recipe(
    "aae-textbook", "textbook adversarial autoencoder (Makhzani et al. 2015), unsupervised",
    "an encoder 784→392→392→10 (dropout 0.2) whose codes are pushed to N(0, 5²) by a "
    "1500×2 discriminator; the regularisation phase at lr × 0.1",
    ("model.name=aae", *_AAE)))
_add(Recipe(
    "aae-style-textbook", "textbook adversarial autoencoder (Makhzani et al. 2015), supervised",
    "the label goes to the decoder, so the 10-number code learns the style of a digit",
    ("model.name=aae-style", *_AAE)))
_add(Recipe(
    "dcgan-textbook", "textbook DCGAN (the Keras MNIST DCGAN)",
    "a GAN: generator Dense 1024 → Dense 128·7·7 → upsample/conv with tanh, U(−1, 1) noise; "
    "SGD with Nesterov momentum",
    ("data.source=mnist", "model.name=dcgan", "model.variant=upsample", "model.filters=[64,128]",
     "model.kernel_size=5", "model.noise=uniform", "model.latent_dim=100",
     "train.optimizer=sgd", "train.lr=0.0005", "train.momentum=0.9", "train.nesterov=true",
     "train.batch_size=1024", "train.epochs=50"),
    note="the tanh output is mapped to [0, 1], the data's range, as (t + 1)/2"))


def recipe_items(name: str) -> list[tuple[str, object, str]]:
    """The recipe's settings as ``(key, value, where)`` items for
    :func:`aekit.config.apply_items`."""
    from aekit.config import parse_override

    recipe = RECIPES.get(name)
    return [(*parse_override(item), f"recipe {name}") for item in recipe.settings]


def recipe_config(name: str, overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """A fresh config from recipe ``name``, then ``overrides`` (``key=value``) on top."""
    from aekit.config import parse_override

    items = recipe_items(name) + [(*parse_override(o), "--set") for o in overrides]
    if any(k == "model.name" for k, _, w in items if w == "--set"):
        raise ConfigError(f"recipe {name} fixes the model; change its keys with --set "
                          f"model.KEY=VALUE instead of model.name")
    cfg = RunConfig()
    apply_items(cfg, items)
    return cfg


def describe_recipes() -> list[dict[str, object]]:
    """Rows for ``aekit recipes``: name, source, what it shows, stated parameters."""
    return [{"name": r.name, "source": r.source, "shows": r.shows,
             "parameters": r.parameters, "note": r.note, "needs_data": r.needs_data}
            for r in (RECIPES.get(n) for n in RECIPES)]
