"""Optimizer objects on every path: constructors, ``param_groups`` assignment, ``add_param_group``,
``step`` with bad gradients or groups, ``zero_grad``, ``load_state_dict``. Every failure leaves
parameters, gradients, groups, moments and step counts exactly as they were; positive controls
compare the updates with ``torch.optim``.

The world's optimizers (``w.opt(kind)``) hold params p (3,) and q (2, 2) and have stepped once.
"""

from __future__ import annotations

import contextlib
import copy
import math

import numpy as np

import torchlean as tl
from torchlean.params import Buffer

from .harness import F32, F64, OPTIMIZERS, ArgumentError, close, err, ok, same

DTypeError, ShapeError = tl.DTypeError, tl.ShapeError
NAN, INF = math.nan, math.inf
KINDS = list(OPTIMIZERS)
CLS = OPTIMIZERS
NAME = {k: c.__name__ for k, c in OPTIMIZERS.items()}
_ADAM = ["lr", "betas", "eps", "weight_decay"]
HYPER = {"sgd": ["lr", "momentum", "dampening", "weight_decay"], "momentum": ["lr", "momentum"],
         "adam": _ADAM, "adamw": _ADAM, "adamax": _ADAM, "radam": _ADAM, "nadam": [*_ADAM, "momentum_decay"],
         "rmsprop": ["lr", "alpha", "eps", "weight_decay", "momentum"],
         "adagrad": ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
         "adadelta": ["lr", "rho", "eps", "weight_decay"], "rprop": ["lr", "etas", "step_sizes"],
         "asgd": ["lr", "lambd", "alpha", "t0", "weight_decay"]}
FLAGS = {"sgd": ["nesterov", "maximize"], "adam": ["amsgrad", "maximize"], "rmsprop": ["centered"],
         "nadam": ["decoupled_weight_decay"], "radam": ["decoupled_weight_decay"], "adagrad": ["maximize"],
         "rprop": ["maximize", "capturable"], "asgd": ["maximize", "foreach"]}
# Bad values per hyperparameter (torch.optim's rules, plus: finite), with the text the message must show.
BAD_HYPER = {
    "lr": [(-1.0, "-1.0"), (NAN, "nan"), (INF, "inf"), ("0.1", "'0.1'"), (None, "None"), (True, "True")],
    "momentum": [(-0.5, "-0.5"), (NAN, "nan")],
    "dampening": [(NAN, "nan"), ("x", "'x'")],
    "betas": [((1.0, 0.999), "1.0"), ((0.9, -0.5), "-0.5"), ((0.9,), "(0.9,)"), (0.9, "0.9")],
    "beta1": [(1.0, "1.0"), (-0.1, "-0.1"), (1.5, "1.5"), (NAN, "nan")],
    "beta2": [(1.0, "1.0"), (-0.5, "-0.5")],
    "eps": [(-1e-8, "-1e-08"), (NAN, "nan")],
    "weight_decay": [(-1.0, "-1.0"), (NAN, "nan")],
    "alpha": [(-0.1, "-0.1"), (INF, "inf")],
    "lr_decay": [(-0.1, "-0.1")],
    "initial_accumulator_value": [(-1.0, "-1.0")],
    "rho": [(1.5, "1.5"), (-0.1, "-0.1")],
    "momentum_decay": [(-1.0, "-1.0")],
    "etas": [((1.0, 1.2), "(1.0, 1.2)"), ((0.5, 0.9), "(0.5, 0.9)"), ((0.0, 1.2), "(0.0, 1.2)"), ((0.5,), "(0.5,)"),
             ((NAN, 1.2), "nan"), (0.5, "0.5")],
    "step_sizes": [((1e-6, INF), "inf"), ((1e-6,), "(1e-06,)"), (("a", 1.0), "'a'"), (None, "None")],
    "lambd": [(NAN, "nan"), ("x", "'x'")],
    "t0": [(NAN, "nan"), (True, "True")],
    ("asgd", "alpha"): [(INF, "inf"), (None, "None")],  # ASGD's alpha: any finite number (RMSprop's is >= 0)
}


