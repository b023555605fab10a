"""The sequence and attention examples (rnn, lstm, lstm_regression, transformer, vit): their data
generators make the task they describe, their models are built as the docstrings say, the
forecast writes its picture, an interrupted run with a learning-rate schedule resumes bit for
bit, and a recurrent training loop keeps the tape flat. (Every example's smoke run, eager and
compiled, CPU and the fake CUDA device, is in test_examples.py and test_fake_cuda.py.)"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn.functional as F
from torchlean.examples import lstm, lstm_regression, rnn, transformer, vit
from torchlean.runner.track import Tracker

from .helpers import cli_run

PNG = b"\x89PNG\r\n\x1a\n"


def _metric(out, name):
    return float(re.search(rf"^check: {name} (\S+) ", out, re.M).group(1))


def test_most_frequent_symbol_labels_the_unique_mode():
    x, y = rnn.most_frequent_symbol(500, 24, 4, seed=3)
    assert x.shape[1] == 24 and len(x) == len(y) and 300 < len(x) < 500  # ties dropped, most kept
    for row, label in zip(x, y):
        counts = np.bincount(row, minlength=4)
        assert counts[label] == counts.max() and (counts == counts.max()).sum() == 1


def test_temporal_order_puts_one_marker_in_the_first_and_one_in_the_third_quarter():
    x, y = lstm.temporal_order(400, 40, seed=1)
    for row, label in zip(x, y):
        where = np.flatnonzero(row >= lstm.X)
        assert len(where) == 2 and where[0] < 10 and 20 <= where[1] < 30
        assert label == 2 * (row[where[0]] - lstm.X) + (row[where[1]] - lstm.X)
    assert len(np.bincount(y)) == 4 and np.bincount(y).min() > 60  # the four classes, balanced


def test_the_lstm_forget_gate_bias_starts_at_one():
    tl.manual_seed(0)
    model = lstm.OrderNet(hidden=8)
    b = model.lstm.bias_hh_l0.numpy()
    assert np.all(b[8:16] == 1.0) and np.all(np.abs(b[:8]) <= 8 ** -0.5) and np.all(np.abs(b[16:]) <= 8 ** -0.5)


def test_forecast_windows_and_targets_line_up():
    series = np.arange(10.0)
    x, y = lstm_regression.windows(series, 4, np.float32)
    assert x.shape == (6, 4, 1) and y.shape == (6, 1)
    assert x[2, :, 0].tolist() == [2, 3, 4, 5] and y[2, 0] == 6


def test_lstm_regression_writes_its_picture_and_beats_the_naive_forecast(tmp_path):
    out_dir = tmp_path / "pics"
    code, out, err = cli_run("lstm_regression", "--smoke", "--check", "--out", out_dir)
    assert code == 0, err
    png = out_dir / "predictions.png"
    assert png.read_bytes()[:8] == PNG and png.stat().st_size > 10000
    assert f"wrote {png}" in out
    mse = _metric(out, "test_mse")
    naive = float(re.search(r"last-value forecast (\S+)\)", out).group(1))
    floor = float(re.search(r"noise floor (\S+) ", out).group(1))
    assert floor < mse < naive and 0.005 < floor < 0.015  # noise 0.1: a floor near 0.1^2


def test_sorting_targets_and_model_shapes():
    tl.manual_seed(0)
    model = transformer.SortingTransformer(length=6, dim=16, layers=1)
    s = tl.Session()
    x = np.array([[3, 1, 2, 9, 0, 1], [5, 5, 4, 0, 0, 7]])
    logits = model(s.input(x))
    assert logits.shape == (2, 6, 10)
    assert "pos" in dict(model.named_parameters()) and model.pos.shape == (1, 6, 16)
    loss = F.cross_entropy(logits.reshape(-1, 10), s.input(np.sort(x, axis=1)).reshape(-1))
    loss.backward()
    assert model.pos.grad is not None and np.abs(model.pos.grad).max() > 0


def test_vit_cuts_patches_and_trains_its_class_token_and_positions():
    tl.manual_seed(0)
    model = vit.ViT(patch=4, dim=16, layers=1)
    names = dict(model.named_parameters())
    assert names["cls_token"].shape == (1, 1, 16) and names["pos_embed"].shape == (1, 5, 16)
    assert names["patch_embed.weight"].shape == (16, 1, 4, 4)
    s = tl.Session()
    images = np.random.default_rng(0).random((3, 1, 8, 8)).astype(np.float32)
    logits = model(s.input(images))
    assert logits.shape == (3, 10)
    F.cross_entropy(logits, s.input(np.array([1, 2, 3]))).backward()
    assert np.abs(model.cls_token.grad).max() > 0 and np.abs(model.pos_embed.grad).max() > 0
    assert vit.ViT(patch=2, dim=16, layers=1).pos_embed.shape == (1, 17, 16)  # 16 patches of 2x2


def test_an_interrupted_run_with_a_schedule_resumes_bit_for_bit(tmp_path, monkeypatch):
    straight, split = tmp_path / "straight", tmp_path / "split"
    args = ("rnn", "--smoke", "--steps", "3")
    code, _, err = cli_run(*args, "--save", straight / "c.ckpt", "--log", straight / "log.json")
    assert code == 0, err
    save = Tracker.save

    def save_then_stop(self, path):
        save(self, path)
        if self.epoch == 1:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C after the first epoch

    monkeypatch.setattr(Tracker, "save", save_then_stop)
    code, _, err = cli_run(*args, "--save", split / "c.ckpt")
    assert code == 130 and "interrupted" in err
    monkeypatch.setattr(Tracker, "save", save)
    code, out, err = cli_run(*args, "--resume", split / "c.ckpt", "--save", split / "c.ckpt",
                             "--log", split / "log.json")
    assert code == 0 and "at epoch 1" in out, err
    a, b = (json.loads((d / "log.json").read_text()) for d in (straight, split))
    assert a["loss"] == b["loss"] and a["metrics"] == b["metrics"]
    ca, cb = tl.load(straight / "c.ckpt"), tl.load(split / "c.ckpt")
    assert ca["objects"]["scheduler"] == cb["objects"]["scheduler"]
    for k, v in ca["objects"]["model"].items():
        assert np.asarray(v).tobytes() == np.asarray(cb["objects"]["model"][k]).tobytes(), k


@pytest.mark.parametrize("backend", ["eager", "compiled"])
def test_a_recurrent_training_loop_keeps_the_tape_flat(backend):
    # nn.LSTM returns output, (h_n, c_n); the loss uses h_n only, so output and c_n are never
    # backpropagated: they must not pile up on the tape step after step
    tl.manual_seed(0)
    s = tl.Session()
    model = lstm.OrderNet(hidden=8)
    net = tl.compile(model) if backend == "compiled" else model
    opt = tl.optim.Adam(model.parameters(), lr=0.01)
    x, y = lstm.temporal_order(16, 12, seed=0)
    sizes = []
    for _ in range(12):
        loss = F.cross_entropy(net(s.input(x)), s.input(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sizes.append(len(s))
    assert max(sizes[3:]) == min(sizes[3:]), sizes
