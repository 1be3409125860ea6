"""The Python API: ``import aekit`` stays light; ``aekit.train`` / ``aekit.load`` work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np


def test_import_aekit_pulls_no_torch_and_exposes_the_api_lazily() -> None:
    code = ("import sys, aekit; assert 'torch' not in sys.modules; "
            "assert {'train', 'load', 'presets', 'resume'} <= set(dir(aekit)); "
            "f = aekit.train; assert callable(f) and 'torch' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "ok"


def test_train_then_load_through_the_api(tmp_path: Path) -> None:
    import aekit
    from aekit.config import RunConfig

    rng = np.random.default_rng(0)
    data = tmp_path / "d.npz"
    np.savez(data, x_train=rng.random((48, 1, 8, 8), dtype=np.float32),
             x_test=rng.random((16, 1, 8, 8), dtype=np.float32))
    cfg = RunConfig()
    run = aekit.train(cfg, tmp_path / "run", quiet=True,
                      overrides=[f"data.source=npz:{data}", "model.name=conv",
                                 "model.filters=[4,8]", "model.latent_dim=3",
                                 "train.epochs=1", "train.optimizer=adadelta"])
    saved = json.loads((run / "config.json").read_text())
    assert saved["config_format"] == 2 and saved["train"]["lr"] == 1.0  # resolved lr saved
    assert "hidden" not in saved["model"]  # only the conv family's fields
    assert (run / "metrics.json").is_file() and (run / "report.html").is_file()
    loaded = aekit.load(run)
    assert loaded.model.code_size == 3
    assert any(r["name"] == "conv-pool" for r in aekit.presets())
