"""Every scheduler matches torch.optim.lr_scheduler: the rates of 50 steps (every group, and the
momentum OneCycleLR cycles) at rtol 1e-10 while it drives a float64 training run compared step by
step, state dicts with torch's keys, and round trips both ways mid-run (torch's state loaded
here continues as torch continues, and ours loaded into torch likewise)."""

import copy
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as torch_sched

import torchlean as tl

from .helpers import RTOL, Twin, run, to_torch

L = tl.optim.lr_scheduler
METRICS = [5.0, 4.0, 4.0, 4.0, 4.0, 3.99999, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0]

SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, 7, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [3, 10, 10, 30], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.93),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 13, eta_min=0.001),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=17),
    "LambdaLR": lambda L, o: L.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (1 + e)]),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.4, total_iters=9),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, [lambda e: 0.97, lambda e: 1 - 0.01 * (e % 3)]),
    "SequentialLR-constant": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, 0.5, total_iters=4), L.MultiplicativeLR(o, lambda e: 0.9)], [6]),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, [0.05, 0.02], total_steps=60),
    "OneCycleLR-three-phase-linear": lambda L, o: L.OneCycleLR(o, 0.05, total_steps=60, three_phase=True,
                                                               anneal_strategy="linear", pct_start=0.25),
    "ReduceLROnPlateau": lambda L, o: L.ReduceLROnPlateau(o, patience=2, cooldown=1, factor=0.5, threshold=1e-3),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=30, power=1.5),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=6, T_mult=2, eta_min=0.001),
    "CyclicLR": lambda L, o: L.CyclicLR(o, [0.01, 0.005], [0.05, 0.02], step_size_up=5, mode="triangular2"),
    "CyclicLR-exp-range": lambda L, o: L.CyclicLR(o, 0.01, 0.05, step_size_up=4, step_size_down=7, mode="exp_range",
                                                  gamma=0.95),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, total_iters=5), L.CosineAnnealingLR(o, 20), L.ExponentialLR(o, 0.9)], [5, 25]),
}
OPTIMIZERS = {"SGD": {"lr": 0.05, "momentum": 0.9}, "Adam": {"lr": 0.01}}


def _make(name, opt_name, twin):
    kw = OPTIMIZERS[opt_name]
    ours, theirs = twin.groups([{"idx": [0, 1]}, {"idx": [2, 3], "lr": kw["lr"] / 2}])
    opt, topt = getattr(tl.optim, opt_name)(ours, **kw), getattr(torch.optim, opt_name)(theirs, **kw)
    return opt, topt, SCHEDULERS[name](L, opt), SCHEDULERS[name](torch_sched, topt)


def _momenta(opt):
    return [g["momentum"] if "momentum" in g else g["betas"][0] for g in opt.param_groups]


def _stepper(sched, tsched, opt, topt):
    def after(k):
        if isinstance(tsched, torch_sched.ReduceLROnPlateau):
            sched.step(METRICS[k % len(METRICS)])
            tsched.step(METRICS[k % len(METRICS)])
        else:
            sched.step()
            tsched.step()
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=RTOL, atol=0)
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups],
                                   rtol=RTOL, atol=0)
        np.testing.assert_allclose(_momenta(opt), _momenta(topt), rtol=RTOL, atol=0)

    return after


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_drives_training_as_torch_for_50_steps(name, opt_name):
    twin = Twin(seed=11)
    opt, topt, sched, tsched = _make(name, opt_name, twin)
    np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=RTOL, atol=0)
    lrs = []
    run(twin, opt, topt, 50, after=lambda k: (_stepper(sched, tsched, opt, topt)(k), lrs.append(sched.get_last_lr())))
    assert len({tuple(x) for x in lrs}) > 1, "the schedule must change the rate"
    sd, tsd = sched.state_dict(), tsched.state_dict()
    assert set(sd) == set(tsd)
    for g, tg in zip(opt.param_groups, topt.param_groups):  # initial_lr, max_lr, ... as torch's
        assert set(g) == set(tg)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_torch_scheduler_state_loads_and_continues_as_torch(name):
    opt_name = "Adam" if name.startswith("OneCycle") else "SGD"
    twin = Twin(seed=12)
    opt, topt, sched, tsched = _make(name, opt_name, twin)
    run(twin, opt, topt, 20, after=_stepper(sched, tsched, opt, topt))
    # a fresh torchlean optimizer and scheduler at the torch run's current values
    resumed = Twin(seed=12, values=[t.detach().numpy().copy() for t in twin.tparams])
    resumed.tparams = twin.tparams
    opt2, _, sched2, _ = _make(name, opt_name, resumed)
    sched2.load_state_dict(copy.deepcopy(tsched.state_dict()))
    opt2.load_state_dict(topt.state_dict())  # torch tensors through the boundary
    run(resumed, opt2, topt, 20, start=20, after=_stepper(sched2, tsched, opt2, topt))


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_our_scheduler_state_loads_into_torch_and_continues(name):
    opt_name = "Adam" if name.startswith("OneCycle") else "SGD"
    twin = Twin(seed=13)
    opt, topt, sched, tsched = _make(name, opt_name, twin)
    run(twin, opt, topt, 20, after=_stepper(sched, tsched, opt, topt))
    resumed = Twin(seed=13, values=twin.values())
    resumed.params = twin.params
    _, topt2, _, tsched2 = _make(name, opt_name, resumed)
    tsched2.load_state_dict(sched.state_dict())
    topt2.load_state_dict(to_torch(opt.state_dict()))
    run(resumed, opt, topt2, 20, start=20, after=_stepper(sched, tsched2, opt, topt2))


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_one_cycle_to_its_end(strategy):
    """Every rate of a whole cycle is torch's, up to the final scheduler step past the cycle's
    end, where torch's linear extrapolation is negative and ours is 0.0 (documented deviation)."""
    p, t = tl.Param(np.zeros(2)), torch.zeros(2, requires_grad=True)
    opt, topt = tl.optim.SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([t], lr=0.1, momentum=0.9)
    sched = L.OneCycleLR(opt, 0.5, total_steps=20, anneal_strategy=strategy)
    tsched = torch_sched.OneCycleLR(topt, 0.5, total_steps=20, anneal_strategy=strategy)
    for k in range(20):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        (ours,), (theirs,) = sched.get_last_lr(), tsched.get_last_lr()
        if k < 19 or theirs >= 0:
            assert ours == pytest.approx(theirs, rel=RTOL)
        else:
            assert strategy == "linear" and theirs < 0 and ours == 0.0
    with pytest.raises(tl.ArgumentError, match="total_steps is 20"):
        sched.step()
    assert sched.last_epoch == 20 and opt.param_groups[0]["lr"] == ours  # the failed step changed nothing


