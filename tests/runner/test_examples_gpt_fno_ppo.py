"""What the parametrised smoke runs do not see in ``chargpt``, ``gpt_adder``, ``fno1d_burgers`` and
``ppo_cartpole``: the shipped text, the models' causality, the Burgers solver and the DFT-matrix
spectral convolution against NumPy's FFT, GAE, the files written to ``--out``, resuming bit for
bit, and the one-line error without gymnasium."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys

import numpy as np
import pytest

import torchlean as tl
from torchlean.examples import chargpt, fno1d_burgers, gpt_adder, ppo_cartpole
from torchlean.examples._data import shipped

from .helpers import cli_run, one_error_line

PNG = b"\x89PNG\r\n\x1a\n"
needs_gymnasium = pytest.mark.skipif(importlib.util.find_spec("gymnasium") is None,
                                     reason="ppo_cartpole needs gymnasium, which is not installed")


# -- chargpt ---------------------------------------------------------------------------------
def test_the_shipped_sonnets_are_the_clean_public_domain_text():
    text = pathlib.Path(shipped("sonnets.txt")).read_text(encoding="ascii")
    assert text.startswith("THE SONNETS\nby William Shakespeare\n") and text.endswith("render thee.\n")
    assert 70_000 < len(text) < 80_000 and len(set(text)) == 62
    assert "gutenberg" not in text.lower() and "\r" not in text
    assert all(line == line.rstrip() for line in text.splitlines())
    numerals = [ln for ln in text.splitlines() if ln and set(ln) <= set("IVXLC")]
    assert len(numerals) == 126 and numerals[0] == "I" and numerals[-1] == "CXXVI"


def test_windows_pair_each_character_with_the_next():
    data = np.arange(20)
    x, y = chargpt.windows(data, block=4, stride=2)
    assert x.shape == y.shape == (8, 4) and (y == x + 1).all() and x[1].tolist() == [2, 3, 4, 5]


@pytest.mark.parametrize("backend", ["eager", "compiled"])
def test_chargpt_and_gpt_adder_models_are_causal(backend):
    """A change at position 5 leaves the logits of positions 0..4 exactly as they were."""
    tl.manual_seed(0)
    s = tl.Session()
    for model in (chargpt.GPT(vocab=10, block=8, embed=16, heads=2, layers=2),
                  gpt_adder.Adder(length=8, embed=16, heads=2, layers=2)):
        net = tl.compile(model) if backend == "compiled" else model
        a = np.random.default_rng(1).integers(0, 10, (2, 8))
        b = a.copy()
        b[:, 5] = (a[:, 5] + 3) % 10
        with tl.no_grad():
            la, lb = net(s.input(a)).numpy(), net(s.input(b)).numpy()
        assert np.array_equal(la[:, :5], lb[:, :5])
        assert not np.allclose(la[:, 5:], lb[:, 5:])


def test_chargpt_smoke_writes_its_sample(tmp_path):
    code, out, err = cli_run("chargpt", "--smoke", "--out", tmp_path)
    assert code == 0, err
    written = (tmp_path / "sample.txt").read_text(encoding="ascii")
    prompt = pathlib.Path(shipped("sonnets.txt")).read_text(encoding="ascii")
    prompt = prompt[int(0.9 * len(prompt)):][:32]
    assert written.startswith(prompt) and len(written) == 32 + 40 + 1  # prompt, 40 sampled, newline
    assert written[32:-1] in out and "bits/char" in out


# -- gpt_adder -------------------------------------------------------------------------------
def test_adder_sequences_hold_the_sum_reversed():
    assert gpt_adder.digits(np.array([7, 42, 99]), 2).tolist() == [[0, 7], [4, 2], [9, 9]]
    assert gpt_adder.digits(np.array([141]), 3)[:, ::-1].tolist() == [[1, 4, 1]]


def test_adder_prints_worked_sums_that_add_up():
    code, out, err = cli_run("gpt_adder", "--smoke")
    assert code == 0, err
    sums = [ln.split() for ln in out.splitlines() if ln.startswith("  ") and " + " in ln and " = " in ln]
    assert len(sums) == 3 and all(len(p) == 5 and p[1] == "+" and p[3] == "=" for p in sums)
    assert "held-out exact match" in out


# -- fno1d_burgers ---------------------------------------------------------------------------
def test_burgers_solver_conserves_the_mean_and_matches_a_finer_solve():
    rng = np.random.default_rng(3)
    fine = fno1d_burgers.random_fields(rng, 4, 512)
    u_fine = fno1d_burgers.solve_burgers(fine, 0.01, 0.5, 800)[:, ::4]
    coarse = fine[:, ::4]
    u = fno1d_burgers.solve_burgers(coarse, 0.01, 0.5, 200)
    assert np.allclose(u.mean(axis=1), coarse.mean(axis=1), atol=1e-12)  # the mean mode never moves
    assert (np.linalg.norm(u, axis=1) < np.linalg.norm(coarse, axis=1)).all()  # viscosity dissipates
    assert np.abs(u - u_fine).max() < 1e-3 * np.abs(u_fine).max()
    assert np.abs(np.diff(u_fine, axis=1)).max() * 128 > 5  # fronts have steepened (|u_x| > 5)


def test_spectral_conv_is_a_low_pass_filter_through_dft_matrices():
    """With identity weights the layer keeps each channel's lowest modes: irfft(rfft(h)[:m])."""
    tl.manual_seed(0)
    grid, modes, ch = 32, 6, 3
    layer = fno1d_burgers.SpectralConv1d(ch, modes, grid).to(np.float64)
    eye = np.repeat(np.eye(ch)[:, :, None], modes, axis=2)
    layer.load_state_dict({"w_re": eye, "w_im": np.zeros_like(eye)})
    h = np.random.default_rng(0).standard_normal((2, ch, grid))
    coef = np.fft.rfft(h)
    coef[..., modes:] = 0
    expect = np.fft.irfft(coef, n=grid)
    got = layer(tl.Session(dtype=np.float64).input(h)).numpy()
    assert np.allclose(got, expect, atol=1e-12)
    assert set(layer.state_dict()) == {"w_re", "w_im"}  # the DFT matrices are not checkpointed


