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
