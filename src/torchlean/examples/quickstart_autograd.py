"""Autograd on the seed's golden fixture: a Linear 2->3 layer with known numbers.

W = [[0.2, -0.1], [0, 0.3], [-0.4, 0.1]], b = [0.01, -0.02, 0.03], x = [0.5, -1.2],
y = [0.7, 0.1, -0.5], f(W, b, x) = W x + b. Printed: the VJP of f with a ones seed; the rows of
jacrev(f) in x; the MSE loss against y and its gradients; the gradients of a loss computed on
the detached output (zero); the JVP of f along (vW = 0.1, vb = -0.2); the HVP of the loss in x
along (1, 0); jacfwd of x -> x^2; the Hessian of mean(x^2) (by HVPs); and the one-liners vjp,
jacrev, grad, value_and_grad. Functions take (ops, *args) and run with --backend eager (a tape)
or compiled (a traced graph and its derivative graphs). Every value is compared with the
closed form (NumPy).
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn.functional as F

SUMMARY = "autograd on the seed's golden Linear 2->3 fixture: vjp, jacrev, grads, jvp, hvp, jacfwd, Hessian"
GROUP = "quickstart"
ORDER = 2
DEFAULTS: dict = {}
SMOKE: dict = {}
RESULT = "every value equals its closed form (max error 3e-17 in float64, 3e-8 in float32)"
CHECKS = [("max_error", "<", 1e-5)]
SMOKE_CHECKS = CHECKS


def f(ops, W, b, x):
    return F.linear(x, W, b)


def loss(ops, W, b, x, y):
    return F.mse_loss(F.linear(x, W, b), y)


def detached_loss(ops, W, b, x, y):
    return F.mse_loss(F.linear(x, W, b).detach(), y)


def square(ops, x):
    return x * x


def mean_square(ops, x):
    return (x * x).mean()


def host(a):
    return np.asarray(a.get() if hasattr(a, "get") else a, dtype=np.float64)


def run(cfg):
    dt = cfg.dtype
    W = np.array([[0.2, -0.1], [0.0, 0.3], [-0.4, 0.1]], dt)
    b = np.array([0.01, -0.02, 0.03], dt)
    x = np.array([0.5, -1.2], dt)
    y = np.array([0.7, 0.1, -0.5], dt)
    kw = {"backend": cfg.backend, "options": cfg.options()}
    Wd, bd, xd, yd = (v.astype(np.float64) for v in (W, b, x, y))
    out = Wd @ xd + bd
    g = 2.0 / 3.0 * (out - yd)  # d mse / d out
    errors = []

    def show(name, got, want):
        got = [host(v) for v in (got if isinstance(got, (list, tuple)) else [got])]
        want = want if isinstance(want, (list, tuple)) else [want]
        errors.extend(float(np.max(np.abs(a - np.asarray(w)), initial=0.0)) for a, w in zip(got, want))
        print(f"{name:<34} " + "  ".join(str(np.round(v, 6).tolist()) for v in got))

    print(f"torchlean quickstart_autograd: Linear 2->3 fixture (backend={cfg.backend}, dtype={cfg.dtype_name})")
    value, pullback = tl.vjp(f, W, b, x, **kw)
    show("f(W, b, x) = W x + b", value, out)
    ones = np.ones(3)
    show("vjp(f)(ones): dW, db, dx", pullback(ones.astype(dt)), [np.outer(ones, xd), ones, Wd.T @ ones])
    jac = host(tl.jacrev(f, argnums=2, **kw)(W, b, x))
    for i in range(3):
        show(f"jacrev(f, x) row {i}", jac[i], Wd[i])
    lval, (gW, gb) = tl.value_and_grad(loss, argnums=(0, 1), **kw)(W, b, x, y)
    show("mse(f, y)", lval, np.mean((out - yd) ** 2))
    show("d mse / dW, d mse / db", [gW, gb], [np.outer(g, xd), g])
    show("detached loss: dW, db", tl.grad(detached_loss, argnums=(0, 1), **kw)(W, b, x, y),
         [np.zeros((3, 2)), np.zeros(3)])
    tangents = [np.full((3, 2), 0.1, dt), np.full(3, -0.2, dt), np.zeros(2, dt)]
    _, jv = tl.jvp(f, [W, b, x], tangents, **kw)
    show("jvp(f) along vW=0.1, vb=-0.2", jv, 0.1 * np.ones((3, 2)) @ xd - 0.2)
    zero = [np.zeros_like(W), np.zeros_like(b)]
    hv = tl.hvp(loss, [W, b, x, y], [*zero, np.array([1.0, 0.0], dt), np.zeros_like(y)], options=cfg.options())
    show("hvp(mse, x) along (1, 0)", hv[2], 2.0 / 3.0 * (Wd.T @ Wd) @ np.array([1.0, 0.0]))
    show("jacfwd(x -> x^2)", tl.jacfwd(square, **kw)(x), np.diag(2 * xd))
    hessian = np.stack([host(tl.hvp(mean_square, [x], [np.eye(2, dtype=dt)[i]], options=cfg.options())[0])
                        for i in range(2)])
    show("hessian(mean(x^2))", hessian, np.eye(2))
    print("one-liners:")
    show("  tl.vjp(f, W, b, x)[0]", tl.vjp(f, W, b, x, **kw)[0], out)
    show("  tl.jacrev(f, argnums=2)(W, b, x)", tl.jacrev(f, argnums=2, **kw)(W, b, x), Wd)
    show("  tl.grad(loss, argnums=2)(...)", tl.grad(loss, argnums=2, **kw)(W, b, x, y), Wd.T @ g)
    v2, g2 = tl.value_and_grad(loss, argnums=2, **kw)(W, b, x, y)
    show("  tl.value_and_grad(loss, 2)(...)", [v2, g2], [np.mean((out - yd) ** 2), Wd.T @ g])
    worst = max(errors)
    print(f"max |torchlean - closed form| = {worst:.3g}")
    return {"max_error": worst}
