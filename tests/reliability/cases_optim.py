"""Optimizers on every path: constructors, attribute assignment, ``step`` with bad gradients,
``load_state_dict``, the session's ``sgd_step``/``adam_step``/``adamw_step``, ``ScalarTrainer``
steps, stale ``Gradients`` and ``zero_grad``. Every failure leaves parameters, gradients, moments,
step counts and hyperparameters exactly as they were; positive controls compare the updates with
``torch.optim``.

The world's optimizers (``w.opt(kind)``) hold params p (3,) and q (2, 2) and have stepped once.
"""

from __future__ import annotations

import contextlib
import copy
import math

import numpy as np

import torchlean as tl

from .harness import F32, F64, TR_X, TR_Y, X_INIT, ArgumentError, close, err, ok, same

DTypeError, ShapeError = tl.DTypeError, tl.ShapeError
InvalidRefError = tl.InvalidRefError
NAN, INF = math.nan, math.inf
KINDS = ["sgd", "momentum", "adam", "adamw"]
CLS = {"sgd": tl.SGD, "momentum": tl.MomentumSGD, "adam": tl.Adam, "adamw": tl.AdamW}
NAME = {"sgd": "SGD", "momentum": "MomentumSGD", "adam": "Adam", "adamw": "AdamW"}
HYPER = {"sgd": ["lr"], "momentum": ["lr", "momentum"], "adam": ["lr", "beta1", "beta2", "eps"],
         "adamw": ["lr", "weight_decay", "beta1", "beta2", "eps"]}
# Bad values per hyperparameter (torch.optim's rules), with the text the message must show.
BAD_HYPER = {
    "lr": [(-1.0, "-1.0"), (NAN, "nan"), (INF, "inf"), ("0.1", "'0.1'"), (None, "None"), (True, "True")],
    "momentum": [(-0.5, "-0.5"), (NAN, "nan")],
    "beta1": [(1.0, "1.0"), (-0.1, "-0.1"), (1.5, "1.5"), (NAN, "nan")],
    "beta2": [(1.0, "1.0"), (-0.5, "-0.5")],
    "eps": [(-1e-8, "-1e-08"), (NAN, "nan")],
    "weight_decay": [(-1.0, "-1.0"), (NAN, "nan")],
}


def _p3():
    return tl.Param(np.array([1.0, -2.0, 3.0], F32), "p")


def _make(kind, **hyper):
    lr = hyper.pop("lr", 0.1)
    return CLS[kind]([_p3()], lr=lr, **hyper)


def _constructor_cases():
    out = []
    for kind in KINDS:
        for h in HYPER[kind]:
            for v, text in BAD_HYPER[h]:
                out.append(err(f"{kind}-ctor-{h}-{text}", lambda w, kind=kind, h=h, v=v: _make(kind, **{h: v}),
                               ArgumentError, NAME[kind], h, text))
    out += [
        err("sgd-ctor-single-param", lambda w: tl.SGD(_p3(), 0.1), ArgumentError, "SGD", "Param"),
        err("sgd-ctor-ndarray-in-params", lambda w: tl.SGD([np.ones(3)], 0.1), ArgumentError, "SGD", "params[0]",
            "ndarray"),
        err("adam-ctor-params-None", lambda w: tl.Adam(None), ArgumentError, "Adam", "params"),
        err("adam-ctor-params-int", lambda w: tl.Adam(3), ArgumentError, "Adam", "params"),
        err("sgd-ctor-missing-lr", lambda w: tl.SGD([_p3()]), ArgumentError, "SGD", "lr"),
        err("adam-ctor-unknown-keyword", lambda w: tl.Adam([_p3()], betas=(0.9, 0.99)), ArgumentError, "Adam",
            "betas"),
    ]
    return out


