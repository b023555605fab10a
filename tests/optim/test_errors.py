"""Bad input on every optimizer and scheduler path raises a specific ``TorchLeanError`` naming
the call, and changes nothing: everything torch.optim refuses is refused (plus non-finite
numbers), what torch accepts at the edges is accepted, scheduler constructors, steps and
``load_state_dict`` are atomic. (The per-call catalogue is tests/reliability/cases_optim.py.)"""

import copy
import math

import numpy as np
import pytest
import torch

import torchlean as tl

L = tl.optim.lr_scheduler
NAN = math.nan
REFUSED = [  # (optimizer, keywords) torch.optim refuses
    ("SGD", {"lr": -0.1}), ("SGD", {"momentum": -0.1}), ("SGD", {"weight_decay": -1.0}),
    ("SGD", {"nesterov": True}), ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1.0}), ("Adam", {"eps": -1.0}), ("Adam", {"betas": (1.0, 0.9)}), ("Adam", {"betas": (0.9, 1.0)}),
    ("Adam", {"betas": (-0.1, 0.9)}), ("Adam", {"weight_decay": -1.0}), ("AdamW", {"betas": (0.9, 1.5)}),
    ("RMSprop", {"lr": -1.0}), ("RMSprop", {"eps": -1.0}), ("RMSprop", {"momentum": -1.0}),
    ("RMSprop", {"weight_decay": -1.0}), ("RMSprop", {"alpha": -0.5}),
    ("Adagrad", {"lr": -1.0}), ("Adagrad", {"lr_decay": -1.0}), ("Adagrad", {"weight_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0}), ("Adagrad", {"eps": -1.0}),
    ("Adadelta", {"lr": -1.0}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"rho": -0.1}), ("Adadelta", {"eps": -1.0}),
    ("Adadelta", {"weight_decay": -1.0}),
    ("Adamax", {"lr": -1.0}), ("Adamax", {"eps": -1.0}), ("Adamax", {"betas": (1.0, 0.5)}),
    ("Adamax", {"weight_decay": -1.0}),
    ("NAdam", {"lr": -1.0}), ("NAdam", {"betas": (0.9, 1.0)}), ("NAdam", {"momentum_decay": -1.0}),
    ("NAdam", {"weight_decay": -1.0}), ("NAdam", {"eps": -1.0}),
    ("RAdam", {"lr": -1.0}), ("RAdam", {"betas": (0.9, 1.0)}), ("RAdam", {"weight_decay": -1.0}),
    ("RAdam", {"eps": -1.0}),
    ("Rprop", {"lr": -1.0}), ("Rprop", {"etas": (0.0, 1.2)}), ("Rprop", {"etas": (1.0, 1.2)}),
    ("Rprop", {"etas": (0.5, 1.0)}), ("Rprop", {"etas": (-0.5, 1.2)}), ("Rprop", {"etas": (1.5, 0.5)}),
    ("ASGD", {"lr": -1.0}), ("ASGD", {"weight_decay": -1.0}),
]
ACCEPTED = [  # edge values torch.optim accepts
    ("SGD", {"lr": 0.0}), ("SGD", {"momentum": 0.9, "nesterov": True}), ("SGD", {"dampening": -0.5}),
    ("Adam", {"betas": (0.0, 0.0), "eps": 0.0}), ("Adadelta", {"rho": 1.0}), ("Adadelta", {"rho": 0.0}),
    ("RMSprop", {"alpha": 0.0}), ("RMSprop", {"alpha": 1.5}), ("Adagrad", {"lr_decay": 0.0}),
    ("NAdam", {"momentum_decay": 0.0}), ("Adam", {"foreach": True, "capturable": True}),
    ("Rprop", {"lr": 0.0, "etas": (0.999, 1.001)}), ("Rprop", {"step_sizes": (0.5, 0.1)}),
    ("Rprop", {"step_sizes": (-1.0, 0.0), "foreach": False, "capturable": True}),
    ("ASGD", {"lr": 0.0, "lambd": 0.0, "alpha": 0.0, "t0": 0.0, "weight_decay": 0.0}),
    ("ASGD", {"lambd": -1e-3, "alpha": -2.0, "t0": -5.0, "foreach": True, "capturable": True}),
]


