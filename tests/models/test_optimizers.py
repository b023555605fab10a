"""Optimizers match torch.optim step by step (float64, 50 steps) and respect frozen parameters."""

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.models import mlp, mlp_init, mlp_loss

SIZES = [5, 7, 3]


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((16, 5)), rng.standard_normal((16, 3))


def _torch_params(init):
    return [torch.tensor(v, requires_grad=True) for v in init]


def _torch_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = torch.relu(torch.nn.functional.linear(x, w1, b1))
    return torch.nn.functional.mse_loss(torch.nn.functional.linear(h, w2, b2), y)


CASES = {
    "sgd": (lambda ps: tl.SGD(ps, lr=0.05), lambda ps: torch.optim.SGD(ps, lr=0.05)),
    "momentum": (lambda ps: tl.MomentumSGD(ps, lr=0.05),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    "adam": (lambda ps: tl.Adam(ps, lr=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01)),
    "adamw": (lambda ps: tl.AdamW(ps, lr=0.01),
              lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.01)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_optimizer_matches_torch_optim_for_50_steps(name):
    make_ours, make_torch = CASES[name]
    init = mlp_init(SIZES, seed=3, dtype=np.float64)
    x, y = _data()
    s = tl.Session(dtype=np.float64)
    params = [s.param(v) for v in init]
    opt = make_ours(params)
    tparams = _torch_params(init)
    topt = make_torch(tparams)
    for step in range(50):
        s.reset()
        opt.zero_grad()
        loss = s.mse_loss(mlp(s, [s.use(p) for p in params], s.input(x)), s.input(y))
        loss.backward()
        opt.step()
        topt.zero_grad()
        tloss = _torch_loss(tparams, torch.tensor(x), torch.tensor(y))
        tloss.backward()
        topt.step()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-10), f"step {step}"
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.value, tp.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", ["adam_step", "adamw_step", "sgd_step"])
def test_session_optimizer_steps_match_the_optimizer_objects(method):
    init = mlp_init(SIZES, seed=4, dtype=np.float64)
    x, y = _data()
    s1, s2 = tl.Session(dtype=np.float64), tl.Session(dtype=np.float64)
    p1, p2 = [s1.param(v) for v in init], [s2.param(v) for v in init]
    cls = {"adam_step": tl.Adam, "adamw_step": tl.AdamW, "sgd_step": tl.SGD}[method]
    opt = cls(p2, lr=0.01)
    for _ in range(5):
        for s, ps in ((s1, p1), (s2, p2)):
            s.reset()
            for p in ps:
                p.zero_grad()
            s.mse_loss(mlp(s, [s.use(p) for p in ps], s.input(x)), s.input(y)).backward()
        getattr(s1, method)(0.01)
        opt.step()
    for a, b in zip(p1, p2):
        np.testing.assert_array_equal(a.value, b.value)


def test_frozen_parameters_and_their_state_are_untouched():
    s = tl.Session(dtype=np.float64)
    w = s.param(np.ones(3))
    f = s.param(np.ones(3), requires_grad=False)
    opt = tl.Adam([w, f], lr=0.1)
    for _ in range(3):
        s.reset()
        w.zero_grad()
        (s.use(w) * s.use(f)).sum().backward()
        opt.step()
    np.testing.assert_array_equal(f.value, np.ones(3))
    assert f not in opt.state and opt.state[w]["step"] == 3  # torch.optim's key (was the seed's "t")


def test_adam_state_save_and_load_continues_identically():
    init = mlp_init(SIZES, seed=5, dtype=np.float64)
    x, y = _data()

    def run(params, opt, steps):
        s = tl.Session(dtype=np.float64)
        for _ in range(steps):
            s.reset()
            opt.zero_grad()
            s.mse_loss(mlp(s, [s.use(p) for p in params], s.input(x)), s.input(y)).backward()
            opt.step()

    a = [tl.Param(v) for v in init]
    opt_a = tl.Adam(a, lr=0.01)
    run(a, opt_a, 6)
    b = [tl.Param(v) for v in init]
    opt_b = tl.Adam(b, lr=0.01)
    run(b, opt_b, 3)
    saved, values = opt_b.state_dict(), [p.value.copy() for p in b]
    c = [tl.Param(v) for v in values]
    opt_c = tl.Adam(c, lr=0.5)
    opt_c.load_state_dict(saved)
    assert opt_c.param_groups[0]["lr"] == 0.01  # hyperparameters live in the groups, as torch.optim
    run(c, opt_c, 3)
    for pa, pc in zip(a, c):
        np.testing.assert_allclose(pa.value, pc.value, rtol=1e-14)


def test_bad_hyperparameters_are_rejected():
    p = tl.Param(np.ones(2))
    with pytest.raises(tl.ArgumentError, match="lr must be >= 0"):
        tl.SGD([p], lr=-1.0)
    with pytest.raises(tl.ArgumentError, match="lr must be finite"):
        tl.SGD([p], lr=float("nan"))
    with pytest.raises(tl.ArgumentError, match="beta1 must be in"):
        tl.Adam([p], lr=0.1, beta1=1.0)
    with pytest.raises(tl.ArgumentError, match="empty parameter list"):
        tl.SGD([], lr=0.1)  # torch.optim's rule (the seed accepted an empty list)


def _mlp_step(s, params, x, y):
    loss = s.mse_loss(mlp(s, [s.use(p) for p in params], s.input(x)), s.input(y))
    loss.backward()
    return loss


def test_session_adam_state_resumes_in_a_public_optimizer():
    """Session.optimizer(kind) is a torchlean.optim object: its state dict carries the moments
    and step counts, so a run continued with tl.Adam equals the uninterrupted session run."""
    init = mlp_init(SIZES, seed=6, dtype=np.float64)
    x, y = _data()
    s = tl.Session(dtype=np.float64)
    full = [s.param(v) for v in init]
    for _ in range(6):
        s.reset()
        s.zero_grad()
        _mlp_step(s, full, x, y)
        s.adam_step(0.01, beta1=0.8)
    s2 = tl.Session(dtype=np.float64)
    half = [s2.param(v) for v in init]
    for _ in range(3):
        s2.reset()
        s2.zero_grad()
        _mlp_step(s2, half, x, y)
        s2.adam_step(0.01, beta1=0.8)
    saved = s2.optimizer("adam").state_dict()
    assert saved["param_groups"][0]["betas"] == (0.8, 0.999)
    assert [saved["state"][i]["step"] for i in range(len(init))] == [3] * len(init)
    resumed = [tl.Param(p.value) for p in half]
    opt = tl.Adam(resumed)
    opt.load_state_dict(saved)
    s3 = tl.Session(dtype=np.float64)
    for _ in range(3):
        s3.reset()
        opt.zero_grad()
        _mlp_step(s3, resumed, x, y)
        opt.step()
    for a, b in zip(full, resumed):
        np.testing.assert_array_equal(a.value, b.value)


@pytest.mark.parametrize("backend", ["eager", "compiled"])
def test_trainer_optimizer_state_resumes_bit_for_bit(backend):
    init = mlp_init(SIZES, seed=7)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 5)).astype(np.float32), rng.integers(0, 3, 16)
    types_ = [(16, 5), ((16,), np.int64)]
    opts = tl.Options(backend=backend)
    full = tl.ScalarTrainer(init, types_, mlp_loss, opts)
    for _ in range(6):
        full.adamw_step(0.01, x, y, weight_decay=0.1)
    half = tl.ScalarTrainer(init, types_, mlp_loss, opts)
    for _ in range(3):
        half.adamw_step(0.01, x, y, weight_decay=0.1)
    saved = half.optimizer("adamw").state_dict()
    resumed = tl.ScalarTrainer(half.get_params(), types_, mlp_loss, opts)
    resumed.optimizer("adamw").load_state_dict(saved)  # made on demand, before any step
    for _ in range(3):
        resumed.adamw_step(0.01, x, y, weight_decay=0.1)
    for a, b in zip(full.get_params(), resumed.get_params()):
        np.testing.assert_array_equal(a, b)
    assert resumed.optimizer("adamw") is resumed._optimizers["adamw"]


def test_session_steps_take_the_hyperparameters_of_each_call():
    s = tl.Session(dtype=np.float64)
    w = s.param(np.ones(3))
    s.backward((s.use(w) * 2.0).sum())
    s.adamw_step(0.1, weight_decay=0.5, beta2=0.9)
    g = s.optimizer("adamw").param_groups[0]
    assert (g["lr"], g["weight_decay"], g["betas"]) == (0.1, 0.5, (0.9, 0.9))
    with pytest.raises(tl.ArgumentError, match=r"adamw_step: .*beta2"):
        s.adamw_step(0.1, beta2=1.0)
    assert g["betas"] == (0.9, 0.9)  # a refused call changes nothing
