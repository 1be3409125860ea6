"""Tables: swap noise, RankGauss, CSV options (row ids, scale), the tabular DAE, encode."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.cli import main
from aekit.config import preset_config
from aekit.data import load_dataset
from aekit.data.corruptions import parse_corruption
from aekit.data.rankgauss import RankGauss
from aekit.errors import DataError
from aekit.models import build_model
from aekit.models.tabular import bottleneck_index
from tests.conftest import one_error_line as _err_line


# -- swap noise ------------------------------------------------------------------------
def test_swap_noise_takes_values_from_the_same_column_of_other_rows() -> None:
    x = torch.arange(200 * 6, dtype=torch.float32).reshape(200, 6)  # every value unique
    swap = parse_corruption("swap:0.15")
    out = swap(x, torch.Generator().manual_seed(0))
    changed = out != x
    assert 0.12 < changed.float().mean().item() < 0.18
    for i, j in zip(*torch.nonzero(changed, as_tuple=True), strict=True):
        rows = torch.nonzero(x[:, j] == out[i, j]).flatten()
        assert len(rows) == 1 and rows.item() != i  # same column, another row
    again = swap(x, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)
    assert torch.equal(swap(x[:1], torch.Generator().manual_seed(0)), x[:1])  # no other row
    assert torch.equal(parse_corruption("swap:0")(x, None), x)


# -- RankGauss ---------------------------------------------------------------------------
def test_rankgauss_gaussianises_keeps_order_and_clamps_new_values() -> None:
    rng = np.random.default_rng(0)
    x = np.stack([rng.exponential(size=2000) ** 3, rng.integers(0, 2, 2000),
                  np.full(2000, 7.0)], 1)
    rg = RankGauss().fit(x)
    g = rg.transform(x)
    assert abs(g[:, 0].mean()) < 1e-6 and 0.95 < g[:, 0].std() < 1.02
    assert (np.diff(g[np.argsort(x[:, 0]), 0]) >= 0).all()  # monotone
    assert len(np.unique(g[:, 1])) == 2 and abs(g[:, 1].mean()) < 1e-9
    assert (g[:, 2] == 0).all()  # constant column
    far = rg.transform(np.array([[1e9, 5.0, 7.0], [-1e9, -5.0, 7.0]]))
    assert far[0, 0] == g[:, 0].max() and far[1, 0] == g[:, 0].min()
    back = rg.inverse_transform(g)
    assert np.allclose(back[:, 1], x[:, 1])


# -- CSV options and bad tables ----------------------------------------------------------
def _table(path: Path, n: int = 60, *, text_from: int | None = None,
           all_nan: bool = False) -> Path:
    rng = np.random.default_rng(0)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "income", "age", "colour", "y"] + (["empty"] if all_nan else []))
        for i in range(n):
            income = f"{rng.lognormal(10, 1):.2f}" if text_from is None or i < text_from \
                else "unknown"
            colour = "red" if i % 3 else "blue"
            if i == n - 1:
                colour = "purple"  # appears once: in the test split only (or train)
            row = [f"id{i:03d}", income, int(rng.integers(18, 90)), colour, i % 2]
            w.writerow(row + (["NA"] if all_nan else []))
    return path


def test_csv_ids_and_rankgauss(tmp_path: Path) -> None:
    path = _table(tmp_path / "t.csv")
    ds = load_dataset(f"csv:{path}?label=y&id=row&scale=rankgauss")
    assert "row" not in " ".join(ds.feature_names) and ds.feature_names[:2] == ["income", "age"]
    assert len(ds.ids_train) == ds.n_train and len(ds.ids_test) == ds.n_test
    assert set(ds.ids_train) | set(ds.ids_test) == {f"id{i:03d}" for i in range(60)}
    income = ds.x_train[:, 0]
    assert abs(income.mean()) < 1e-6 and np.abs(income).max() < 3  # gaussianised
    plain = load_dataset(f"csv:{path}?label=y")
    assert plain.ids_train is None and plain.fingerprint != ds.fingerprint


def test_category_unseen_in_train_is_all_zeros_and_noted(tmp_path: Path) -> None:
    path = _table(tmp_path / "t.csv")
    ds = load_dataset(f"csv:{path}?label=y&id=row")
    if "id059" in set(ds.ids_test):  # 'purple' appears only in the test split
        assert "colour=purple" not in ds.feature_names
        row = list(ds.ids_test).index("id059")
        cols = [k for k, n in enumerate(ds.feature_names) if n.startswith("colour=")]
        assert (ds.x_test[row, cols] == 0).all()
        assert any("1 unseen in train" in n for n in ds.notes)
    else:
        assert "colour=purple" in ds.feature_names


@pytest.mark.parametrize("kwargs, spec_extra, message", [
    ({"text_from": 40}, "", "column 'income' mixes numbers and text (line 42 has text "
                            "'unknown')"),
    ({"all_nan": True}, "", "column 'empty' has no values (all empty or NaN)"),
    ({}, "&colour=1", "unknown option 'colour=1'"),
    ({}, "&scale=minmax", "scale='minmax'"),
    ({}, "&id=nope", "no id column 'nope'"),
])
def test_bad_tables_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        kwargs: dict, spec_extra: str, message: str) -> None:
    path = _table(tmp_path / "t.csv", **kwargs)
    assert main(["data", "info", f"csv:{path}?label=y{spec_extra}"]) == 2
    assert message in _err_line(capsys)


# -- the model -------------------------------------------------------------------------
def test_tabular_codes_deep_stack_and_bottleneck() -> None:
    assert bottleneck_index([1500, 1500, 1500]) == 1
    assert bottleneck_index([64, 16, 64, 16]) == 1
    torch.manual_seed(0)
    x = torch.randn(4, 10)
    deep = build_model(preset_config("tabular", hidden=[12, 6, 12]), (10,)).eval()
    assert deep.code_size == 30
    assert torch.allclose(deep.decode(deep.encode(x)), deep(x)["x_hat"])
    neck = build_model(preset_config("tabular", hidden=[12, 6, 12],
                                   features="bottleneck"), (10,)).eval()
    assert neck.code_size == 6
    assert torch.allclose(neck.decode(neck.encode(x)), neck(x)["x_hat"])
    sym = build_model(preset_config("tabular", hidden=[16], latent_dim=3,
                                  features="bottleneck"), (10,))
    assert sym.widths == [16, 3, 16] and sym.code_size == 3


def test_tabular_dae_cli_encode_writes_row_ids(tmp_path: Path) -> None:
    path = _table(tmp_path / "t.csv", n=80)
    spec = f"csv:{path}?label=y&id=row&scale=rankgauss"
    run = tmp_path / "run"
    assert main(["train", "--model", "tabular", "--data", spec, "--task", "denoise",
                 "--noise", "swap:0.15", "--set", "model.hidden=[16,8,16]", "--epochs", "2",
                 "--batch-size", "16", "--quiet", "--out", str(run)]) == 0
    ds = load_dataset(spec)
    out = tmp_path / "codes.csv"
    assert main(["encode", str(run), "--out", str(out)]) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0][:4] == ["index", "id", "label", "z0"] and len(rows[0]) == 3 + 40
    assert [r[1] for r in rows[1:]] == list(ds.ids_test)
    train_csv = tmp_path / "train.csv"
    assert main(["encode", str(run), "--split", "train", "--out", str(train_csv)]) == 0
    ids = [r[1] for r in list(csv.reader(train_csv.open()))[1:]]
    assert ids == list(ds.ids_train)  # file order, every training row once
    npy = tmp_path / "codes.npy"
    assert main(["encode", str(run), "--out", str(npy)]) == 0
    assert np.load(npy).shape == (ds.n_test, 40)
    assert list(np.load(tmp_path / "codes.ids.npy")) == list(ds.ids_test)


def test_swap_noise_spec_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _table(tmp_path / "t.csv")
    assert main(["train", "--data", f"csv:{path}", "--task", "denoise", "--noise", "swap:2",
                 "--out", str(tmp_path / "r")]) == 2
    assert "swap:0.15" in _err_line(capsys)
    with pytest.raises(DataError, match=r"needs \?window"):
        load_dataset(f"csv:{path}?stride=2")
