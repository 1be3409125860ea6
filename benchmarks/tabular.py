"""Tabular DAE features vs raw features for a downstream classifier, cross-validated.

Jahrer's Porto Seguro recipe (RankGauss inputs, swap noise, deep-stack features) through
``aekit.sklearn.AutoencoderTransformer``, on data that works offline: scikit-learn's
bundled ``breast_cancer``, ``wine`` and ``digits`` tables. For each dataset and each
of ``--folds`` stratified folds (repeated ``--repeats`` times), the *same* downstream
model (logistic regression, its regularisation strength chosen by an inner 3-fold
cross-validation on the training fold — untuned, many DAE features would be penalised
for over-fitting, not for being worse) is fitted on

* ``raw``     — standardised raw columns;
* ``dae``     — the DAE's deep-stack features (the DAE is fitted on the training fold
                only, inside the pipeline, so nothing leaks from the test fold);
* ``raw+dae`` — both side by side.

Bar (issue 7): DAE features + the downstream model at least match raw features. Printed
per dataset: mean accuracy ± standard error over folds and the paired difference
dae − raw with its standard error; "match" means the difference is ≥ −1 standard error.

    python benchmarks/tabular.py [--epochs 100] [--hidden 128] [--folds 5] [--repeats 1]
                                 [--datasets breast_cancer wine digits] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    loader = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
              "digits": datasets.load_digits}[name]
    x, y = loader(return_X_y=True)
    return x.astype(np.float64), y


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="*", default=["breast_cancer", "wine", "digits"])
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--hidden", type=int, default=128, help="width of each of 3 layers")
    ap.add_argument("--noise", default="swap:0.15")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (small nets: 1)")
    ap.add_argument("--out", default="benchmarks/results/tabular.json")
    args = ap.parse_args(argv)

    import warnings

    import torch
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import StandardScaler

    from aekit.sklearn import AutoencoderTransformer

    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=FutureWarning)  # LogisticRegressionCV defaults

    def dae() -> AutoencoderTransformer:
        return AutoencoderTransformer(hidden=(args.hidden,) * 3, noise=args.noise,
                                      scale="rankgauss", epochs=args.epochs, batch_size=64,
                                      random_state=args.seed)

    def head() -> LogisticRegressionCV:
        return LogisticRegressionCV(Cs=8, cv=3, max_iter=5000)

    models = {
        "raw": lambda: make_pipeline(StandardScaler(), head()),
        "dae": lambda: make_pipeline(dae(), StandardScaler(), head()),
        "raw+dae": lambda: make_pipeline(make_union(StandardScaler(), dae()),
                                         StandardScaler(), head()),
    }
    results: dict[str, dict] = {}
    ok_all = True
    for name in args.datasets:
        x, y = load(name)
        cv = RepeatedStratifiedKFold(n_splits=args.folds, n_repeats=args.repeats,
                                     random_state=args.seed)
        scores = {}
        for m, make in models.items():
            t0 = time.perf_counter()
            scores[m] = cross_val_score(make(), x, y, cv=cv, scoring="accuracy")
            print(f"{name:14s} {m:8s} accuracy {scores[m].mean():.4f} ± "
                  f"{scores[m].std(ddof=1) / np.sqrt(len(scores[m])):.4f} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
        diff = scores["dae"] - scores["raw"]
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        match = bool(diff.mean() >= -se)
        ok_all &= match
        print(f"{name:14s} dae − raw = {diff.mean():+.4f} ± {se:.4f} → "
              f"{'match' if match else 'BELOW raw'}", flush=True)
        results[name] = {"n": int(len(y)), "features": int(x.shape[1]),
                         **{m: {"mean": float(s.mean()), "folds": s.round(4).tolist()}
                            for m, s in scores.items()},
                         "dae_minus_raw": float(diff.mean()), "se": float(se), "match": match}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "results": results}, indent=2) + "\n")
    print(f"bar (DAE features at least match raw): {'met' if ok_all else 'NOT met'}; "
          f"written {out}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