def _assign_cases():
    out = []
    for kind in KINDS:
        for h in HYPER[kind]:
            v, text = BAD_HYPER[h][0]
            out.append(err(f"{kind}-assign-{h}", lambda w, kind=kind, h=h, v=v: setattr(w.opt(kind), h, v),
                           ArgumentError, NAME[kind], h, text, setup=lambda w, kind=kind: w.opt(kind)))
        out.append(err(f"{kind}-assign-lr-nan", lambda w, kind=kind: setattr(w.opt(kind), "lr", NAN), ArgumentError,
                       NAME[kind], "lr", "nan", setup=lambda w, kind=kind: w.opt(kind)))
    return out


def _grads_of(o):
    return {p: np.zeros(p.shape, p.dtype) for p in o.params}


def _with_grad(kind, g, which=0):
    """Setup: the optimizer of ``kind`` exists and its parameter ``which`` holds gradient ``g``."""

    def setup(w):
        o = w.opt(kind)
        o.params[0].grad = np.array([0.1, 0.2, -0.3], F32)
        o.params[1].grad = np.array([[1.0, -1.0], [0.5, 0.25]], F32)
        o.params[which].grad = g(w) if callable(g) else g

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
            err(f"{kind}-step-grads-mapping-wrong-shape",
                lambda w, kind=kind: w.opt(kind).step({**_grads_of(w.opt(kind)),
                                                      w.opt(kind).params[1]: np.ones(2, F32)}),
                ShapeError, name, setup=setup),
            err(f"{kind}-step-grads-not-mapping", lambda w, kind=kind: w.opt(kind).step([np.ones(3, F32)]),
                ArgumentError, name, "list", setup=setup),
        ]
    return out


def _torch_params():
    import torch

    p = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float32, requires_grad=True)
    q = torch.tensor([[0.5, 1.5], [-1.0, 2.0]], dtype=torch.float32, requires_grad=True)
    return p, q


