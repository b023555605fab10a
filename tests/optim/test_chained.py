"""ChainedScheduler matches torch's: every rate of a 50-step float64 training run (alone, chained
with the other schedulers, nested in and around SequentialLR), state dicts with torch's keys that
load both ways mid-run, and failed constructors, steps and loads that change nothing."""

import copy
import inspect

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as torch_sched

import torchlean as tl

from .helpers import RTOL, Twin, run, to_torch

L = tl.optim.lr_scheduler

CHAINS = {
    "alone": lambda L, o: [L.ExponentialLR(o, 0.93)],
    "constant-exponential": lambda L, o: [L.ConstantLR(o, factor=0.1, total_iters=20), L.ExponentialLR(o, 0.9)],
    "step-linear-multiplicative": lambda L, o: [
        L.StepLR(o, 7, gamma=0.5), L.LinearLR(o, start_factor=0.2, total_iters=11),
        L.MultiplicativeLR(o, [lambda e: 0.99, lambda e: 1 - 0.01 * (e % 3)])],
    "cosine-multistep": lambda L, o: [L.CosineAnnealingLR(o, 13, eta_min=0.001),
                                      L.MultiStepLR(o, [5, 9, 9], gamma=0.5)],
    "warm-restarts-polynomial": lambda L, o: [L.CosineAnnealingWarmRestarts(o, T_0=6, T_mult=2),
                                              L.PolynomialLR(o, total_iters=30, power=1.5)],
    "with-sequential": lambda L, o: [
        L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=5), L.ExponentialLR(o, 0.9)], [5]),
        L.StepLR(o, 4, gamma=0.7)],
    "nested-chain": lambda L, o: [L.ChainedScheduler([L.ConstantLR(o, 0.5, total_iters=6), L.StepLR(o, 9)]),
                                  L.ExponentialLR(o, 0.97)],
}


def _make(name, twin, opt_name="SGD"):
    ours, theirs = twin.groups([{"idx": [0, 1]}, {"idx": [2, 3], "lr": 0.02}])
    kw = {"lr": 0.05, "momentum": 0.9} if opt_name == "SGD" else {"lr": 0.01}
    opt, topt = getattr(tl.optim, opt_name)(ours, **kw), getattr(torch.optim, opt_name)(theirs, **kw)
    sched = L.ChainedScheduler(CHAINS[name](L, opt), optimizer=opt)
    tsched = torch_sched.ChainedScheduler(CHAINS[name](torch_sched, topt), optimizer=topt)
    return opt, topt, sched, tsched


def _stepper(sched, tsched, opt, topt, lrs=None):
    def after(k):
        sched.step()
        tsched.step()
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=RTOL, atol=0)
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups],
                                   rtol=RTOL, atol=0)
        if lrs is not None:
            lrs.append(tuple(sched.get_last_lr()))

    return after


def test_signature_is_torchs():
    shape = [(p.name, p.kind, p.default) for p in inspect.signature(L.ChainedScheduler).parameters.values()]
    assert shape == [(p.name, p.kind, p.default) for p in
                     inspect.signature(torch_sched.ChainedScheduler).parameters.values()]
    assert "ChainedScheduler" in L.__all__ and isinstance(L.ChainedScheduler, type)
    assert issubclass(L.ChainedScheduler, L.LRScheduler)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chain_drives_training_as_torch_for_50_steps(name, opt_name):
    twin = Twin(seed=21)
    opt, topt, sched, tsched = _make(name, twin, opt_name)
    np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=RTOL, atol=0)
    lrs = []
    run(twin, opt, topt, 50, after=_stepper(sched, tsched, opt, topt, lrs))
    assert len(set(lrs)) > 5, "the chain must change the rate"
    sd, tsd = sched.state_dict(), tsched.state_dict()
    assert set(sd) == set(tsd) == {"_last_lr", "_schedulers"}
    assert [set(s) for s in sd["_schedulers"]] == [set(s) for s in tsd["_schedulers"]]


def test_optimizer_defaults_to_the_first_schedulers():
    p = tl.Param(np.zeros(2))
    opt = tl.optim.SGD([p], lr=0.1)
    sched = L.ChainedScheduler([L.ConstantLR(opt, 0.5, total_iters=2)])
    assert sched.optimizer is opt and sched.get_last_lr() == [0.05]
    opt.step()
    sched.step()
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.1] and opt.param_groups[0]["lr"] == 0.1


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_torch_state_loads_and_continues_as_torch(name):
    twin = Twin(seed=22)
    opt, topt, sched, tsched = _make(name, twin)
    run(twin, opt, topt, 20, after=_stepper(sched, tsched, opt, topt))
    resumed = Twin(seed=22, values=[t.detach().numpy().copy() for t in twin.tparams])
    resumed.tparams = twin.tparams
    opt2, _, sched2, _ = _make(name, resumed)
    tsd = tsched.state_dict()
    sched2.load_state_dict(copy.deepcopy(tsd))
    opt2.load_state_dict(topt.state_dict())
    assert sched2.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=RTOL)
    run(resumed, opt2, topt, 20, start=20, after=_stepper(sched2, tsched, opt2, topt))


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_our_state_loads_into_torch_and_continues(name):
    twin = Twin(seed=23)
    opt, topt, sched, tsched = _make(name, twin)
    run(twin, opt, topt, 20, after=_stepper(sched, tsched, opt, topt))
    resumed = Twin(seed=23, values=twin.values())
    resumed.params = twin.params
    _, topt2, _, tsched2 = _make(name, resumed)
    tsched2.load_state_dict(sched.state_dict())
    topt2.load_state_dict(to_torch(opt.state_dict()))
    run(resumed, opt, topt2, 20, start=20, after=_stepper(sched, tsched2, opt, topt2))