def test_step_with_an_epoch_uses_the_closed_form_as_torch():
    for name in ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ConstantLR"):
        twin = Twin()
        opt, topt, sched, tsched = _make(name, "SGD", twin)
        for epoch in (3, 11, 4, 30):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                opt.step()
                topt.step()
                sched.step(epoch)
                tsched.step(epoch)
            assert any("epoch parameter" in str(x.message) for x in w)
            np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=RTOL, atol=0)


def test_scheduler_before_optimizer_step_warns_as_torch():
    p = tl.Param(np.zeros(2))
    sched = L.StepLR(tl.optim.SGD([p], lr=0.1), 2)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        sched.step()


def test_scheduler_resumed_with_last_epoch_needs_initial_lr():
    p = tl.Param(np.zeros(2))
    opt = tl.optim.SGD([p], lr=0.1)
    with pytest.raises(tl.ArgumentError, match="initial_lr"):
        L.StepLR(opt, 2, last_epoch=4)
    assert "initial_lr" not in opt.param_groups[0]
    L.StepLR(opt, 2)
    sched = L.StepLR(opt, 2, last_epoch=4)  # now the group has initial_lr, as in torch
    assert sched.last_epoch == 5


def test_lambda_lr_saves_callable_objects_state():
    class Decay:
        def __init__(self):
            self.rate = 0.9

        def __call__(self, e):
            return self.rate ** e

    p = tl.Param(np.zeros(2))
    opt = tl.optim.SGD([p], lr=0.1)
    f = Decay()
    sched = L.LambdaLR(opt, f)
    f.rate = 0.5
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}]
    g = Decay()
    sched2 = L.LambdaLR(tl.optim.SGD([tl.Param(np.zeros(2))], lr=0.1), g)
    sched2.load_state_dict(sd)
    assert g.rate == 0.5


def test_state_dicts_hold_only_checkpointable_values():
    """What torchlean.save writes: dicts, lists, tuples, arrays, numbers, strings and None (no
    Counter, no functions), for every scheduler and the optimizer."""
    twin = Twin()

    def plain(v):
        if type(v) is dict:
            return all(isinstance(k, (str, int)) and plain(x) for k, x in v.items())
        if type(v) in (list, tuple):
            return all(plain(x) for x in v)
        return v is None or type(v) in (int, float, bool, str, np.ndarray)

    for name in SCHEDULERS:
        opt, _, sched, _ = _make(name, "Adam" if name.startswith("OneCycle") else "SGD", twin)
        for _ in range(3):
            opt.step()
            sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
        assert plain(sched.state_dict()), name
        assert plain(opt.state_dict()), name
    assert type(L.MultiStepLR(_make("StepLR", "SGD", twin)[0], [3, 3]).state_dict()["milestones"]) is dict


def test_constant_and_multiplicative_bad_arguments_change_nothing():
    twin = Twin()
    opt = tl.optim.SGD(twin.groups([{"idx": [0, 1]}])[0], lr=0.1)
    before = copy.deepcopy(opt.param_groups[0]["lr"])
    with pytest.raises(tl.TorchLeanError, match="ConstantLR: the constant multiplicative factor must be between"):
        L.ConstantLR(opt, factor=1.5)
    with pytest.raises(tl.TorchLeanError, match="MultiplicativeLR: lr_lambda"):
        L.MultiplicativeLR(opt, 0.9)
    with pytest.raises(tl.TorchLeanError, match="MultiplicativeLR: expected 1 lr_lambdas"):
        L.MultiplicativeLR(opt, [lambda e: 1.0, lambda e: 1.0])
    assert opt.param_groups[0]["lr"] == before and "initial_lr" not in opt.param_groups[0]
    s = L.ConstantLR(opt, factor=0.0, total_iters=2)  # torch divides by the factor at total_iters
    assert s.get_last_lr() == [0.0]
    for _ in range(2):
        opt.step()
        s.step()
    assert s.get_last_lr() == [0.1]
