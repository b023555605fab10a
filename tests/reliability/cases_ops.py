"""Every op family: bad operands and arguments (errors name the public op, the tape is unchanged,
composites failing half-way roll back), and positive controls for zero-size and 0-d tensors,
NaN/inf where behaviour is defined, PyTorch-promoted operands and the tie rules.

World tensors (see ``harness.World``): ``x`` float32 (3,), ``m`` float32 (2, 3), ``i`` int64 (2,),
``flag`` bool (3,), ``d`` float64 (3,), ``W``/``B`` the leaves of params ``w`` (2, 3), ``b`` (2,),
``stale`` a ref from before a reset, ``y`` a ref of another session.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

import torchlean as tl

from .harness import F32, F64, M_INIT, W_INIT, X_INIT, ArgumentError, close, err, later, may, ok, same, torch_fn

DTypeError, ShapeError = tl.DTypeError, tl.ShapeError
InvalidRefError, NotDifferentiableError = tl.InvalidRefError, tl.NotDifferentiableError
NONREF = (ArgumentError, DTypeError)  # a non-tensor where a tensor belongs
INF, NAN = math.inf, math.nan

BINARY = ["add", "sub", "mul", "div", "maximum", "minimum"]
UNARY = ["relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "neg", "softplus", "inv", "sign", "step",
         "silu", "gelu", "safe_log", "detach"]


def _binary_cases():
    out = []
    for op in BINARY:
        out += [
            err(f"{op}-shape-mismatch", lambda w, op=op: getattr(w.S, op)(w.x, w.s.input([1.0, 2.0])), ShapeError,
                f"{op}:", "(3,)", "(2,)"),
            err(f"{op}-float32-with-float64", lambda w, op=op: getattr(w.S, op)(w.x, w.d), DTypeError, f"{op}:",
                "float32", "float64"),
            err(f"{op}-stale-operand", lambda w, op=op: getattr(w.S, op)(w.x, w.stale), InvalidRefError, f"{op}:",
                "stale"),
            err(f"{op}-stale-operand-broadcast", lambda w, op=op: getattr(w.S, op)(w.m, w.stale), InvalidRefError,
                f"{op}:", "stale"),
            err(f"{op}-foreign-operand", lambda w, op=op: getattr(w.S, op)(w.y, w.x), InvalidRefError, f"{op}:",
                "another session"),
        ]
    out += [
        err("add-ndarray-operand", lambda w: w.S.add(w.x, np.ones(3)), NONREF, "add:", "ndarray", "s.input"),
        err("sub-None-operand", lambda w: w.S.sub(None, w.x), NONREF, "sub:", "None"),
        err("mul-str-operand", lambda w: w.S.mul(w.x, "2"), NONREF, "mul:", "str"),
        err("div-list-operand", lambda w: w.S.div(w.x, [1.0, 2.0, 3.0]), NONREF, "div:", "list"),
        err("maximum-ndarray-operand", lambda w: w.S.maximum(np.ones(3), w.x), NONREF, "maximum:", "ndarray"),
        err("minimum-None-operand", lambda w: w.S.minimum(w.x, None), NONREF, "minimum:", "None"),
        err("add-complex-scalar", lambda w: w.x + 1j, DTypeError, "add", "complex"),
        err("add-numpy-complex-scalar", lambda w: w.x + np.complex128(1j), DTypeError, "add", "complex"),
        err("add-0d-ndarray", lambda w: w.x + np.array(2.0), NONREF, "add", "ndarray"),
        err("add-scalar-beyond-float64", lambda w: w.x + 2**2000, ArgumentError, "add", "float64"),
        err("rsub-scalar-beyond-float64", lambda w: 2**2000 - w.x, ArgumentError, "sub", "float64"),
        err("mul-scalar-beyond-float64", lambda w: w.x * 2**1100, ArgumentError, "mul", "float64"),
        err("div-scalar-beyond-float64", lambda w: w.x / 2**1100, ArgumentError, "div", "float64"),
        err("rdiv-scalar-beyond-float64", lambda w: 2**1100 / w.x, ArgumentError, "div", "float64"),
        may("add-int-tensor-float-scalar", lambda w: w.i + 1.5, same(np.array([1.5, 3.5], F32), F32), DTypeError,
            "add", "int64"),
        may("mul-int-tensors", lambda w: w.S.mul(w.i, w.i), same(np.array([0, 4], np.int64), np.int64), DTypeError,
            "mul", "int64"),
        may("add-bool-tensors", lambda w: w.S.add(w.flag, w.flag), same(np.array([True, False, True])), DTypeError,
            "add", "bool"),
        may("gt-operator", lambda w: w.x > 1.5, same(np.array([False, True, True])), NONREF, ">"),
        may("eq-operator", lambda w: w.x == 2.0, same(np.array([False, True, False])), NONREF, "=="),
        may("floordiv-operator", lambda w: w.x // 2, same(np.array([0.0, 1.0, 1.0], F32)), NONREF, "//"),
        err("numpy-add-dispatch", lambda w: np.ones(3) + w.x, NONREF, "add", "ndarray"),
        err("numpy-radd-dispatch", lambda w: w.x + np.ones(3), NONREF, "add", "ndarray"),
        err("numpy-matmul-dispatch", lambda w: np.ones((3, 3)) @ w.x, NONREF, "matmul", "ndarray"),
        err("numpy-rmatmul-dispatch", lambda w: w.x @ np.ones(3), NONREF, "matmul", "ndarray"),
        err("numpy-sum-function", lambda w: np.sum(w.x), DTypeError, "numpy.sum"),
        err("numpy-mean-function", lambda w: np.mean(w.m), DTypeError, "numpy.mean"),
        err("numpy-concatenate-function", lambda w: np.concatenate([w.x, w.x]), DTypeError, "numpy.concatenate"),
        err("numpy-ufunc-exp", lambda w: np.exp(w.x), DTypeError, "exp"),
        err("numpy-ufunc-add", lambda w: np.add(w.x, 1.0), DTypeError, "add"),
        err("power-tensor-exponent", lambda w: w.S.power(w.x, w.x), DTypeError, "power", "exponent"),
        err("power-str-exponent", lambda w: w.x ** "2", DTypeError, "power"),
        err("scale-str", lambda w: w.S.scale(w.x, "2"), DTypeError, "scale"),
        err("add_scalar-None", lambda w: w.S.add_scalar(w.x, None), (DTypeError, ArgumentError), "add_scalar", "None"),
        err("clamp-str-bound", lambda w: w.S.clamp(w.x, "a"), (ArgumentError, DTypeError), "clamp"),
        may("clamp-int-tensor", lambda w: w.S.clamp(w.i, 0.0, 1.0), same(np.array([0.0, 1.0], F32)), DTypeError,
            "clamp", "int64"),
    ]
    return out


def _unary_cases():
    out = []
    for op in UNARY:
        act = lambda w, op=op: getattr(w.S, op)(w.i)
        expected = _torch_on_int(op)
        if expected is None:  # PyTorch refuses an integer tensor here too
            out.append(err(f"{op}-int-input", act, DTypeError, f"{op}:", "int64"))
        else:
            out.append(may(f"{op}-int-input", act, same(expected, expected.dtype), DTypeError, f"{op}:", "int64"))
    for op in ["relu", "exp", "log", "softplus", "gelu", "silu", "safe_log", "detach"]:
        out.append(err(f"{op}-stale-input", lambda w, op=op: getattr(w.S, op)(w.stale), InvalidRefError, f"{op}:",
                       "stale"))
    for op in ["tanh", "gelu", "sqrt", "sign"]:
        out.append(err(f"{op}-foreign-input", lambda w, op=op: getattr(w.S, op)(w.y), InvalidRefError, f"{op}:",
                       "another session"))
    out += [
        err("relu-ndarray", lambda w: w.S.relu(np.ones(3)), NONREF, "relu:", "ndarray"),
        err("sigmoid-None", lambda w: w.S.sigmoid(None), NONREF, "sigmoid:", "None"),
        err("gelu-bool-input", lambda w: w.S.gelu(w.flag), DTypeError, "gelu:", "bool"),
        err("gelu-names-inner-op", lambda w: w.S.gelu(w.i), DTypeError, "gelu:", "(in "),
        err("silu-ndarray", lambda w: w.S.silu(np.ones(3)), NONREF, "silu:"),
    ]
    return out


def _torch_on_int(op):
    """PyTorch's result on the int64 tensor [0, 2] (None where it raises)."""
    try:
        return torch_fn(_torch_unary(op), np.array([0, 2], np.int64))
    except (RuntimeError, TypeError):
        return None


def _torch_unary(op):
    return {"relu": lambda t, a: t.relu(a), "sigmoid": lambda t, a: t.sigmoid(a), "tanh": lambda t, a: t.tanh(a),
            "exp": lambda t, a: t.exp(a), "log": lambda t, a: t.log(a), "sqrt": lambda t, a: t.sqrt(a),
            "abs": lambda t, a: t.abs(a), "neg": lambda t, a: -a,
            "softplus": lambda t, a: t.nn.functional.softplus(a), "inv": lambda t, a: t.reciprocal(a),
            "sign": lambda t, a: t.sign(a), "silu": lambda t, a: t.nn.functional.silu(a),
            "gelu": lambda t, a: t.nn.functional.gelu(a, approximate="tanh"),
            "safe_log": lambda t, a: t.log(t.nn.functional.softplus(a) + 1e-6),
            "step": lambda t, a: (a > 0).to(a.dtype), "detach": lambda t, a: a}[op]


SPECIAL = np.array([-INF, -1000.0, -1.0, -0.0, 0.0, 0.5, 1000.0, INF], F32)
SPECIAL_NONNEG = np.array([0.0, 1e-30, 0.25, 4.0, INF], F32)


