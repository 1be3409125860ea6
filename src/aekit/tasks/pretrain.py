"""Pretext pretraining of a classifier's stem with an autoencoder (``aekit pretrain``).

The six-step recipe (unsupervised pre-training, Erhan et al. 2010, "Why does
unsupervised pre-training help deep learning?"; conv + pooling / upsampling +
transposed-conv autoencoders, Masci et al. 2011; denoising pretext, Vincent et al. 2008;
jigsaw pretext, Noroozi & Favaro 2016, "Unsupervised Learning of Visual Representations
by Solving Jigsaw Puzzles"):

1. **warm up** the target classifier (:class:`~aekit.classify.models.StemClassifier`)
   briefly on the labelled samples;
2. **build** the pretext model around a copy of the classifier's stem (conv + pooling):
   for ``reconstruct`` / ``denoise`` an autoencoder whose encoder is the stem and whose
   decoder is its inverse (upsampling + transposed conv), with an L1 sparsity constraint
   on the code (:class:`~aekit.models.stem.StemAutoencoder`); for ``jigsaw`` a siamese
   network that runs the stem on each of 9 shuffled tiles and names the permutation
   (:class:`~aekit.classify.jigsaw.JigsawNet`);
3. **copy** the stem weights into the pretext model's stem;
4. **train** it on the pretext task on *all* training images, labels unused — the
   autoencoders with the aekit engine, the jigsaw network with
   :func:`~aekit.classify.jigsaw.fit_jigsaw`;
5. **copy** the stem back into the classifier;
6. **train** the classifier on the labelled samples.

The labelled subset is a seeded, class-stratified fraction of the training split. The
from-scratch comparison trains the same classifier (same initial weights) for the same
number of supervised epochs (warm-up + fine-tuning) without steps 2–5. Test accuracy is
measured on the official test split only.

Steps 3 and 5 are the same two lines for every pretext: both pretext models expose the
stem as ``.stem``, with the classifier's layout.

Writes ``OUT/pretext/`` (for the autoencoder pretexts a regular run directory of the stem
autoencoder: ``aekit probe`` and ``aekit encode`` work on it; for ``jigsaw`` the network's
weights ``jigsaw.safetensors`` and its ``permutations.json``), ``OUT/classifier.safetensors``
and ``OUT/results.json`` — for ``jigsaw`` with the pretext's own accuracy on puzzles of the
test images (``pretext_accuracy``, against ``pretext_chance`` = 1/P).
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aekit.errors import ConfigError, DataError, RunError
from aekit.log import reporter

AUTOENCODER_PRETEXTS = ("reconstruct", "denoise")  # the engine's task of that name
PRETEXTS = (*AUTOENCODER_PRETEXTS, "jigsaw")


@dataclass
class PretrainConfig:
    """Everything one pretraining experiment needs (saved in results.json)."""

    data: str = "fashion-mnist"
    label_fraction: float = 0.01  # fraction of training labels used for the supervised steps
    limit: int | None = None  # first N training images only (quick runs)
    filters: list[int] = field(default_factory=lambda: [32, 64])  # stem channels per stage
    warmup_epochs: int = 1  # step 1
    pretext: str = "reconstruct"  # step 4: reconstruct | denoise | jigsaw (measured: see docs)
    noise: str = "gaussian:0.3"  # corruption for the denoise pretext
    permutations: int = 64  # jigsaw: size P of the permutation set (chance = 1/P)
    pretext_epochs: int = 3
    sparsity_weight: float = 1e-3  # L1 activity penalty on the code (step 2)
    epochs: int = 10  # step 6 (supervised fine-tuning)
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    compare_scratch: bool = True

    def check(self) -> None:
        """One-line ConfigErrors for values that cannot work."""
        if not 0.0 < self.label_fraction <= 1.0:
            raise ConfigError(f"--labels must be a fraction in (0, 1], e.g. 0.01 for 1 %; "
                              f"got {self.label_fraction}")
        if self.pretext not in PRETEXTS:
            raise ConfigError(f"--pretext must be reconstruct or denoise (an autoencoder) or "
                              f"jigsaw (tile permutations); got {self.pretext!r}")
        if self.pretext == "jigsaw":
            from aekit.classify.jigsaw import MAX_PERMUTATIONS

            if not 2 <= self.permutations <= MAX_PERMUTATIONS:
                raise ConfigError(f"the jigsaw pretext needs 2 to {MAX_PERMUTATIONS} "
                                  f"permutations; got {self.permutations}")
        for name in ("warmup_epochs", "pretext_epochs", "epochs"):
            if getattr(self, name) < 0 or (name == "epochs" and self.epochs < 1):
                raise ConfigError(f"{name} must be ≥ {1 if name == 'epochs' else 0}; "
                                  f"got {getattr(self, name)}")
        if self.limit is not None and self.limit < 10:
            raise ConfigError(f"--limit must be ≥ 10; got {self.limit}")


def labelled_subset(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted indices of a seeded, class-stratified ``fraction`` of ``y`` (≥ 1 per class)."""
    rng = np.random.default_rng(seed)
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        n = max(1, int(round(fraction * len(idx))))
        keep.append(rng.choice(idx, size=n, replace=False))
    return np.sort(np.concatenate(keep))