def _bad(kind, h):
    """The bad values of hyperparameter ``h`` for optimizers of ``kind``."""
    return BAD_HYPER.get((kind, h)) or BAD_HYPER[h]
G_P = np.array([0.1, 0.2, -0.3], F32)
G_Q = np.array([[1.0, -1.0], [0.5, 0.25]], F32)


def _p3():
    return tl.Param(np.array([1.0, -2.0, 3.0], F32), "p")


def _make(kind, **hyper):
    return CLS[kind]([_p3()], **{"lr": 0.1, **hyper})


def _pq(o):
    return o.param_groups[0]["params"]


def _constructor_cases():
    out = []
    for kind in KINDS:
        for h in HYPER[kind]:
            for v, text in _bad(kind, h):
                out.append(err(f"{kind}-ctor-{h}-{text}", lambda w, kind=kind, h=h, v=v: _make(kind, **{h: v}),
                               ArgumentError, NAME[kind], h, text))
        for f in FLAGS.get(kind, []):
            out.append(err(f"{kind}-ctor-{f}-not-bool", lambda w, kind=kind, f=f: _make(kind, **{f: "yes"}),
                           ArgumentError, NAME[kind], f, "'yes'"))
    for kind in ("adam", "adamw", "adamax", "nadam", "radam"):
        for h in ("beta1", "beta2"):
            for v, text in BAD_HYPER[h]:
                out.append(err(f"{kind}-ctor-alias-{h}-{text}", lambda w, kind=kind, h=h, v=v: _make(kind, **{h: v}),
                               ArgumentError, NAME[kind], h, text))
    p = _p3
    out += [
        err("sgd-ctor-single-param", lambda w: tl.SGD(p(), 0.1), ArgumentError, "SGD", "Param"),
        err("sgd-ctor-ndarray-in-params", lambda w: tl.SGD([np.ones(3)], 0.1), ArgumentError, "SGD", "params[0]",
            "ndarray"),
        err("adam-ctor-params-None", lambda w: tl.Adam(None), ArgumentError, "Adam", "params"),
        err("adam-ctor-params-int", lambda w: tl.Adam(3), ArgumentError, "Adam", "params"),
        err("adam-ctor-empty", lambda w: tl.Adam([]), ArgumentError, "Adam", "empty parameter list"),
        err("adam-ctor-set", lambda w: tl.Adam({p()}), ArgumentError, "Adam", "set"),
        err("adam-ctor-param-twice", lambda w: (lambda a: tl.Adam([a, a]))(p()), ArgumentError, "Adam",
            "more than once"),
        err("adam-ctor-param-in-two-groups", lambda w: (lambda a: tl.Adam([{"params": [a]}, {"params": a}]))(p()),
            ArgumentError, "Adam", "more than one parameter group"),
        err("adam-ctor-group-without-params", lambda w: tl.Adam([{"lr": 0.1}]), ArgumentError, "Adam", "params"),
        err("adam-ctor-group-bad-lr", lambda w: tl.Adam([{"params": [p()], "lr": -2.0}]), ArgumentError, "Adam", "lr",
            "-2.0"),
        err("adam-ctor-group-bad-betas", lambda w: tl.Adam([{"params": [p()]}, {"params": [p()], "betas": (0.9, 1.0)}]),
            ArgumentError, "Adam", "betas", "1.0"),
        err("adam-ctor-mixed-groups-and-params", lambda w: tl.Adam([p(), {"params": [p()]}]), ArgumentError,
            "Adam", "params[1]", "dict"),
        err("adam-ctor-some-names-missing", lambda w: tl.Adam([("a", p()), p()]), ArgumentError, "Adam", "names"),
        err("adam-ctor-Buffer", lambda w: tl.Adam([Buffer(np.ones(2, F32))]), ArgumentError, "Adam", "Buffer"),
        err("adam-ctor-fused", lambda w: tl.Adam([p()], fused=True), ArgumentError, "Adam", "fused"),
        err("adam-ctor-differentiable", lambda w: tl.Adam([p()], differentiable=True), ArgumentError, "Adam",
            "differentiable"),
        err("adamw-ctor-decoupled-keyword", lambda w: tl.AdamW([p()], decoupled_weight_decay=False), ArgumentError,
            "AdamW", "decoupled_weight_decay"),
        err("adam-ctor-unknown-keyword", lambda w: tl.Adam([p()], betass=(0.9, 0.99)), ArgumentError, "Adam",
            "betass"),
        err("sgd-ctor-nesterov-without-momentum", lambda w: tl.SGD([p()], 0.1, nesterov=True), ArgumentError, "SGD",
            "Nesterov"),
        err("sgd-ctor-nesterov-with-dampening", lambda w: tl.SGD([p()], 0.1, momentum=0.9, dampening=0.1,
                                                                 nesterov=True), ArgumentError, "SGD", "Nesterov"),
        err("momentum-ctor-missing-lr", lambda w: tl.MomentumSGD([p()]), ArgumentError, "MomentumSGD", "lr"),
        ok("sgd-ctor-default-lr-is-torchs", lambda w: tl.SGD([p()]).param_groups[0]["lr"], lambda r, w: _eq(r, 1e-3)),
        ok("adam-ctor-betas-keyword", lambda w: tl.Adam([p()], betas=(0.8, 0.99)).param_groups[0]["betas"],
           lambda r, w: _eq(r, (0.8, 0.99))),
        ok("adam-ctor-beta-aliases", lambda w: tl.Adam([p()], 0.1, beta1=0.5, beta2=0.9).param_groups[0]["betas"],
           lambda r, w: _eq(r, (0.5, 0.9))),
        ok("adam-ctor-named-params", lambda w: tl.Adam([("w", p()), ("b", p())]).state_dict()["param_groups"][0][
            "param_names"], lambda r, w: _eq(r, ["w", "b"])),
        ok("adam-ctor-foreach-accepted", lambda w: tl.Adam([p()], foreach=True).param_groups[0]["foreach"],
           lambda r, w: _eq(r, True)),
    ]
    return out


