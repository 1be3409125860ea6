"""The Fréchet distance through torchmetrics, the references beside it, and the feature
classifier's progress.

The scipy ``sqrtm`` formula aekit used before is the reference here (not in the library).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from aekit.evaluate import fid
from aekit.evaluate.fid import (
    CODES_WHAT,
    FLOOR_WHAT,
    Classifier,
    FeatureNet,
    FrechetScorer,
    embed,
    fd_references,
    frechet_distance,
    gaussian_code_samples,
    sample_quality,
)
from benchmarks.eval_metrics import old_frechet as scipy_frechet  # the former formula
from tests.conftest import make_blobs_images


def _net(channels: int = 1, classes: int = 4) -> FeatureNet:
    torch.manual_seed(0)  # untrained but fixed: ReLU features with dead units
    return FeatureNet(channels, classes).eval()


def test_frechet_distance_equals_the_scipy_formula_on_gaussians() -> None:
    rng = np.random.default_rng(0)
    for d in (2, 4, 32):
        a = rng.normal(size=(3000, d)) @ rng.normal(size=(d, d))
        b = rng.normal(loc=0.3, size=(2000, d)) * rng.uniform(0.5, 2, d)
        assert frechet_distance(a, b) == pytest.approx(scipy_frechet(a, b), rel=1e-3)
    assert np.isnan(frechet_distance(a[:1], b))
    # one dimension (the scipy version could not): (μ1 − μ2)² + (σ1 − σ2)²
    u, v = a[:, :1], b[:, :1]
    closed = (u.mean() - v.mean()) ** 2 + (u.std(ddof=1) - v.std(ddof=1)) ** 2
    assert frechet_distance(u, v) == pytest.approx(closed, rel=1e-9)


def test_frechet_distance_equals_scipy_on_feature_net_features() -> None:
    """Real 128-d features: near-singular covariances from units that never fire."""
    net = _net()
    x, _ = make_blobs_images(600, size=16, seed=1)
    shifted = np.clip(x * 0.7 + 0.2, 0, 1)
    f_x, f_s, f_y = (embed(net, v)[0] for v in (x, shifted, make_blobs_images(500, 16, 1, 2)[0]))
    assert (f_x.std(0) == 0).any()  # dead units: the case scipy needed eps for
    for other in (f_s, f_y):
        assert frechet_distance(f_x, other) == pytest.approx(scipy_frechet(f_x, other),
                                                             rel=1e-3)


def test_scorer_keeps_the_reference_and_matches_the_features_formula() -> None:
    net = _net()
    ref, _ = make_blobs_images(300, size=16, seed=3)
    scorer = FrechetScorer(net, ref, batch=128)
    sets = [make_blobs_images(200, size=16, seed=4)[0], np.clip(ref[:250] + 0.2, 0, 1)]
    f_ref = embed(net, ref)[0]
    first = [scorer(s) for s in sets]
    for s, fd in zip(sets, first, strict=True):
        assert fd == pytest.approx(scipy_frechet(f_ref, embed(net, s)[0]), rel=1e-3)
        assert fd == pytest.approx(frechet_distance(f_ref, embed(net, s)[0]), rel=1e-9)
    assert [scorer(s) for s in sets] == pytest.approx(first, rel=1e-12)  # reset: fake only
    assert scorer(ref) == pytest.approx(0.0, abs=1e-6)
    clf = Classifier(net, 0.5, None)
    q = sample_quality(sets[0], ref, clf, scorer=scorer)
    assert q["frechet_distance"] == pytest.approx(first[0], rel=1e-12)
    assert sample_quality(sets[0], ref, clf)["frechet_distance"] == pytest.approx(first[0])


def _model(name: str) -> torch.nn.Module:
    from aekit.config import preset_config
    from aekit.models import build_model

    cfg = preset_config(name)
    if getattr(cfg, "supervised", False):
        cfg.num_classes = 4
    if name == "dcgan":
        cfg.filters, cfg.latent_dim = [4, 8], 4
    torch.manual_seed(0)
    return build_model(cfg, (1, 8, 8)).eval()


def test_references_floor_for_all_gaussian_codes_for_encoders() -> None:
    x_train, _ = make_blobs_images(120, seed=1)
    x_test, _ = make_blobs_images(40, seed=2)
    scorer = FrechetScorer(_net(), x_test)
    for name in ("vae", "aae-style", "dcgan"):
        model = _model(name)
        refs = fd_references(model, scorer, x_train, x_train[:100], 40, seed=0)
        again = fd_references(model, scorer, x_train, x_train[:100], 40, seed=0)
        assert refs == again, name  # seeded
        floor = refs["real_floor"]
        assert floor["n_samples"] == 40 and floor["what"] == FLOOR_WHAT
        assert np.isfinite(floor["frechet_distance"]) and floor["frechet_distance"] >= -1e-9
        if name == "dcgan":  # no encoder: only the floor
            assert set(refs) == {"real_floor"}
        else:
            codes = refs["codes_gaussian"]
            assert codes["n_samples"] == 40 and codes["what"] == CODES_WHAT
            assert np.isfinite(codes["frechet_distance"])
    # fewer training images than samples: the floor uses them all
    assert fd_references(_model("dcgan"), scorer, x_train[:30], x_train, 40, 0)[
        "real_floor"]["n_samples"] == 30


def test_gaussian_code_samples_follow_the_fitted_gaussian() -> None:
    from aekit.tasks.infer import decode, encode

    model = _model("vae")
    x_train, _ = make_blobs_images(200, seed=1)
    a = gaussian_code_samples(model, x_train, 50, seed=3)
    assert a.shape == (50, 1, 8, 8) and a.min() >= 0 and a.max() <= 1
    assert np.array_equal(a, gaussian_code_samples(model, x_train, 50, seed=3))
    assert not np.array_equal(a, gaussian_code_samples(model, x_train, 50, seed=4))
    z = encode(model, x_train).astype(np.float64)
    draws = np.random.default_rng(3).multivariate_normal(z.mean(0), np.cov(z, rowvar=False),
                                                         size=50).astype(np.float32)
    np.testing.assert_allclose(a, np.clip(decode(model, draws), 0, 1), atol=1e-6)
    labelled = gaussian_code_samples(_model("aae-style"), x_train, 9, seed=0)  # labels i % 4
    assert labelled.shape == (9, 1, 8, 8)


def test_report_rows_say_lower_is_better_and_what_each_reference_is() -> None:
    from aekit.report.generative import quality

    g: dict[str, Any] = {"frechet_distance": 12.345, "confidence": 0.9,
                         "reference_confidence": 0.95, "class_coverage": 1.0,
                         "n_samples": 100, "classifier_test_accuracy": 0.9,
                         "references": {
                             "real_floor": {"frechet_distance": 0.512, "n_samples": 100,
                                            "what": FLOOR_WHAT},
                             "codes_gaussian": {"frechet_distance": 20.25, "n_samples": 100,
                                                "what": CODES_WHAT}}}
    html = "".join(quality(SimpleNamespace(metrics={"generation": g})).body)
    table = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = [r for r in table.split("<tr>") if "Fréchet" in r or "Reference" in r]
    assert len(rows) == 3 and all("lower is better" in r for r in rows)
    assert "12.35" in rows[0] and "0.51" in rows[1] and "20.25" in rows[2]
    assert "real training images vs the test split" in rows[1] and "floor" in rows[1]
    assert "decoder on draws from a Gaussian fitted to its training codes" in rows[2]
    # a model without an encoder: the floor only, and the note says why
    del g["references"]["codes_gaussian"]
    html = "".join(quality(SimpleNamespace(metrics={"generation": g})).body)
    assert "only the floor" in html and "Gaussian fitted" not in html
    # an older metrics.json: no references, and the page says how to get them
    del g["references"]
    assert "run <code>aekit evaluate</code> again" in \
        "".join(quality(SimpleNamespace(metrics={"generation": g})).body)


class _Recorder:
    """Stands in for aekit.log.Progress: records what it was made for and its updates."""

    made: list[tuple[str, str, int, str]] = []
    counts: list[int] = []

    def __init__(self, topic: str, what: str, total: int, unit: str = "",
                 **_: object) -> None:
        self.made.append((topic, what, total, unit))

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, n: int = 1) -> None:
        self.counts.append(n)


def test_feature_classifier_training_shows_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit import log

    monkeypatch.setattr(log, "Progress", _Recorder)
    monkeypatch.setattr(_Recorder, "made", [])
    monkeypatch.setattr(_Recorder, "counts", [])
    x, y = make_blobs_images(300, seed=1)
    said: list[str] = []
    fid._train(x, y, 4, said.append)
    batches = fid.EPOCHS * 3  # 300 images in batches of 128, every epoch
    assert _Recorder.made == [("quality", "feature classifier", batches, "batches")]
    assert sum(_Recorder.counts) == batches
    assert said == [f"feature classifier: epoch {e}/{fid.EPOCHS} done"
                    for e in range(1, fid.EPOCHS + 1)]
    # an evaluation passes its own maker of bars (quiet when the evaluation is)
    asked: list[tuple[str, int, str]] = []

    def bars(what: str, total: int, unit: str = "") -> log.Progress:
        asked.append((what, total, unit))
        return log.Progress("evaluate", what, total, unit, enabled=False)

    fid._train(x[:200], y[:200], 4, said.append, bars)
    assert asked == [("feature classifier", fid.EPOCHS * 2, "batches")]