@pytest.mark.parametrize(("name", "kw"), REFUSED, ids=[f"{n}-{kw}" for n, kw in REFUSED])
def test_what_torch_refuses_is_refused(name, kw):
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(tl.ArgumentError, match=name):
        getattr(tl.optim, name)([tl.Param(np.zeros(2))], **kw)


@pytest.mark.parametrize(("name", "kw"), ACCEPTED, ids=[f"{n}-{kw}" for n, kw in ACCEPTED])
def test_what_torch_accepts_at_the_edges_is_accepted(name, kw):
    getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    opt = getattr(tl.optim, name)([tl.Param(np.zeros(2))], **kw)
    for k, v in kw.items():
        assert opt.param_groups[0][k] == v


@pytest.mark.parametrize("value", [NAN, math.inf, -math.inf])
def test_non_finite_hyperparameters_are_refused_everywhere(value):
    p = tl.Param(np.zeros(2))
    for name in ("SGD", "Adam", "RMSprop"):
        with pytest.raises(tl.ArgumentError, match="finite"):
            getattr(tl.optim, name)([p], lr=value)
    opt = tl.optim.Adam([p], lr=0.1)
    with pytest.raises(tl.ArgumentError, match="finite"):
        opt.param_groups[0]["eps"] = value
    assert opt.param_groups[0]["eps"] == 1e-8


def _snapshot(opt):
    return [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]


def _opt():
    return tl.optim.SGD([{"params": [tl.Param(np.zeros(2))]}, {"params": [tl.Param(np.zeros(3))], "lr": 0.5}],
                        lr=0.1, momentum=0.9)


BAD_SCHEDULERS = [
    ("StepLR", lambda o: L.StepLR(o, 0), "step_size"),
    ("StepLR", lambda o: L.StepLR(o, 2.5), "step_size"),
    ("StepLR", lambda o: L.StepLR(o, 2, gamma=-0.5), "gamma"),
    ("MultiStepLR", lambda o: L.MultiStepLR(o, [2, "x"]), "milestones"),
    ("MultiStepLR", lambda o: L.MultiStepLR(o, 5), "milestones"),
    ("ExponentialLR", lambda o: L.ExponentialLR(o, NAN), "gamma"),
    ("CosineAnnealingLR", lambda o: L.CosineAnnealingLR(o, 0), "T_max"),
    ("CosineAnnealingLR", lambda o: L.CosineAnnealingLR(o, 10, eta_min=-1.0), "eta_min"),
    ("LinearLR", lambda o: L.LinearLR(o, start_factor=0.0), "start_factor"),
    ("LinearLR", lambda o: L.LinearLR(o, end_factor=1.5), "end_factor"),
    ("LinearLR", lambda o: L.LinearLR(o, total_iters=0), "total_iters"),
    ("LambdaLR", lambda o: L.LambdaLR(o, 0.5), "callable"),
    ("LambdaLR", lambda o: L.LambdaLR(o, [lambda e: 1.0]), "2 lr_lambdas"),
    ("LambdaLR", lambda o: L.LambdaLR(o, lambda e: -1.0), "lr must be >= 0"),
    ("LambdaLR", lambda o: L.LambdaLR(o, lambda e: "x"), "lr_lambda"),
    ("PolynomialLR", lambda o: L.PolynomialLR(o, total_iters=0), "total_iters"),
    ("CosineAnnealingWarmRestarts", lambda o: L.CosineAnnealingWarmRestarts(o, T_0=0), "T_0"),
    ("CosineAnnealingWarmRestarts", lambda o: L.CosineAnnealingWarmRestarts(o, 5, T_mult=0), "T_mult"),
    ("CyclicLR", lambda o: L.CyclicLR(o, 0.01, 0.1, mode="zigzag"), "mode"),
    ("CyclicLR", lambda o: L.CyclicLR(o, 0.01, 0.1, step_size_up=0), "step_size_up"),
    ("CyclicLR", lambda o: L.CyclicLR(o, -0.01, 0.1), "lr"),
    ("CyclicLR", lambda o: L.CyclicLR(o, 0.01, 0.1, scale_fn=3), "scale_fn"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1), "total_steps"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1, total_steps=0), "total_steps"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1), "steps_per_epoch"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1, 10, pct_start=1.5), "pct_start"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1, 10, pct_start=0.05), "empty"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1, 10, anneal_strategy="exp"), "anneal_strategy"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, [0.1], 10), "max_lr"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, -0.1, 10), "lr"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1, 10, div_factor=0), "div_factor"),
    ("OneCycleLR", lambda o: L.OneCycleLR(o, 0.1, 10, max_momentum=-1.0), "max_momentum"),
    ("ReduceLROnPlateau", lambda o: L.ReduceLROnPlateau(o, factor=1.0), "factor"),
    ("ReduceLROnPlateau", lambda o: L.ReduceLROnPlateau(o, mode="median"), "mode"),
    ("ReduceLROnPlateau", lambda o: L.ReduceLROnPlateau(o, threshold_mode="pct"), "threshold_mode"),
    ("ReduceLROnPlateau", lambda o: L.ReduceLROnPlateau(o, min_lr=[0.0]), "min_lrs"),
    ("ReduceLROnPlateau", lambda o: L.ReduceLROnPlateau(o, patience=-1), "patience"),
    ("SequentialLR", lambda o: L.SequentialLR(o, [L.ReduceLROnPlateau(o)], []), "ReduceLROnPlateau"),
    ("SequentialLR", lambda o: L.SequentialLR(o, [L.StepLR(_opt(), 2)], []), "another optimizer"),
    ("SequentialLR", lambda o: L.SequentialLR(o, [L.StepLR(o, 2), L.StepLR(o, 3)], []), "milestone"),
    ("SequentialLR", lambda o: L.SequentialLR(o, [L.StepLR(o, 2)] * 3, [5, 2]), "increasing"),
    ("SequentialLR", lambda o: L.SequentialLR(o, [], []), "non-empty"),
]