def _unary_values():
    out = []
    for op in UNARY:
        arr = SPECIAL_NONNEG if op in ("log", "sqrt", "inv") else SPECIAL
        out.append(ok(f"{op}-special-values", lambda w, op=op, arr=arr: getattr(w.S, op)(w.s.input(arr)),
                      close(torch_fn(_torch_unary(op), arr.astype(F64)).astype(F32), F32, rtol=2e-6)))
        out.append(ok(f"{op}-zero-size", lambda w, op=op: getattr(w.S, op)(w.s.input(np.zeros((0, 3), F32))),
                      same(np.zeros((0, 3), F32), F32)))
        out.append(ok(f"{op}-0d", lambda w, op=op: getattr(w.S, op)(w.s.input(np.float32(0.5))),
                      close(torch_fn(_torch_unary(op), np.array(0.5)).astype(F32), F32, rtol=2e-6)))
    out += [
        ok("relu-nan-propagates", lambda w: w.S.relu(w.s.input([NAN, 1.0])), same(np.array([NAN, 1.0], F32))),
        ok("log-of-negative-is-nan", lambda w: w.S.log(w.s.input([-1.0, 0.0])), same(np.array([NAN, -INF], F32))),
        ok("sqrt-of-negative-is-nan", lambda w: w.S.sqrt(w.s.input([-4.0])), same(np.array([NAN], F32))),
        ok("relu-grad-at-zero-is-zero", lambda w: _grad_at(w, "relu", [0.0, 1.0]), same(np.array([0.0, 1.0], F32))),
        ok("abs-grad-at-zero-is-zero", lambda w: _grad_at(w, "abs", [0.0, -2.0]), same(np.array([0.0, -1.0], F32))),
        ok("sqrt-grad-at-zero-is-zero", lambda w: _grad_at(w, "sqrt", [0.0, 4.0]), same(np.array([0.0, 0.25], F32))),
        ok("clamp-grad-strict-inside", lambda w: _clamp_grad(w), same(np.array([0.0, 1.0, 0.0, 0.0], F32))),
        ok("sigmoid-grad-at-large", lambda w: _grad_at(w, "sigmoid", [1000.0, -1000.0]), same(np.zeros(2, F32))),
        ok("tanh-grad-at-inf", lambda w: _grad_at(w, "tanh", [INF, -INF]), same(np.zeros(2, F32))),
    ]
    return out


def _grad_at(w, op, values):
    a = w.s.input(values, requires_grad=True)
    return w.s.backward(w.s.sum(getattr(w.s, op)(a)))[a]


def _clamp_grad(w):
    a = w.s.input([0.0, 0.5, 1.0, 2.0], requires_grad=True)
    return w.s.backward(w.s.sum(w.s.clamp(a, 0.0, 1.0)))[a]


def _tie_grads(w, op, a_vals, b_vals):
    a = w.s.input(a_vals, requires_grad=True)
    b = w.s.input(b_vals, requires_grad=True)
    out = getattr(w.s, op)(a, b)
    g = w.s.backward(out, np.ones(len(a_vals), F32))
    return np.stack([g[a], g[b]])


def _tie_jvp(w, op, a_vals, b_vals):
    a = w.s.input(a_vals, requires_grad=True)
    b = w.s.input(b_vals, requires_grad=True)
    out = getattr(w.s, op)(a, b)
    return w.s.jvp(out, {a: np.ones(len(a_vals), F32), b: np.zeros(len(a_vals), F32)})


def _compiled_tie(w, op):
    c = tl.compile_out(lambda o, a, b: getattr(o, op)(a, b), [(3,), (3,)])
    a = np.array([INF, -INF, 1.0], F32)
    b = np.array([INF, -INF, 2.0], F32)
    return np.stack(c.backward_with_seed([a, b], np.ones(3, F32)))


def _value_cases():
    x = X_INIT
    return [
        ok("div-by-zero-scalar-is-inf", lambda w: w.x / 0, same(np.array([INF, INF, INF], F32), F32), quiet=True),
        ok("div-by-zero-float-scalar", lambda w: w.s.neg(w.x) / 0.0, same(np.array([-INF, -INF, -INF], F32)),
           quiet=True),
        ok("zero-div-zero-is-nan", lambda w: w.s.input([0.0, 1.0]) / 0, same(np.array([NAN, INF], F32)), quiet=True),
        ok("rdiv-zero-by-tensor", lambda w: 0 / w.x, same(np.zeros(3, F32)), quiet=True),
        ok("div-by-zero-tensor", lambda w: w.x / w.s.input([0.0, -0.0, 1.0]), same(np.array([INF, -INF, 3.0], F32)),
           quiet=True),
        ok("rdiv-scalar-by-zero-tensor", lambda w: 1.0 / w.s.input([0.0, -0.0]), same(np.array([INF, -INF], F32)),
           quiet=True),
        ok("numpy-float64-scalar-operand", lambda w: np.float64(2.0) + w.x, same(x + 2, F32)),
        ok("numpy-float32-scalar-operand", lambda w: w.x * np.float32(0.5), same(x * np.float32(0.5), F32)),
        ok("numpy-int64-scalar-operand", lambda w: np.int64(2) - w.x, same(2 - x, F32)),
        ok("numpy-bool-scalar-operand", lambda w: w.x + np.bool_(True), same(x + 1, F32)),
        ok("python-bool-operand", lambda w: w.x * True, same(x, F32)),
        ok("python-int-operand", lambda w: 3 * w.x, same(3 * x, F32)),
        ok("numpy-int-exponent", lambda w: w.x ** np.int64(2), same(x ** 2, F32)),
        ok("scalar-inf-operand", lambda w: w.x + INF, same(np.full(3, INF, F32))),
        ok("scalar-nan-operand", lambda w: w.x * NAN, same(np.full(3, NAN, F32))),
        ok("scalar-large-int-fits-float64", lambda w: w.x * 0 + 2**60, same(np.full(3, 2.0**60, F32))),
        ok("div-by-three-matches-torch", lambda w: w.x / 3, same((x / np.float32(3)).astype(F32))),
        ok("broadcast-row-plus-matrix", lambda w: w.m + w.x, same(M_INIT + X_INIT, F32)),
        ok("broadcast-zero-size", lambda w: w.s.input(np.zeros((0, 3), F32)) + w.x, same(np.zeros((0, 3), F32))),
        ok("add-0d-tensors", lambda w: w.s.input(1.5) + w.s.input(2.0), same(np.float32(3.5))),
        ok("maximum-equal-inf-grad-split", lambda w: _tie_grads(w, "maximum", [INF, -INF, 1.0], [INF, -INF, 2.0]),
           same(np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 1.0]], F32))),
        ok("minimum-equal-inf-grad-split", lambda w: _tie_grads(w, "minimum", [INF, -INF, 1.0], [INF, -INF, 2.0]),
           same(np.array([[0.5, 0.5, 1.0], [0.5, 0.5, 0.0]], F32))),
        ok("maximum-finite-tie-grad-split", lambda w: _tie_grads(w, "maximum", [2.0, 0.0], [2.0, 0.0]),
           same(np.full((2, 2), 0.5, F32))),
        ok("maximum-equal-inf-jvp-split", lambda w: _tie_jvp(w, "maximum", [INF, -INF, 3.0], [INF, -INF, 2.0]),
           same(np.array([0.5, 0.5, 1.0], F32))),
        ok("minimum-equal-inf-jvp-split", lambda w: _tie_jvp(w, "minimum", [INF, -INF, 3.0], [INF, -INF, 2.0]),
           same(np.array([0.5, 0.5, 0.0], F32))),
        ok("maximum-equal-inf-compiled-grad", lambda w: _compiled_tie(w, "maximum"),
           same(np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 1.0]], F32))),
        ok("minimum-equal-inf-compiled-grad", lambda w: _compiled_tie(w, "minimum"),
           same(np.array([[0.5, 0.5, 1.0], [0.5, 0.5, 0.0]], F32))),
        ok("maximum-nan-propagates", lambda w: w.S.maximum(w.s.input([NAN, 1.0]), w.s.input([0.0, NAN])),
           same(np.array([NAN, NAN], F32))),
        ok("maximum-with-python-scalar", lambda w: w.S.maximum(w.x, 2.0), same(np.array([2.0, 2.0, 3.0], F32))),
    ]


def _reduce_cases():
    return [
        err("reduce_sum-axis-out-of-range", lambda w: w.S.reduce_sum(w.m, 5), ShapeError, "reduce_sum:", "5"),
        err("reduce_sum-float-axis", lambda w: w.S.reduce_sum(w.m, 1.0), ShapeError, "reduce_sum:", "1.0"),
        err("reduce_sum-str-axis", lambda w: w.S.reduce_sum(w.m, "0"), ShapeError, "reduce_sum:", "'0'"),
        err("reduce_sum-repeated-axis", lambda w: w.S.reduce_sum(w.m, (0, -2)), ShapeError, "reduce_sum:",
            "repeated"),
        err("reduce_sum-bool-axis", lambda w: w.S.reduce_sum(w.m, True), ShapeError, "reduce_sum:", "True"),
        err("sum-method-float-dim", lambda w: w.m.sum(0.0), ShapeError, "reduce_sum:", "0.0"),
        err("reduce_mean-axis-out-of-range", lambda w: w.S.reduce_mean(w.m, -3), ShapeError, "reduce_mean:", "-3"),
        err("reduce_mean-int-tensor", lambda w: w.S.reduce_mean(w.i), DTypeError, "reduce_mean:", "int64"),
        err("mean-method-stale", lambda w: w.stale.mean(), InvalidRefError, "reduce_mean:", "stale"),
        err("softmax-axis-out-of-range", lambda w: w.S.softmax(w.x, 1), ShapeError, "softmax:", "1"),
        err("softmax-float-axis", lambda w: w.S.softmax(w.m, 0.5), ShapeError, "softmax:", "0.5"),
        err("softmax-int-tensor", lambda w: w.S.softmax(w.i), DTypeError, "softmax:", "int64"),
        err("log_softmax-axis-out-of-range", lambda w: w.S.log_softmax(w.m, 2), ShapeError, "log_softmax:", "2"),
        err("log_softmax-stale", lambda w: w.S.log_softmax(w.stale), InvalidRefError, "log_softmax:"),
        ok("reduce_sum-numpy-int-axis", lambda w: w.S.reduce_sum(w.m, np.int64(1)),
           same(M_INIT.sum(axis=1), F32)),
        ok("reduce_sum-negative-axis-keepdims", lambda w: w.S.reduce_sum(w.m, -1, keepdims=True),
           same(M_INIT.sum(axis=-1, keepdims=True), F32)),
        ok("sum-empty-is-zero", lambda w: w.S.sum(w.s.input(np.zeros((0,), F32))), same(np.float32(0.0))),
        ok("sum-axis-of-zero-size", lambda w: w.S.reduce_sum(w.s.input(np.zeros((0, 3), F32)), 0),
           same(np.zeros(3, F32))),
        ok("mean-empty-is-nan", lambda w: w.S.mean(w.s.input(np.zeros((0,), F32))), same(np.float32(NAN))),
        ok("sum-0d", lambda w: w.S.sum(w.s.input(np.float32(2.5))), same(np.float32(2.5))),
        ok("reduce_sum-0d-axis-0", lambda w: w.S.reduce_sum(w.s.input(np.float32(2.5)), 0), same(np.float32(2.5))),
        ok("sum-with-inf", lambda w: w.S.sum(w.s.input([INF, 1.0])), same(np.float32(INF))),
        ok("softmax-0d-is-one", lambda w: w.S.softmax(w.s.input(np.float32(3.0))), same(np.float32(1.0))),
        ok("softmax-with-neg-inf", lambda w: w.S.softmax(w.s.input([0.0, -INF, 0.0])),
           same(np.array([0.5, 0.0, 0.5], F32))),
        ok("softmax-large-logits-stable", lambda w: w.S.softmax(w.s.input([1000.0, 1000.0])),
           same(np.array([0.5, 0.5], F32))),
        ok("softmax-all-neg-inf-is-nan", lambda w: w.S.softmax(w.s.input([-INF, -INF])),
           same(np.array([NAN, NAN], F32))),
        ok("log_softmax-matches-torch", lambda w: w.S.log_softmax(w.m, 0),
           close(torch_fn(lambda t, a: t.log_softmax(a, 0), M_INIT.astype(F64)), F32)),
        ok("softmax-zero-size-rows", lambda w: w.S.softmax(w.s.input(np.zeros((0, 3), F32))),
           same(np.zeros((0, 3), F32))),
    ]