def test_fno_smoke_writes_its_plot(tmp_path):
    code, out, err = cli_run("fno1d_burgers", "--smoke", "--out", tmp_path)
    assert code == 0, err
    png = tmp_path / "burgers.png"
    assert png.read_bytes()[:8] == PNG and png.stat().st_size > 10_000 and f"wrote {png}" in out


def _resume_matches(tmp_path, *argv):
    straight, split = tmp_path / "straight", tmp_path / "split"
    code, _, err = cli_run(*argv, "--steps", "3", "--log", straight / "log.json")
    assert code == 0, err
    code, _, err = cli_run(*argv, "--steps", "1", "--save", split / "c.ckpt")
    assert code == 0, err
    code, out, err = cli_run(*argv, "--steps", "3", "--resume", split / "c.ckpt", "--log", split / "log.json")
    assert code == 0 and "resumed from" in out, err
    a, b = (json.loads((d / "log.json").read_text()) for d in (straight, split))
    assert len(a["loss"]) == len(b["loss"]) >= 3 and a["loss"] == b["loss"] and a["metrics"] == b["metrics"]


def test_fno_resumes_bit_for_bit_with_its_scheduler(tmp_path):
    _resume_matches(tmp_path, "fno1d_burgers", "--smoke", "--out", tmp_path)


# -- ppo_cartpole ----------------------------------------------------------------------------
def test_gae_matches_the_discounted_sum_of_td_errors():
    rng = np.random.default_rng(0)
    r, v, nv = (rng.standard_normal((6, 2)).astype(np.float32) for _ in range(3))
    term = np.zeros((6, 2), np.float32)
    ended = np.zeros((6, 2), np.float32)
    term[2, 0] = ended[2, 0] = 1.0  # env 0's episode ends (falls) at t = 2
    ended[4, 1] = 1.0  # env 1's is cut by the time limit at t = 4
    adv = ppo_cartpole.gae(r, v, nv, term, ended)
    g, lam = ppo_cartpole.GAMMA, ppo_cartpole.LAMBDA
    for env in range(2):
        for t in range(6):
            total, k = 0.0, t
            while k < 6:
                delta = r[k, env] + g * nv[k, env] * (1 - term[k, env]) - v[k, env]
                total += (g * lam) ** (k - t) * delta
                if ended[k, env]:
                    break
                k += 1
            assert adv[t, env] == pytest.approx(total, rel=1e-5, abs=1e-6)


@needs_gymnasium
def test_ppo_resumes_bit_for_bit_with_its_environments(tmp_path):
    _resume_matches(tmp_path, "ppo_cartpole", "--smoke")


def test_ppo_without_gymnasium_says_so_in_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # `import gymnasium` raises ImportError
    code, _, err = cli_run("ppo_cartpole", "--smoke")
    line = one_error_line(err)
    assert code == 1 and "needs gymnasium" in line and "pip install gymnasium" in line