@pytest.mark.parametrize(("name", "make", "text"), BAD_SCHEDULERS, ids=[f"{n}-{t}" for n, _, t in BAD_SCHEDULERS])
def test_bad_scheduler_arguments_change_nothing(name, make, text):
    opt = _opt()
    before = _snapshot(opt)
    with pytest.raises(tl.ArgumentError, match=name) as e:
        make(opt)
    assert text in str(e.value)
    if name != "SequentialLR":  # its inner schedulers were made (and took their first step) first
        assert _snapshot(opt) == before


def test_sequential_lr_that_fails_leaves_its_schedulers_as_they_were():
    opt = _opt()
    a, b = L.LinearLR(opt, 0.5, total_iters=3), L.ExponentialLR(opt, 0.9)
    before, sa, sb = _snapshot(opt), a.state_dict(), b.state_dict()
    with pytest.raises(tl.ArgumentError, match="SequentialLR"):
        L.SequentialLR(opt, [a, b], [3, 4])
    assert _snapshot(opt) == before and a.state_dict() == sa and b.state_dict() == sb


def test_failing_scheduler_steps_change_nothing():
    opt = _opt()

    def boom(e):
        if e == 3:
            raise ZeroDivisionError("user code")
        return 0.5 ** e

    sched = L.LambdaLR(opt, boom)
    for _ in range(2):
        opt.step()
        sched.step()
    before, sd = _snapshot(opt), sched.state_dict()
    with pytest.raises(ZeroDivisionError, match="user code"):  # the user's own error, unrenamed
        sched.step()
    assert _snapshot(opt) == before and sched.state_dict() == sd
    opt2 = _opt()
    neg = L.LambdaLR(opt2, lambda e: 1.0 - 0.6 * e)
    opt2.step()
    neg.step()
    before, sd = _snapshot(opt2), neg.state_dict()
    with pytest.raises(tl.ArgumentError, match=r"LambdaLR\.step: param group 0: lr must be >= 0"):
        neg.step()
    assert _snapshot(opt2) == before and neg.state_dict() == sd