def _group_cases():
    out = []
    for kind in KINDS:
        name = f"{NAME[kind]}.param_groups"
        setup = lambda w, kind=kind: w.opt(kind)
        for h in HYPER[kind]:
            v, text = _bad(kind, h)[0]
            out.append(err(f"{kind}-assign-{h}", lambda w, kind=kind, h=h, v=v: w.opt(kind).param_groups[0].__setitem__(
                h, v), ArgumentError, name, h, text, setup=setup))
        out += [
            err(f"{kind}-assign-lr-nan", lambda w, kind=kind: w.opt(kind).param_groups[0].__setitem__("lr", NAN),
                ArgumentError, name, "lr", "nan", setup=setup),
            err(f"{kind}-update-one-bad", lambda w, kind=kind: w.opt(kind).param_groups[0].update(
                lr=0.5, **({"etas": (0.5, 0.9)} if kind == "rprop" else {"eps": -1.0, "weight_decay": -2.0})),
                ArgumentError, name, setup=setup),
            err(f"{kind}-step-plain-dict-group-bad-lr", lambda w, kind=kind: w.opt(kind).step(), ArgumentError,
                f"{NAME[kind]}.step", "lr", "-1.0", setup=lambda w, kind=kind: _replace_group(w.opt(kind), lr=-1.0)),
            err(f"{kind}-step-group-without-lr", lambda w, kind=kind: w.opt(kind).step(), ArgumentError,
                f"{NAME[kind]}.step", "lr", setup=lambda w, kind=kind: _del_key(w.opt(kind), "lr")),
            err(f"{kind}-add_param_group-bad-lr", lambda w, kind=kind: w.opt(kind).add_param_group(
                {"params": [_p3()], "lr": -3.0}), ArgumentError, f"{NAME[kind]}.add_param_group", "lr", "-3.0",
                setup=setup),
            err(f"{kind}-add_param_group-existing-param", lambda w, kind=kind: w.opt(kind).add_param_group(
                {"params": [_pq(w.opt(kind))[0]]}), ArgumentError, f"{NAME[kind]}.add_param_group",
                "more than one parameter group", setup=setup),
            err(f"{kind}-add_param_group-not-a-dict", lambda w, kind=kind: w.opt(kind).add_param_group([_p3()]),
                ArgumentError, f"{NAME[kind]}.add_param_group", "dict", setup=setup),
            err(f"{kind}-step-grad-on-added-group-bad", lambda w, kind=kind: w.opt(kind).step(), ShapeError,
                f"{NAME[kind]}.step", "parameter 2", setup=lambda w, kind=kind: _added_with_bad_grad(w, kind)),
        ]
    out += [
        err("sgd-step-nesterov-after-assigning-momentum-0", lambda w: w.opt("momentum").step(), ArgumentError,
            "MomentumSGD.step", "Nesterov", setup=lambda w: _nesterov_then_zero(w)),
        err("adam-assign-betas-list-of-one", lambda w: w.opt("adam").param_groups[0].__setitem__("betas", [0.9]),
            ArgumentError, "Adam.param_groups", "betas", setup=lambda w: w.opt("adam")),
        err("adam-assign-initial_lr-negative", lambda w: w.opt("adam").param_groups[0].__setitem__("initial_lr", -1),
            ArgumentError, "Adam.param_groups", "initial_lr", setup=lambda w: w.opt("adam")),
        ok("adam-assign-lr-then-step-matches-torch", lambda w: _assigned_lr_step(w), close(_torch_assigned_lr(), F32)),
    ]
    return out


