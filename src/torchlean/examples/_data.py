"""Reading the examples' data files: shipped ones (``data/``) and the user's (``--csv``,
``--npy``). Every problem with a file raises ``InputError`` naming the file and the row."""

from __future__ import annotations

import csv
import os
from importlib import resources

import numpy as np

from ..runner.errors import InputError


def shipped(name: str) -> str:
    """The path of a data file shipped in ``torchlean/examples/data``."""
    return str(resources.files("torchlean.examples").joinpath("data", name))


def read_csv(path: str, columns: list[str] | None = None) -> tuple[list[str], np.ndarray, list[int]]:
    """A CSV file with a header row and numbers in every other row: ``(header, float64 rows,
    the file row of each)``. ``columns``: the header it must have (exactly, in order). Row
    numbers are the file's lines (the header is row 1); blank lines are skipped."""
    name = os.path.basename(path)
    try:
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError as e:
        raise InputError(f"{path}: cannot read the file ({e.strerror})") from None
    except (csv.Error, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a readable CSV file ({e})") from None
    if not rows:
        raise InputError(f"{path}: the file is empty (expected a header row, then rows of numbers)")
    header = [h.strip() for h in rows[0]]
    if columns is not None and header != columns:
        raise InputError(f"{path} row 1: expected the header {','.join(columns)}, got {','.join(header)!r}")
    if len(set(header)) != len(header) or any(not h for h in header):
        raise InputError(f"{path} row 1: the header needs distinct, non-empty column names, got {rows[0]!r}")
    data, lines = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue  # blank lines
        if len(row) != len(header):
            raise InputError(f"{path} row {line}: expected {len(header)} values ({name} has {len(header)} "
                             f"columns), got {len(row)}")
        values = []
        for col, cell in zip(header, row):
            try:
                v = float(cell)
            except ValueError:
                raise InputError(f"{path} row {line}, column {col}: {cell.strip()!r} is not a number") from None
            if not np.isfinite(v):
                raise InputError(f"{path} row {line}, column {col}: {cell.strip()!r} is not a finite number")
            values.append(v)
        data.append(values)
        lines.append(line)
    if not data:
        raise InputError(f"{path}: no data rows after the header")
    return header, np.array(data, dtype=np.float64), lines


def read_npy(spec: str) -> tuple[np.ndarray, np.ndarray]:
    """``X.npy,Y.npy`` or ``DATA.npz`` (arrays ``x`` and ``y``): ``(x (N, F), y (N,))`` as
    stored (float features; y float for regression, integer for classes). No pickles."""
    if "," in spec:
        xpath, ypath = spec.split(",")
        x, y = _npy(xpath), _npy(ypath)
        xname, yname = xpath, ypath
    else:
        loaded = _load(spec)
        if isinstance(loaded, np.ndarray):
            raise InputError(f"{spec}: a single .npy holds no targets; give X.npy,Y.npy or a .npz with arrays "
                             "x and y")
        with loaded as z:
            missing = [k for k in ("x", "y") if k not in z.files]
            if missing:
                raise InputError(f"{spec}: expected arrays x and y in the .npz, found {sorted(z.files)}")
            try:
                x, y = z["x"], z["y"]
            except ValueError:
                raise InputError(f"{spec}: x or y holds Python objects, which are never unpickled") from None
        xname, yname = f"{spec}[x]", f"{spec}[y]"
    if x.ndim != 2:
        raise InputError(f"{xname}: expected a 2-D array (rows, features), got shape {x.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise InputError(f"{yname}: expected a 1-D array of targets, got shape {y.shape}")
    if len(x) != len(y):
        raise InputError(f"{yname}: has {len(y)} rows but {xname} has {len(x)}")
    if len(x) == 0:
        raise InputError(f"{xname}: no rows")
    for arr, name in ((x, xname), (y, yname)):
        if arr.dtype.kind not in "biuf":
            raise InputError(f"{name}: expected numbers, got dtype {arr.dtype}")
        if arr.dtype.kind == "f":
            bad = ~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
            if bad.any():
                raise InputError(f"{name} row {int(np.argmax(bad))}: not a finite number (rows count from 0)")
    return x, y


def _load(path: str):
    try:
        return np.load(path, allow_pickle=False)
    except ValueError:
        raise InputError(f"{path}: not a .npy/.npz file of numbers (object arrays are never unpickled)") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None


def _npy(path: str) -> np.ndarray:
    arr = _load(path)
    if not isinstance(arr, np.ndarray):
        arr.close()
        raise InputError(f"{path}: expected one array (.npy), got a .npz archive")
    return arr


def classes(name: str, y: np.ndarray, rows: list[int] | None = None) -> np.ndarray:
    """Class labels 0, 1, 2, ... as int64 from a float or integer column; an error names the
    row (``rows[i]``, the file row of entry i; by default i itself)."""
    bad = (y != np.round(y)) | (y < 0)
    if bad.any():
        i = int(np.argmax(bad))
        row = rows[i] if rows is not None else i
        raise InputError(f"{name} row {row}: label {y[i].item()!r} is not a class number 0, 1, 2, ...")
    return y.astype(np.int64)