def test_scheduler_after_a_new_group_refuses_clearly():
    opt = _opt()
    sched = L.LambdaLR(opt, lambda e: 0.9 ** e)
    opt.add_param_group({"params": [tl.Param(np.zeros(1))]})
    opt.step()
    before = _snapshot(opt)
    with pytest.raises(tl.ArgumentError, match=r"LambdaLR\.step: the optimizer has 3 param groups"):
        sched.step()
    assert _snapshot(opt) == before and sched.last_epoch == 0


BAD_LOADS = [
    ("StepLR", lambda d: d.pop("gamma"), "missing ['gamma']"),
    ("StepLR", lambda d: d.update(bogus=1), "bogus"),
    ("StepLR", lambda d: d.update(step_size=0), "step_size"),
    ("StepLR", lambda d: d.update(base_lrs=[0.1]), "base_lrs"),
    ("StepLR", lambda d: d.update(_last_lr=[0.1, -0.5]), "lr must be >= 0"),
    ("StepLR", lambda d: d.update(last_epoch=-2), "last_epoch"),
    ("MultiStepLR", lambda d: d.update(milestones={2: 0}), "milestone count"),
    ("LambdaLR", lambda d: d.update(lr_lambdas=[None]), "lr_lambdas"),
    ("OneCycleLR", lambda d: d.update(_anneal_func_type="exp"), "anneal_strategy"),
    ("OneCycleLR", lambda d: d["_schedule_phases"][0].update(start_lr="nope"), "unknown group keys"),
    ("ReduceLROnPlateau", lambda d: d.update(mode="max"), "mode_worse"),
    ("ReduceLROnPlateau", lambda d: d.update(best=NAN), "best"),
    ("ReduceLROnPlateau", lambda d: d.update(num_bad_epochs=-1), "num_bad_epochs"),
    ("SequentialLR", lambda d: d["_schedulers"][1].update(gamma="x"), "gamma"),
    ("SequentialLR", lambda d: d.update(_milestones=[]), "_milestones"),
    ("SequentialLR", lambda d: d["_schedulers"].pop(), "schedulers"),
]
MAKERS = {
    "StepLR": lambda o: L.StepLR(o, 3), "MultiStepLR": lambda o: L.MultiStepLR(o, [2, 4]),
    "LambdaLR": lambda o: L.LambdaLR(o, lambda e: 0.9 ** e), "OneCycleLR": lambda o: L.OneCycleLR(o, 0.2, 20),
    "ReduceLROnPlateau": lambda o: L.ReduceLROnPlateau(o),
    "SequentialLR": lambda o: L.SequentialLR(o, [L.StepLR(o, 2), L.ExponentialLR(o, 0.9)], [3]),
}


@pytest.mark.parametrize(("name", "edit", "text"), BAD_LOADS, ids=[f"{n}-{t}" for n, _, t in BAD_LOADS])
def test_bad_scheduler_state_dicts_change_nothing(name, edit, text):
    opt = _opt()
    sched = MAKERS[name](opt)
    for k in range(4):
        opt.step()
        sched.step(1.0 + k) if name == "ReduceLROnPlateau" else sched.step()
    sd = copy.deepcopy(sched.state_dict())
    d = copy.deepcopy(sd)
    edit(d)
    before = _snapshot(opt)
    with pytest.raises(tl.ArgumentError, match=f"{name}.load_state_dict") as e:
        sched.load_state_dict(d)
    assert text in str(e.value)
    assert sched.state_dict() == sd and _snapshot(opt) == before
    with pytest.raises(tl.ArgumentError, match="expected a"):
        sched.load_state_dict([1, 2])


def test_bad_metric_for_reduce_on_plateau():
    opt = _opt()
    sched = L.ReduceLROnPlateau(opt)
    with pytest.raises(tl.ArgumentError, match=r"ReduceLROnPlateau\.step: metrics must be a number"):
        sched.step("low")
    sched.step(np.float64(1.0))
    sched.step(np.array(0.5))  # a one-element array, as torch takes a 0-d tensor
    assert sched.best == 0.5


