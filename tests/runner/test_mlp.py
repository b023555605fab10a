"""``torchlean mlp`` is the seed's: Auto MPG (392 rows, min-max normalised), batch 5 shuffled with
drop_last (78 batches), Linear(7->32)-ReLU-Linear(32->1), MSE, Adam(1e-3), the seed's lines."""

from __future__ import annotations

import json
import re

import numpy as np

from torchlean.data import DataLoader, TensorDataset
from torchlean.examples import mlp
from torchlean.examples._data import shipped

from .helpers import cli_run, one_error_line

FLOAT = r"([0-9]+\.[0-9]+)"


def test_steps_10_prints_the_seeds_lines_and_the_loss_falls():
    code, out, err = cli_run("mlp", "--cpu", "--steps", "10")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[5] == "torchlean mlp: Auto MPG MLP regression (device=cpu)"
    before = re.fullmatch(rf"mean_loss\(train\(before\)\) = {FLOAT}", lines[6])
    after = re.fullmatch(rf"mean_loss\(train\(after\)\) = {FLOAT}", lines[7])
    summary = re.fullmatch(rf"  epochs=10 loss0={FLOAT} loss1={FLOAT}", lines[8])
    assert before and after and summary, lines
    assert lines[-1] == "torchlean mlp: ok"
    loss0, loss1 = float(summary.group(1)), float(summary.group(2))
    assert (loss0, loss1) == (float(before.group(1)), float(after.group(1)))
    assert loss1 < loss0
    assert loss1 < 0.02  # the documented result is about 0.0063 (seed 0)


def test_the_shipped_data_is_the_seeds():
    x, y = mlp.load_auto_mpg(None, np.float64)
    assert x.shape == (392, 7) and y.shape == (392, 1)
    table = np.hstack([x, y])
    assert np.allclose(table.min(axis=0), 0.0) and np.allclose(table.max(axis=0), 1.0)
    loader = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, drop_last=True)
    assert len(loader) == 78 and len(list(loader)) == 78
    with open(shipped("auto_mpg.csv")) as fh:
        assert fh.readline().strip() == "x1,x2,x3,x4,x5,x6,x7,y"
        assert re.fullmatch(r"(\d\.\d{8},){7}\d\.\d{8}", fh.readline().strip())  # written %.8f


def test_check_says_what_it_checked():
    code, out, _ = cli_run("mlp", "--smoke", "--check")
    assert code == 0
    m = re.search(r"check: loss1 (\S+) < loss0 (\S+): ok", out)
    assert m and float(m.group(1)) < float(m.group(2))


def test_csv_reads_another_file_with_the_same_columns(tmp_path):
    with open(shipped("auto_mpg.csv")) as fh:
        lines = fh.read().splitlines()
    path = tmp_path / "first100.csv"
    path.write_text("\n".join(lines[:101]) + "\n")  # header and 100 cars: 20 batches of 5
    code, _, err = cli_run("mlp", "--csv", path, "--steps", "2", "--log", tmp_path / "log.json")
    assert code == 0, err
    log = json.loads((tmp_path / "log.json").read_text())
    assert len(log["loss"]) == 2 * 20 and log["config"]["csv"] == str(path)


def test_csv_with_other_columns_names_the_file_and_row(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    code, _, err = cli_run("mlp", "--csv", path)
    line = one_error_line(err)
    assert code == 2 and str(path) in line and "row 1" in line and "x1,x2,x3,x4,x5,x6,x7,y" in line


def test_a_missed_threshold_exits_1_and_says_so():
    code, out, _ = cli_run("mlp", "--steps", "1", "--lr", "1e-5", "--check")
    assert code == 1
    assert re.search(r"^check: loss1 \S+ < 0.01: FAILED$", out, re.M)
    assert out.rstrip().endswith("torchlean mlp: check FAILED")