def _torch_steps(kind, n):
    """Params after ``n`` steps of torch.optim with the world's gradients (float32)."""
    import torch

    p, q = _torch_params()
    if kind == "sgd":
        o = torch.optim.SGD([p, q], lr=0.1)
    elif kind == "momentum":
        o = torch.optim.SGD([p, q], lr=0.1, momentum=0.9)
    elif kind == "adam":
        o = torch.optim.Adam([p, q], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    else:
        o = torch.optim.AdamW([p, q], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    for _ in range(n):
        p.grad = torch.tensor([0.1, 0.2, -0.3])
        q.grad = torch.tensor([[1.0, -1.0], [0.5, 0.25]])
        o.step()
    return np.concatenate([p.detach().numpy().ravel(), q.detach().numpy().ravel()])


def _second_step_after_failure(w, kind):
    o = w.opt(kind)
    p, q = o.params
    p.grad = np.ones(1, F32)
    with contextlib.suppress(tl.TorchLeanError):
        o.step()
    p.grad = np.array([0.1, 0.2, -0.3], F32)
    q.grad = np.array([[1.0, -1.0], [0.5, 0.25]], F32)
    o.step()
    return np.concatenate([p.value.ravel(), q.value.ravel()])


def _roundtrip_then_step(w, kind):
    o = w.opt(kind)
    p, q = o.params
    fresh = CLS[kind]([p, q], lr=o.lr)
    fresh.load_state_dict(copy.deepcopy(o.state_dict()))
    p.grad = np.array([0.1, 0.2, -0.3], F32)
    q.grad = np.array([[1.0, -1.0], [0.5, 0.25]], F32)
    fresh.step()
    return np.concatenate([p.value.ravel(), q.value.ravel()])


def _step_values():
    out = []
    for kind in KINDS:
        out += [
            ok(f"{kind}-one-step-matches-torch", lambda w, kind=kind: np.concatenate(
                [p.value.ravel() for p in w.opt(kind).params]), close(_torch_steps(kind, 1), F32, rtol=1e-6)),
            ok(f"{kind}-step-after-failed-step-matches-torch", lambda w, kind=kind: _second_step_after_failure(w, kind),
               close(_torch_steps(kind, 2), F32, rtol=1e-6)),
            ok(f"{kind}-state_dict-roundtrip-matches-torch", lambda w, kind=kind: _roundtrip_then_step(w, kind),
               close(_torch_steps(kind, 2), F32, rtol=1e-6)),
        ]
    out += [
        ok("sgd-step-list-gradient", lambda w: _list_grad(w), same(np.array([0.5, 0.0, -0.5], F32))),
        ok("sgd-skips-frozen-param", lambda w: _frozen(w), same(np.array([1.0, 2.0], F32))),
        ok("adam-skips-param-without-grad", lambda w: _no_grad_param(w), lambda r, w: _eq(r, (True, False))),
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


def _load_cases():
    out = []
    for kind in KINDS:
        name = f"{NAME[kind]}.load_state_dict"
        setup = lambda w, kind=kind: w.opt(kind)
        L = lambda edit, kind=kind: (lambda w: _load(w, kind, edit))
        out += [
            err(f"{kind}-load-missing-lr", L(lambda d: _del(d, "lr")), ArgumentError, name, "lr", setup=setup),
            err(f"{kind}-load-extra-key", L(lambda d: _set(d, 1, "nesterov")), ArgumentError, name, "nesterov",
                setup=setup),
            err(f"{kind}-load-lr-negative", L(lambda d: _set(d, -0.1, "lr")), ArgumentError, name, "lr",
                setup=setup),
            err(f"{kind}-load-not-a-dict", lambda w, kind=kind: w.opt(kind).load_state_dict([("lr", 0.1)]),
                ArgumentError, name, "list", setup=setup),
            err(f"{kind}-load-state-not-a-dict", L(lambda d: _set(d, [1], "state")), ArgumentError, name, "state",
                setup=setup),
            err(f"{kind}-load-state-key-out-of-range", L(lambda d: _set(d, {"t": 0}, "state", "7")), ArgumentError,
                name, "7", setup=setup),
            err(f"{kind}-load-state-key-not-index", L(lambda d: _set(d, {"t": 0}, "state", "p")), ArgumentError, name,
                "'p'", setup=setup),
        ]
        if kind != "sgd":
            key = "buf" if kind == "momentum" else "m"
            out += [
                err(f"{kind}-load-{key}-wrong-shape",
                    L(lambda d, key=key: _set(d, np.zeros(4, F32), "state", "0", key)),
                    ShapeError, name, key, "(4,)", "(3,)", setup=setup),
                err(f"{kind}-load-{key}-None", L(lambda d, key=key: _set(d, None, "state", "0", key)), DTypeError, name,
                    key, setup=setup),
                err(f"{kind}-load-{key}-missing", L(lambda d, key=key: _del(d, "state", "0", key)), ArgumentError, name,
                    key, setup=setup),
                err(f"{kind}-load-{key}-complex",
                    L(lambda d, key=key: _set(d, np.zeros(3, complex), "state", "0", key)),
                    DTypeError, name, "complex", setup=setup),
                err(f"{kind}-load-second-param-bad", L(lambda d, key=key: _set(d, np.zeros(3, F32), "state", "1", key)),
                    ShapeError, name, "parameter 1", setup=setup),
                err(f"{kind}-load-t-negative", L(lambda d: _set(d, -1, "state", "0", "t")), ArgumentError, name, "t",
                    "-1", setup=setup),
                err(f"{kind}-load-t-float", L(lambda d: _set(d, 1.5, "state", "0", "t")), ArgumentError, name, "1.5",
                    setup=setup),
                err(f"{kind}-load-t-bool", L(lambda d: _set(d, True, "state", "0", "t")), ArgumentError, name, "True",
                    setup=setup),
            ]
        for h in HYPER[kind][1:]:
            v, text = BAD_HYPER[h][0]
            out.append(err(f"{kind}-load-{h}-bad", L(lambda d, h=h, v=v: _set(d, v, h)), ArgumentError, name, h, text,
                           setup=setup))
    out += [
        err("adam-load-new-lr-with-bad-state", L_new_lr, ShapeError, "Adam.load_state_dict", "(5,)",
            setup=lambda w: w.opt("adam")),
        err("momentum-load-new-momentum-with-bad-t", lambda w: _load(w, "momentum", lambda d: (
            _set(d, 0.5, "momentum"), _set(d, -3, "state", "1", "t"))), ArgumentError, "MomentumSGD.load_state_dict",
            "-3", setup=lambda w: w.opt("momentum")),
        ok("adam-load-float64-moments-rounded", lambda w: _load_f64(w), same(np.full(3, 0.1, F64).astype(F32), F32)),
    ]
    return out


def L_new_lr(w):
    return _load(w, "adam", lambda d: (_set(d, 0.5, "lr"), _set(d, 0.0, "beta1"),
                                       _set(d, np.zeros(5, F32), "state", "1", "v")))


def _load_f64(w):
    d = _sd(w, "adam")
    d["state"]["0"]["m"] = np.full(3, 0.1)
    o = w.opt("adam")
    o.load_state_dict(d)
    return np.asarray(o.state_dict()["state"]["0"]["m"])


# -- the session's steps ---------------------------------------------------------------------

def _session_cases():
    out = []
    paths = [("sgd", "sgd_step", {"lr": 0.1}), ("adam", "adam_step", {}), ("adamw", "adamw_step", {})]
    for kind, meth, _ in paths:
        hyper = HYPER[kind if kind != "sgd" else "sgd"]
        for fresh in (True, False):
            tag = "fresh" if fresh else "existing"
            setup = None if fresh else (lambda w, kind=kind: w.stepped(kind))
            for h in hyper:
                for v, text in BAD_HYPER[h][:2]:
                    kw = {"lr": 0.1} if h != "lr" else {}
                    kw[h] = v
                    out.append(err(f"session-{meth}-{tag}-{h}-{text}",
                                   lambda w, meth=meth, kw=kw: getattr(w.s, meth)(**kw), ArgumentError, meth, h, text,
                                   setup=setup))
    out += [
        err("session-sgd_step-no-backward", lambda w: w.s.sgd_step(0.1), (ArgumentError, InvalidRefError), "sgd_step",
            "backward", setup=lambda w: w.s.reset()),
        err("session-adam_step-no-backward", lambda w: w.s.adam_step(0.1), (ArgumentError, InvalidRefError),
            "adam_step", "backward", setup=lambda w: w.s.reset()),
        err("session-sgd_step-stale-grads", lambda w: w.s.sgd_step(0.1, grads=w.c.g), InvalidRefError, "sgd_step",
            "stale", setup=lambda w: (setattr(w.c, "g", w.grads), w.s.reset())),
        err("session-sgd_step-stale-grads-new-tape", lambda w: w.s.sgd_step(0.1, grads=w.c.g), InvalidRefError,
            "sgd_step", "stale", setup=_stale_with_new_tape),
        err("session-adam_step-stale-grads", lambda w: w.s.adam_step(0.1, grads=w.c.g), InvalidRefError, "adam_step",
            "stale", setup=_stale_with_new_tape),
        err("session-sgd_step-foreign-grads", lambda w: w.s.sgd_step(0.1, grads=w.c.g), InvalidRefError, "sgd_step",
            "Gradients", setup=_foreign_grads),
        err("session-sgd_step-grads-dict", lambda w: w.s.sgd_step(0.1, grads={}), InvalidRefError, "sgd_step",
            "dict"),
        err("session-adam_step-unknown-keyword", lambda w: w.s.adam_step(0.1, betas=(0.9, 0.99)), ArgumentError,
            "adam_step", "betas"),
        err("session-sgd_step-missing-lr", lambda w: w.s.sgd_step(), ArgumentError, "sgd_step", "lr"),
        err("session-adam_step-new-lr-then-stale-grads", lambda w: w.s.adam_step(0.5, grads=w.c.g), InvalidRefError,
            "adam_step", "stale", setup=lambda w: (w.stepped("adam"), _stale_with_new_tape(w))),
        err("session-adamw_step-new-hyper-then-stale-grads",
            lambda w: w.s.adamw_step(0.5, weight_decay=0.2, beta1=0.5, grads=w.c.g), InvalidRefError, "adamw_step",
            "stale", setup=lambda w: (w.stepped("adamw"), _stale_with_new_tape(w))),
        err("session-params_with_grads-stale", lambda w: w.s.params_with_grads(w.c.g), InvalidRefError,
            "params_with_grads", setup=_stale_with_new_tape),
        ok("session-sgd_step-value", lambda w: (w.s.sgd_step(0.5), (w.w.value, w.b.value))[1],
           lambda r, w: (np.testing.assert_array_equal(r[0], (W_ - 0.5 * np.outer(np.ones(2), X_INIT)).astype(F32)),
                         np.testing.assert_array_equal(r[1], (B_ - 0.5).astype(F32)))),
        ok("session-sgd_step-param-used-twice", lambda w: _session_twice(w),
           same(np.array([1.0 - 0.1 * 5.0] * 2, F32))),
        ok("session-adam_step-matches-torch", lambda w: (w.s.adam_step(0.01), w.b.value)[1],
           close(_torch_adam_b(), F32, rtol=1e-6)),
        ok("session-sgd_step-lr-zero-no-change", lambda w: (w.s.sgd_step(0.0), w.w.value)[1], same(W_)),
        ok("session-zero_grad-after-reset", lambda w: _zero_grad_across_reset(w), same(np.full(3, 2.0, F32))),
        ok("session-grad-not-reused-after-reset", lambda w: _fresh_step_after_reset(w),
           same(np.array([1.0 - 0.1 * 2.0, 2.0 - 0.1 * 4.0], F32))),
    ]
    return out


W_ = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], F32)
B_ = np.array([0.5, -0.5], F32)


def _torch_adam_b():
    import torch

    b = torch.tensor(B_, requires_grad=True)
    o = torch.optim.Adam([b], lr=0.01)
    b.grad = torch.ones(2)
    o.step()
    return b.detach().numpy()


def _stale_with_new_tape(w):
    w.c.g = w.grads
    s = w.s
    s.reset()
    # A new tape with the parameters in swapped positions: the old gradients must not be read.
    s.backward(s.sum(s.mul(s.use(w.b), 3.0)) + s.sum(s.use(w.w)))


def _foreign_grads(w):
    o = w.other
    p = w.param(np.ones(2, F32))
    w.c.g = o.backward(o.sum(o.use(p)))


def _session_twice(w):
    s = w.session()
    p = w.param(np.ones(2, F32))
    a, b = s.use(p), s.use(p)
    s.backward(s.sum(s.add(s.mul(a, 2.0), s.mul(b, 3.0))))
    s.sgd_step(0.1)
    return p.value


def _zero_grad_across_reset(w):
    s = w.session()
    p = w.param(np.ones(3, F32))
    s.backward(s.sum(s.mul(s.use(p), 5.0)))
    s.reset()
    s.zero_grad()
    s.backward(s.sum(s.mul(s.use(p), 2.0)))
    return p.grad


def _fresh_step_after_reset(w):
    s = w.session()
    p = w.param(np.array([1.0, 2.0], F32))
    s.backward(s.sum(s.mul(s.use(p), 7.0)))
    s.reset()
    s.zero_grad()
    u = s.use(p)
    s.backward(s.sum(s.mul(u, u)))
    s.sgd_step(0.1)
    return p.value


# -- ScalarTrainer ---------------------------------------------------------------------------

def _trainer_cases():
    out = []
    for backend in ("eager", "compiled"):
        T = lambda w, backend=backend: w.trainer(backend)
        setup = lambda w, backend=backend: w.trainer(backend)
        out += [
            err(f"trainer-{backend}-step-lr-negative", lambda w, T=T: T(w).step(-1.0, TR_X, TR_Y), ArgumentError,
                "ScalarTrainer", "lr", "-1.0", setup=setup),
            err(f"trainer-{backend}-step-lr-nan", lambda w, T=T: T(w).step(NAN, TR_X, TR_Y), ArgumentError,
                "ScalarTrainer", "lr", "nan", setup=setup),
            err(f"trainer-{backend}-step-lr-str", lambda w, T=T: T(w).step("0.1", TR_X, TR_Y), ArgumentError,
                "ScalarTrainer", "lr", setup=setup),
            err(f"trainer-{backend}-adam_step-beta1-one", lambda w, T=T: T(w).adam_step(0.1, TR_X, TR_Y, beta1=1.0),
                ArgumentError, "ScalarTrainer", "beta1", setup=setup),
            err(f"trainer-{backend}-adam_step-eps-negative", lambda w, T=T: T(w).adam_step(0.1, TR_X, TR_Y, eps=-1.0),
                ArgumentError, "ScalarTrainer", "eps", setup=setup),
            err(f"trainer-{backend}-adamw_step-wd-negative",
                lambda w, T=T: T(w).adamw_step(0.1, TR_X, TR_Y, weight_decay=-1.0), ArgumentError, "ScalarTrainer",
                "weight_decay", setup=setup),
            err(f"trainer-{backend}-adam_step-beta2-one", lambda w, T=T: T(w).adam_step(0.1, TR_X, TR_Y, beta2=1.0),
                ArgumentError, "ScalarTrainer", "beta2", setup=setup),
            err(f"trainer-{backend}-adamw_step-beta1-negative",
                lambda w, T=T: T(w).adamw_step(0.1, TR_X, TR_Y, beta1=-0.1), ArgumentError, "ScalarTrainer", "beta1",
                setup=setup),
            err(f"trainer-{backend}-adamw_step-lr-inf", lambda w, T=T: T(w).adamw_step(INF, TR_X, TR_Y), ArgumentError,
                "ScalarTrainer", "lr", setup=setup),
            err(f"trainer-{backend}-step-input-shape", lambda w, T=T: T(w).step(0.1, TR_X[:1], TR_Y), ShapeError,
                "ScalarTrainer", "input 0", "(1, 4)", setup=setup),
            err(f"trainer-{backend}-step-input-count", lambda w, T=T: T(w).step(0.1, TR_X), ArgumentError,
                "ScalarTrainer", "2", "1", setup=setup),
            err(f"trainer-{backend}-step-float-labels", lambda w, T=T: T(w).step(0.1, TR_X, np.array([1.0, 2.0])),
                DTypeError, "ScalarTrainer", "input 1", setup=setup),
            err(f"trainer-{backend}-step-label-out-of-range", lambda w, T=T: T(w).step(0.1, TR_X, np.array([1, 3])),
                ArgumentError, "cross_entropy", "3", setup=setup),
            err(f"trainer-{backend}-adam_step-label-out-of-range",
                lambda w, T=T: T(w).adam_step(0.1, TR_X, np.array([-1, 0])), ArgumentError, "cross_entropy", "-1",
                setup=setup),
            err(f"trainer-{backend}-forward-None", lambda w, T=T: T(w).forward(None, TR_Y), DTypeError,
                "ScalarTrainer", "input 0", "None", setup=setup),
            err(f"trainer-{backend}-backward-overflow",
                lambda w, T=T: T(w).backward(TR_X.astype(F64) * 1e300, TR_Y), ArgumentError,
                "ScalarTrainer", "input 0", setup=setup),
            ok(f"trainer-{backend}-sgd-step-matches-torch", lambda w, backend=backend: _trainer_sgd(w, backend),
               close(_torch_trainer_sgd(), F32, rtol=1e-6, atol=1e-7)),
        ]
    out += [
        ok("trainer-get_params-is-a-copy", lambda w: _get_params_copy(w), same(INIT)),
        ok("trainer-frozen-param-unchanged", lambda w: _frozen_trainer(w), same(INIT)),
        ok("adam-load_state_dict-copies", lambda w: _load_copies(w), same(np.zeros(3, F32))),
        err("trainer-ctor-None-param", lambda w: tl.ScalarTrainer([None], [(2, 4)], lambda o, a, x: o.sum(x)),
            DTypeError, "Param", "None"),
        err("trainer-ctor-bad-input-type",
            lambda w: tl.ScalarTrainer([np.ones(3, F32)], ["abc"], lambda o, a, x: o.sum(a)),
            (ShapeError, ArgumentError), "compile", "abc"),
        err("trainer-ctor-requires_grad-length", lambda w: tl.ScalarTrainer([np.ones(3, F32)], [(3,)],
                                                                            lambda o, a, x: o.sum(a),
                                                                            requires_grad=[True, False]),
            ArgumentError, "ParamList", "requires_grad"),
        err("trainer-ctor-compiled-non-scalar-loss", lambda w: tl.ScalarTrainer(
            [np.ones(3, F32)], [(3,)], lambda o, a, x: o.mul(a, x), tl.Options(backend="compiled")), ShapeError,
            "compile_scalar", "float32[3]"),
        err("trainer-ctor-options-not-Options", lambda w: tl.ScalarTrainer([np.ones(3, F32)], [(3,)],
                                                                           lambda o, a, x: o.sum(a), "compiled"),
            ArgumentError, "options"),
        err("ParamList-names-length", lambda w: tl.ParamList([np.ones(2)], names=["a", "b"]), ArgumentError,
            "ParamList", "names"),
        err("ParamList-set_values-count", lambda w: w.trainer("eager").params.set_values([]), ArgumentError,
            "ParamList.set_values", "1", "0", setup=lambda w: w.trainer("eager")),
        err("ParamList-set_values-second-bad", lambda w: w.c.pl.set_values([np.zeros(2, F32), np.zeros(3, F32)]),
            ShapeError, "ParamList.set_values", "(3,)", setup=_param_list),
    ]
    return out


def _get_params_copy(w):
    t = w.track(tl.ScalarTrainer([INIT.copy()], [(2, 4), ((2,), np.int64)],
                                 lambda o, a, x, y: o.cross_entropy(o.linear(a, None, x), y)))
    t.get_params()[0][...] = 42.0
    return t.get_params()[0]


def _frozen_trainer(w):
    t = w.track(tl.ScalarTrainer([INIT.copy()], [(2, 4), ((2,), np.int64)],
                                 lambda o, a, x, y: o.cross_entropy(o.linear(a, None, x), y), requires_grad=[False]))
    t.step(0.5, TR_X, TR_Y)
    t.adam_step(0.5, TR_X, TR_Y)
    return t.get_params()[0]


def _load_copies(w):
    p = w.param(np.ones(3, F32))
    o = tl.Adam([p])
    m = np.zeros(3, F32)
    o.load_state_dict({"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                       "state": {"0": {"m": m, "v": np.zeros(3, F32), "t": 1}}})
    m[...] = 7.0
    return np.asarray(o.state_dict()["state"]["0"]["m"])


def _param_list(w):
    pl = tl.ParamList([np.ones(2, F32), np.ones(2, F32)])
    for p in pl:
        w.track(p)
    w.c.pl = pl


INIT = np.array([[0.1, -0.2, 0.3, 0.0], [0.2, 0.1, -0.1, 0.4], [0.0, 0.3, 0.2, -0.3]], F32)


def _trainer_sgd(w, backend):
    t = w.track(tl.ScalarTrainer([INIT.copy()], [(2, 4), ((2,), np.int64)],
                                 lambda o, a, x, y: o.cross_entropy(o.linear(a, None, x), y),
                                 tl.Options(backend=backend)))
    t.step(0.5, TR_X, TR_Y)
    return t.get_params()[0]


def _torch_trainer_sgd():
    import torch

    a = torch.tensor(INIT, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(torch.tensor(TR_X) @ a.T, torch.tensor(TR_Y))
    loss.backward()
    return (a - 0.5 * a.grad).detach().numpy()


CASES = (_constructor_cases() + _assign_cases() + _step_cases() + _step_values() + _load_cases() + _session_cases()
         + _trainer_cases())