def test_scheduler_needs_a_torchlean_optimizer():
    t = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    for make in (lambda: L.StepLR(t, 2), lambda: L.ReduceLROnPlateau(t), lambda: L.OneCycleLR(t, 0.1, 10),
                 lambda: L.LambdaLR(t, lambda e: 1.0)):
        with pytest.raises(tl.ArgumentError, match="not a torchlean Optimizer"):
            make()


def test_cycle_momentum_needs_momentum_or_betas():
    opt = tl.optim.Adagrad([tl.Param(np.zeros(2))])
    before = _snapshot(opt)
    with pytest.raises(tl.ArgumentError, match="cycle_momentum"):
        L.OneCycleLR(opt, 0.1, 10)
    assert _snapshot(opt) == before
    L.OneCycleLR(opt, 0.1, 10, cycle_momentum=False)
    assert opt.param_groups[0]["max_lr"] == 0.1


def test_zero_dimensional_tensors_are_read_as_numbers():
    p = tl.Param(np.zeros(2))
    opt = tl.optim.SGD([p], lr=torch.tensor(0.25), momentum=np.array(0.5))
    assert opt.param_groups[0]["lr"] == 0.25 and type(opt.param_groups[0]["lr"]) is float
    assert opt.param_groups[0]["momentum"] == 0.5
    with pytest.raises(tl.ArgumentError, match="lr must be a real number"):
        tl.optim.SGD([p], lr=torch.tensor([0.1, 0.2]))
    with pytest.raises(tl.ArgumentError, match="lr must be a real number"):
        tl.optim.SGD([p], lr=np.array(True))


def _state_copy(opt):
    return {id(p): {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in st.items()}
            for p, st in opt.state.items()}


def _assert_same_state(opt, before):
    after = _state_copy(opt)
    assert after.keys() == before.keys()
    for i, st in after.items():
        assert st.keys() == before[i].keys()
        for k, v in st.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(v, before[i][k], err_msg=k)
            else:
                assert type(v) is type(before[i][k]) and v == before[i][k], k


ATOMIC = [("Rprop", {"lr": 0.01, "etas": (0.4, 1.3), "step_sizes": (1e-4, 0.5)}), ("Rprop", {"maximize": True}),
          ("ASGD", {"lr": 0.05, "lambd": 0.01, "t0": 1, "weight_decay": 0.1}), ("ASGD", {"maximize": True})]


@pytest.mark.parametrize(("name", "kw"), ATOMIC, ids=[f"{n}-{kw}" for n, kw in ATOMIC])
def test_a_failing_rprop_or_asgd_step_changes_nothing(name, kw):
    """The base class's guarantee: gradients and groups are checked, every update computed,
    then all committed. A bad gradient of the second parameter, or a bad group, leaves the
    first parameter and every state (arrays and scalars) as they were; the next good step
    continues as torch does."""
    rng = np.random.default_rng(0)
    vals = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    ps = [tl.Param(v.copy()) for v in vals]
    ts = [torch.tensor(v.copy(), requires_grad=True) for v in vals]
    opt, topt = getattr(tl.optim, name)(ps, **kw), getattr(torch.optim, name)(ts, **kw)
    grads = [[rng.standard_normal(v.shape) for v in vals] for _ in range(6)]

    def good_step(k):
        for p, t, g in zip(ps, ts, grads[k]):
            p.grad, t.grad = g.copy(), torch.tensor(g)
        opt.step()
        topt.step()

    for k in range(3):
        good_step(k)
    values, state = [p.value.copy() for p in ps], _state_copy(opt)
    for bad, error in ((np.ones(4), tl.ShapeError), (np.ones((2, 2), np.float32), tl.DTypeError)):
        ps[0].grad, ps[1].grad = grads[3][0].copy(), bad
        with pytest.raises(error, match=f"{name}.step"):
            opt.step()
        for p, v in zip(ps, values):
            np.testing.assert_array_equal(p.value, v)
        _assert_same_state(opt, state)
    key = "etas" if name == "Rprop" else "weight_decay"
    group = opt.param_groups[0]
    opt.param_groups[0] = {**dict(group), key: (0.5, 0.5) if name == "Rprop" else -1.0}  # a plain dict: not checked
    ps[0].grad, ps[1].grad = grads[3][0].copy(), grads[3][1].copy()
    with pytest.raises(tl.ArgumentError, match=f"{name}.step: .*{key}"):
        opt.step()
    for p, v in zip(ps, values):
        np.testing.assert_array_equal(p.value, v)
    _assert_same_state(opt, state)
    opt.param_groups[0] = group
    for k in range(3, 6):
        good_step(k)
        for p, t in zip(ps, ts):
            np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize(("kw", "text"), [({"lr": 1.0, "lambd": -2.0, "alpha": 0.5}, "finite real"),
                                          ({"lr": 1.0, "lambd": 1.0, "alpha": 1e300}, "finite real")])
