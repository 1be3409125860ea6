"""``aekit data …`` through ``aekit.cli.main``: results on stdout, one-line errors on stderr."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aekit.cli import main
from aekit.data.idx import encode_idx, write_idx


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "cache"))
    for var in ("AEKIT_MNIST_DIR", "AEKIT_FASHION_MNIST_DIR", "AEKIT_CIFAR10_DIR"):
        monkeypatch.delenv(var, raising=False)


def _fails_with_one_line(capsys, argv, *fragments):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aekit: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_data_list(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("mnist", "fashion-mnist", "cifar10", "natural-images", "folder:PATH",
                 "npy:PATH", "npz:PATH", "csv:PATH"):
        assert any(line.split()[0] == name for line in out.splitlines()), name


def test_truncated_idx_in_cache(tmp_path, capsys):
    d = tmp_path / "cache" / "mnist"
    d.mkdir(parents=True)
    (d / "train-images-idx3-ubyte").write_bytes(encode_idx(np.zeros((5, 28, 28), np.uint8))[:999])
    for name, n in (("train-labels-idx1-ubyte", 5), ("t10k-labels-idx1-ubyte", 2)):
        write_idx(d / name, np.zeros(n, np.uint8))
    write_idx(d / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    _fails_with_one_line(capsys, ["data", "info", "mnist"], "train-images-idx3-ubyte",
                         "truncated IDX file (999 of 3936 bytes", "fetch it again")


def test_folder_with_only_a_corrupt_image(tmp_path, capsys):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    _fails_with_one_line(capsys, ["data", "info", f"folder:{tmp_path / 'pics'}"],
                         "no readable images among 1 files", "photo.jpg")


def test_missing_paths(tmp_path, capsys):
    _fails_with_one_line(capsys, ["data", "info", f"folder:{tmp_path / 'nope'}"],
                         "no such directory")
    _fails_with_one_line(capsys, ["data", "info", f"csv:{tmp_path / 'nope.csv'}"],
                         "nope.csv: no such file")
    _fails_with_one_line(capsys, ["data", "fetch", "mnist", "--from", str(tmp_path / "nope")],
                         "no such directory")


def test_unknown_source_and_bad_specs(tmp_path, capsys):
    _fails_with_one_line(capsys, ["data", "info", "nosuch"], "unknown data source 'nosuch'",
                         "cifar10, fashion-mnist, mate-photos, mnist, natural-images, "
                         "csv:PATH, folder:PATH")
    _fails_with_one_line(capsys, ["data", "info", "--json", "folder"], "folder needs a path")
    _fails_with_one_line(capsys, ["data", "info", "mnist:/x"], "mnist takes no path")
    _fails_with_one_line(capsys, ["data", "info", str(tmp_path)], f"folder:{tmp_path}")
    _fails_with_one_line(capsys, ["data", "fetch", f"folder:{tmp_path}"], "nothing to fetch")


def test_info_on_a_csv_as_json(tmp_path, capsys):
    p = tmp_path / "t.csv"
    p.write_text("a,b,y\n" + "".join(f"{i},{'uv'[i % 2]},{i % 3}\n" for i in range(10)))
    assert main(["data", "info", f"csv:{p}?label=y", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "vector" and info["input_shape"] == [3]
    assert info["train"] == 8 and info["test"] == 2 and set(info["classes"]) == {"0", "1", "2"}
    assert info["checksums"] == {"t.csv": "unverified"} and len(info["fingerprint"]) == 16
    assert info["features"] == "3: a, b=u, b=v"