def _replace_group(o, **kv):
    o.param_groups[0] = {**dict(o.param_groups[0]), **kv}


def _del_key(o, key):
    del o.param_groups[0][key]


def _added_with_bad_grad(w, kind):
    o = w.opt(kind)
    r = w.param(np.ones(2, F32), "r")
    o.add_param_group({"params": [r]})
    _pq(o)[0].grad, _pq(o)[1].grad = G_P, G_Q
    r.grad = np.ones(3, F32)


def _nesterov_then_zero(w):
    o = w.opt("momentum")
    o.param_groups[0]["nesterov"] = True
    o.param_groups[0]["momentum"] = 0.0  # each key is valid alone; the step checks the pair


def _assigned_lr_step(w):
    o = w.opt("adam")
    o.param_groups[0]["lr"] = 0.05
    p, q = _pq(o)
    p.grad, q.grad = G_P, G_Q
    o.step()
    return np.concatenate([p.value.ravel(), q.value.ravel()])


def _torch_assigned_lr():
    import torch

    p, q = _torch_params()
    o = torch.optim.Adam([p, q], lr=0.01)
    for lr in (0.01, 0.05):
        o.param_groups[0]["lr"] = lr
        p.grad, q.grad = torch.tensor(G_P), torch.tensor(G_Q)
        o.step()
    return np.concatenate([p.detach().numpy().ravel(), q.detach().numpy().ravel()])


def _with_grad(kind, g, which=0):
    """Setup: the optimizer of ``kind`` exists and its parameter ``which`` holds gradient ``g``."""

    def setup(w):
        o = w.opt(kind)
        _pq(o)[0].grad, _pq(o)[1].grad = G_P, G_Q
        _pq(o)[which].grad = g(w) if callable(g) else g

    return setup


def _step_cases():
    out = []
    for kind in KINDS:
        name = f"{NAME[kind]}.step"
        setup = lambda w, kind=kind: w.opt(kind)
        step = lambda w, kind=kind: w.opt(kind).step()
        out += [
            err(f"{kind}-step-grad-(1,)-for-(3,)", step, ShapeError, name, "(1,)", "(3,)",
                setup=_with_grad(kind, np.ones(1, F32))),
            err(f"{kind}-step-grad-scalar-for-(3,)", step, ShapeError, name, "(3,)",
                setup=_with_grad(kind, np.float32(1.0))),
            err(f"{kind}-step-grad-float64", step, DTypeError, name, "float64", "float32",
                setup=_with_grad(kind, np.ones(3, F64))),
            err(f"{kind}-step-grad-int64", step, DTypeError, name, "int64",
                setup=_with_grad(kind, np.ones(3, np.int64))),
            err(f"{kind}-step-grad-transposed", step, ShapeError, name, "(1, 2)", "(2, 2)",
                setup=_with_grad(kind, np.ones((2, 2), F32).T[:1], 1)),
            err(f"{kind}-step-second-grad-bad", step, ShapeError, name, "parameter 1",
                setup=_with_grad(kind, np.ones(4, F32), 1)),
            err(f"{kind}-step-grad-str", step, DTypeError, name, setup=_with_grad(kind, "1")),
            err(f"{kind}-step-grad-TensorRef", step, DTypeError, name, setup=_with_grad(kind, lambda w: w.x)),
            err(f"{kind}-step-closure-not-callable", lambda w, kind=kind: w.opt(kind).step([np.ones(3, F32)]),
                ArgumentError, name, "closure", "list", setup=setup),
            err(f"{kind}-step-grads-mapping-is-not-a-closure", lambda w, kind=kind: w.opt(kind).step(
                {p: np.zeros(p.shape, F32) for p in _pq(w.opt(kind))}), ArgumentError, name, "closure", setup=setup),
            err(f"{kind}-zero_grad-set_to_none-not-bool", lambda w, kind=kind: w.opt(kind).zero_grad("no"),
                ArgumentError, f"{NAME[kind]}.zero_grad", "set_to_none", setup=_with_grad(kind, G_P)),
        ]
    return out


