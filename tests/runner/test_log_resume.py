"""``--log`` writes the train log (JSON) and a loss-curve PNG; ``--save`` then ``--resume``
continues bit for bit: the same losses, parameters, optimizer state, random streams and data
order as a run that never stopped."""

from __future__ import annotations

import json

import numpy as np
import pytest

import torchlean as tl
from torchlean.runner.trainlog import plot_path

from .helpers import cli_run, one_error_line

PNG = b"\x89PNG\r\n\x1a\n"


def test_log_writes_json_and_png(tmp_path):
    log = tmp_path / "logs" / "mlp.json"
    code, out, err = cli_run("mlp", "--steps", "2", "--log", log, "--seed", "4")
    assert code == 0, err
    body = json.loads(log.read_text())
    assert body["format"] == "torchlean-trainlog-1" and body["example"] == "mlp"
    assert body["config"]["steps"] == 2 and body["config"]["seed"] == 4 and body["config"]["backend"] == "eager"
    assert body["config"]["dtype"] == "float32" and body["config"]["lr"] == 1e-3
    assert len(body["loss"]) == 2 * 78 and all(isinstance(v, float) and v > 0 for v in body["loss"])
    assert [e["epoch"] for e in body["epochs"]] == [1, 2] and [e["steps"] for e in body["epochs"]] == [78, 78]
    assert body["epochs"][1]["mean_loss"] == pytest.approx(np.mean(body["loss"][78:]), rel=1e-12)
    assert body["timings"]["train_seconds"] > 0 and body["timings"]["steps_per_second"] > 0
    assert body["metrics"]["loss1"] < body["metrics"]["loss0"]
    png = tmp_path / "logs" / "mlp.png"
    assert body["plot"] == "mlp.png" and png.read_bytes()[:8] == PNG and png.stat().st_size > 5000
    assert f"wrote TrainLog JSON: {log}" in out


def test_log_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, _ = cli_run("mlp", "--smoke", "--log", "off")
    assert code == 0 and list(tmp_path.iterdir()) == []


def test_plot_path():
    assert plot_path("a/b.json") == "a/b.png" and plot_path("log") == "log.png"


def _params(ckpt):
    return {k: v.tobytes() for k, v in tl.load(ckpt)["objects"]["model"].items()}


@pytest.mark.parametrize("argv", [("mlp",), ("mlp", "--backend", "compiled"), ("digits", "--smoke"),
                                  ("quickstart_mlp", "--smoke", "--dtype", "float")],
                         ids=["mlp-eager", "mlp-compiled", "digits", "quickstart_mlp-float64"])
def test_save_then_resume_continues_bit_for_bit(tmp_path, argv):
    straight, split = tmp_path / "straight", tmp_path / "split"
    straight.mkdir(), split.mkdir()
    code, out, err = cli_run(*argv, "--steps", "3", "--save", straight / "c.ckpt", "--log", straight / "log.json")
    assert code == 0, err
    code, _, err = cli_run(*argv, "--steps", "1", "--save", split / "c.ckpt")
    assert code == 0, err
    code, out, err = cli_run(*argv, "--steps", "3", "--resume", split / "c.ckpt", "--save", split / "c.ckpt",
                             "--log", split / "log.json")
    assert code == 0, err
    assert f"resumed from {split / 'c.ckpt'} at epoch 1" in out
    a, b = json.loads((straight / "log.json").read_text()), json.loads((split / "log.json").read_text())
    assert a["loss"] == b["loss"]  # every step's loss, as floats, identical (JSON keeps them exactly)
    # the final metrics agree (loss0, "before training", is the resumed model's in the split run)
    assert {k: v for k, v in a["metrics"].items() if k != "loss0"} == \
        {k: v for k, v in b["metrics"].items() if k != "loss0"}
    assert _params(straight / "c.ckpt") == _params(split / "c.ckpt")
    ca, cb = tl.load(straight / "c.ckpt"), tl.load(split / "c.ckpt")
    for key in ("session_rng", "generator", "sampler", "epoch", "step"):
        assert ca[key] == cb[key], key
    opt_a, opt_b = ca["objects"]["optimizer"]["state"], cb["objects"]["optimizer"]["state"]
    assert opt_a.keys() == opt_b.keys()
    for k in opt_a:
        for name, v in opt_a[k].items():
            assert np.asarray(v).tobytes() == np.asarray(opt_b[k][name]).tobytes(), (k, name)


def test_without_the_saved_state_the_continuation_differs(tmp_path):
    """Control: the resumed losses equal the straight run's only because the state was
    restored (a fresh 2-epoch run from scratch gives other losses for its second epoch)."""
    cli_run("mlp", "--steps", "2", "--log", tmp_path / "straight.json")
    cli_run("mlp", "--steps", "1", "--seed", "1", "--save", tmp_path / "other.ckpt")
    cli_run("mlp", "--steps", "2", "--resume", tmp_path / "other.ckpt", "--log", tmp_path / "resumed.json")
    a = json.loads((tmp_path / "straight.json").read_text())["loss"]
    b = json.loads((tmp_path / "resumed.json").read_text())["loss"]
    assert len(a) == len(b) and a[78:] != b[78:]


def test_resume_refuses_other_files_with_one_line(tmp_path):
    cli_run("quickstart_mlp", "--smoke", "--save", tmp_path / "q.ckpt")
    code, _, err = cli_run("mlp", "--resume", tmp_path / "q.ckpt")
    line = one_error_line(err)
    assert code == 2 and "q.ckpt" in line and "quickstart_mlp" in line
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint at all")
    code, _, err = cli_run("mlp", "--resume", tmp_path / "junk.ckpt")
    assert code == 2 and "junk.ckpt" in one_error_line(err)
    tl.save({"a": np.ones(2)}, tmp_path / "plain.ckpt")
    code, _, err = cli_run("mlp", "--resume", tmp_path / "plain.ckpt")
    assert code == 2 and "not a checkpoint written by the runner" in one_error_line(err)


def test_resume_past_the_end_trains_nothing_more(tmp_path):
    cli_run("mlp", "--steps", "2", "--save", tmp_path / "c.ckpt")
    before = _params(tmp_path / "c.ckpt")
    code, out, _ = cli_run("mlp", "--steps", "2", "--resume", tmp_path / "c.ckpt", "--save", tmp_path / "c.ckpt")
    assert code == 0 and "resumed from" in out and _params(tmp_path / "c.ckpt") == before
