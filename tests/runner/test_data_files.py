"""``data_csv`` and ``data_npy`` train on a user's files; a bad file stops with exit 2 and one
line naming the file and the row."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .helpers import cli_run, one_error_line

CSV_BAD = [
    ("a,b,label\n1,2,0\n3,x,1\n", "row 3, column b: 'x' is not a number"),
    ("a,b,label\n1,2,0\n3,1\n", "row 3: expected 3 values"),
    ("a,b,label\n1,2,0\n1,2,0.5\n", "row 3: label 0.5 is not a class number"),
    ("a,b,label\n1,2,-1\n", "row 2: label -1.0 is not a class number"),
    ("a,b,y\n1,inf,0\n", "row 2, column b: 'inf' is not a finite number"),
    ("", "the file is empty"),
    ("a,b,y\n", "no data rows"),
    ("a,a,y\n1,2,3\n", "row 1: the header needs distinct"),
    ("y\n1\n2\n", "row 1: expected feature columns and a target column"),
]


@pytest.mark.parametrize("text, message", CSV_BAD, ids=[m.split(":")[0] for _, m in CSV_BAD])
def test_bad_csv_names_the_file_and_row(tmp_path, text, message):
    path = tmp_path / "user.csv"
    path.write_text(text)
    code, _, err = cli_run("data_csv", "--csv", path, "--smoke")
    line = one_error_line(err)
    assert code == 2 and str(path) in line and message in line, line


def test_binary_csv(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00\x01")
    code, _, err = cli_run("data_csv", "--csv", path)
    assert code == 2 and "bin.csv: not a readable CSV file" in one_error_line(err)


def test_a_user_regression_csv_trains(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (200, 3))
    y = 2 * x[:, 0] - x[:, 1] + 0.05 * rng.normal(size=200)
    path = tmp_path / "reg.csv"
    path.write_text("p,q,r,target\n" + "\n".join(",".join(f"{v:.6f}" for v in (*a, b)) for a, b in zip(x, y)))
    code, out, err = cli_run("data_csv", "--csv", path, "--steps", "15")
    assert code == 0, err
    assert "200 rows, 3 features, regression" in out
    r2 = float(re.search(r"test R\^2 (\S+)", out).group(1))
    assert r2 > 0.9


def test_npy_pair_and_npz_classification(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((150, 4))
    y = (x[:, 0] + x[:, 2] > 0).astype(np.int64)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    for spec in (f"{tmp_path / 'x.npy'},{tmp_path / 'y.npy'}", tmp_path / "d.npz"):
        code, out, err = cli_run("data_npy", "--npy", spec, "--steps", "10")
        assert code == 0, err
        assert "2 classes" in out and float(re.search(r"test accuracy (\S+)", out).group(1)) > 0.85


def _arrays(tmp_path):
    x = np.ones((5, 3))
    xnan = x.copy()
    xnan[3, 1] = np.nan
    files = {"x.npy": x, "y4.npy": np.arange(4), "y5.npy": np.arange(5), "xnan.npy": xnan, "x1d.npy": np.ones(5),
             "y2d.npy": np.ones((5, 2)), "ystr.npy": np.array(list("abcde"))}
    for name, arr in files.items():
        np.save(tmp_path / name, arr)
    np.savez(tmp_path / "a.npz", a=np.ones(3))
    (tmp_path / "junk.npy").write_text("hello")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}] * 5, dtype=object), allow_pickle=True)


NPY_BAD = [
    ("x.npy,y4.npy", "y4.npy: has 4 rows but", "x.npy has 5"),
    ("xnan.npy,y5.npy", "xnan.npy row 3: not a finite number", ""),
    ("x1d.npy,y5.npy", "x1d.npy: expected a 2-D array", "(5,)"),
    ("x.npy,y2d.npy", "y2d.npy: expected a 1-D array", "(5, 2)"),
    ("x.npy,ystr.npy", "ystr.npy: expected numbers", "<U1"),
    ("a.npz", "a.npz: expected arrays x and y", "['a']"),
    ("x.npy", "x.npy: a single .npy holds no targets", ""),
    ("junk.npy,y5.npy", "junk.npy: not a .npy/.npz file of numbers", "never unpickled"),
    ("obj.npy,y5.npy", "obj.npy: not a .npy/.npz file of numbers", "never unpickled"),
    ("a.npz,y5.npy", "a.npz: expected one array (.npy), got a .npz archive", ""),
]


@pytest.mark.parametrize("spec, message, more", NPY_BAD, ids=[s for s, _, _ in NPY_BAD])
def test_bad_npy_names_the_file(tmp_path, spec, message, more):
    _arrays(tmp_path)
    full = ",".join(str(tmp_path / p) for p in spec.split(","))
    code, _, err = cli_run("data_npy", "--npy", full, "--smoke")
    line = one_error_line(err)
    assert code == 2 and message in line and more in line, line


def test_npy_flag_checks_the_files_exist(tmp_path):
    code, _, err = cli_run("data_npy", "--npy", f"{tmp_path / 'x.npy'},{tmp_path / 'y.npy'}")
    assert code == 2 and "--npy" in one_error_line(err) and "no such file" in err