TORCH = {"sgd": ("SGD", {"lr": 0.1}), "momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
         "adam": ("Adam", {"lr": 0.01}), "adamw": ("AdamW", {"lr": 0.01}), "rmsprop": ("RMSprop", {"lr": 0.01}),
         "adagrad": ("Adagrad", {"lr": 0.01}), "adadelta": ("Adadelta", {"lr": 0.01}),
         "adamax": ("Adamax", {"lr": 0.01}), "nadam": ("NAdam", {"lr": 0.01}), "radam": ("RAdam", {"lr": 0.01}),
         "rprop": ("Rprop", {"lr": 0.01}), "asgd": ("ASGD", {"lr": 0.01})}


def _torch_params():
    import torch

    p = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float32, requires_grad=True)
    q = torch.tensor([[0.5, 1.5], [-1.0, 2.0]], dtype=torch.float32, requires_grad=True)
    return p, q


def _torch_steps(kind, n):
    """Params after ``n`` steps of torch.optim with the world's gradients (float32)."""
    import torch

    p, q = _torch_params()
    name, kw = TORCH[kind]
    o = getattr(torch.optim, name)([p, q], **kw)
    for _ in range(n):
        p.grad, q.grad = torch.tensor(G_P), torch.tensor(G_Q)
        o.step()
    return np.concatenate([p.detach().numpy().ravel(), q.detach().numpy().ravel()])


def _second_step_after_failure(w, kind):
    o = w.opt(kind)
    p, q = _pq(o)
    p.grad = np.ones(1, F32)
    with contextlib.suppress(tl.TorchLeanError):
        o.step()
    p.grad, q.grad = G_P, G_Q
    o.step()
    return np.concatenate([p.value.ravel(), q.value.ravel()])


def _roundtrip_then_step(w, kind):
    o = w.opt(kind)
    p, q = _pq(o)
    fresh = CLS[kind]([p, q], lr=0.5)
    fresh.load_state_dict(copy.deepcopy(o.state_dict()))
    p.grad, q.grad = G_P, G_Q
    fresh.step()
    return np.concatenate([p.value.ravel(), q.value.ravel()])


def _step_values():
    out = []
    for kind in KINDS:
        out += [
            ok(f"{kind}-one-step-matches-torch", lambda w, kind=kind: np.concatenate(
                [p.value.ravel() for p in _pq(w.opt(kind))]), close(_torch_steps(kind, 1), F32, rtol=1e-6)),
            ok(f"{kind}-step-after-failed-step-matches-torch", lambda w, kind=kind: _second_step_after_failure(w, kind),
               close(_torch_steps(kind, 2), F32, rtol=1e-6)),
            ok(f"{kind}-state_dict-roundtrip-matches-torch", lambda w, kind=kind: _roundtrip_then_step(w, kind),
               close(_torch_steps(kind, 2), F32, rtol=1e-6)),
        ]
    out += [
        ok("sgd-step-list-gradient", lambda w: _list_grad(w), same(np.array([0.5, 0.0, -0.5], F32))),
        ok("sgd-skips-frozen-param", lambda w: _frozen(w), same(np.array([1.0, 2.0], F32))),
        ok("adam-skips-param-without-grad", lambda w: _no_grad_param(w), lambda r, w: _eq(r, (True, False))),
        ok("adam-step-returns-the-closures-loss", lambda w: _closure(w), lambda r, w: _eq(r, 42.0)),
        ok("sgd-zero_grad-set_to_none-false-gives-zeros", lambda w: _zero_grad_zeros(w), same(np.zeros(3, F32), F32)),
    ]
    return out


