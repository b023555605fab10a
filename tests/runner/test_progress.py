"""Progress: a tqdm bar (loss, steps/s) on a terminal, plain lines otherwise, nothing with
``TORCHLEAN_PROGRESS=off``."""

from __future__ import annotations

import io

from torchlean.runner.progress import Progress

from .helpers import cli_run


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run_epochs(stream, epochs=3, steps=5):
    p = Progress(stream=stream, mininterval=0)  # redraw the bar on every step
    for e in range(epochs):
        p.begin(f"epoch {e + 1}/{epochs}", steps)
        for k in range(steps):
            p.update(1.0 / (k + 1))
        p.end("loss 0.5", final=e + 1 == epochs)
    return p


def test_plain_lines_when_not_a_terminal(monkeypatch):
    monkeypatch.delenv("TORCHLEAN_PROGRESS", raising=False)
    out = io.StringIO()
    assert run_epochs(out).mode == "lines"
    lines = out.getvalue().splitlines()
    assert lines and "\r" not in out.getvalue()
    assert lines[-1].startswith("epoch 3/3 [5/5]  loss 0.5  5 steps") and "steps/s" in lines[-1]


def test_a_tqdm_bar_on_a_terminal(monkeypatch):
    monkeypatch.delenv("TORCHLEAN_PROGRESS", raising=False)
    out = Terminal()
    assert run_epochs(out).mode == "bar"
    text = out.getvalue()
    assert "\r" in text and "step/s" in text and "loss=" in text  # tqdm's redraws, rate and postfix
    assert "epoch 3/3  loss 0.5  5 steps" in text  # each epoch's summary stays


def test_off(monkeypatch):
    monkeypatch.setenv("TORCHLEAN_PROGRESS", "off")
    out = Terminal()
    run_epochs(out)
    assert out.getvalue() == ""


def test_the_runner_reports_progress_on_stderr_not_stdout():
    code, out, err = cli_run("mlp", "--steps", "2")
    assert code == 0
    assert "epoch 2/2 [78/78]" in err and "steps/s" in err
    assert "steps/s" not in out