def _shape_cases():
    return [
        err("reshape-float-dims", lambda w: w.S.reshape(w.m, (2.9, 3)), ShapeError, "reshape:", "2.9"),
        err("reshape-wrong-size", lambda w: w.S.reshape(w.m, (4, 2)), ShapeError, "reshape:", "(4, 2)"),
        err("reshape-two-infer", lambda w: w.S.reshape(w.m, (-1, -1)), ShapeError, "reshape:", "-1"),
        err("reshape-negative", lambda w: w.S.reshape(w.m, (-2, -3)), ShapeError, "reshape:", "-2"),
        err("reshape-str", lambda w: w.S.reshape(w.m, "6"), ShapeError, "reshape:"),
        err("reshape-infer-not-divisible", lambda w: w.S.reshape(w.m, (4, -1)), ShapeError, "reshape:", "(2, 3)"),
        err("view-method-float", lambda w: w.m.view(3.0, 2), ShapeError, "reshape:", "3.0"),
        err("flatten-start-after-end", lambda w: w.S.flatten(w.m, 1, 0), ShapeError, "flatten:"),
        err("flatten-axis-out-of-range", lambda w: w.S.flatten(w.m, 0, 4), ShapeError, "flatten:", "4"),
        err("permute-short", lambda w: w.S.permute(w.m, (0,)), ShapeError, "permute:", "(0,)"),
        err("permute-duplicate", lambda w: w.S.permute(w.m, (1, 1)), ShapeError, "permute:", "(1, 1)"),
        err("permute-float", lambda w: w.S.permute(w.m, (1.0, 0)), ShapeError, "permute:", "1.0"),
        err("transpose-axis-out-of-range", lambda w: w.S.transpose(w.m, 0, 3), ShapeError, "transpose:", "3"),
        err("transpose2d-vector", lambda w: w.S.transpose2d(w.x), ShapeError, "transpose2d:", "(3,)"),
        err("t-method-vector", lambda w: w.x.t(), ShapeError, "transpose2d:"),
        err("broadcast_to-incompatible", lambda w: w.S.broadcast_to(w.x, (2, 4)), ShapeError, "broadcast_to:",
            "(3,)", "(2, 4)"),
        err("broadcast_to-rank-decrease", lambda w: w.S.broadcast_to(w.m, (3,)), ShapeError, "broadcast_to:"),
        err("broadcast_to-float-dims", lambda w: w.S.broadcast_to(w.x, (2.9, 3)), ShapeError, "broadcast_to:",
            "2.9"),
        err("broadcast_to-negative-dim", lambda w: w.S.broadcast_to(w.x, (-1, 3)), ShapeError, "broadcast_to:",
            "-1"),
        err("broadcast_to-bad-axis-map", lambda w: w.S.broadcast_to(w.x, (3, 2), axes=(1,)), ShapeError,
            "broadcast_to:"),
        err("expand-method-incompatible", lambda w: w.m.expand((3, 3)), ShapeError, "broadcast_to:"),
        err("swap_adjacent-float-depth", lambda w: w.S.swap_adjacent_at_depth(w.m, 0.0), ArgumentError,
            "swap_adjacent_at_depth", "depth"),
        err("transpose3d-rank2", lambda w: w.S.transpose3d_last_two(w.m), ShapeError, "transpose3d_last_two:"),
        ok("reshape-numpy-int-dims", lambda w: w.S.reshape(w.m, (np.int64(3), np.int32(2))),
           same(M_INIT.reshape(3, 2))),
        ok("reshape-infer", lambda w: w.S.reshape(w.m, (-1,)), same(M_INIT.reshape(-1))),
        ok("reshape-zero-size", lambda w: w.S.reshape(w.s.input(np.zeros((0, 3), F32)), (3, 0)),
           same(np.zeros((3, 0), F32))),
        ok("reshape-0d-to-1", lambda w: w.S.reshape(w.s.input(np.float32(2.0)), (1, 1)),
           same(np.full((1, 1), 2.0, F32))),
        ok("T-property", lambda w: w.m.T, same(M_INIT.T)),
        ok("permute-negative-axes", lambda w: w.S.permute(w.m, (-1, -2)), same(M_INIT.T)),
        ok("broadcast_to-trailing-axis-witness", lambda w: w.S.broadcast_to(w.x, (3, 2), axes=(0,)),
           same(np.repeat(X_INIT[:, None], 2, axis=1))),
        ok("swap_adjacent-invalid-depth-identity", lambda w: w.S.swap_adjacent_at_depth(w.m, 5), same(M_INIT)),
        ok("size-method", lambda w: (w.m.size(), w.m.size(-1)), lambda r, w: _eq(r, ((2, 3), 3)), unchanged=True),
        ok("item-0d", lambda w: w.s.input(np.float32(2.5)).item(), lambda r, w: _eq(r, 2.5)),
        ok("item-one-element", lambda w: w.s.input([[7.0]]).item(), lambda r, w: _eq(r, 7.0)),
    ]


def _eq(a, b):
    assert a == b, f"{a!r} != {b!r}"


def _public_argument_error(w):
    return getattr(tl, "ArgumentError", None)


