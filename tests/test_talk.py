"""What the tool says to its user (issue 17): honest baselines, progress with an ETA,
help that shows defaults, a model listing that starts without torch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import tiny_run


def test_overcomplete_code_has_no_pca_row_and_says_why(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    # conv-full with 16 filters on 8×8 gray blobs: a 16×2×2 = 64-number code for 64 pixels
    run = tiny_run(tmp_path, "--model", "conv-full", "--set", "model.filters=[4,16]",
                   "--epochs", "1")
    out = capsys.readouterr()
    m = json.loads((run / "metrics.json").read_text())
    assert m["overcomplete"] == {"code_numbers": 64, "input_numbers": 64}
    assert "pca" not in m["baselines"] and "best_baseline" not in m
    assert "overcomplete (64 numbers for 64 input numbers)" in out.out  # the train summary
    html = (run / "report.html").read_text()
    assert "overcomplete" in html and "PCA (" not in html


def test_undercomplete_code_keeps_its_pca_row(tmp_path: Path) -> None:
    run = tiny_run(tmp_path, "--model", "conv-full", "--set", "model.filters=[4,8]",
                   "--epochs", "1")
    m = json.loads((run / "metrics.json").read_text())
    assert m["baselines"]["pca"]["components"] == 32 and "overcomplete" not in m


def test_history_lr_is_the_rate_used_during_each_epoch(tmp_path: Path) -> None:
    from aekit.engine.history import read_history

    run = tiny_run(tmp_path, "--model", "dense", "--set", "model.hidden=[8]",
                   "--latent-dim", "2", "--epochs", "3", "--lr", "0.01", "--no-eval",
                   "--set", "train.lr_schedule=step", "--set", "train.lr_step=1",
                   "--set", "train.lr_gamma=0.5")
    lrs = [r["lr"] for r in read_history(run / "history.csv")]
    assert lrs == pytest.approx([0.01, 0.005, 0.0025])


def _models_in_fresh_process(cache: Path) -> tuple[str, bool]:
    import os
    import subprocess
    import sys

    code = ("import contextlib, io, sys\nfrom aekit.cli import main\nbuf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n    main(['models'])\n"
            "print(buf.getvalue(), end='')\nprint('torch' in sys.modules)")
    env = {**os.environ, "AEKIT_DATA": str(cache)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=120).stdout
    *table, torch = out.rstrip("\n").split("\n")
    return "\n".join(table), torch == "True"


def test_models_lists_without_torch_once_cached(tmp_path: Path) -> None:
    first, imported = _models_in_fresh_process(tmp_path)
    assert imported  # nothing cached yet: the models package (and torch) is imported
    second, imported = _models_in_fresh_process(tmp_path)
    assert not imported and second == first
    lines = first.splitlines()
    assert any(ln.startswith("lstm-series ") for ln in lines)
    # columns line up even for the longest names: each column starts at one place
    import re

    starts = {tuple(m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", ln))[:4]
              for ln in lines}
    assert len(starts) == 1, starts


def test_models_listing_is_rebuilt_when_the_models_change(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from aekit.cli import listing

    monkeypatch.setenv("AEKIT_DATA", str(tmp_path))
    monkeypatch.setattr(listing, "_models_key", lambda: "old")
    listing._cache_file("old").parent.mkdir(parents=True)
    listing._cache_file("old").write_text(json.dumps(
        [{"name": "gone", "family": "x", "input": "image", "description": "stale"}]))
    assert [r["name"] for r in listing.model_rows()] == ["gone"]
    monkeypatch.setattr(listing, "_models_key", lambda: "new")
    rows = listing.model_rows()
    assert "conv" in {r["name"] for r in rows} and "gone" not in {r["name"] for r in rows}
    listing._cache_file("new").write_text("{broken")
    assert "conv" in {r["name"] for r in listing.model_rows()}  # unreadable → rebuilt


def test_train_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for shown in ("--epochs EPOCHS passes over the training split (default: 10)",
                  "(default: 128)", "(default: adam)", "(default: dense)",
                  "(default: the optimizer's own: adam 1e-3", "(default: all of them)",
                  "(default: gaussian:0.35)", "(default: reconstruct)"):
        assert shown in text, shown


@pytest.mark.parametrize("args, says", [
    (["--out", "{done}"], "already holds a finished run"),
    (["--data", "foldr:/tmp", "--out", "{new}"], "unknown data source 'foldr:/tmp'"),
])
def test_checks_that_need_no_data_come_before_the_data(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str],
                                                      args: list[str], says: str) -> None:
    import aekit.data.splits
    from aekit.cli import main
    from tests.conftest import one_error_line

    done = tmp_path / "done"
    done.mkdir()
    (done / "model.safetensors").write_bytes(b"x")

    def no_data(*a: object, **k: object) -> None:
        raise AssertionError("the data were loaded before the check")

    monkeypatch.setattr(aekit.data.splits, "load_dataset_for", no_data)
    argv = [a.format(done=done, new=tmp_path / "new") for a in args]
    assert main(["train", *argv]) == 2
    assert says in one_error_line(capsys)
    assert not (tmp_path / "new").exists()


def test_worker_rank_is_read_from_the_environment_without_lightning() -> None:
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom aekit.engine.run import is_worker_rank\n"
            "print(is_worker_rank(), 'lightning' in sys.modules)")
    for env, expect in (({"LOCAL_RANK": "1"}, "True False"), ({"RANK": "0"}, "False False"),
                        ({}, "False False")):
        base = {k: v for k, v in os.environ.items()
                if k not in ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK")}
        out = subprocess.run([sys.executable, "-c", code], env={**base, **env}, text=True,
                             capture_output=True, check=True, timeout=60).stdout.strip()
        assert out == expect, (env, out)


def test_training_lines_count_epochs_from_one_with_an_eta(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    import aekit.engine.progress
    from aekit.cli import main
    from tests.conftest import blobs_npz

    monkeypatch.setattr(aekit.engine.progress, "EVERY", 0.0)  # every batch says so
    data = blobs_npz(tmp_path / "tiny.npz")
    assert main(["train", "--data", data, "--model", "dense", "--set", "model.hidden=[8]",
                 "--latent-dim", "2", "--epochs", "3", "--batch-size", "16", "--no-eval",
                 "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    epochs = [ln for ln in err.splitlines() if ln.startswith("[train] epoch ")
              and "train_loss=" in ln]
    assert [ln.split()[2] for ln in epochs] == ["1/3", "2/3", "3/3"]
    assert all("val_loss=" in ln for ln in epochs)
    assert epochs[0].endswith(" left") and epochs[1].endswith(" left")
    assert not epochs[2].endswith(" left")  # nothing left after the last epoch
    # within an epoch: batches done of the total, with the time left
    assert "[train] epoch 1/3: 1/5 batches, " in err  # 86 training samples / 16 → 5


def test_evaluation_shows_progress_of_each_long_step(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    import aekit.log
    from aekit.cli import main

    run = tiny_run(tmp_path, "--model", "conv", "--set", "model.filters=[4,8]",
                   "--latent-dim", "4", "--task", "denoise", "--epochs", "1", "--no-eval")
    capsys.readouterr()
    monkeypatch.setattr(aekit.log, "EVERY", 0.0)  # a line at every step, not every 10 s
    assert main(["evaluate", str(run)]) == 0
    err = capsys.readouterr().err
    import re

    for name, grid in (("nl_means", 5), ("tv", 6), ("wavelet", 5), ("bilateral", 5)):
        # 10 validation images × the parameter grid, with the time left
        assert re.search(rf"\[evaluate\] baseline {name} tuning: \d+/{10 * grid} images, "
                         rf"\d+:\d\d left", err), name


def test_restoration_crops_are_drawn_pixel_exact_at_the_page_width(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    from aekit.report.figures import CONTENT_WIDTH, pixel_rows

    rng = np.random.default_rng(0)
    crops = rng.random((4, 3, 120, 120)).astype(np.float32)  # 4 panels of one photo
    pixel_rows([("photo.png", crops)], tmp_path / "r.png", ["a", "b", "c", "d"])
    img = np.asarray(Image.open(tmp_path / "r.png").convert("RGB"))
    assert CONTENT_WIDTH - 60 <= img.shape[1] <= CONTENT_WIDTH  # ×2: 4·240 + 3·8 = 984
    top = img.shape[0] - 240 - 8  # the panels' first row of pixels
    first = img[top:top + 240, :240]
    want = (np.transpose(crops[0], (1, 2, 0)) * 255 + 0.5).astype(np.uint8)
    assert np.array_equal(first[::2, ::2], want)  # each model pixel is one 2×2 block
    assert np.array_equal(first[1::2, 1::2], want)


def test_readme_lists_every_model_and_every_train_option() -> None:
    import argparse
    import re

    from aekit.cli import build_parser
    from aekit.cli.listing import model_rows

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    table = readme[readme.index("## Models"):readme.index("## Data")]
    named = set(re.findall(r"`([a-z0-9-]+)`", table))
    missing = {r["name"] for r in model_rows()} - named
    assert not missing, f"README's model table lacks {sorted(missing)}"
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    flags = {f for a in sub.choices["train"]._actions for f in a.option_strings
             if f.startswith("--") and f != "--help"}
    options = readme[readme.index("Options of `train`"):readme.index("## Textbook recipes")]
    assert not {f for f in flags if f not in options}, "README's train options are stale"


def test_metrics_text_names_only_the_columns_the_table_shows(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from aekit.report.html import write_report
    from tests.test_report import make_run

    run = make_run(tmp_path, monkeypatch)
    m = json.loads((run / "metrics.json").read_text())
    m["metrics"] = {"psnr": 30.1, "ssim": 0.9}  # what a super-resolution run records
    m["baselines"] = {"bicubic": {"psnr": 29.0, "ssim": 0.88}}
    m["best_baseline"], m["gain_db"] = "bicubic", 1.1
    (run / "metrics.json").write_text(json.dumps(m))
    html = write_report(run).read_text()
    assert "higher PSNR / SSIM are better" in html and "lower MSE" not in html


def test_a_huge_photo_gets_one_warning_line_not_pillows(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    import warnings

    import numpy as np
    from PIL import Image

    from aekit.data.images import read_image
    from aekit.errors import DataError

    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1,600 px: past it, not 2×
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's own warning would raise here
        img = read_image(tmp_path / "big.png")
    assert img.shape == (3, 40, 40)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aekit: ") and "big.png is 40×40" in err[0]
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 700)  # past twice the limit: refused
    with pytest.raises(DataError, match="too large to decode safely"):
        read_image(tmp_path / "big.png")


def test_a_gan_metrics_file_reaches_the_report(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.report.html import write_report
    from tests.test_report import make_run

    run = make_run(tmp_path, monkeypatch, model="vae")
    # what a model without an encoder (dcgan) writes: sample quality, no "metrics"
    (run / "metrics.json").write_text(json.dumps(
        {"split": "test", "n": 60, "generation": {"frechet_distance": 12.3456,
                                                   "n_samples": 60}}))
    html = write_report(run).read_text()
    assert "12.35" in html and "No sample-quality numbers yet" not in html


def test_generative_runs_keep_a_snapshot_per_epoch_and_the_report_animates_them(
        tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    run = tiny_run(tmp_path, "--model", "vae", "--set", "model.hidden=[16]",
                   "--latent-dim", "2", "--epochs", "3")
    shots = sorted(p.name for p in (run / "figures").glob("samples_epoch_*.png"))
    assert shots == ["samples_epoch_001.png", "samples_epoch_002.png", "samples_epoch_003.png"]
    grid = np.asarray(Image.open(run / "figures" / "samples_epoch_003.png"))
    assert grid.shape[0] >= 8 * 112  # 8 rows of 8×8 samples enlarged to ≥ 112 px
    first = np.asarray(Image.open(run / "figures" / "samples_epoch_001.png"))
    assert not np.array_equal(first, grid)  # the model changed between epochs
    anim = Image.open(run / "figures" / "samples_epochs.png")
    assert getattr(anim, "n_frames", 1) == 3
    html = (run / "report.html").read_text()
    assert "Samples during training" in html


def test_snapshots_leave_training_unchanged(tmp_path: Path) -> None:
    """The snapshot draws use their own generator: weights equal a run without them."""
    import numpy as np
    from safetensors.numpy import load_file

    import aekit.engine.run as engine_run

    args = ("--model", "vae", "--set", "model.hidden=[16]", "--latent-dim", "2",
            "--epochs", "2", "--no-eval")
    (tmp_path / "a").mkdir()
    with_shots = tiny_run(tmp_path / "a", *args)
    original = engine_run.build_trainer
    try:
        engine_run.build_trainer = lambda *a, **k: original(*a, **{**k, "snapshots": False})
        (tmp_path / "b").mkdir()
        without = tiny_run(tmp_path / "b", *args)
    finally:
        engine_run.build_trainer = original
    assert not list(without.glob("figures/samples_epoch_*.png"))
    assert list(with_shots.glob("figures/samples_epoch_*.png"))
    a, b = load_file(with_shots / "model.safetensors"), load_file(without / "model.safetensors")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_latent_plane_range_is_the_codes_own_or_a_fixed_one(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    from aekit.cli import main
    from tests.conftest import one_error_line

    run = tiny_run(tmp_path, "--model", "conv", "--set", "model.filters=[4,8]",
                   "--latent-dim", "2", "--epochs", "1")
    from html import unescape

    assert "1st–99th percentile of the test codes" in unescape(
        (run / "report.html").read_text())
    assert main(["report", str(run), "--plane-range=-3,3"]) == 0
    assert "the fixed range -3…3" in unescape((run / "report.html").read_text())
    capsys.readouterr()
    assert main(["report", str(run), "--plane-range=3,-3"]) == 2
    assert "LO < HI" in one_error_line(capsys)


def test_codes_get_a_tsne_view_beside_the_pca_one(tmp_path: Path) -> None:
    run = tiny_run(tmp_path, "--model", "dense", "--set", "model.hidden=[16]",
                   "--latent-dim", "4", "--epochs", "1", n_test=150)
    html = (run / "report.html").read_text()
    assert "a PCA projection of the 4-number codes" in html
    assert "t-SNE of the codes of 150 of those test samples" in html
    assert (run / "figures" / "latent_tsne.png").is_file()


def test_probe_records_confusion_matrices_and_draws_them(tmp_path: Path) -> None:
    import numpy as np

    from aekit.classify.train import confusion_matrix
    from aekit.evaluate.probe import probe_run

    assert confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], 3).tolist() == [[1, 0, 0], [0, 1, 1],
                                                                       [0, 0, 1]]
    run = tiny_run(tmp_path, "--model", "dense", "--set", "model.hidden=[16]",
                   "--latent-dim", "4", "--epochs", "1", "--no-eval")
    result = probe_run(run, progress=False)
    for name, r in result["probes"].items():
        for kind in ("linear", "knn"):
            m = np.asarray(r["confusion"][kind])
            assert m.shape == (4, 4) and m.sum() == result["n_test"]
            assert np.trace(m) / m.sum() == pytest.approx(r[kind])  # agrees with the accuracy
        assert (run / f"figures/probe_confusion_{name}.png").is_file()
    saved = json.loads((run / "probe.json").read_text())
    assert saved["probes"]["codes"]["confusion"] == result["probes"]["codes"]["confusion"]


def test_the_report_says_when_bm3d_was_left_out_or_scored_on_a_subset(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from html import unescape

    from aekit.report.html import write_report
    from tests.test_report import make_run

    run = make_run(tmp_path, monkeypatch, task="denoise")
    m = json.loads((run / "metrics.json").read_text())
    m["baselines_left_out"] = {"bm3d": "not installed: pip install 'aekit[bm3d]'"}
    (run / "metrics.json").write_text(json.dumps(m))
    assert "BM3D is left out: not installed" in unescape(write_report(run).read_text())
    del m["baselines_left_out"]
    m["bm3d_subset"] = {"psnr": 25.5, "subset": {"n": 200, "of": 10000}, "gain_db": -0.4,
                        "model": {"psnr": 25.1}}
    (run / "metrics.json").write_text(json.dumps(m))
    text = unescape(write_report(run).read_text())
    assert "scored on a seeded 200 of them: 25.50 dB against this model's 25.10 dB" in text