def pretrain(cfg: PretrainConfig, out: str | Path | None = None, *, progress: bool = True
             ) -> dict[str, Any]:
    """Run the six steps (and the from-scratch comparison); returns the results dict."""
    from aekit.config import DataConfig, RunConfig, TaskConfig, TrainConfig, preset_config
    from aekit.engine.run import prepare_config

    say = reporter("pretrain", progress)
    cfg.check()
    run_cfg = RunConfig()
    run_cfg.data = DataConfig(source=cfg.data, limit=cfg.limit, val_fraction=0.0)
    # the jigsaw pretext does not use the autoencoder's model and task sections
    run_cfg.task = TaskConfig(name=cfg.pretext if cfg.pretext in AUTOENCODER_PRETEXTS
                              else "reconstruct", noise=cfg.noise)
    run_cfg.model = dataclasses.replace(preset_config("stem"), filters=list(cfg.filters),
                                        sparsity_weight=cfg.sparsity_weight)
    run_cfg.train = TrainConfig(epochs=max(1, cfg.pretext_epochs), batch_size=cfg.batch_size,
                                lr=cfg.lr, seed=cfg.seed)
    prepare_config(run_cfg)  # bad noise spec etc. → one line, before any work
    out_dir = Path(out) if out is not None else None
    if out_dir is not None and out_dir.exists() and (out_dir.is_file() or any(out_dir.iterdir())):
        raise RunError(f"{out_dir} exists and is not empty; choose a new --out directory")
    created = out_dir is not None and not out_dir.exists()
    try:
        return _pretrain(cfg, run_cfg, out_dir, say, quiet=not progress)
    except BaseException:
        if created and out_dir is not None:  # no half-written output directory
            shutil.rmtree(out_dir, ignore_errors=True)
        raise