def _ref_cases():
    return [
        ok("ArgumentError-is-public", _public_argument_error, lambda r, w: _eq(r, ArgumentError), unchanged=True),
        err("item-non-scalar", lambda w: w.x.item(), ShapeError, "item", "(3,)"),
        err("float-non-scalar", lambda w: float(w.m), ShapeError, "(2, 3)"),
        err("bool-non-scalar", lambda w: bool(w.x), ShapeError, "(3,)"),
        err("size-out-of-range", lambda w: w.x.size(5), ShapeError, "size", "5"),
        err("size-float-dim", lambda w: w.x.size(0.5), ShapeError, "size", "0.5"),
        err("len-0d", lambda w: len(w.s.input(np.float32(1.0))), (ShapeError, ArgumentError), "0-d"),
        may("subscript", lambda w: w.x[0], same(np.float32(1.0)), (ArgumentError, ShapeError, DTypeError), "index"),
        err("value-stale", lambda w: w.S.value(w.stale), InvalidRefError, "value", "stale"),
        err("value-foreign", lambda w: w.S.value(w.y), InvalidRefError, "value", "another session"),
        err("value-None", lambda w: w.S.value(None), NONREF, "value", "None"),
        err("numpy-stale", lambda w: w.stale.numpy(), InvalidRefError, "stale"),
        err("use-ndarray", lambda w: w.S.use(np.ones(3)), NONREF, "use", "Param", "ndarray"),
        err("use-TensorRef", lambda w: w.S.use(w.x), NONREF, "use", "Param", "TensorRef"),
        err("detach-None", lambda w: w.S.detach(None), NONREF, "detach:"),
        err("unknown-keyword", lambda w: w.S.softmax(w.x, dim=0), ArgumentError, "softmax", "dim"),
        err("missing-argument", lambda w: w.S.linear(w.W, w.B), ArgumentError, "linear", "x"),
        err("too-many-arguments", lambda w: w.S.relu(w.x, w.x), ArgumentError, "relu"),
        err("Session-unknown-option", lambda w: tl.Session(bogus=1), ArgumentError, "bogus"),
        err("Session-compiled-backend", lambda w: tl.Session(backend="compiled"), ArgumentError, "Session",
            "compiled"),
        err("Options-bad-device", lambda w: tl.Options(device="gpu"), ArgumentError, "device", "gpu"),
        err("Options-bad-precision", lambda w: tl.Options(matmul_precision="fp16"), ArgumentError,
            "matmul_precision", "fp16"),
        err("Options-negative-seed", lambda w: tl.Options(seed=-1), ArgumentError, "seed", "-1"),
        err("Options-float-seed", lambda w: tl.Options(seed=1.5), ArgumentError, "seed", "1.5"),
        err("backward-non-scalar-no-seed", lambda w: w.S.backward(w.s.mul(w.x, 2.0)), ShapeError, "backward",
            "seed"),
        err("backward-seed-wrong-shape", lambda w: w.S.backward(w.s.mul(w.x, 2.0), np.ones(2)), ShapeError,
            "backward", "(3,)", "(2,)"),
        err("backward-seed-scalar-for-vector", lambda w: w.S.backward(w.s.mul(w.x, 2.0), 1.0), ShapeError,
            "backward", "(3,)"),
        err("backward-int-output", lambda w: w.S.backward(w.s.cast(w.s.sum(w.x), np.int64)), NotDifferentiableError,
            "backward", "int64"),
        err("backward-bool-output", lambda w: w.S.backward(w.flag), NotDifferentiableError, "backward", "bool"),
        err("backward-stale", lambda w: w.S.backward(w.stale), InvalidRefError, "backward", "stale"),
        err("backward-foreign", lambda w: w.S.backward(w.s.sum(w.y)), InvalidRefError, "sum", "another session"),
        err("backward-no-grad-output", lambda w: _no_grad_backward(w), InvalidRefError, "backward", "no_grad"),
        err("tensor-backward-foreign-seed-tensor", lambda w: later(w.s.mul(w.x, 2.0).backward, w.y), DTypeError,
            "backward", "seed"),
        err("grad-stale-ref", lambda w: w.S.grad(w.grads, w.stale), InvalidRefError, "grad"),
        err("grad-foreign-gradients", lambda w: w.other.grad(w.grads, w.y), InvalidRefError, "grad", "Gradients"),
        err("grad-not-gradients", lambda w: w.S.grad({}, w.x), InvalidRefError, "grad", "Gradients"),
        err("gradients-str-key", lambda w: w.grads["x"], InvalidRefError, "grad", "str"),
        err("gradients-float-key", lambda w: w.grads[1.0], InvalidRefError, "grad", "float"),
        err("gradients-id-out-of-range", lambda w: w.grads[99], InvalidRefError, "grad", "99"),
        err("gradients-negative-id", lambda w: w.grads[-1], InvalidRefError, "grad", "-1"),
        err("gradients-int-entry", lambda w: w.grads[w.i], NotDifferentiableError, "grad", "int64"),
        err("gradients-ref-made-after", lambda w: w.grads[w.s.mul(w.x, 2.0)], InvalidRefError, "grad"),
        err("gradients-stale-after-reset", lambda w: w.grads[0], InvalidRefError, "grad", "stale",
            setup=lambda w: w.s.reset()),
        err("gradients-get-stale-after-reset", lambda w: w.grads.get(w.x), InvalidRefError, "stale",
            setup=lambda w: w.s.reset()),
        err("jvp-tangent-wrong-shape", lambda w: w.S.jvp(w.s.mul(w.x, 2.0), {w.x: np.ones(2)}), ShapeError, "jvp",
            "(3,)", "(2,)"),
        err("jvp-tangents-not-mapping", lambda w: w.S.jvp(w.s.mul(w.x, 2.0), [np.ones(3)]), ArgumentError, "jvp",
            "list"),
        err("jvp-tangent-for-int", lambda w: w.S.jvp(w.s.mul(w.x, 2.0), {w.i: np.ones(2)}), NotDifferentiableError,
            "jvp"),
        err("jvp-stale-key", lambda w: w.S.jvp(w.s.mul(w.x, 2.0), {w.stale: np.ones(3)}), InvalidRefError, "jvp",
            "stale"),
        err("jvp-stale-output", lambda w: w.S.jvp(w.stale, {w.x: np.ones(3)}), InvalidRefError, "jvp", "stale"),
        err("stale-operator-add", lambda w: w.stale + 1.0, InvalidRefError, "add", "stale"),
        err("stale-operator-rmul", lambda w: 2 * w.stale, InvalidRefError, "mul", "stale"),
        err("stale-operator-neg", lambda w: -w.stale, InvalidRefError, "neg", "stale"),
        err("stale-operator-matmul", lambda w: w.stale @ w.x, InvalidRefError, "matmul", "stale"),
        err("stale-operator-pow", lambda w: w.stale ** 2, InvalidRefError, "power", "stale"),
        err("stale-method-relu", lambda w: w.stale.relu(), InvalidRefError, "relu", "stale"),
        err("stale-method-sum", lambda w: w.stale.sum(), InvalidRefError, "reduce_sum", "stale"),
        err("stale-method-reshape", lambda w: w.stale.reshape(3, 1), InvalidRefError, "reshape", "stale"),
        err("foreign-operator-sub", lambda w: w.y - w.x, InvalidRefError, "sub", "another session"),
        err("foreign-operator-truediv", lambda w: w.x / w.y, InvalidRefError, "div", "another session"),
        err("power-exponent-beyond-float64", lambda w: w.S.power(w.x, 2**2000), ArgumentError, "power", "float64"),
        err("Param-name-not-str", lambda w: tl.Param(np.ones(2), name=5), ArgumentError, "Param", "name"),
        err("no_grad-session-backward", lambda w: w.c.s2.backward(w.c.loss), InvalidRefError, "backward", "no_grad",
            setup=_no_grad_session),
        ok("zero_grad-after-reset-clears", lambda w: (w.s.reset(), w.s.zero_grad(), (w.w.grad, w.b.grad))[2],
           lambda r, w: _eq(r, (None, None))),
        ok("backward-fills-param-grads", lambda w: (w.w.grad, w.b.grad),
           lambda r, w: (np.testing.assert_array_equal(r[0], np.outer(np.ones(2), X_INIT)),
                         np.testing.assert_array_equal(r[1], np.ones(2))), unchanged=True),
        ok("param-used-twice-one-grad", lambda w: _param_twice(w), same(np.full(3, 5.0, F32))),
        ok("no_grad-records-nothing", lambda w: _no_grad_len(w), lambda r, w: _eq(r, (0, [2.0, 4.0, 6.0]))),
    ]


def _no_grad_session(w):
    s2 = w.c.s2 = w.session(no_grad=True)
    w.c.loss = s2.sum(s2.input([1.0, 2.0], requires_grad=True))


def _no_grad_backward(w):
    with w.s.no_grad():
        y = w.s.sum(w.s.mul(w.x, 2.0))
    return w.S.backward(y)


def _no_grad_len(w):
    n = len(w.s)
    with w.s.no_grad():
        y = w.s.mul(w.x, 2.0)
    return len(w.s) - n, y.numpy().tolist()


def _param_twice(w):
    s = w.s
    p = w.param(np.ones(3, F32), "twice")
    a, b = s.use(p), s.use(p)
    s.backward(s.sum(s.add(s.mul(a, 2.0), s.mul(b, 3.0))))
    return p.grad


def _linalg_cases():
    return [
        err("matmul-0d", lambda w: w.S.matmul(w.s.input(np.float32(2.0)), w.x), ShapeError, "matmul:", "()"),
        err("matmul-inner-mismatch", lambda w: w.S.matmul(w.m, w.m), ShapeError, "matmul:", "(2, 3)"),
        err("matmul-vector-inner-mismatch-halfway", lambda w: w.S.matmul(w.x, w.m), ShapeError, "matmul:", "(3,)",
            "(2, 3)"),
        err("matmul-float32-float64-halfway", lambda w: w.S.matmul(w.x, w.s.input(np.ones((3, 2)), dtype=F64)),
            DTypeError, "matmul:", "float64"),
        may("matmul-int", lambda w: w.S.matmul(w.i, w.i), same(np.array(4, np.int64), np.int64), DTypeError,
            "matmul:", "int64"),
        err("matmul-batch-mismatch", lambda w: w.S.matmul(w.s.input(np.ones((2, 2, 3))), w.s.input(np.ones((3, 3, 1)))),
            ShapeError, "matmul:"),
        err("bmm-rank2", lambda w: w.S.bmm(w.m, w.m), ShapeError, "bmm:", "(2, 3)"),
        err("matmul-stale", lambda w: w.S.matmul(w.m, w.stale), InvalidRefError, "matmul:", "stale"),
        err("linear-pytorch-order-vector", lambda w: w.S.linear(w.x, w.W, w.B), ShapeError, "linear:",
            "torchlean.nn.functional"),
        err("linear-pytorch-order-batch", lambda w: w.S.linear(w.s.input(np.ones((4, 3))), w.W, w.B), ShapeError,
            "linear:", "torchlean.nn.functional"),
        err("linear-x-wrong-width", lambda w: w.S.linear(w.W, w.B, w.s.input([1.0, 2.0])), ShapeError, "linear:",
            "(2,)"),
        err("linear-no-bias-x-wrong-width", lambda w: w.S.linear(w.W, None, w.s.input(np.ones((4, 2)))), ShapeError,
            "linear:"),
        err("linear-bias-wrong-shape", lambda w: w.S.linear(w.W, w.s.input([1.0, 2.0, 3.0]), w.x), ShapeError,
            "linear:", "(3,)"),
        err("linear-float64-x", lambda w: w.S.linear(w.W, w.B, w.d), DTypeError, "linear:", "float64"),
        err("linear-int-x", lambda w: w.S.linear(w.W, None, w.s.input([1, 2, 3])), DTypeError, "linear:", "int64"),
        err("linear-None-x", lambda w: w.S.linear(w.W, w.B, None), NONREF, "linear:", "None"),
        err("linear-stale-bias", lambda w: w.S.linear(w.W, w.stale, w.x), InvalidRefError, "linear:", "stale"),
        err("linear-foreign-x", lambda w: w.S.linear(w.W, None, w.y), InvalidRefError, "linear:", "another session"),
        ok("linear-batched-matches-torch", lambda w: w.S.linear(w.W, w.B, w.m),
           close(torch_fn(lambda t, x, a, b: t.nn.functional.linear(x, a, b), M_INIT.astype(F64),
                          W_INIT.astype(F64), np.array([0.5, -0.5])), F32)),
        ok("linear-no-bias-vector", lambda w: w.S.linear(w.W, None, w.x), same(W_INIT @ X_INIT, F32)),
        ok("matmul-vector-vector-0d", lambda w: w.S.matmul(w.x, w.x), same(np.float32(14.0))),
        ok("matmul-zero-inner",
           lambda w: w.S.matmul(w.s.input(np.zeros((2, 0), F32)), w.s.input(np.zeros((0, 3), F32))),
           same(np.zeros((2, 3), F32))),
        ok("matmul-zero-rows", lambda w: w.S.matmul(w.s.input(np.zeros((0, 3), F32)), w.s.transpose2d(w.m)),
           same(np.zeros((0, 2), F32))),
        ok("matmul-broadcast-batch", lambda w: w.S.matmul(w.s.input(np.ones((2, 1, 2, 3), F32)), w.s.input(M_INIT.T)),
           same(np.ones((2, 1, 2, 3), F32) @ M_INIT.T)),
    ]


LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0], [2.0, 2.0, 2.0], [-0.5, 0.0, 1.5]], F32)


def _ce_torch(labels, **kw):
    return torch_fn(lambda t, z, y: t.nn.functional.cross_entropy(z, y, **kw), LOGITS.astype(F64),
                    np.asarray(labels, np.int64))


def _ce_grad_torch(labels, **kw):
    import torch

    z = torch.tensor(LOGITS.astype(F64), requires_grad=True)
    torch.nn.functional.cross_entropy(z, torch.tensor(labels), **kw).backward()
    return z.grad.numpy()


def _ce(w, labels, **kw):
    return w.S.cross_entropy(w.s.input(LOGITS), w.s.input(np.asarray(labels, np.int64)), **kw)


def _ce_grad(w, labels, **kw):
    z = w.s.input(LOGITS, requires_grad=True)
    return w.s.backward(w.s.cross_entropy(z, w.s.input(np.asarray(labels, np.int64)), **kw))[z]


