"""``aekit probe RUN``: how much class information the codes hold, against references.

A *linear probe* (multinomial logistic regression on standardised codes, Alain &
Bengio 2016, "Understanding intermediate layers using linear classifier probes") and a
k-nearest-neighbour classifier (Euclidean, k = 5 by default) are fitted on the codes of
the training split and scored on the codes of the test split, for three
representations of the same samples:

* ``codes``  — the run's ``model.encode(x)``;
* ``pca``    — PCA fitted on the training split with as many components as the code has
  numbers (the linear autoencoder of the same size);
* ``pixels`` — the raw inputs, flattened.

The numbers are *classification* accuracies of the probes (labels are used only by the
probes, never by the autoencoder). Results go to ``RUN/probe.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from aekit.errors import ConfigError, DataError
from aekit.log import Progress, reporter

Array = np.ndarray


def probe_features(z_train: Array, y_train: Array, z_test: Array, y_test: Array, *,
                   k: int = 5, max_iter: int = 300, seed: int = 0) -> dict[str, Any]:
    """Test accuracy of a logistic-regression probe and a k-NN on (n, d) features, and
    their confusion matrices (``confusion``: {"linear", "knn"} → (k, k) counts, row =
    true class, as lists)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler

    from aekit.classify.train import confusion_matrix

    if len(np.unique(y_train)) < 2:
        raise DataError("the training split holds a single class; a probe needs at least two")
    t0 = time.perf_counter()
    scaler = StandardScaler().fit(z_train)
    a, b = scaler.transform(z_train), scaler.transform(z_test)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lin = LogisticRegression(max_iter=max_iter, random_state=seed).fit(a, y_train)
    t1 = time.perf_counter()
    knn = KNeighborsClassifier(n_neighbors=min(k, len(y_train))).fit(z_train, y_train)
    p_knn, p_lin = knn.predict(z_test), lin.predict(b)
    n_classes = int(max(np.max(y_train), np.max(y_test))) + 1
    return {"linear": float((p_lin == y_test).mean()), "knn": float((p_knn == y_test).mean()),
            "dim": int(z_train.shape[1]), "linear_seconds": round(t1 - t0, 2),
            "knn_seconds": round(time.perf_counter() - t1, 2),
            "confusion": {"linear": confusion_matrix(y_test, p_lin, n_classes).tolist(),
                          "knn": confusion_matrix(y_test, p_knn, n_classes).tolist()}}




def probe_run(run: str | Path, *, data: str | None = None, limit: int | None = None,
              test_limit: int | None = None, k: int = 5, pixels: bool = True,
              progress: bool = True) -> dict[str, Any]:
    """Probe the codes of ``run`` (and PCA / pixels of the same size); writes probe.json.

    ``limit`` / ``test_limit`` keep the first N samples of the training (train + val)
    and test splits — probes on all 60 000 raw pixels take a few minutes on 2 cores.
    """
    from aekit.io import load_run, write_json
    from aekit.rundata import dataset_for_run, require_codes
    from aekit.tasks.infer import encode

    say = reporter("probe", progress)
    if k < 1:
        raise ConfigError(f"-k must be ≥ 1; got {k}")
    for name, v in (("--limit", limit), ("--test-limit", test_limit)):
        if v is not None and v < 2:
            raise ConfigError(f"{name} must be ≥ 2; got {v}")
    loaded = load_run(run)
    require_codes(loaded, "probe")
    data_cfg, ds = dataset_for_run(loaded, data, verb="probe")
    if ds.y_train is None or ds.y_test is None:
        raise DataError(f"{data_cfg.source} has no labels; `aekit probe` fits classifiers on "
                        f"the codes, so it needs labelled data (pass --data with labels, "
                        f"e.g. fashion-mnist or folder:PATH with class sub-folders)")
    x_tr = np.asarray(ds.x_train[:limit], dtype=np.float32)
    y_tr = np.asarray(ds.y_train[:limit])
    x_te = np.asarray(ds.x_test[:test_limit], dtype=np.float32)
    y_te = np.asarray(ds.y_test[:test_limit])
    t0 = time.perf_counter()
    say(f"encoding {len(x_tr)} training and {len(x_te)} test samples")
    z_tr, z_te = encode(loaded.model, x_tr), encode(loaded.model, x_te)  # (n, d)
    d = z_tr.shape[1]
    result: dict[str, Any] = {"data": data_cfg.source, "n_train": len(x_tr),
                              "n_test": len(x_te), "code_size": d, "k": k}
    reps: dict[str, dict[str, float]] = {}
    flat_tr, flat_te = x_tr.reshape(len(x_tr), -1), x_te.reshape(len(x_te), -1)
    n_comp = min(d, flat_tr.shape[0], flat_tr.shape[1])
    # a probe's time grows with its number of features, so progress counts features
    total = d + n_comp + (flat_tr.shape[1] if pixels else 0)
    with Progress("probe", "probes", total, "features fitted", enabled=progress) as bar:
        say(f"probing the codes ({d} numbers)")
        reps["codes"] = probe_features(z_tr, y_tr, z_te, y_te, k=k)
        bar.update(d)
        say(f"probing PCA-{n_comp} codes (fitted on the training split)")
        from sklearn.decomposition import PCA

        pca = PCA(n_components=n_comp, random_state=0,
                  svd_solver="randomized" if n_comp < 0.5 * min(flat_tr.shape) else "full")
        p_tr = pca.fit_transform(flat_tr)
        reps["pca"] = {**probe_features(p_tr, y_tr, pca.transform(flat_te), y_te, k=k),
                       "components": n_comp}
        bar.update(n_comp)
        if pixels:
            say(f"probing raw pixels ({flat_tr.shape[1]} numbers)")
            reps["pixels"] = probe_features(flat_tr, y_tr, flat_te, y_te, k=k)
    result["probes"] = reps
    for name, r in reps.items():
        say(f"{name}: linear {r['linear']:.4f}, {k}-NN {r['knn']:.4f}")
    result["codes_vs_pca"] = {m: reps["codes"][m] - reps["pca"][m] for m in ("linear", "knn")}
    result["seconds"] = round(time.perf_counter() - t0, 2)
    result["figures"] = _confusion_figures(loaded.path, reps, ds.classes)
    write_json(loaded.path / "probe.json", result)
    return result


def _confusion_figures(run_dir: Path, reps: dict[str, dict[str, Any]],
                       classes: list[str] | None) -> list[str]:
    """``RUN/figures/probe_confusion_<representation>.png`` for the linear probe of each
    representation; returns the paths written, relative to the run."""
    from aekit.report.confusion import confusion_figure

    written = []
    for name, r in reps.items():
        rel = f"figures/probe_confusion_{name}.png"
        confusion_figure(np.asarray(r["confusion"]["linear"]), run_dir / rel,
                         f"linear probe on {name} ({r['dim']} numbers)", classes)
        written.append(rel)
    return written


def format_probe(result: dict[str, Any]) -> str:
    """A small text table: representation, size, linear-probe and k-NN test accuracy."""
    lines = [f"probe on {result['data']}: {result['n_train']} train / {result['n_test']} test "
             f"samples; test accuracy of classifiers fitted on each representation",
             f"{'representation':<16}{'dim':>6}{'linear':>9}{'knn':>9}"]
    for name, r in result["probes"].items():
        label = {"codes": "codes (model)", "pca": f"pca-{r['dim']}",
                 "pixels": "raw pixels"}.get(name, name)
        lines.append(f"{label:<16}{r['dim']:>6}{r['linear']:>9.4f}{r['knn']:>9.4f}")
    return "\n".join(lines)