def test_asgd_refuses_a_step_whose_next_eta_is_not_a_real_number(kw, text):
    """torch computes ``lr / (1 + lambd lr t) ** alpha`` with Python's power: complex for a
    negative base, OverflowError for a huge one. torchlean refuses that step, changing nothing."""
    p = tl.Param(np.ones(2))
    opt = tl.optim.ASGD([p], **kw)
    p.grad = np.ones(2)
    with pytest.raises(tl.ArgumentError, match=f"ASGD.step: .*{text}"):
        opt.step()
    np.testing.assert_array_equal(p.value, np.ones(2))
    assert not opt.state


@pytest.mark.parametrize(("kw", "text"), [
    ({"etas": (0.5,)}, "etas must be a pair"), ({"etas": 0.5}, "etas must be a pair"),
    ({"etas": (NAN, 1.2)}, "etaminus"), ({"etas": (0.5, math.inf)}, "etaplus"),
    ({"step_sizes": (1e-6,)}, "step_sizes must be a pair"), ({"step_sizes": (1e-6, math.inf)}, "maximal step size"),
    ({"step_sizes": ("a", 1.0)}, "minimal step size"), ({"maximize": "yes"}, "maximize"),
    ({"differentiable": True}, "differentiable"),
])
def test_bad_rprop_arguments_torch_does_not_check_or_checks_late(kw, text):
    with pytest.raises(tl.ArgumentError, match="Rprop") as e:
        tl.optim.Rprop([tl.Param(np.zeros(2))], **kw)
    assert text in str(e.value)


@pytest.mark.parametrize(("kw", "text"), [({"lambd": NAN}, "lambd"), ({"alpha": math.inf}, "alpha"),
                                          ({"t0": "10"}, "t0"), ({"maximize": 1}, "maximize"),
                                          ({"differentiable": True}, "differentiable")])
def test_bad_asgd_arguments(kw, text):
    with pytest.raises(tl.ArgumentError, match="ASGD") as e:
        tl.optim.ASGD([tl.Param(np.zeros(2))], **kw)
    assert text in str(e.value)


@pytest.mark.parametrize(("name", "key", "value", "error", "text"), [
    ("ASGD", "eta", NAN, tl.ArgumentError, "eta of parameter 0 must be finite"),
    ("ASGD", "mu", 1.5, tl.ArgumentError, "mu of parameter 0 must be in [0, 1]"),
    ("ASGD", "ax", np.zeros(5), tl.ShapeError, "ax of parameter 0"),
    ("ASGD", "ax", None, tl.ArgumentError, "has no ['ax']"),
    ("Rprop", "step_size", np.zeros(5), tl.ShapeError, "step_size of parameter 0"),
    ("Rprop", "prev", None, tl.ArgumentError, "has no ['prev']"),
    ("Rprop", "step", -1, tl.ArgumentError, "step of parameter 0"),
])
def test_bad_rprop_and_asgd_state_dicts_change_nothing(name, key, value, error, text):
    p = tl.Param(np.ones(3))
    opt = getattr(tl.optim, name)([p], lr=0.1)
    p.grad = np.array([0.1, -0.2, 0.3])
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    if value is None:
        del sd["state"][0][key]
    else:
        sd["state"][0][key] = value
    before = _state_copy(opt)
    with pytest.raises(error, match=f"{name}.load_state_dict") as e:
        opt.load_state_dict(sd)
    assert text in str(e.value)
    _assert_same_state(opt, before)