def _loss_cases():
    probs = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.25, 0.25, 0.5]], F32)
    return [
        err("mse_loss-shape-mismatch", lambda w: w.S.mse_loss(w.x, w.s.input([1.0, 2.0])), ShapeError, "mse_loss:",
            "(3,)", "(2,)"),
        err("mse_loss-int-target", lambda w: w.S.mse_loss(w.s.input([1.0, 2.0]), w.i), DTypeError, "mse_loss:",
            "int64"),
        err("mse_loss-float64-target", lambda w: w.S.mse_loss(w.x, w.d), DTypeError, "mse_loss:", "float64"),
        err("mse_loss-stale-target", lambda w: w.S.mse_loss(w.x, w.stale), InvalidRefError, "mse_loss:"),
        err("cross_entropy-label-out-of-range", lambda w: _ce(w, [0, 1, 3, 2]), ArgumentError, "cross_entropy:",
            "3"),
        err("cross_entropy-negative-label", lambda w: _ce(w, [0, 1, -1, 2]), ArgumentError, "cross_entropy:",
            "-1"),
        err("cross_entropy-off-by-one-labels", lambda w: _ce(w, [1, 2, 3, 1]), ArgumentError, "cross_entropy:",
            "3"),
        err("cross_entropy-zero-classes", lambda w: w.S.cross_entropy(w.s.input(np.zeros((2, 0), F32)), w.i),
            ShapeError, "cross_entropy:"),
        err("cross_entropy-labels-wrong-length", lambda w: _ce(w, [0, 1]), ShapeError, "cross_entropy:", "(4, 3)"),
        err("cross_entropy-logits-3d", lambda w: w.S.cross_entropy(w.s.input(np.zeros((2, 2, 3), F32)), w.i),
            ShapeError, "cross_entropy:", "(2, 2, 3)"),
        err("cross_entropy-bool-target", lambda w: w.S.cross_entropy(w.m, w.s.input(np.ones((2, 3), bool))),
            DTypeError, "cross_entropy:", "bool"),
        err("cross_entropy-prob-target-wrong-shape", lambda w: w.S.cross_entropy(w.m, w.x), ShapeError,
            "cross_entropy:", "(2, 3)", "(3,)"),
        err("cross_entropy-prob-target-float64",
            lambda w: w.S.cross_entropy(w.m, w.s.input(np.ones((2, 3)), dtype=F64)),
            DTypeError, "cross_entropy:", "float64"),
        err("cross_entropy-ignore_index-float", lambda w: _ce(w, [0, 1, 2, 0], ignore_index=1.5), ArgumentError,
            "cross_entropy:", "ignore_index"),
        err("cross_entropy-ignore_index-str", lambda w: _ce(w, [0, 1, 2, 0], ignore_index="x"), ArgumentError,
            "cross_entropy:", "ignore_index"),
        err("cross_entropy-int-logits", lambda w: w.S.cross_entropy(w.s.input(np.zeros((2, 3), np.int64)), w.i),
            DTypeError, "cross_entropy:", "int64"),
        err("cross_entropy-stale-labels", lambda w: w.S.cross_entropy(w.m, w.stale), InvalidRefError,
            "cross_entropy:"),
        err("cross_entropy-ndarray-labels", lambda w: w.S.cross_entropy(w.m, np.array([0, 1])), NONREF,
            "cross_entropy:", "ndarray"),
        err("cross_entropy_grad-label-out-of-range", lambda w: w.S.cross_entropy_grad(w.s.input(LOGITS),
                                                                                        w.s.input([0, 1, 2, 5])),
            ArgumentError, "cross_entropy_grad:", "5"),
        err("one_hot-float-num_classes", lambda w: w.S.one_hot(w.i, 2.5), ArgumentError, "one_hot", "2.5"),
        err("one_hot-bad-dtype", lambda w: w.S.one_hot(w.i, 3, dtype="flot32"), (DTypeError, ArgumentError),
            "one_hot", "flot32"),
        err("one_hot-float-labels", lambda w: w.S.one_hot(w.x, 3), DTypeError, "one_hot", "float32"),
        err("one_hot-negative-classes", lambda w: w.S.one_hot(w.i, -1), (ArgumentError, ShapeError), "one_hot",
            "-1"),
        ok("cross_entropy-matches-torch", lambda w: _ce(w, [0, 2, 1, 2]), close(_ce_torch([0, 2, 1, 2]), F32)),
        ok("cross_entropy-ignore_index-default", lambda w: _ce(w, [0, -100, 1, 2]),
           close(_ce_torch([0, -100, 1, 2]), F32)),
        ok("cross_entropy-ignore_index-custom", lambda w: _ce(w, [0, 1, 2, 1], ignore_index=1),
           close(_ce_torch([0, 1, 2, 1], ignore_index=1), F32)),
        ok("cross_entropy-ignore_index-equals-C", lambda w: _ce(w, [0, 3, 2, 1], ignore_index=3),
           close(_ce_torch([0, 3, 2, 1], ignore_index=3), F32)),
        ok("cross_entropy-all-ignored-is-nan", lambda w: _ce(w, [-100] * 4), same(np.float32(NAN))),
        ok("cross_entropy-grad-ignore_index", lambda w: _ce_grad(w, [0, -100, 1, 2]),
           close(_ce_grad_torch([0, -100, 1, 2]), F32)),
        ok("cross_entropy-grad-all-ignored-zero", lambda w: _ce_grad(w, [-100] * 4), same(np.zeros((4, 3), F32))),
        ok("cross_entropy-unbatched", lambda w: w.S.cross_entropy(w.s.input(LOGITS[1]), w.s.input(np.int64(2))),
           close(torch_fn(lambda t, z, y: t.nn.functional.cross_entropy(z, y), LOGITS[1].astype(F64),
                          np.array(2, np.int64)), F32)),
        ok("cross_entropy-probabilities", lambda w: w.S.cross_entropy(w.s.input(LOGITS), w.s.input(probs)),
           close(torch_fn(lambda t, z, p: t.nn.functional.cross_entropy(z, p), LOGITS.astype(F64),
                          probs.astype(F64)), F32)),
        ok("cross_entropy-large-logits-stable", lambda w: w.S.cross_entropy(w.s.input([[1000.0, 0.0]]),
                                                                            w.s.input([1])),
           same(np.float32(1000.0))),
        ok("mse_loss-matches-torch", lambda w: w.S.mse_loss(w.x, w.s.input([0.0, 2.5, 5.0])),
           close(np.float32((1 + 0.25 + 4) / 3))),
        ok("mse_loss-zero-size-is-nan",
           lambda w: w.S.mse_loss(w.s.input(np.zeros(0, F32)), w.s.input(np.zeros(0, F32))),
           same(np.float32(NAN))),
        ok("one_hot-out-of-range-zero-row", lambda w: w.S.one_hot(w.s.input([0, 3]), 3),
           same(np.array([[1, 0, 0], [0, 0, 0]], F32))),
    ]


def _compare_cases():
    return [
        err("eq-shape-mismatch", lambda w: w.S.eq(w.x, w.s.input([1.0, 2.0])), ShapeError, "eq:", "(3,)"),
        err("lt-float32-float64", lambda w: w.S.lt(w.x, w.d), DTypeError, "lt:", "float64"),
        err("gt-two-scalars", lambda w: w.S.gt(1, 2), DTypeError, "gt:"),
        err("ge-int-vs-float-shape-halfway", lambda w: w.S.ge(w.i, w.x), ShapeError, "ge:", "(2,)", "(3,)"),
        err("ne-stale", lambda w: w.S.ne(w.stale, 1.0), InvalidRefError, "ne:", "stale"),
        err("le-str", lambda w: w.S.le(w.x, "1"), NONREF, "le:", "str"),
        err("eq-complex-scalar", lambda w: w.S.eq(w.x, 1j), DTypeError, "eq:", "complex"),
        err("cast-unknown-dtype", lambda w: w.S.cast(w.x, "flot32"), DTypeError, "cast", "flot32"),
        err("cast-float16", lambda w: w.S.cast(w.x, np.float16), DTypeError, "cast", "float16"),
        err("cast-int32", lambda w: w.S.cast(w.x, np.int32), DTypeError, "cast", "int32"),
        err("cast-None", lambda w: w.S.cast(w.x, None), DTypeError, "cast"),
        err("astype-stale", lambda w: w.S.astype(w.stale, F64), InvalidRefError, "astype"),
        ok("gt-float-scalar", lambda w: w.S.gt(w.x, 1.5), same(np.array([False, True, True]))),
        ok("gt-int-tensor-float-scalar", lambda w: w.S.gt(w.i, 0.5), same(np.array([False, True]))),
        ok("eq-int-vs-float-tensor", lambda w: w.S.eq(w.s.input([1, 2, 3]), w.s.input([1.0, 2.5, 3.0])),
           same(np.array([True, False, True]))),
        ok("eq-nan-is-false", lambda w: w.S.eq(w.s.input([NAN, 1.0]), NAN), same(np.array([False, False]))),
        ok("ne-nan-is-true", lambda w: w.S.ne(w.s.input([NAN]), w.s.input([NAN])), same(np.array([True]))),
        ok("lt-inf", lambda w: w.S.lt(w.s.input([-INF, INF]), 0.0), same(np.array([True, False]))),
        ok("cast-float-to-int-truncates", lambda w: w.S.cast(w.s.input([-1.5, 2.7, -0.2]), np.int64),
           same(np.array([-1, 2, 0], np.int64), np.int64)),
        ok("cast-to-bool", lambda w: w.S.cast(w.s.input([0.0, -0.0, 2.0, NAN]), bool),
           same(np.array([False, False, True, True]))),
        ok("cast-float32-to-float64", lambda w: w.S.cast(w.x, F64), same(X_INIT.astype(F64), F64)),
        ok("cast-identity", lambda w: w.S.cast(w.x, "float32"), same(X_INIT, F32)),
        ok("compare-zero-size", lambda w: w.S.lt(w.s.input(np.zeros((0,), F32)), 1.0), same(np.zeros(0, bool))),
        ok("compare-0d", lambda w: w.S.eq(w.s.input(np.float32(2.0)), 2), same(np.array(True))),
    ]


X4 = (np.arange(2 * 2 * 5 * 5, dtype=F32).reshape(2, 2, 5, 5) / 10.0) - 2.0
K = (np.arange(3 * 2 * 3 * 3, dtype=F32).reshape(3, 2, 3, 3) / 20.0) - 1.0
KB = np.array([0.5, -1.0, 0.25], F32)


