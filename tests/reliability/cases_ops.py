"""Core op families (elementwise, reductions, shape ops, tensor refs and gradients, linear
algebra, losses, comparisons; the rest is in ``cases_families``): bad operands and arguments
(errors name the public op, the tape is unchanged, composites failing half-way roll back), and
positive controls for zero-size and 0-d tensors, NaN/inf where behaviour is defined,
PyTorch-promoted operands and the tie rules.

World tensors (see ``harness.World``): ``x`` float32 (3,), ``m`` float32 (2, 3), ``i`` int64 (2,),
``flag`` bool (3,), ``d`` float64 (3,), ``W``/``B`` the leaves of params ``w`` (2, 3), ``b`` (2,),
``stale`` a ref from before a reset, ``y`` a ref of another session.
"""

from __future__ import annotations

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
        err("power-str-exponent", lambda w: w.x ** "2", DTypeError, "pow"),
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
        # IEEE values as PyTorch; NumPy prints its RuntimeWarning for a tensor denominator with zeros
        # (silencing it would cost an errstate per division: docs/for-pytorch-users.md)
        ok("div-by-zero-tensor", lambda w: w.x / w.s.input([0.0, -0.0, 1.0]), same(np.array([INF, -INF, 3.0], F32))),
        ok("rdiv-scalar-by-zero-tensor", lambda w: 1.0 / w.s.input([0.0, -0.0]), same(np.array([INF, -INF], F32))),
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
        err("sum-method-float-dim", lambda w: w.m.sum(0.0), ShapeError, "sum:", "0.0"),
        err("reduce_mean-axis-out-of-range", lambda w: w.S.reduce_mean(w.m, -3), ShapeError, "reduce_mean:", "-3"),
        err("reduce_mean-int-tensor", lambda w: w.S.reduce_mean(w.i), DTypeError, "reduce_mean:", "int64"),
        err("mean-method-stale", lambda w: w.stale.mean(), InvalidRefError, "mean:", "stale"),
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
        ok("t-method-vector", lambda w: w.x.t(), same(X_INIT, F32)),  # torch: t() of a vector is itself
        err("broadcast_to-incompatible", lambda w: w.S.broadcast_to(w.x, (2, 4)), ShapeError, "broadcast_to:",
            "(3,)", "(2, 4)"),
        err("broadcast_to-rank-decrease", lambda w: w.S.broadcast_to(w.m, (3,)), ShapeError, "broadcast_to:"),
        err("broadcast_to-float-dims", lambda w: w.S.broadcast_to(w.x, (2.9, 3)), ShapeError, "broadcast_to:",
            "2.9"),
        err("broadcast_to-negative-dim", lambda w: w.S.broadcast_to(w.x, (-1, 3)), ShapeError, "broadcast_to:",
            "-1"),
        err("broadcast_to-bad-axis-map", lambda w: w.S.broadcast_to(w.x, (3, 2), axes=(1,)), ShapeError,
            "broadcast_to:"),
        err("expand-method-incompatible", lambda w: w.m.expand((3, 3)), ShapeError, "expand:"),
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
        err("len-0d", lambda w: len(w.z0), (ShapeError, ArgumentError), "0-d",
            setup=lambda w: setattr(w, "z0", w.s.input(np.float32(1.0)))),
        may("subscript", lambda w: w.x[0], same(np.float32(1.0)), (ArgumentError, ShapeError, DTypeError), "index"),
        err("value-stale", lambda w: w.S.value(w.stale), InvalidRefError, "value", "stale"),
        err("value-foreign", lambda w: w.S.value(w.y), InvalidRefError, "value", "another session"),
        err("value-None", lambda w: w.S.value(None), NONREF, "value", "None"),
        err("numpy-stale", lambda w: w.stale.numpy(), InvalidRefError, "stale"),
        err("use-ndarray", lambda w: w.S.use(np.ones(3)), NONREF, "use", "Param", "ndarray"),
        err("use-TensorRef", lambda w: w.S.use(w.x), NONREF, "use", "Param", "TensorRef"),
        err("detach-None", lambda w: w.S.detach(None), NONREF, "detach:"),
        err("unknown-keyword", lambda w: w.S.softmax(w.x, axes=0), ArgumentError, "softmax", "axes"),
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
        err("gradients-ref-made-after", lambda w: w.grads[w.late], InvalidRefError, "grad",
            setup=lambda w: setattr(w, "late", w.s.mul(w.x, 2.0))),
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
        err("stale-operator-pow", lambda w: w.stale ** 2, InvalidRefError, "pow", "stale"),
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


CASES = (_binary_cases() + _unary_cases() + _unary_values() + _value_cases() + _reduce_cases() + _shape_cases()
         + _ref_cases() + _linalg_cases() + _loss_cases() + _compare_cases())