def _list_grad(w):
    p = w.param(np.array([1.0, 1.0, 1.0], F32))
    o = tl.SGD([p], lr=0.5)
    p.grad = [1, 2, 3]
    o.step()
    return p.value


def _frozen(w):
    p = w.param(np.array([1.0, 2.0], F32), requires_grad=False)
    p.grad = np.ones(2, F32)
    tl.SGD([p], lr=1.0).step()
    return p.value


def _no_grad_param(w):
    p, q = w.param(np.ones(2, F32)), w.param(np.ones(2, F32))
    o = tl.Adam([p, q], lr=0.1)
    p.grad = np.ones(2, F32)
    o.step()
    return p in o.state, q in o.state


def _closure(w):
    p = w.param(np.ones(2, F32))
    o = tl.Adam([p], lr=0.1)

    def closure():
        p.grad = np.ones(2, F32)
        return 42.0

    return o.step(closure)


def _zero_grad_zeros(w):
    p = w.param(np.ones(3, F32))
    p.grad = np.ones(3, F32)
    tl.SGD([p], 0.1).zero_grad(set_to_none=False)
    return p.grad


def _eq(a, b):
    assert a == b, f"{a!r} != {b!r}"


def _sd(w, kind):
    return copy.deepcopy(w.opt(kind).state_dict())


def _load(w, kind, edit):
    d = _sd(w, kind)
    edit(d)
    return w.opt(kind).load_state_dict(d)


def _del(d, *path):
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]


def _set(d, value, *path):
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


G0 = ("param_groups", 0)