def _conv_cases():
    s4 = lambda w: w.s.input(X4)
    k = lambda w: w.s.input(K)
    kb = lambda w: w.s.input(KB)
    return [
        err("conv2d-pytorch-order", lambda w: w.S.conv2d(s4(w), k(w), kb(w)), ShapeError, "conv2d:",
            "torchlean.nn.functional"),
        err("conv2d-pytorch-order-unbatched", lambda w: w.S.conv2d(w.s.input(X4[0]), k(w), kb(w)), ShapeError,
            "conv2d:", "torchlean.nn.functional"),
        err("conv2d-channel-mismatch", lambda w: w.S.conv2d(w.s.input(np.ones((3, 3, 3, 3), F32)), None, s4(w)),
            ShapeError, "conv2d:", "(3, 3, 3, 3)"),
        err("conv2d-weight-rank", lambda w: w.S.conv2d(w.m, None, s4(w)), ShapeError, "conv2d:"),
        err("conv2d-stride-zero", lambda w: w.S.conv2d(k(w), None, s4(w), stride=0), ShapeError, "conv2d:", "stride"),
        err("conv2d-stride-float", lambda w: w.S.conv2d(k(w), None, s4(w), stride=1.5), ShapeError, "conv2d:",
            "stride"),
        err("conv2d-negative-padding", lambda w: w.S.conv2d(k(w), None, s4(w), padding=-1), ShapeError, "conv2d:",
            "padding"),
        err("conv2d-kernel-larger-than-input", lambda w: w.S.conv2d(w.s.input(np.ones((1, 2, 7, 7), F32)), None,
                                                                   s4(w)), ShapeError, "conv2d:"),
        err("conv2d-bias-wrong-shape", lambda w: w.S.conv2d(k(w), w.s.input([1.0, 2.0]), s4(w)), ShapeError,
            "conv2d:", "bias"),
        err("conv2d-float64-x", lambda w: w.S.conv2d(k(w), None, w.s.input(X4, dtype=F64)), DTypeError, "conv2d:",
            "float64"),
        err("conv2d-int-x", lambda w: w.S.conv2d(k(w), None, w.s.input(X4.astype(np.int64))), DTypeError,
            "conv2d:", "int64"),
        err("conv2d-stale-weight", lambda w: w.S.conv2d(w.stale, None, s4(w)), InvalidRefError, "conv2d:"),
        err("conv2d-stride-tuple-length", lambda w: w.S.conv2d(k(w), None, s4(w), stride=(1, 1, 1)), ShapeError,
            "conv2d:", "stride"),
        err("conv-1d-weight-2d-x", lambda w: w.S.conv(w.s.input(np.ones((3, 2, 2), F32)), None, s4(w)), ShapeError,
            "conv:"),
        err("conv_transpose2d-output-padding-ge-stride", lambda w: w.S.conv_transpose2d(
            w.s.input(np.ones((2, 3, 3, 3), F32)), None, s4(w), stride=1, output_padding=1), ShapeError,
            "conv_transpose2d:", "output_padding"),
        err("conv_transpose2d-bias-float64-halfway", lambda w: w.S.conv_transpose2d(
            w.s.input(np.ones((2, 3, 3, 3), F32)), w.s.input(np.ones(3), dtype=F64), s4(w)), DTypeError,
            "conv_transpose2d:", "float64"),
        err("conv_transpose2d-pytorch-order",
            lambda w: w.S.conv_transpose2d(s4(w), w.s.input(np.ones((2, 3, 3, 3), F32)),
                                                                             kb(w)), ShapeError,
            "conv_transpose2d:", "torchlean.nn.functional"),
        err("max_pool2d-kernel-zero", lambda w: w.S.max_pool2d(s4(w), 0), ShapeError, "max_pool2d:", "kernel"),
        err("max_pool2d-kernel-too-large", lambda w: w.S.max_pool2d(s4(w), 6), ShapeError, "max_pool2d:"),
        err("max_pool2d-kernel-float", lambda w: w.S.max_pool2d(s4(w), 2.0), ShapeError, "max_pool2d:", "kernel"),
        err("max_pool2d-kernel-str", lambda w: w.S.max_pool2d(s4(w), "2"), ShapeError, "max_pool2d:", "kernel"),
        err("max_pool2d-rank-2", lambda w: w.S.max_pool2d(w.m, 2), ShapeError, "max_pool2d:", "(2, 3)"),
        err("max_pool2d_pad-padding-ge-kernel", lambda w: w.S.max_pool2d_pad(s4(w), 2, 1, 2), ShapeError,
            "max_pool2d_pad:", "padding"),
        err("max_pool2d-int-x", lambda w: w.S.max_pool2d(w.s.input(X4.astype(np.int64)), 2), DTypeError,
            "max_pool2d:", "int64"),
        err("avg_pool2d-int-x", lambda w: w.S.avg_pool2d(w.s.input(X4.astype(np.int64)), 2), DTypeError,
            "avg_pool2d:", "int64"),
        err("avg_pool2d-names-public-op", lambda w: w.S.avg_pool2d(s4(w), 7), ShapeError, "avg_pool2d:"),
        err("avg_pool2d_pad-negative-padding", lambda w: w.S.avg_pool2d_pad(s4(w), 2, 1, -1), ShapeError,
            "avg_pool2d_pad:", "padding"),
        err("avg_pool-ambiguous-rank", lambda w: w.S.avg_pool(s4(w), 2), ShapeError, "avg_pool:", "kernel"),
        err("smooth_max_pool2d-beta-zero", lambda w: w.S.smooth_max_pool2d(s4(w), 0.0, 2), ArgumentError,
            "smooth_max_pool2d:", "beta"),
        err("smooth_max_pool2d-beta-nan", lambda w: w.S.smooth_max_pool2d(s4(w), NAN, 2), ArgumentError,
            "smooth_max_pool2d:", "beta"),
        err("smooth_max_pool2d-int-x", lambda w: w.S.smooth_max_pool2d(w.s.input(X4.astype(np.int64)), 1.0, 2),
            DTypeError, "smooth_max_pool2d:", "int64"),
        err("global_avg_pool2d-rank-2", lambda w: w.S.global_avg_pool2d(w.m), ShapeError, "global_avg_pool2d:"),
        err("global_avg_pool2d-empty-spatial", lambda w: w.S.global_avg_pool2d(w.s.input(np.zeros((2, 0, 3), F32))),
            ShapeError, "global_avg_pool2d:"),
        err("global_avg_pool2d-int", lambda w: w.S.global_avg_pool2d(w.s.input(X4.astype(np.int64))), DTypeError,
            "global_avg_pool2d:", "int64"),
        err("global_avg_pool2d_chw-batched", lambda w: w.S.global_avg_pool2d_chw(s4(w)), ShapeError,
            "global_avg_pool2d_chw:"),
        ok("conv2d-matches-torch", lambda w: w.S.conv2d(k(w), kb(w), s4(w), stride=2, padding=1),
           close(torch_fn(lambda t, x, a, b: t.nn.functional.conv2d(x, a, b, stride=2, padding=1),
                          X4.astype(F64), K.astype(F64), KB.astype(F64)), F32, rtol=1e-5, atol=1e-5)),
        ok("conv2d-empty-batch", lambda w: w.S.conv2d(k(w), kb(w), w.s.input(np.zeros((0, 2, 5, 5), F32))),
           same(np.zeros((0, 3, 3, 3), F32))),
        ok("max_pool2d-matches-torch", lambda w: w.S.max_pool2d(s4(w), 2),
           same(torch_fn(lambda t, x: t.nn.functional.max_pool2d(x, 2), X4).astype(F32))),
        ok("max_pool2d-with-inf", lambda w: w.S.max_pool2d(w.s.input(np.array([[[-INF, 1.0], [INF, 0.0]]], F32)), 2),
           same(np.array([[[INF]]], F32))),
        ok("avg_pool2d_pad-count-include-pad", lambda w: w.S.avg_pool2d_pad(s4(w), 3, 2, 1),
           close(torch_fn(lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=True),
                          X4.astype(F64)), F32, rtol=1e-5, atol=1e-6)),
        ok("global_avg_pool2d-matches-numpy", lambda w: w.S.global_avg_pool2d(s4(w)),
           close(X4.astype(F64).mean(axis=(-2, -1)), F32)),
    ]


