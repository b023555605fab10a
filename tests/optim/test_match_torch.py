"""Every optimizer matches torch.optim step by step: float64, 50 steps of the PyTorch loop
(``loss.backward(); opt.step(); opt.zero_grad()``, no reset), parameters compared after every
step at rtol 1e-10, with and without parameter groups, for weight decay, momentum, dampening,
Nesterov, amsgrad, maximize, centering, decoupled decay and each optimizer's own options (Rprop's
etas and step_sizes, ASGD's lambd, alpha and t0, with averaging under way)."""

import numpy as np
import pytest
import torch

import torchlean as tl

from .helpers import Twin, run

CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("Adagrad", {"lr": 0.05, "eps": 1e-6, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.85, 0.98), "weight_decay": 0.01, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"weight_decay": 0.01, "momentum_decay": 0.01}),
    ("NAdam", {"weight_decay": 0.01, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"weight_decay": 0.01}),
    ("RAdam", {"weight_decay": 0.01, "decoupled_weight_decay": True, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.001, "etas": (0.3, 1.5)}),
    ("Rprop", {"lr": 0.005, "step_sizes": (1e-4, 0.02)}),
    ("Rprop", {"lr": 0.002, "etas": (0.6, 1.1), "step_sizes": (1e-3, 0.05), "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "t0": 10}),  # ax a running average (mu < 1) from step 13 on
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 3.5, "weight_decay": 0.01}),
    ("ASGD", {"lr": 0.02, "lambd": 1e-3, "alpha": 1.0, "t0": 0, "maximize": True}),
]


def _ids():
    return [f"{n}-" + ("-".join(f"{k}={v}" for k, v in kw.items()) or "defaults") for n, kw in CASES]


def _groups(kw):
    """Two groups: the first with its own lr and weight decay, the second with the defaults."""
    lr = kw.get("lr", 1e-2) * 0.5
    return [{"idx": [0, 1], "lr": lr, "weight_decay": 0.05}, {"idx": [2, 3]}]


@pytest.mark.parametrize("grouped", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.parametrize(("name", "kw"), CASES, ids=_ids())
def test_optimizer_matches_torch_for_50_steps(name, kw, grouped):
    twin = Twin(seed=len(name))
    ours, theirs = twin.groups(_groups(kw) if grouped else None)
    opt = getattr(tl.optim, name)(ours, **kw)
    topt = getattr(torch.optim, name)(theirs, **kw)
    run(twin, opt, topt, 50)
    assert len(opt.param_groups) == len(topt.param_groups)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert {k for k in g if k != "params"} == {k for k in tg if k != "params"}
        for k in tg:
            if k != "params":
                assert g[k] == tg[k], k
    for p, t in zip(twin.params, twin.tparams):  # the same state keys, each state value equal
        st, tst = opt.state[p], topt.state[t]
        assert set(st) == set(tst)
        for k, v in tst.items():
            np.testing.assert_allclose(np.asarray(st[k]), v.detach().numpy(), rtol=1e-9, atol=1e-300, err_msg=k)


def test_frozen_and_unused_parameters_are_skipped_as_torch_skips_them():
    twin = Twin(seed=3)
    twin.params[3].requires_grad_(False)
    twin.tparams[3].requires_grad_(False)
    extra, textra = tl.Param(np.ones(4)), torch.ones(4, requires_grad=True)  # never reaches a loss
    opt = tl.optim.Adam([*twin.params, extra], lr=0.01)
    topt = torch.optim.Adam([*twin.tparams, textra], lr=0.01)
    run(twin, opt, topt, 20)
    assert twin.params[3] not in opt.state and extra not in opt.state
    assert opt.state[twin.params[0]]["step"] == 20
    np.testing.assert_array_equal(extra.value, np.ones(4))


def test_params_as_a_generator_and_named_parameters():
    twin = Twin(seed=4)
    opt = tl.optim.SGD(((n, p) for n, p in zip(["a", "b", "c", "d"], twin.params)), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(list(zip(["a", "b", "c", "d"], twin.tparams)), lr=0.1, momentum=0.9)
    run(twin, opt, topt, 10)
    assert opt.state_dict()["param_groups"][0]["param_names"] == topt.state_dict()["param_groups"][0]["param_names"]


def test_add_param_group_later_matches_torch():
    twin = Twin(seed=5)
    opt = tl.optim.RMSprop(twin.params[:2], lr=0.01, momentum=0.5)
    topt = torch.optim.RMSprop(twin.tparams[:2], lr=0.01, momentum=0.5)
    run(twin, opt, topt, 5)
    opt.add_param_group({"params": twin.params[2:], "lr": 0.002, "centered": True})
    topt.add_param_group({"params": twin.tparams[2:], "lr": 0.002, "centered": True})
    run(twin, opt, topt, 20, start=5)


def test_hyperparameters_changed_between_steps_match_torch():
    twin = Twin(seed=6)
    opt, topt = tl.optim.Adam(twin.params, lr=0.01), torch.optim.Adam(twin.tparams, lr=0.01)

    def change(k):
        for o in (opt, topt):
            o.param_groups[0]["lr"] = 0.01 / (1 + k)
            o.param_groups[0]["betas"] = (0.9 - 0.01 * (k % 3), 0.999)
            o.param_groups[0]["amsgrad"] = k >= 10  # torch needs max_exp_avg_sq from the start
        if k == 9:  # ... so the switch is made on both sides with a zero buffer, as torch would start it
            for t in twin.tparams:
                topt.state[t]["max_exp_avg_sq"] = torch.zeros_like(t)

    run(twin, opt, topt, 30, after=change)


def test_closure_is_evaluated_and_its_loss_returned():
    twin = Twin(seed=7)
    opt, topt = tl.optim.SGD(twin.params, lr=0.1), torch.optim.SGD(twin.tparams, lr=0.1)
    for k in range(5):
        def closure(k=k):
            opt.zero_grad()
            return twin.backward(k)  # fills both sides' gradients

        def tclosure():
            return 0.0

        loss = opt.step(closure)
        topt.step(tclosure)
        assert loss[0] == pytest.approx(loss[1], rel=1e-12)
        twin.check(f"step {k}")
        topt.zero_grad()


def test_zero_grad_set_to_none_false_keeps_zero_arrays():
    twin = Twin(seed=8)
    opt = tl.optim.SGD(twin.params, lr=0.1)
    twin.backward(0)
    opt.zero_grad(set_to_none=False)
    for p in twin.params:
        assert p.grad is not None and p.grad.dtype == np.float64 and not p.grad.any()
    opt.zero_grad()
    assert all(p.grad is None for p in twin.params)
