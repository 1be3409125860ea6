"""A csv: run's fitted preprocessing travels with it (issue 16).

The run stores its scaling, RankGauss tables, categories and window settings in
``RUN/preprocessing.json`` (+ ``.safetensors``) and applies them to files given later
with ``--data``, instead of refitting on them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.cli import main
from aekit.data import load_dataset
from aekit.data.rankgauss import RankGauss
from aekit.data.tabular import ColumnState, FittedTable
from aekit.io import load_run
from aekit.rundata import PREPROCESSING, PREPROCESSING_ARRAYS, read_preprocessing, splits_for_run
from tests.conftest import one_error_line

N = 80


def _table(path: Path, *, shift: float = 0.0, colours: tuple[str, ...] = ("red", "blue"),
           drop: str | None = None, extra: bool = False, reverse: bool = False,
           labels: tuple[int, ...] = (0, 1), text_at: int | None = None) -> Path:
    """``row,income,age,colour,y`` rows (seed 0); numbers shifted by ``shift``."""
    rng = np.random.default_rng(0)
    header = ["row", "income", "age", "colour", "y"] + (["note"] if extra else [])
    rows = []
    for i in range(N):
        income = f"{rng.lognormal(3, 0.5) + shift:.4f}" if i != text_at else "unknown"
        rows.append([f"id{i:03d}", income, f"{rng.integers(18, 90) + shift:g}",
                     colours[i % len(colours)], labels[i % len(labels)]]
                    + (["x"] if extra else []))
    keep = [j for j, h in enumerate(header) if h != drop]
    if reverse:
        keep = keep[::-1]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([header[j] for j in keep])
        w.writerows([[r[j] for j in keep] for r in rows])
    return path


def _codes(run: Path, out: Path, *extra: str) -> np.ndarray:
    assert main(["encode", str(run), "--out", str(out), *extra]) == 0
    return np.load(out)


@pytest.fixture(scope="module", params=["standard", "rankgauss"])
def table_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, Path, str]:
    """A tiny tabular run on ``train.csv`` (both scales): (run, train.csv, scale)."""
    root = tmp_path_factory.mktemp(f"table-{request.param}")
    path = _table(root / "train.csv")
    run = root / "run"
    assert main(["train", "--model", "tabular", "--data",
                 f"csv:{path}?label=y&id=row&scale={request.param}",
                 "--set", "model.hidden=[8,4,8]", "--epochs", "1", "--batch-size", "16",
                 "--quiet", "--out", str(run)]) == 0
    return run, path, request.param


def test_the_run_stores_its_fitted_preprocessing(table_run: tuple[Path, Path, str]) -> None:
    run, path, scale = table_run
    obj = json.loads((run / PREPROCESSING).read_text())
    assert obj["format"] == 1 and obj["options"] == {"label": "y", "id": "row",
                                                      "scale": scale}
    assert [c["name"] for c in obj["columns"]] == ["income", "age", "colour"]
    assert obj["columns"][2]["categories"] == ["blue", "red"] and obj["classes"] == ["0", "1"]
    ds = load_dataset(f"csv:{path}?label=y&id=row&scale={scale}")
    assert obj["feature_names"] == ds.feature_names
    assert (run / PREPROCESSING_ARRAYS).is_file() == (scale == "rankgauss")
    if scale == "standard":
        income = ds.fitted.columns[0]
        assert obj["columns"][0]["mean"] == income.mean  # exact: JSON floats round-trip


def test_the_training_file_through_data_gives_the_runs_own_codes(
        table_run: tuple[Path, Path, str], tmp_path: Path) -> None:
    run, path, _ = table_run
    own = _codes(run, tmp_path / "own.npy")
    assert np.array_equal(_codes(run, tmp_path / "a.npy", "--data", f"csv:{path}"), own)
    # a bare .csv path means csv:PATH with the run's options; column order does not matter
    reordered = _table(tmp_path / "rev.csv", reverse=True)
    assert np.array_equal(_codes(run, tmp_path / "b.npy", "--data", str(reordered)), own)


def test_a_shifted_file_is_scaled_with_the_training_statistics(
        table_run: tuple[Path, Path, str], tmp_path: Path) -> None:
    run, path, scale = table_run
    shifted = _table(tmp_path / "shifted.csv", shift=10.0)
    loaded = load_run(run)
    _, own = splits_for_run(loaded)
    _, applied = splits_for_run(loaded, str(shifted))
    refit = load_dataset(f"csv:{shifted}?label=y&id=row&scale={scale}")
    income = own.dataset.fitted.columns[0]
    if scale == "standard":  # the stored mean, not the new file's: features move by 10/std
        assert np.allclose(applied.x_test[:, 0] - own.x_test[:, 0], 10 / income.std,
                           atol=1e-5)
        assert np.allclose(refit.x_test[:, 0], own.x_test[:, 0], atol=1e-5)  # refit: no move
    else:  # RankGauss: shifted values map through the training table (a refit: no move)
        incomes = np.array([[float(r[1])] for r in list(csv.reader(shifted.open()))[1:]])
        rows = [int(str(i)[2:]) for i in applied.dataset.ids_test]  # ids are id###
        expect = income.rankgauss.transform(incomes)[rows, 0]
        assert np.allclose(applied.x_test[:, 0], expect, atol=1e-6)
    assert not np.allclose(applied.x_test, refit.x_test)
    codes = _codes(run, tmp_path / "s.npy", "--data", f"csv:{shifted}")
    with torch.no_grad():
        refit_codes = loaded.model.encode(torch.from_numpy(refit.x_test)).numpy()
    assert not np.allclose(codes, refit_codes, atol=1e-4)  # refitting no longer happens


@pytest.mark.parametrize("kwargs, spec, message", [
    ({"drop": "age"}, "", "no column 'age', which the run was trained on"),
    ({"colours": ("red", "blue", "green")}, "",
     "column 'colour' has category 'green' in 26 row(s)"),
    ({"text_at": 5}, "", "column 'income' is numeric in the trained run, but line 7 has "
                         "text 'unknown'"),
    ({}, "?scale=standard&window=4", "differs from the run's"),
])
def test_new_data_that_does_not_fit_the_preprocessing_is_one_line(
        table_run: tuple[Path, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        kwargs: dict, spec: str, message: str) -> None:
    run, _, scale = table_run
    if "scale=" in spec:
        spec = spec.replace("standard", "rankgauss" if scale == "standard" else "standard")
    bad = _table(tmp_path / "bad.csv", **kwargs)
    assert main(["encode", str(run), "--data", f"csv:{bad}{spec}",
                 "--out", str(tmp_path / "c.npy")]) == 2
    assert message in one_error_line(capsys)
    assert not (tmp_path / "c.npy").exists()


def test_unseen_zeros_extra_columns_and_label_classes(table_run: tuple[Path, Path, str],
                                                      tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    run, _, _ = table_run
    green = _table(tmp_path / "g.csv", colours=("red", "blue", "green"), extra=True,
                   labels=(1,))
    capsys.readouterr()
    _codes(run, tmp_path / "g.npy", "--data", f"csv:{green}?unseen=zeros")
    assert "ignored 1 column(s) the run was not trained on: note" in capsys.readouterr().err
    _, splits = splits_for_run(load_run(run), f"csv:{green}?unseen=zeros")
    cols = [k for k, n in enumerate(splits.dataset.feature_names) if n.startswith("colour=")]
    rows = [i for i, r in enumerate(splits.dataset.ids_test) if int(r[2:]) % 3 == 2]
    assert rows and (splits.x_test[rows][:, cols] == 0).all()  # green: all zeros
    assert set(splits.y_test.tolist()) == {1}  # label '1' keeps the run's class index


def test_a_run_without_the_file_refits_and_says_so(table_run: tuple[Path, Path, str],
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    run, _, _ = table_run
    old = tmp_path / "old"
    shutil.copytree(run, old)
    for name in (PREPROCESSING, PREPROCESSING_ARRAYS):
        (old / name).unlink(missing_ok=True)
    shifted = _table(tmp_path / "shifted.csv", shift=10.0)
    capsys.readouterr()
    _codes(old, tmp_path / "o.npy", "--data", f"csv:{shifted}?label=y&id=row")
    err = [ln for ln in capsys.readouterr().err.splitlines() if PREPROCESSING in ln]
    assert len(err) == 1 and "refitted" in err[0]


def test_a_damaged_preprocessing_file_is_one_line(table_run: tuple[Path, Path, str],
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    run, path, _ = table_run
    bad = tmp_path / "bad"
    shutil.copytree(run, bad)
    obj = json.loads((bad / PREPROCESSING).read_text())
    del obj["columns"][0]["name"]
    (bad / PREPROCESSING).write_text(json.dumps(obj))
    assert main(["encode", str(bad), "--data", f"csv:{path}",
                 "--out", str(tmp_path / "c.npy")]) == 2
    assert "is damaged (missing entry 'name')" in one_error_line(capsys)


def test_fitted_table_round_trips_exactly() -> None:
    rng = np.random.default_rng(1)
    col = rng.lognormal(size=50)
    fitted = FittedTable(
        options={"scale": "rankgauss", "window": "5"},
        columns=[ColumnState("a", "numeric", median=0.1, rankgauss=RankGauss().fit(col[:, None])),
                 ColumnState("b", "numeric", median=1 / 3, mean=np.pi, std=np.e),
                 ColumnState("c", "categorical", categories=["x", "y"])], classes=None)
    obj, arrays = fitted.to_json()
    back = FittedTable.from_json(json.loads(json.dumps(obj)), arrays)
    assert back.feature_names == ["a", "b", "c=x", "c=y"] and back.options == fitted.options
    assert back.columns[1] == fitted.columns[1]
    new = rng.lognormal(size=(20, 1)) * 3
    assert np.array_equal(back.columns[0].rankgauss.transform(new),
                          fitted.columns[0].rankgauss.transform(new))


# -- time series: the window statistics ---------------------------------------------------
def _series(path: Path, n: int = 100, shift: float = 0.0, drop: bool = False) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "a"] + ([] if drop else ["b"]))
        for i in range(n):
            w.writerow([f"t{i:03d}", np.sin(i / 3) + shift] + ([] if drop else [np.cos(i / 5)]))
    return path


def test_a_time_series_run_applies_its_window_statistics(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    path = _series(tmp_path / "s.csv")
    run = tmp_path / "run"
    assert main(["train", "--model", "lstm-series", "--data", f"csv:{path}?window=8&id=time",
                 "--epochs", "1", "--batch-size", "16", "--set", "model.hidden=[8]",
                 "--quiet", "--out", str(run)]) == 0
    fitted = read_preprocessing(run)
    assert fitted is not None and fitted.options == {"window": "8", "id": "time"}
    own = _codes(run, tmp_path / "own.npy")
    assert np.array_equal(_codes(run, tmp_path / "same.npy", "--data", str(path)), own)
    shifted = _series(tmp_path / "shifted.csv", shift=10.0)
    loaded = load_run(run)
    _, base = splits_for_run(loaded)
    _, moved = splits_for_run(loaded, f"csv:{shifted}")  # window=8, id=time inherited
    a = fitted.columns[0]
    assert moved.x_test.shape == base.x_test.shape and moved.dataset.ids_test[0] == "t080"
    assert np.allclose(moved.x_test[..., 0] - base.x_test[..., 0], 10 / a.std, atol=1e-5)
    assert np.allclose(moved.x_test[..., 1], base.x_test[..., 1])
    assert main(["evaluate", str(run), "--data", f"csv:{shifted}"]) == 0
    for spec, message in ((f"csv:{_series(tmp_path / 'd.csv', drop=True)}", "no column 'b'"),
                          (f"csv:{shifted}?window=4", "trained on windows of 8 rows")):
        capsys.readouterr()
        assert main(["encode", str(run), "--data", spec, "--out", str(tmp_path / "x.npy")]) == 2
        assert message in one_error_line(capsys)