def _norm_cases():
    x = np.array([[1.0, 2.0, 4.0], [-1.0, 0.0, 1.0]], F32)
    g, b = np.array([1.0, 0.5, 2.0], F32), np.array([0.0, 1.0, -1.0], F32)
    gi = lambda w: w.s.input(g)
    bi = lambda w: w.s.input(b)
    q = np.array([[0.1, 0.2, -0.1, 0.3], [0.0, -0.2, 0.4, 0.1], [0.3, 0.1, 0.2, -0.3]], F32)  # (3, 4)
    xa = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0]], F32)  # n=2, D=3
    mha = lambda w, **kw: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q.T), w.s.input(xa),
                                                   **kw)
    mask_bad = lambda w: w.s.input(np.ones((3, 3), bool))
    return [
        err("layer_norm-gamma-wrong-shape", lambda w: w.S.layer_norm(w.s.input(x), w.s.input([1.0, 2.0]), bi(w)),
            ShapeError, "layer_norm:", "(2,)"),
        err("layer_norm-int-x", lambda w: w.S.layer_norm(w.s.input(x.astype(np.int64)), gi(w), bi(w)), DTypeError,
            "layer_norm:", "int64"),
        err("layer_norm-float64-gamma", lambda w: w.S.layer_norm(w.s.input(x), w.s.input(g, dtype=F64), bi(w)),
            DTypeError, "layer_norm:", "float64"),
        err("layer_norm-negative-eps", lambda w: w.S.layer_norm(w.s.input(x), gi(w), bi(w), eps=-1.0), ArgumentError,
            "layer_norm:", "eps"),
        err("layer_norm-str-eps", lambda w: w.S.layer_norm(w.s.input(x), gi(w), bi(w), eps="1e-5"), ArgumentError,
            "layer_norm:", "eps"),
        err("layer_norm-empty-last-axis", lambda w: w.S.layer_norm(w.s.input(np.zeros((2, 0), F32)),
                                                                    w.s.input(np.zeros(0, F32)),
                                                                    w.s.input(np.zeros(0, F32))),
            ShapeError, "layer_norm:"),
        err("layer_norm-stale-beta", lambda w: w.S.layer_norm(w.s.input(x), gi(w), w.stale), InvalidRefError,
            "layer_norm:"),
        err("normalize_last-0d", lambda w: w.S.normalize_last(w.s.input(np.float32(1.0))), ShapeError,
            "normalize_last:"),
        err("batchnorm-wrong-rank", lambda w: w.S.batchnorm_channel_first(w.x, gi(w), bi(w)), ShapeError,
            "batchnorm_channel_first:"),
        err("batchnorm-spatial-dims-zero", lambda w: w.S.batchnorm_channel_first(w.s.input(X4), gi(w), bi(w),
                                                                                 spatial_dims=0),
            ArgumentError, "batchnorm_channel_first:", "spatial_dims"),
        err("batchnorm-gamma-wrong-shape", lambda w: w.S.batchnorm_channel_first(w.s.input(X4), gi(w), bi(w)),
            ShapeError, "batchnorm_channel_first:", "(2,)"),
        err("masked_softmax-float-mask", lambda w: w.S.masked_softmax(w.m, w.m), DTypeError, "masked_softmax:",
            "float32"),
        err("masked_softmax-mask-wrong-shape", lambda w: w.S.masked_softmax(w.m, w.s.input(np.ones((2, 2), bool))),
            ShapeError, "masked_softmax:", "(2, 2)"),
        err("masked_softmax-int-x", lambda w: w.S.masked_softmax(w.i, w.s.input([True, False])), DTypeError,
            "masked_softmax:", "int64"),
        err("mha-num_heads-zero", lambda w: mha(w, num_heads=0), ArgumentError, "multi_head_attention:",
            "num_heads"),
        err("mha-num_heads-not-dividing", lambda w: mha(w, num_heads=3), ShapeError, "multi_head_attention:",
            "num_heads"),
        err("mha-num_heads-float", lambda w: mha(w, num_heads=2.0), ArgumentError, "multi_head_attention:",
            "num_heads"),
        err("mha-missing-num_heads", lambda w: mha(w), ArgumentError, "multi_head_attention", "num_heads"),
        err("mha-mask-wrong-shape", lambda w: mha(w, mask=mask_bad(w), num_heads=2), ShapeError,
            "multi_head_attention:", "(3, 3)"),
        err("mha-mask-float", lambda w: mha(w, mask=w.s.input(np.ones((2, 2), F32)), num_heads=2), DTypeError,
            "multi_head_attention:", "float32"),
        err("mha-x-rank-1", lambda w: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q.T),
                                                              w.s.input([1.0, 2.0, 3.0]), num_heads=2),
            ShapeError, "multi_head_attention:", "(3,)"),
        err("mha-int-x", lambda w: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q.T),
                                                           w.s.input(np.ones((2, 3), np.int64)), num_heads=2),
            DTypeError, "multi_head_attention:", "int64"),
        err("mha-wo-wrong-shape", lambda w: w.S.multi_head_attention(*(w.s.input(q) for _ in range(3)), w.s.input(q),
                                                                    w.s.input(xa), num_heads=2),
            ShapeError, "multi_head_attention:", "wo"),
        ok("layer_norm-matches-torch", lambda w: w.S.layer_norm(w.s.input(x), gi(w), bi(w), eps=1e-5),
           close(torch_fn(lambda t, a, gg, bb: t.nn.functional.layer_norm(a, (3,), gg, bb, eps=1e-5),
                          x.astype(F64), g.astype(F64), b.astype(F64)), F32, rtol=1e-5, atol=1e-6)),
        ok("layer_norm-constant-row", lambda w: w.S.layer_norm(w.s.input(np.full((1, 3), 7.0, F32)), gi(w), bi(w)),
           same(b[None, :])),
        ok("masked_softmax-fully-blocked-row-zero", lambda w: w.S.masked_softmax(
            w.m, w.s.input(np.array([[True, False, True], [False, False, False]]))),
           close(np.array([[np.exp(-2.5) / (np.exp(-2.5) + np.exp(-0.5)), 0.0,
                            np.exp(-0.5) / (np.exp(-2.5) + np.exp(-0.5))], [0.0, 0.0, 0.0]]), F32)),
        ok("mha-matches-torch", lambda w: mha(w, num_heads=2), close(_mha_torch(q, xa), F32, rtol=1e-5, atol=1e-6)),
    ]


def _mha_torch(q, xa):
    import torch

    x = torch.tensor(xa, dtype=torch.float64)
    w = torch.tensor(q, dtype=torch.float64)
    heads, hd = 2, 2
    qq, kk, vv = (x @ w).view(2, heads, hd).transpose(0, 1), (x @ w).view(2, heads, hd).transpose(0, 1), \
        (x @ w).view(2, heads, hd).transpose(0, 1)
    a = torch.softmax(qq @ kk.transpose(-1, -2) / math.sqrt(hd), -1)
    o = (a @ vv).transpose(0, 1).reshape(2, 4)
    return (o @ w.T).numpy()


def _index_cases():
    rows = np.arange(12, dtype=F32).reshape(4, 3)
    r = lambda w: w.s.input(rows)
    return [
        err("take-float-indices", lambda w: w.S.take(r(w), [0.0, 1.0]), DTypeError, "take:", "float64"),
        err("take-float-index-tensor", lambda w: w.S.take(r(w), w.x), DTypeError, "take:", "float32"),
        err("take-bool-index", lambda w: w.S.take(r(w), True), DTypeError, "take:", "True"),
        err("take-str-index", lambda w: w.S.take(r(w), "1"), DTypeError, "take:", "'1'"),
        err("take-foreign-index", lambda w: w.S.take(r(w), w.other.input([0, 1])), InvalidRefError, "take:",
            "another session"),
        err("take-stale-x", lambda w: w.S.take(w.stale, [0]), InvalidRefError, "take:", "stale"),
        err("take-0d-x", lambda w: w.S.take(w.s.input(np.float32(1.0)), 0), ShapeError, "take:"),
        err("take-ragged-indices", lambda w: w.S.take(r(w), [[0, 1], [2]]), (ShapeError, DTypeError, ArgumentError),
            "take:"),
        err("gather_row-vector-index", lambda w: w.S.gather_row(r(w), [0, 1]), ShapeError, "gather_row:", "(2,)"),
        err("gather_scalar-matrix-x", lambda w: w.S.gather_scalar(r(w), 0), ShapeError, "gather_scalar:", "(4, 3)"),
        err("gather_vec_nat-float-index", lambda w: w.S.gather_vec_nat(w.x, np.array([0.5])), DTypeError,
            "gather_vec_nat:"),
        err("gather_rows_nat-None-index", lambda w: w.S.gather_rows_nat(r(w), None), (DTypeError, ArgumentError),
            "gather_rows_nat:"),
        err("index_select-dim-out-of-range", lambda w: w.S.index_select(r(w), 2, [0]), ShapeError, "index_select:",
            "2"),
        err("index_select-2d-index", lambda w: w.S.index_select(r(w), 0, [[0, 1]]), ShapeError, "index_select:",
            "(1, 2)"),
        err("index_add-source-wrong-shape", lambda w: w.S.index_add(r(w), 0, [0, 1], w.x), ShapeError,
            "index_add:", "(3,)"),
        err("index_add-int-x", lambda w: w.S.index_add(w.s.input(np.ones((4, 3), np.int64)), 0, [0, 1],
                                                       w.s.input(np.ones((2, 3), np.int64))),
            DTypeError, "index_add:", "int64"),
        err("scatter_add_row-v-wrong-shape", lambda w: w.S.scatter_add_row(r(w), w.s.input([1.0, 2.0]), 0),
            ShapeError, "scatter_add_row:", "(2,)"),
        err("scatter_add_row-float64-v", lambda w: w.S.scatter_add_row(r(w), w.d, 0), DTypeError,
            "scatter_add_row:", "float64"),
        err("scatter_add_vec-matrix-x", lambda w: w.S.scatter_add_vec(r(w), w.s.input(np.float32(1.0)), 0),
            ShapeError, "scatter_add_vec:"),
        err("scatter_add_vec-vector-index", lambda w: w.S.scatter_add_vec(w.x, w.s.input(np.float32(1.0)), [0, 1]),
            ShapeError, "scatter_add_vec:"),
        err("take_transpose-float-n", lambda w: w.S.take_transpose(w.m, [0, 1], 4.0), ArgumentError,
            "take_transpose", "n"),
        err("slice-start-after-stop", lambda w: w.S.slice(w.x, 0, 2, 1), ShapeError, "slice:"),
        err("slice-stop-beyond", lambda w: w.S.slice(w.x, 0, 0, 5), ShapeError, "slice:", "5"),
        err("slice-float-start", lambda w: w.S.slice(w.x, 0, 0.5), ArgumentError, "slice", "start"),
        err("slice-0d", lambda w: w.S.slice(w.s.input(np.float32(1.0)), 0, 0), ShapeError, "slice:"),
        err("narrow-out-of-range", lambda w: w.S.narrow(w.m, 1, 2, 2), ShapeError, "narrow:"),
        err("slice_range0-negative-start", lambda w: w.S.slice_range0(w.m, -1, 1), ShapeError, "slice_range0:"),
        err("cat-empty-list", lambda w: w.S.cat([]), ShapeError, "cat:"),
        err("cat-dtype-mismatch", lambda w: w.S.cat([w.x, w.d]), DTypeError, "cat:", "float64"),
        err("cat-0d", lambda w: w.S.cat([w.s.input(np.float32(1.0)), w.s.input(np.float32(2.0))]), ShapeError,
            "cat:"),
        err("cat-shape-mismatch", lambda w: w.S.cat([w.m, w.s.input(np.ones((2, 2), F32))], axis=0), ShapeError,
            "cat:"),
        err("cat-stale-third", lambda w: w.S.cat([w.x, w.x, w.stale]), InvalidRefError, "cat:", "stale"),
        err("cat-not-a-list", lambda w: w.S.cat(5), (ArgumentError, DTypeError), "cat"),
        err("concat-axis-out-of-range", lambda w: w.S.concat(w.x, w.x, 1), ShapeError, "concat:"),
        err("concat_vectors-matrix", lambda w: w.S.concat_vectors(w.m, w.x), ShapeError, "concat_vectors:"),
        ok("take-out-of-range-zero-rows", lambda w: w.S.take(r(w), [1, 4, -1]),
           same(np.stack([rows[1], np.zeros(3, F32), np.zeros(3, F32)]))),
        ok("take-beyond-int64-zero-row", lambda w: w.S.take(r(w), 2**70), same(np.zeros(3, F32))),
        ok("take-numpy-int32-indices", lambda w: w.S.take(r(w), np.array([3, 0], np.int32)), same(rows[[3, 0]])),
        ok("take-empty-indices", lambda w: w.S.take(r(w), []), same(np.zeros((0, 3), F32))),
        ok("take-gradient-duplicates", lambda w: _take_grad(w), same(np.array([[2.0] * 3, [0.0] * 3, [1.0] * 3,
                                                                              [0.0] * 3], F32))),
        ok("index_select-dim1", lambda w: w.S.index_select(r(w), 1, [2, 0]), same(rows[:, [2, 0]])),
        ok("index_add-duplicates", lambda w: w.S.index_add(r(w), 0, [1, 1], w.s.input(np.ones((2, 3), F32))),
           same(rows + np.array([[0] * 3, [2] * 3, [0] * 3, [0] * 3], F32))),
        ok("scatter_add_row-out-of-range-unchanged", lambda w: w.S.scatter_add_row(r(w), w.s.input([1.0, 1.0, 1.0]), 9),
           same(rows)),
        ok("slice-negative-start", lambda w: w.S.slice(w.x, 0, -2), same(X_INIT[1:])),
        ok("slice-empty", lambda w: w.S.slice(w.x, 0, 1, 1), same(np.zeros(0, F32))),
        ok("cat-single", lambda w: w.S.cat([w.x]), same(X_INIT)),
        ok("cat-zero-size", lambda w: w.S.cat([w.x, w.s.input(np.zeros(0, F32))]), same(X_INIT)),
    ]


