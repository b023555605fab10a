"""Optimizer state dicts in torch.optim's layout: the same keys as torch's, a torch optimizer's
state dict loads here and continues exactly as torch continues, and ours loads into torch and
continues exactly as ours continues (float64, two groups, rtol 1e-10 at every step)."""

import copy

import numpy as np
import pytest
import torch

import torchlean as tl

from .helpers import Twin, run, to_torch

CASES = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.2}),
    ("Adadelta", {"lr": 0.5}),
    ("Adamax", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.01}),
    ("RAdam", {"lr": 0.01}),
    ("Rprop", {"lr": 0.01, "etas": (0.4, 1.3), "step_sizes": (1e-5, 0.1)}),
    ("Rprop", {"lr": 0.002, "maximize": True}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.6, "t0": 4, "weight_decay": 0.01}),  # averaging from step 7
    ("ASGD", {"lr": 0.02, "maximize": True}),
]
IDS = [n if [c[0] for c in CASES[:i]].count(n) == 0 else f"{n}-{[c[0] for c in CASES[:i]].count(n) + 1}"
       for i, (n, _) in enumerate(CASES)]
SPEC = [{"idx": [0, 1], "lr": 0.004}, {"idx": [2, 3]}]


def _pair(name, kw, twin):
    ours, theirs = twin.groups(SPEC)
    return getattr(tl.optim, name)(ours, **kw), getattr(torch.optim, name)(theirs, **kw)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_state_dict_has_torchs_layout(name, kw):
    twin = Twin(seed=21)
    opt, topt = _pair(name, kw, twin)
    run(twin, opt, topt, 3)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1, 2, 3]
    for i, st in sd["state"].items():
        assert set(st) == set(tsd["state"][i])
        for k, v in st.items():
            tv = tsd["state"][i][k]
            if k in ("step", "mu_product", "eta", "mu"):  # torch: 0-d tensors
                assert isinstance(v, int if k == "step" else float)
                assert v == pytest.approx(float(tv), rel=1e-12)
            else:
                assert isinstance(v, np.ndarray) and v.dtype == np.float64
                np.testing.assert_allclose(v, tv.numpy(), rtol=1e-10, atol=1e-300)
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g == tg


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_torch_state_dict_loads_and_continues_as_torch(name, kw):
    twin = Twin(seed=22)
    opt, topt = _pair(name, kw, twin)
    run(twin, opt, topt, 10)
    resumed = Twin(values=[t.detach().numpy().copy() for t in twin.tparams])
    resumed.tparams = twin.tparams
    fresh, _ = _pair(name, {**kw, "lr": 0.5}, resumed)  # loading replaces every hyperparameter
    fresh.load_state_dict(topt.state_dict())  # torch tensors, float32 step tensors
    assert fresh.param_groups[0]["lr"] == 0.004
    run(resumed, fresh, topt, 10, start=10)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_our_state_dict_loads_into_torch_and_continues_as_ours(name, kw):
    twin = Twin(seed=23)
    opt, topt = _pair(name, kw, twin)
    run(twin, opt, topt, 10)
    resumed = Twin(values=twin.values())
    resumed.params = twin.params
    _, fresh = _pair(name, {**kw, "lr": 0.5}, resumed)
    fresh.load_state_dict(to_torch(opt.state_dict()))
    run(resumed, opt, fresh, 10, start=10)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_round_trip_through_our_own_state_dict_is_exact(name, kw):
    twin = Twin(seed=24)
    opt, topt = _pair(name, kw, twin)
    run(twin, opt, topt, 5)
    saved = copy.deepcopy(opt.state_dict())
    again = Twin(values=twin.values())
    again.tparams = twin.tparams
    clone, _ = _pair(name, kw, again)
    clone.load_state_dict(saved)
    run(again, clone, topt, 5, start=5)
    assert clone.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


def test_float32_parameters_load_a_float64_state_as_float32():
    p = tl.Param(np.ones(3, np.float32))
    t = torch.ones(3, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([t], lr=0.1)
    t.grad = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    topt.step()
    opt = tl.optim.Adam([p])
    opt.load_state_dict(topt.state_dict())
    assert opt.state[p]["exp_avg"].dtype == np.float32 and opt.state[p]["step"] == 1
