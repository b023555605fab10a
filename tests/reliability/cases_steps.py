"""The seed-style steps on every path: the session's ``sgd_step``/``adam_step``/``adamw_step``
(fresh and existing optimizers, stale or foreign ``Gradients``, ``zero_grad``) and
``ScalarTrainer`` steps on both backends. Every failure leaves parameters, gradients, the
optimizers behind the steps (``Session.optimizer(kind)``, ``ScalarTrainer.optimizer(kind)``) and
their state exactly as they were; positive controls compare the updates with ``torch.optim``.
"""

from __future__ import annotations

import math

import numpy as np

import torchlean as tl

from .cases_optim import BAD_HYPER
from .harness import F32, F64, TR_X, TR_Y, X_INIT, ArgumentError, close, err, ok, same

DTypeError, ShapeError = tl.DTypeError, tl.ShapeError
InvalidRefError = tl.InvalidRefError
NAN, INF = math.nan, math.inf
# The seed-style keywords of each session step.
HYPER = {"sgd": ["lr"], "adam": ["lr", "beta1", "beta2", "eps"],
         "adamw": ["lr", "weight_decay", "beta1", "beta2", "eps"]}


def _session_cases():
    out = []
    paths = [("sgd", "sgd_step", {"lr": 0.1}), ("adam", "adam_step", {}), ("adamw", "adamw_step", {})]
    for kind, meth, _ in paths:
        hyper = HYPER[kind]
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
        err("trainer-optimizer-bad-kind", lambda w: w.trainer("eager").optimizer("rmsprop"), ArgumentError,
            "ScalarTrainer.optimizer", "rmsprop", setup=lambda w: w.trainer("eager")),
        ok("trainer-optimizer-is-the-steps-object", lambda w: _trainer_optimizer(w), lambda r, w: _eq(r, (1, 0.01))),
        ok("session-optimizer-state-loads-into-torch", lambda w: _session_adam_to_torch(w),
           close(_torch_adam_two_steps(), F32, rtol=1e-6)),
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


def _param_list(w):
    pl = tl.ParamList([np.ones(2, F32), np.ones(2, F32)])
    for p in pl:
        w.track(p)
    w.c.pl = pl


def _eq(a, b):
    assert a == b, f"{a!r} != {b!r}"


def _trainer_optimizer(w):
    t = w.trainer("eager")
    o = t.optimizer("adam")
    return o.state[o.param_groups[0]["params"][0]]["step"], o.param_groups[0]["lr"]


def _session_adam_to_torch(w):
    """The session's Adam after one step, loaded into torch.optim.Adam, which takes the second."""
    import torch

    s = w.session()
    p = w.param(B_.copy())
    s.backward(s.sum(s.use(p)))
    s.adam_step(0.01)
    t = torch.tensor(p.value, requires_grad=True)
    o = torch.optim.Adam([t], lr=0.5)
    sd = s.optimizer("adam").state_dict()
    sd["state"] = {k: {n: torch.tensor(v) if isinstance(v, np.ndarray) else v for n, v in st.items()}
                   for k, st in sd["state"].items()}
    o.load_state_dict(sd)
    t.grad = torch.ones(2)
    o.step()
    return t.detach().numpy()


def _torch_adam_two_steps():
    import torch

    b = torch.tensor(B_, requires_grad=True)
    o = torch.optim.Adam([b], lr=0.01)
    for _ in range(2):
        b.grad = torch.ones(2)
        o.step()
    return b.detach().numpy()


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


CASES = _session_cases() + _trainer_cases()