def _pretrain(cfg: PretrainConfig, run_cfg: Any, out_dir: Path | None, say: Any, *,
              quiet: bool) -> dict[str, Any]:
    import torch

    from aekit import __version__
    from aekit.classify.jigsaw import (
        PERMUTATION_SEED,
        JigsawNet,
        JigsawPuzzles,
        fit_jigsaw,
        jigsaw_accuracy,
        min_hamming,
        permutation_set,
    )
    from aekit.classify.models import StemClassifier
    from aekit.classify.train import accuracy, check_labels, fit_classifier
    from aekit.data.splits import load_dataset_for
    from aekit.engine.inmemory import fit_arrays
    from aekit.io import CONFIG, WEIGHTS, save_weights, write_json
    from aekit.models import build_model

    ds = load_dataset_for(run_cfg.data)
    x_all = np.asarray(ds.x_train[:cfg.limit], dtype=np.float32)  # (n, c, h, w)
    y_all = check_labels(ds.y_train, cfg.data)[:cfg.limit]
    y_test = check_labels(ds.y_test, f"{cfg.data} (test split)")
    x_test = np.asarray(ds.x_test, dtype=np.float32)
    if x_all.ndim != 4:
        raise DataError(f"{cfg.data} holds vectors; pretraining a conv stem needs images")
    n_classes = int(max(y_all.max(), y_test.max())) + 1
    lab = labelled_subset(y_all, cfg.label_fraction, cfg.seed)
    x_lab, y_lab = x_all[lab], y_all[lab]
    shape = tuple(x_all.shape[1:])
    say(f"{len(lab)} labelled of {len(x_all)} training images "
        f"({cfg.label_fraction:g}); {len(x_test)} test images")

    torch.manual_seed(cfg.seed)
    clf = StemClassifier(shape, n_classes, filters=list(cfg.filters))
    init_state = copy.deepcopy(clf.state_dict())  # the scratch run starts from the same weights
    results: dict[str, Any] = {"config": asdict(cfg), "n_labelled": int(len(lab)),
                               "n_unlabelled": int(len(x_all)), "n_test": int(len(x_test)),
                               "supervised_epochs": cfg.warmup_epochs + cfg.epochs}
    t0 = time.perf_counter()
    # 1. warm up the classifier
    if cfg.warmup_epochs:
        fit_classifier(clf, x_lab, y_lab, epochs=cfg.warmup_epochs, batch_size=cfg.batch_size,
                       lr=cfg.lr, seed=cfg.seed)
        results["warmup_accuracy"] = accuracy(clf, x_test, y_test)
        say(f"1. warm-up ({cfg.warmup_epochs} epochs): test accuracy "
            f"{results['warmup_accuracy']:.4f}")
    # 2. the pretext model (stem autoencoder or jigsaw network); 3. copy the stem in
    jigsaw = cfg.pretext == "jigsaw"
    if jigsaw:
        puzzles = JigsawPuzzles(shape, permutation_set(cfg.permutations), len(cfg.filters),
                                mean=float(x_all.mean()), std=float(x_all.std()))
        net = JigsawNet(puzzles.tile_shape, puzzles.n_permutations, filters=list(cfg.filters))
    else:
        net = build_model(run_cfg.model, shape)
    net.stem.load_state_dict(clf.stem.state_dict())
    # 4. pretext training on all training images (labels unused)
    if cfg.pretext_epochs:
        say(f"2–4. {cfg.pretext} pretext on {len(x_all)} images, {cfg.pretext_epochs} epochs")
        if jigsaw:
            fit = fit_jigsaw(net, puzzles, x_all, epochs=cfg.pretext_epochs,
                             batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed,
                             progress=None if quiet else say)
            results["pretext_train_loss"] = [round(v, 5) for v in fit.train_loss]
        else:
            hist = None
            if out_dir is not None:
                (out_dir / "pretext").mkdir(parents=True, exist_ok=True)
                hist = out_dir / "pretext" / "history.csv"
            fit_arrays(net, x_all, run_cfg.train, task_cfg=run_cfg.task, history_path=hist,
                       quiet=quiet)
    if jigsaw:  # the pretext's own score: puzzles of the (held-out) test images
        results.update(pretext_accuracy=jigsaw_accuracy(net, puzzles, x_test, seed=cfg.seed),
                       pretext_chance=1.0 / puzzles.n_permutations,
                       pretext_permutations=puzzles.n_permutations,
                       pretext_min_hamming=min_hamming(puzzles.permutations.numpy()),
                       pretext_tiles=asdict(puzzles.grid))
        say(f"   jigsaw accuracy on {len(x_test)} test puzzles "
            f"{results['pretext_accuracy']:.4f} (chance {results['pretext_chance']:.4f})")
    # 5. copy the stem back; 6. train the classifier
    clf.stem.load_state_dict(net.stem.state_dict())
    fit_classifier(clf, x_lab, y_lab, epochs=cfg.epochs, batch_size=cfg.batch_size,
                   lr=cfg.lr, seed=cfg.seed + 1)
    results["pretrained_accuracy"] = accuracy(clf, x_test, y_test)
    results["pretrained_seconds"] = round(time.perf_counter() - t0, 1)
    say(f"5–6. fine-tuned ({cfg.epochs} epochs): test accuracy "
        f"{results['pretrained_accuracy']:.4f}")
    if cfg.compare_scratch:
        t1 = time.perf_counter()
        scratch = StemClassifier(shape, n_classes, filters=list(cfg.filters))
        scratch.load_state_dict(init_state)
        fit_classifier(scratch, x_lab, y_lab, epochs=cfg.warmup_epochs + cfg.epochs,
                       batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed)
        results["scratch_accuracy"] = accuracy(scratch, x_test, y_test)
        results["scratch_seconds"] = round(time.perf_counter() - t1, 1)
        results["gain"] = results["pretrained_accuracy"] - results["scratch_accuracy"]
        say(f"from scratch ({cfg.warmup_epochs + cfg.epochs} epochs): test accuracy "
            f"{results['scratch_accuracy']:.4f}")
    if out_dir is not None:
        pre = out_dir / "pretext"
        pre.mkdir(parents=True, exist_ok=True)
        meta = {"aekit_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "data_fingerprint": ds.fingerprint, "input_shape": list(shape),
                "data_info": {"origin": ds.origin, "classes": ds.classes, "kind": ds.kind}}
        if jigsaw:  # not an autoencoder: its weights and what its classes mean
            write_json(pre / "permutations.json",
                       {**meta, "permutations": puzzles.permutations.tolist(),
                        "permutation_seed": PERMUTATION_SEED, "tiles": asdict(puzzles.grid),
                        "filters": list(cfg.filters)})
            save_weights(net, pre / "jigsaw.safetensors")
        else:
            write_json(pre / CONFIG, {**meta, **run_cfg.to_dict()})
            save_weights(net, pre / WEIGHTS)
        save_weights(clf, out_dir / "classifier.safetensors")
        write_json(out_dir / "results.json", results)
    return results