def _load_cases():
    out = []
    for kind in KINDS:
        name = f"{NAME[kind]}.load_state_dict"
        setup = lambda w, kind=kind: w.opt(kind)
        L = lambda edit, kind=kind: (lambda w: _load(w, kind, edit))
        out += [
            err(f"{kind}-load-missing-lr", L(lambda d: _del(d, *G0, "lr")), ArgumentError, name, "lr", setup=setup),
            err(f"{kind}-load-extra-key", L(lambda d: _set(d, 1, "nesterov")), ArgumentError, name, "nesterov",
                setup=setup),
            err(f"{kind}-load-lr-negative", L(lambda d: _set(d, -0.1, *G0, "lr")), ArgumentError, name, "lr",
                setup=setup),
            err(f"{kind}-load-not-a-dict", lambda w, kind=kind: w.opt(kind).load_state_dict([("lr", 0.1)]),
                ArgumentError, name, "list", setup=setup),
            err(f"{kind}-load-state-not-a-dict", L(lambda d: _set(d, [1], "state")), ArgumentError, name, "state",
                setup=setup),
            err(f"{kind}-load-state-key-out-of-range", L(lambda d: _set(d, {}, "state", 7)), ArgumentError, name,
                "7", setup=setup),
            err(f"{kind}-load-state-key-not-index", L(lambda d: _set(d, {}, "state", "p")), ArgumentError, name,
                "'p'", setup=setup),
            err(f"{kind}-load-no-groups", L(lambda d: _set(d, [], "param_groups")), ArgumentError, name,
                "parameter groups", setup=setup),
            err(f"{kind}-load-group-size", L(lambda d: _set(d, [0], *G0, "params")), ArgumentError, name,
                "1 parameters", setup=setup),
            err(f"{kind}-load-group-not-dict", L(lambda d: _set(d, [0, 1], *G0)), ArgumentError, name,
                "param group 0", setup=setup),
            err(f"{kind}-load-duplicate-ids", L(lambda d: _set(d, [0, 0], *G0, "params")), ArgumentError, name,
                "twice", setup=setup),
            err(f"{kind}-load-unknown-state-key", L(lambda d: _set(d, {"bogus": 1}, "state", 0)), ArgumentError,
                name, "bogus", setup=setup),
        ]
        for h in HYPER[kind][1:]:
            v, text = _bad(kind, h)[0]
            out.append(err(f"{kind}-load-{h}-bad", L(lambda d, h=h, v=v: _set(d, v, *G0, h)), ArgumentError, name, h,
                           text, setup=setup))
    for kind, keys in (("adam", ("exp_avg", "exp_avg_sq")), ("momentum", ("momentum_buffer",)),
                       ("rmsprop", ("square_avg",)), ("adagrad", ("sum",)), ("adadelta", ("acc_delta",)),
                       ("adamax", ("exp_inf",)), ("nadam", ("exp_avg_sq",)), ("radam", ("exp_avg",)),
                       ("rprop", ("prev", "step_size")), ("asgd", ("ax",))):
        name = f"{NAME[kind]}.load_state_dict"
        setup = lambda w, kind=kind: w.opt(kind)
        L = lambda edit, kind=kind: (lambda w: _load(w, kind, edit))
        for key in keys:
            out += [
                err(f"{kind}-load-{key}-wrong-shape", L(lambda d, key=key: _set(d, np.zeros(5, F32), "state", 0, key)),
                    ShapeError, name, key, "(5,)", "(3,)", setup=setup),
                err(f"{kind}-load-{key}-str", L(lambda d, key=key: _set(d, "abc", "state", 0, key)), DTypeError,
                    name, key, setup=setup),
                err(f"{kind}-load-{key}-complex",
                    L(lambda d, key=key: _set(d, np.zeros(3, complex), "state", 0, key)),
                    DTypeError, name, "complex", setup=setup),
                err(f"{kind}-load-{key}-second-param-bad",
                    L(lambda d, key=key: _set(d, np.zeros(3, F32), "state", 1, key)), ShapeError, name,
                    "parameter 1", setup=setup),
            ]
            if kind != "momentum":  # SGD's buffer is optional; the others' arrays are required
                out.append(err(f"{kind}-load-{key}-missing", L(lambda d, key=key: _del(d, "state", 0, key)),
                               ArgumentError, name, key, setup=setup))
        if kind != "momentum":
            out += [
                err(f"{kind}-load-step-negative", L(lambda d: _set(d, -1, "state", 0, "step")), ArgumentError, name,
                    "step", "-1", setup=setup),
                err(f"{kind}-load-step-float", L(lambda d: _set(d, 1.5, "state", 0, "step")), ArgumentError, name,
                    "1.5", setup=setup),
                err(f"{kind}-load-step-bool", L(lambda d: _set(d, True, "state", 0, "step")), ArgumentError, name,
                    "True", setup=setup),
                err(f"{kind}-load-step-None", L(lambda d: _set(d, None, "state", 0, "step")), DTypeError, name,
                    "step", "None", setup=setup),
            ]
    out += [
        err("adam-load-new-lr-with-bad-state", L_new_lr, ShapeError, "Adam.load_state_dict", "(5,)",
            setup=lambda w: w.opt("adam")),
        err("adam-load-amsgrad-without-max_exp_avg_sq", lambda w: _load(w, "adam", lambda d: _set(
            d, True, *G0, "amsgrad")), ArgumentError, "Adam.load_state_dict", "max_exp_avg_sq",
            setup=lambda w: w.opt("adam")),
        err("adamw-load-coupled-decay", lambda w: _load(w, "adamw", lambda d: _set(
            d, False, *G0, "decoupled_weight_decay")), ArgumentError, "AdamW.load_state_dict", "decoupled",
            setup=lambda w: w.opt("adamw")),
        err("adam-load-sgd-state-dict", lambda w: w.opt("adam").load_state_dict(_sd(w, "sgd")), ArgumentError,
            "Adam.load_state_dict", "betas", setup=lambda w: (w.opt("adam"), w.opt("sgd"))),
        err("nadam-load-mu_product-out-of-range", lambda w: _load(w, "nadam", lambda d: _set(
            d, 1.5, "state", 0, "mu_product")), ArgumentError, "NAdam.load_state_dict", "mu_product", "1.5",
            setup=lambda w: w.opt("nadam")),
        err("asgd-load-eta-nan", lambda w: _load(w, "asgd", lambda d: _set(d, NAN, "state", 0, "eta")), ArgumentError,
            "ASGD.load_state_dict", "eta", "nan", setup=lambda w: w.opt("asgd")),
        err("asgd-load-mu-out-of-range", lambda w: _load(w, "asgd", lambda d: _set(d, 1.5, "state", 1, "mu")),
            ArgumentError, "ASGD.load_state_dict", "mu of parameter 1", "1.5", setup=lambda w: w.opt("asgd")),
        err("asgd-load-eta-missing", lambda w: _load(w, "asgd", lambda d: _del(d, "state", 0, "eta")), ArgumentError,
            "ASGD.load_state_dict", "eta", setup=lambda w: w.opt("asgd")),
        err("rprop-load-asgd-state-dict", lambda w: w.opt("rprop").load_state_dict(_sd(w, "asgd")), ArgumentError,
            "Rprop.load_state_dict", "etas", setup=lambda w: (w.opt("rprop"), w.opt("asgd"))),
        err("asgd-step-eta-not-real", lambda w: w.opt("asgd").step(), ArgumentError, "ASGD.step", "finite real",
            setup=lambda w: _asgd_negative_base(w)),
        err("momentum-load-new-momentum-with-bad-buffer", lambda w: _load(w, "momentum", lambda d: (
            _set(d, 0.5, *G0, "momentum"), _set(d, np.zeros(4, F32), "state", 1, "momentum_buffer"))), ShapeError,
            "MomentumSGD.load_state_dict", "(4,)", setup=lambda w: w.opt("momentum")),
        ok("adam-load-float64-moments-rounded", lambda w: _load_f64(w), same(np.full(3, 0.1, F64).astype(F32), F32)),
        ok("adam-load-str-keys-and-float-step", lambda w: _load_json_like(w), lambda r, w: _eq(r, 1)),
        ok("adam-load_state_dict-copies", lambda w: _load_copies(w), same(np.zeros(3, F32))),
        ok("adam-state_dict-is-a-copy", lambda w: _state_dict_copy(w), close(np.array([0.01, 0.02, -0.03]), F32)),
    ]
    return out