def _take_grad(w):
    a = w.s.input(np.arange(12, dtype=F32).reshape(4, 3), requires_grad=True)
    return w.s.backward(w.s.sum(w.s.take(a, [0, 2, 0, 7])))[a]


def _nat_cases():
    rows = np.arange(12, dtype=F32).reshape(4, 3)
    r = lambda w: w.s.input(rows)
    return [
        err("nat-negative", lambda w: w.S.nat(-1), ArgumentError, "nat", "-1"),
        err("nat-float", lambda w: w.S.nat(1.5), ArgumentError, "nat", "1.5"),
        err("nat-bool", lambda w: w.S.nat(True), ArgumentError, "nat", "True"),
        err("nat-None", lambda w: w.S.nat(None), ArgumentError, "nat", "None"),
        err("nat_vec-negative", lambda w: w.S.nat_vec([1, -2]), ArgumentError, "nat_vec", "-2"),
        err("nat_vec-floats", lambda w: w.S.nat_vec([1.0, 2.5]), DTypeError, "nat_vec"),
        err("nat_vec-str", lambda w: w.S.nat_vec("12"), DTypeError, "nat_vec"),
        err("set_nat-negative", lambda w: w.S.set_nat(w.n, -3), ArgumentError, "set_nat", "-3"),
        err("set_nat-float", lambda w: w.S.set_nat(w.n, 2.0), ArgumentError, "set_nat", "2.0"),
        err("set_nat-on-vec", lambda w: w.S.set_nat(w.nv, 1), InvalidRefError, "set_nat", "NatVecRef"),
        err("set_nat_vec-wrong-length", lambda w: w.S.set_nat_vec(w.nv, [1, 2]), ShapeError, "set_nat_vec", "3",
            "2"),
        err("set_nat_vec-negative", lambda w: w.S.set_nat_vec(w.nv, [1, 2, -1]), ArgumentError, "set_nat_vec",
            "-1"),
        err("set_nat_vec-on-nat", lambda w: w.S.set_nat_vec(w.n, [1]), InvalidRefError, "set_nat_vec", "NatRef"),
        err("get_nat-on-vec", lambda w: w.S.get_nat(w.nv), InvalidRefError, "get_nat", "NatVecRef"),
        err("get_nat_vec-on-nat", lambda w: w.S.get_nat_vec(w.n), InvalidRefError, "get_nat_vec", "NatRef"),
        err("get_nat-stale", lambda w: w.S.get_nat(w.stale_nat), InvalidRefError, "get_nat"),
        err("get_nat-foreign", lambda w: w.other.get_nat(w.n), InvalidRefError, "get_nat"),
        err("get_nat-int", lambda w: w.S.get_nat(0), InvalidRefError, "get_nat", "int"),
        err("gather_scalar_ref-with-vec", lambda w: w.S.gather_scalar_ref(w.x, w.nv), InvalidRefError,
            "gather_scalar_ref", "NatVecRef"),
        err("gather_row_ref-stale-nat", lambda w: w.S.gather_row_ref(r(w), w.stale_nat), InvalidRefError,
            "gather_row_ref"),
        err("gather_vec_ref-with-nat", lambda w: w.S.gather_vec_ref(w.x, w.n), InvalidRefError, "gather_vec_ref",
            "NatRef"),
        err("gather_rows_ref-with-int", lambda w: w.S.gather_rows_ref(r(w), 1), InvalidRefError, "gather_rows_ref"),
        err("gather_scalar_ref-matrix-x", lambda w: w.S.gather_scalar_ref(r(w), w.n), ShapeError,
            "gather_scalar_ref:"),
        err("nat_tensor-int", lambda w: w.S.nat_tensor(3), InvalidRefError, "nat_tensor"),
        ok("gather_row_ref-reads-current", lambda w: (w.s.set_nat(w.n, 3), w.s.gather_row_ref(r(w), w.n))[1],
           same(rows[3])),
        ok("gather_rows_ref-out-of-range", lambda w: (w.s.set_nat_vec(w.nv, [0, 9, 2]),
                                                      w.s.gather_rows_ref(r(w), w.nv))[1],
           same(np.stack([rows[0], np.zeros(3, F32), rows[2]]))),
        ok("nat_tensor-values", lambda w: w.S.nat_tensor(w.nv), same(np.array([0, 1, 2], np.int64), np.int64)),
        ok("nat-survives-failed-op", lambda w: (_swallow(lambda: w.s.nat(-1)), w.s.get_nat_vec(w.nv))[1],
           lambda r, w: _eq(r, [0, 1, 2])),
    ]


def _swallow(f):
    with contextlib.suppress(tl.TorchLeanError):
        f()


def _splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def _uniform(seed, counter, n):
    key = _splitmix64((seed + counter) & 0xFFFFFFFFFFFFFFFF)
    return np.array([(_splitmix64((key + i) & 0xFFFFFFFFFFFFFFFF) % 2**32) / 2**32 for i in range(n)])


def _random_cases():
    return [
        err("rand_uniform-negative-shape", lambda w: w.S.rand_uniform((-1,)), ShapeError, "rand_uniform:", "-1"),
        err("rand_uniform-float-shape", lambda w: w.S.rand_uniform((2.5,)), ShapeError, "rand_uniform:", "2.5"),
        err("rand_uniform-bad-dtype", lambda w: w.S.rand_uniform((2,), dtype="flot32"), (DTypeError, ArgumentError),
            "rand_uniform", "flot32"),
        err("rand_uniform-int-dtype", lambda w: w.S.rand_uniform((2,), dtype=np.int64), DTypeError,
            "rand_uniform", "int64"),
        err("rand_uniform-float16", lambda w: w.S.rand_uniform((2,), dtype=np.float16), DTypeError,
            "rand_uniform", "float16"),
        err("bernoulli_mask-keep_prob-vector", lambda w: w.S.bernoulli_mask(w.x, (3,)), ShapeError,
            "bernoulli_mask:", "(3,)"),
        err("bernoulli_mask-keep_prob-above-one", lambda w: w.S.bernoulli_mask(1.5, (3,)), ArgumentError,
            "bernoulli_mask", "1.5"),
        err("bernoulli_mask-keep_prob-nan", lambda w: w.S.bernoulli_mask(NAN, (3,)), ArgumentError,
            "bernoulli_mask", "nan"),
        err("bernoulli_mask-keep_prob-str", lambda w: w.S.bernoulli_mask("0.5", (3,)), NONREF, "bernoulli_mask"),
        err("bernoulli_mask-stale-keep_prob", lambda w: w.S.bernoulli_mask(w.stale, (3,)), InvalidRefError,
            "bernoulli_mask"),
        err("dropout-p-above-one", lambda w: w.S.dropout(w.x, 1.5), ArgumentError, "dropout:", "1.5"),
        err("dropout-p-negative", lambda w: w.S.dropout(w.x, -0.1), ArgumentError, "dropout:", "-0.1"),
        err("dropout-p-str", lambda w: w.S.dropout(w.x, "a"), ArgumentError, "dropout"),
        err("dropout-int-x-halfway", lambda w: w.S.dropout(w.i, 0.5), DTypeError, "dropout:", "int64"),
        err("dropout-stale-x", lambda w: w.S.dropout(w.stale, 0.5), InvalidRefError, "dropout:", "stale"),
        ok("rand_uniform-splitmix64-stream", lambda w: w.S.rand_uniform((4,)),
           same(_uniform(0, 1, 4).astype(F32), F32)),
        ok("rand_uniform-counter-survives-failure", lambda w: (_swallow(lambda: w.s.rand_uniform((-1,))),
                                                               w.s.rand_uniform((3,)))[1],
           same(_uniform(0, 1, 3).astype(F32))),
        ok("rand_uniform-counter-survives-reset", lambda w: (w.s.reset(), w.s.rand_uniform((2,)))[1],
           same(_uniform(0, 1, 2).astype(F32))),
        ok("rand_uniform-seeded-session", lambda w: w.session(seed=7).rand_uniform((3,), dtype=F64),
           same(_uniform(7, 0, 3), F64)),
        ok("rand_uniform-zero-size", lambda w: w.S.rand_uniform((0, 2)), same(np.zeros((0, 2), F32))),
        ok("rand_uniform-0d", lambda w: w.S.rand_uniform(()), same(np.float32(_uniform(0, 1, 1)[0]))),
        ok("bernoulli_mask-stream", lambda w: w.S.bernoulli_mask(0.5, (6,)),
           same((_uniform(0, 1, 6) < 0.5).astype(F32))),
        ok("dropout-p-zero-identity", lambda w: w.S.dropout(w.x, 0.0), same(X_INIT)),
        ok("dropout-eval-identity", lambda w: w.S.dropout(w.x, 0.5, training=False), same(X_INIT)),
        ok("dropout-p-one-zeros", lambda w: w.S.dropout(w.x, 1.0), same(np.zeros(3, F32))),
        ok("dropout-rescales", lambda w: w.S.dropout(w.s.input(np.ones(6, F32)), 0.5),
           same((_uniform(0, 1, 6) < 0.5).astype(F32) * 2.0)),
    ]


CASES = (_binary_cases() + _unary_cases() + _unary_values() + _value_cases() + _reduce_cases() + _shape_cases()
         + _ref_cases() + _linalg_cases() + _loss_cases() + _compare_cases() + _conv_cases() + _norm_cases()
         + _index_cases() + _nat_cases() + _random_cases())