def _opt(lr=0.1):
    return tl.optim.SGD([tl.Param(np.zeros(2))], lr=lr)


def test_bad_chains_are_refused_and_change_nothing():
    opt, other = _opt(), _opt()
    a = L.StepLR(opt, 2)
    before = (dict(opt.param_groups[0]), dict(a.__dict__))
    cases = [
        ([], "non-empty sequence"),
        (a, "non-empty sequence"),
        ([a, L.ReduceLROnPlateau(opt)], "ReduceLROnPlateau"),
        ([a, "StepLR"], r"schedulers\[1\] is a str"),
        ([a, L.StepLR(other, 3)], r"schedulers\[1\] \(StepLR\) belongs to another optimizer"),
    ]
    for scheds, msg in cases:
        with pytest.raises(tl.ArgumentError, match=f"^ChainedScheduler: .*{msg}"):
            L.ChainedScheduler(scheds)
    with pytest.raises(tl.ArgumentError, match=r"schedulers\[0\] \(StepLR\) belongs to another optimizer"):
        L.ChainedScheduler([a], optimizer=other)
    with pytest.raises(tl.ArgumentError, match="ChainedScheduler: int is not a torchlean Optimizer"):
        L.ChainedScheduler([a], optimizer=3)
    assert (dict(opt.param_groups[0]), dict(a.__dict__)) == before


def test_a_failed_step_restores_every_scheduler():
    opt = _opt()
    a = L.ExponentialLR(opt, 0.5)

    def flaky(e):
        if e == 3:
            raise RuntimeError("boom")
        return 0.9

    b = L.MultiplicativeLR(opt, flaky)
    sched = L.ChainedScheduler([a, b])
    for _ in range(2):
        opt.step()
        sched.step()
    lr = 0.1 * (0.5 * 0.9) ** 2
    assert sched.get_last_lr() == [pytest.approx(lr, rel=1e-15)]
    saved = (a.state_dict(), b.state_dict(), sched.state_dict(), opt.param_groups[0]["lr"])
    with pytest.raises(RuntimeError, match="boom"):  # the user's error, not renamed
        sched.step()
    assert (a.state_dict(), b.state_dict(), sched.state_dict(), opt.param_groups[0]["lr"]) == saved
    assert a.last_epoch == 2  # a stepped before b failed, and was put back


def test_bad_state_dicts_change_nothing():
    opt = _opt()
    a, b = L.StepLR(opt, 2), L.LinearLR(opt, 0.5, total_iters=4)
    sched = L.ChainedScheduler([a, b])
    opt.step()
    sched.step()
    good = sched.state_dict()
    before = (a.state_dict(), b.state_dict(), sched.state_dict())
    bad_inner = copy.deepcopy(good)
    bad_inner["_schedulers"][0]["last_epoch"] = 7
    bad_inner["_schedulers"][1]["total_iters"] = -1
    cases = [
        ({"_last_lr": [0.1]}, "with a '_schedulers' list"),
        ({**good, "_schedulers": good["_schedulers"][:1]}, "has 1 schedulers, this ChainedScheduler has 2"),
        ({**good, "extra": 1}, r"unexpected \['extra'\]"),
        ({"_schedulers": good["_schedulers"]}, r"missing \['_last_lr'\]"),
        ({**good, "_last_lr": [-1.0]}, "lr"),
        (bad_inner, r"_schedulers\[1\].*total_iters"),
    ]
    for sd, msg in cases:
        with pytest.raises(tl.ArgumentError, match=f"ChainedScheduler.load_state_dict: .*{msg}"):
            sched.load_state_dict(sd)
        assert (a.state_dict(), b.state_dict(), sched.state_dict()) == before
    sched.load_state_dict(bad_inner | {"_schedulers": [dict(good["_schedulers"][0], last_epoch=7),
                                                        good["_schedulers"][1]]})
    assert a.last_epoch == 7


def test_chain_inside_sequential_is_refused_and_changes_nothing():
    """torch's SequentialLR runs a chain only before its first milestone (after it, torch calls
    the chain's missing ``get_lr``); torchlean's refuses a chain inside it."""
    opt = _opt()
    first = L.ConstantLR(opt, 0.5, total_iters=3)
    chain = L.ChainedScheduler([L.StepLR(opt, 2), L.ExponentialLR(opt, 0.9)])
    before = (first.state_dict(), chain.state_dict(), dict(opt.param_groups[0]))
    with pytest.raises(tl.TorchLeanError, match="SequentialLR"):
        L.SequentialLR(opt, [first, chain], [4])
    assert (first.state_dict(), chain.state_dict(), dict(opt.param_groups[0])) == before