def _asgd_negative_base(w):
    o = w.opt("asgd")
    o.param_groups[0]["lambd"] = -100.0  # 1 + lambd lr t < 0: a complex eta for alpha 0.75
    p, q = _pq(o)
    p.grad, q.grad = G_P, G_Q


def L_new_lr(w):
    return _load(w, "adam", lambda d: (_set(d, 0.5, *G0, "lr"), _set(d, (0.0, 0.9), *G0, "betas"),
                                       _set(d, np.zeros(5, F32), "state", 1, "exp_avg_sq")))


def _load_f64(w):
    d = _sd(w, "adam")
    d["state"][0]["exp_avg"] = np.full(3, 0.1)
    o = w.opt("adam")
    o.load_state_dict(d)
    return o.state_dict()["state"][0]["exp_avg"]


def _load_json_like(w):
    d = _sd(w, "adam")
    d["state"] = {str(k): {**v, "step": float(v["step"])} for k, v in d["state"].items()}
    o = w.opt("adam")
    o.load_state_dict(d)
    return o.state[_pq(o)[0]]["step"]


def _load_copies(w):
    p = w.param(np.ones(3, F32))
    o = tl.Adam([p])
    m = np.zeros(3, F32)
    o.load_state_dict({"state": {0: {"step": 1, "exp_avg": m, "exp_avg_sq": np.zeros(3, F32)}},
                       "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                                         "params": [0]}]})
    m[...] = 7.0
    return o.state_dict()["state"][0]["exp_avg"]


def _state_dict_copy(w):
    o = w.opt("adam")
    d = o.state_dict()
    d["state"][0]["exp_avg"][...] = 99.0
    return o.state_dict()["state"][0]["exp_avg"]


CASES = _constructor_cases() + _group_cases() + _step_cases() + _step_values() + _load_cases()
