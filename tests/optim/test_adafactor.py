"""``torchlean.optim.Adafactor`` matches torch.optim.Adafactor: torch's signature and defaults,
50 float64 training steps compared at every step (one and two groups, every option), factored
moments for 3-D and 0-d parameters in float64 and float32, state dicts with torch's keys and
shapes that load both ways and continue as torch, and bad arguments and state dicts that change
nothing."""

import copy
import inspect

import numpy as np
import pytest
import torch

import torchlean as tl

from .helpers import Twin, run, to_torch

CASES = [
    {},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.03, "beta2_decay": -0.5, "eps": (1e-20, 1e-2), "d": 2.0},
    {"lr": 0.02, "maximize": True, "eps": (None, 1e-4)},
]
SPEC = [{"idx": [0, 1], "lr": 0.004, "weight_decay": 0.05}, {"idx": [2, 3]}]


def _ids():
    return ["-".join(f"{k}={v}" for k, v in kw.items()) or "defaults" for kw in CASES]


def test_signature_and_group_keys_are_torchs():
    def shape(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert shape(tl.optim.Adafactor) == shape(torch.optim.Adafactor)
    cls = tl.optim.Adafactor
    assert set(cls._required) | set(cls._flag_defaults) == set(cls._hyper)
    assert set(cls._hyper) == set(torch.optim.Adafactor([torch.zeros(1, requires_grad=True)]).defaults)
    assert "Adafactor" in tl.optim.__all__


@pytest.mark.parametrize("grouped", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.parametrize("kw", CASES, ids=_ids())
def test_adafactor_matches_torch_for_50_steps(kw, grouped):
    twin = Twin(seed=7)
    ours, theirs = twin.groups(SPEC if grouped else None)
    opt, topt = tl.optim.Adafactor(ours, **kw), torch.optim.Adafactor(theirs, **kw)
    start = twin.values()
    run(twin, opt, topt, 50)
    assert not np.allclose(twin.params[0].value, start[0])
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == {k: v for k, v in tg.items() if k != "params"}
    for p, t in zip(twin.params, twin.tparams):
        st, tst = opt.state[p], topt.state[t]
        assert set(st) == set(tst) == ({"step", "row_var", "col_var"} if p.value.ndim > 1 else {"step", "variance"})
        assert st["step"] == 50 == tst["step"].item()
        for k in set(st) - {"step"}:
            np.testing.assert_allclose(st[k], tst[k].numpy(), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_factored_and_scalar_parameters_as_torch(dtype):
    rng = np.random.default_rng(1)
    shapes = [(2, 3, 4), (), (5,), (4, 1), (1, 6)]
    vals = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ps = [tl.Param(v) for v in vals]
    ts = [torch.tensor(v, requires_grad=True) for v in vals]
    opt = tl.optim.Adafactor(ps, lr=0.05, weight_decay=0.01)
    topt = torch.optim.Adafactor(ts, lr=0.05, weight_decay=0.01)
    rtol = 1e-10 if dtype == np.float64 else 2e-5
    for _ in range(25):
        for p, t in zip(ps, ts):
            g = (rng.standard_normal(p.shape) * 3).astype(dtype)
            p.grad, t.grad = g, torch.tensor(g)
        opt.step()
        topt.step()
        for p, t in zip(ps, ts):
            assert p.value.dtype == dtype
            np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=rtol, atol=rtol * 1e-2)
    for p, t in zip(ps, ts):
        for k, v in opt.state[p].items():
            if k != "step":
                assert v.shape == tuple(topt.state[t][k].shape) and v.dtype == dtype, k


def test_state_dict_has_torchs_layout():
    twin = Twin(seed=8)
    ours, theirs = twin.groups(SPEC)
    opt, topt = tl.optim.Adafactor(ours, lr=0.05), torch.optim.Adafactor(theirs, lr=0.05)
    run(twin, opt, topt, 3)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    for i, st in sd["state"].items():
        assert set(st) == set(tsd["state"][i])
        assert isinstance(st["step"], int) and st["step"] == tsd["state"][i]["step"].item() == 3
        for k in set(st) - {"step"}:
            np.testing.assert_allclose(st[k], tsd["state"][i][k].numpy(), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("direction", ["torch-to-ours", "ours-to-torch"])
def test_state_dicts_load_both_ways_and_continue(direction):
    twin = Twin(seed=9)
    ours, theirs = twin.groups(SPEC)
    opt, topt = tl.optim.Adafactor(ours, lr=0.05, d=1.5), torch.optim.Adafactor(theirs, lr=0.05, d=1.5)
    run(twin, opt, topt, 10)
    if direction == "torch-to-ours":
        resumed = Twin(seed=9, values=[t.detach().numpy().copy() for t in twin.tparams])
        resumed.tparams = twin.tparams
        opt2 = tl.optim.Adafactor(resumed.groups(SPEC)[0])  # other hyperparameters: the dict brings torch's
        opt2.load_state_dict(copy.deepcopy(topt.state_dict()))
        assert opt2.param_groups[0]["d"] == 1.5
        run(resumed, opt2, topt, 10, start=10)
    else:
        resumed = Twin(seed=9, values=twin.values())
        resumed.params = twin.params
        topt2 = torch.optim.Adafactor(resumed.groups(SPEC)[1])
        topt2.load_state_dict(to_torch(opt.state_dict()))
        run(resumed, opt, topt2, 10, start=10)


def test_bad_hyperparameters_change_nothing():
    p = tl.Param(np.ones((2, 3)))
    cases = [  # torch's own reaction: the same refusal, a TypeError, or (None) acceptance
        ({"lr": -1.0}, "lr must be >= 0", ValueError),
        ({"beta2_decay": 0.5}, "beta2_decay must be <= 0", ValueError),
        ({"eps": (-1.0, 1e-3)}, r"eps\[0\] \(epsilon1\) must be >= 0", ValueError),
        ({"eps": (None, -1e-3)}, r"eps\[1\] \(epsilon2\) must be >= 0", ValueError),
        ({"eps": 1e-3}, "eps must be a pair", TypeError),
        ({"d": 0.5}, "the clipping threshold d must be >= 1", ValueError),
        ({"weight_decay": -0.1}, "weight_decay must be >= 0", ValueError),
        ({"maximize": 1}, "maximize must be a bool", None),
        ({"foreach": "yes"}, "foreach must be a bool", None),
    ]
    for kw, msg, theirs in cases:
        with pytest.raises(tl.ArgumentError, match=f"^Adafactor: {msg}"):
            tl.optim.Adafactor([p], **kw)
        make = lambda kw=kw: torch.optim.Adafactor([torch.ones(2, 3, requires_grad=True)], **kw)
        if theirs is None:
            make()
        else:
            with pytest.raises(theirs):
                make()
    opt = tl.optim.Adafactor([p])
    with pytest.raises(tl.ArgumentError, match="d must be >= 1"):
        opt.param_groups[0]["d"] = 0.9
    assert opt.param_groups[0]["d"] == 1.0


def test_an_empty_parameter_fails_the_step_and_changes_nothing():
    a, e = tl.Param(np.ones((2, 2))), tl.Param(np.zeros((0, 3)))
    a.grad, e.grad = np.ones((2, 2)), np.zeros((0, 3))
    opt = tl.optim.Adafactor([a, e])
    with pytest.raises(tl.ArgumentError, match=r"^Adafactor\.step: cannot scale the update of an empty parameter"):
        opt.step()
    np.testing.assert_array_equal(a.value, np.ones((2, 2)))
    assert not opt.state


def _trained():
    twin = Twin(seed=10)
    opt = tl.optim.Adafactor(twin.params, lr=0.05)
    for k in range(2):
        opt.zero_grad()
        twin.backward(k)
        opt.step()
    return opt


def test_bad_state_dicts_change_nothing():
    opt = _trained()
    good = opt.state_dict()
    before = copy.deepcopy(good)

    def bad(edit):
        sd = copy.deepcopy(good)
        edit(sd["state"])
        return sd

    cases = [
        (lambda s: s[0].update(row_var=np.zeros((7, 5))), tl.ShapeError, r"row_var of parameter 0 has shape \(7, 5\), "
                                                                         r"expected \(7, 1\)"),
        (lambda s: s[2].update(col_var=np.zeros((3, 1))), tl.ShapeError, r"col_var of parameter 2 .* \(1, 7\)"),
        (lambda s: s[0].pop("col_var"), tl.ArgumentError, r"misses \['col_var'\]"),
        (lambda s: s[0].update(variance=np.zeros((7, 5))), tl.ArgumentError, r"unexpected keys \['variance'\]"),
        (lambda s: s[1].update(row_var=np.zeros((7, 1))), tl.ArgumentError, r"unexpected keys \['row_var'\]"),
        (lambda s: s[1].pop("variance"), tl.ArgumentError, r"misses \['variance'\]"),
        (lambda s: s[3].update(variance=np.zeros(4)), tl.ShapeError, r"variance of parameter 3 has shape \(4,\)"),
        (lambda s: s[0].pop("step"), tl.ArgumentError, r"has no \['step'\]"),
        (lambda s: s[1].update(step=-2), tl.ArgumentError, "step of parameter 1 must be an int >= 0"),
        (lambda s: s[1].update(exp_avg=np.zeros(7)), tl.ArgumentError, r"unexpected keys \['exp_avg'\]"),
    ]
    for edit, exc, msg in cases:
        with pytest.raises(exc, match=f"^Adafactor.load_state_dict: .*{msg}"):
            opt.load_state_dict(bad(edit))
        now = opt.state_dict()
        for i, st in before["state"].items():
            assert now["state"][i].keys() == st.keys()
            for k, v in st.items():
                np.testing.assert_array_equal(now["state"][i][k], v)
    with pytest.raises(tl.ArgumentError, match="has 2 parameter groups, this optimizer has 1"):
        opt.load_state_dict({"state": {}, "param_groups": [good["param_groups"][0]] * 2})
    opt.load_state_dict(good)  # the good one loads
    assert opt.state_dict()["state"][0]["step"] == 2
