"""Compiled functions, the autograd helpers and devices: call signatures, tangents and seeds,
tracing errors that name the public op and the user's line, no CPU fallback for CUDA options
(this machine has no CuPy, so every CUDA request must raise ``DeviceError``), the random
counter of a compiled function on failure, and outputs that never alias the caller's inputs.
"""

from __future__ import annotations

import importlib.util

import numpy as np

import torchlean as tl

from .harness import F32, F64, TR_X, ArgumentError, close, err, ok, same, torch_fn

DTypeError, ShapeError = tl.DTypeError, tl.ShapeError
DeviceError, NotDifferentiableError = tl.DeviceError, tl.NotDifferentiableError
InvalidRefError = tl.InvalidRefError
HAS_CUPY = importlib.util.find_spec("cupy") is not None
COMPILED = tl.Backend.COMPILED
X3 = np.array([1.0, -2.0, 0.5], F32)


def _sq(o, a):
    return o.sum(o.mul(a, a))


def _call_cases():
    c = lambda w: w.compiled()
    noisy = lambda w: w.compiled("noisy")
    return [
        err("compiled-too-many-inputs", lambda w: c(w)(X3, X3), ArgumentError, "compiled function", "1", "2"),
        err("compiled-no-inputs", lambda w: c(w)(), ArgumentError, "compiled function", "0"),
        err("compiled-wrong-shape", lambda w: c(w)(np.ones(4, F32)), ShapeError, "compiled function", "input 0",
            "(3,)", "(4,)"),
        err("compiled-0d-for-vector", lambda w: c(w)(np.float32(1.0)), ShapeError, "compiled function", "(3,)"),
        err("compiled-value_and_grad-wrong-shape", lambda w: c(w).value_and_grad(np.ones((3, 1), F32)), ShapeError,
            "compiled function", "(3, 1)"),
        err("compiled-backward-None", lambda w: c(w).backward(None), DTypeError, "compiled function", "None"),
        err("compiled-jvp-tangent-count", lambda w: c(w).jvp([X3], []), ArgumentError, "jvp", "tangent"),
        err("compiled-jvp-tangent-shape", lambda w: c(w).jvp([X3], [np.ones(2, F32)]), ShapeError, "tangent", "(3,)",
            "(2,)"),
        err("compiled-jvp-tangent-str", lambda w: c(w).jvp([X3], ["a"]), DTypeError, "tangent"),
        err("compiled-hvp-tangent-shape", lambda w: c(w).hvp([X3], [np.ones(4, F32)]), ShapeError, "(3,)", "(4,)"),
        err("compiled-hvp-tangent-overflow", lambda w: c(w).hvp([X3], [np.full(3, 1e300)]), ArgumentError, "tangent",
            "float32"),
        err("compiled-backward_with_seed-shape", lambda w: c(w).backward_with_seed([X3], np.ones(2, F32)), ShapeError,
            "seed", "()"),
        err("compiled-backward_with_seed-complex", lambda w: c(w).backward_with_seed([X3], 1j), DTypeError, "seed",
            "complex"),
        err("compiled-noisy-bad-input-keeps-counter", lambda w: noisy(w)(np.ones(2, F32)), ShapeError,
            "compiled function", setup=noisy),
        err("compiled-noisy-None-keeps-counter", lambda w: noisy(w).value_and_grad(None), DTypeError,
            "compiled function", setup=noisy),
        err("compiled-noisy-jvp-bad-tangent-keeps-counter", lambda w: noisy(w).jvp([X3], [np.ones(5)]), ShapeError,
            "(3,)", setup=noisy),
        err("compiled-ce-label-out-of-range", lambda w: w.compiled("ce")(np.zeros((3, 4), F32), TR_X,
                                                                         np.array([0, 3])),
            ArgumentError, "cross_entropy", "3", setup=lambda w: w.compiled("ce")),
        err("compiled-ce-grad-label-out-of-range", lambda w: w.compiled("ce").value_and_grad(
            np.zeros((3, 4), F32), TR_X, np.array([-1, 0])), ArgumentError, "cross_entropy", "-1",
            setup=lambda w: w.compiled("ce")),
        err("compiled-int-output-no-derivative", lambda w: tl.compile_out(
            lambda o, a: o.cast(a, np.int64), [(3,)]).backward(X3), NotDifferentiableError, "int64"),
        ok("compiled-noisy-counter-advances-on-success", lambda w: (noisy(w)(np.ones(3, F32)), noisy(w).rng_counter)[1],
           lambda r, w: _eq(r, 2)),
        ok("compiled-value_and_grad-values", lambda w: c(w).value_and_grad(X3),
           lambda r, w: (same(np.float32(1 + 4 + 0.25))(r[0], w), same(2 * X3, F32)(r[1][0], w))),
        ok("compiled-hvp-values", lambda w: c(w).hvp([X3], [np.array([1.0, 0.0, -1.0], F32)])[0],
           same(np.array([2.0, 0.0, -2.0], F32))),
        ok("compiled-jvp-values", lambda w: c(w).jvp([X3], [np.array([1.0, 1.0, 1.0], F32)]),
           same(np.float32(2 * (1 - 2 + 0.5)))),
        ok("compiled-ce-matches-torch", lambda w: w.compiled("ce")(np.eye(3, 4, dtype=F32), TR_X, np.array([2, 0])),
           close(torch_fn(lambda t, a, x, y: t.nn.functional.cross_entropy(x @ a.T, y), np.eye(3, 4),
                          TR_X.astype(F64), np.array([2, 0])), F32)),
        ok("compiled-zero-size-input", lambda w: tl.compile_scalar(_sq, [(0,)])(np.zeros(0, F32)),
           same(np.float32(0.0))),
        ok("compiled-0d-input", lambda w: tl.compile_scalar(_sq, [()])(np.float32(3.0)), same(np.float32(9.0))),
    ]


def _eq(a, b):
    assert a == b, f"{a!r} != {b!r}"


def _keep_var(w):
    def grab(o, a):
        w.c.var = a
        return o.sum(a)

    tl.compile_scalar(grab, [(2,)])


def _trace_cases():
    i64 = ((3,), np.int64)
    return [
        err("compile-gelu-int-names-gelu", lambda w: tl.compile_scalar(lambda o, a: o.sum(o.gelu(a)), [i64]),
            DTypeError, "gelu:", "in your model"),
        err("compile-mse-shape-names-mse", lambda w: tl.compile_scalar(lambda o, a, b: o.mse_loss(a, b), [(3,), (2,)]),
            ShapeError, "mse_loss:", "(3,)", "(2,)"),
        err("compile-avg_pool2d-names-op", lambda w: tl.compile_out(lambda o, a: o.avg_pool2d(a, 5), [(1, 3, 3)]),
            ShapeError, "avg_pool2d:"),
        err("compile-dropout-int-names-dropout", lambda w: tl.compile_out(lambda o, a: o.dropout(a, 0.5), [i64]),
            DTypeError, "dropout:"),
        err("compile-linear-pytorch-order", lambda w: tl.compile_out(lambda o, x, a, b: o.linear(x, a, b),
                                                                     [(3,), (2, 3), (2,)]),
            ShapeError, "linear:", "torchlean.nn.functional"),
        err("compile-non-scalar-output", lambda w: tl.compile_scalar(lambda o, a: o.mul(a, a), [(3,)]), ShapeError,
            "compile_scalar", "float32[3]"),
        err("compile-returns-ndarray", lambda w: tl.compile_out(lambda o, a: np.ones(3), [(3,)]), ArgumentError,
            "compile", "ndarray"),
        err("compile-returns-tuple", lambda w: tl.compile_out(lambda o, a: (a, a), [(3,)]), ArgumentError, "compile",
            "one"),
        err("compile-captured-eager-ref", lambda w: tl.compile_out(lambda o, a: o.add(a, w.x), [(3,)]),
            (ArgumentError, DTypeError), "add"),
        err("compile-ndarray-operand", lambda w: tl.compile_out(lambda o, a: o.add(a, np.ones(3)), [(3,)]),
            (ArgumentError, DTypeError), "add", "ndarray"),
        err("compile-value-of-another-graph",
            lambda w: tl.compile_scalar(lambda o, a: o.sum(o.add(a, w.c.var)), [(2,)]),
            (ArgumentError, InvalidRefError), "add", "another graph", setup=_keep_var),
        err("compiled-bool-input-given-ints", lambda w: w.c.cb(np.array([0, 1, 2])), DTypeError, "compiled function",
            "bool", setup=lambda w: setattr(w.c, "cb", w.track(tl.compile_scalar(
                lambda o, a: o.sum(o.cast(a, F32)), [((3,), bool)])))),
        ok("compiled-uint8-into-int64-input", lambda w: tl.compile_scalar(lambda o, a: o.sum(o.cast(a, F32)),
                                                                          [((3,), np.int64)])(np.array([0, 1, 250],
                                                                                                       np.uint8)),
           same(np.float32(251.0))),
        err("compile-input-type-float-shape", lambda w: tl.compile_scalar(_sq, [(2.5,)]), ShapeError, "compile", "2.5"),
        err("compile-input-type-negative", lambda w: tl.compile_scalar(_sq, [(-1,)]), ShapeError, "compile", "-1"),
        err("compile-input-type-float16", lambda w: tl.compile_scalar(_sq, [((3,), np.float16)]), DTypeError, "compile",
            "float16"),
        err("compile-input-type-str", lambda w: tl.compile_scalar(_sq, ["abc"]), ArgumentError, "compile", "abc"),
        err("compile-input-type-None", lambda w: tl.compile_scalar(_sq, [None]), ArgumentError, "compile", "None"),
        err("compile-wrt-length", lambda w: tl.compile_scalar(_sq, [(3,)], wrt=[True, False]), ArgumentError,
            "compile", "wrt"),
        err("compile-options-not-Options", lambda w: tl.compile_scalar(_sq, [(3,)], "cpu"), ArgumentError, "options"),
        ok("compile-float16-example-array", lambda w: tl.compile_scalar(_sq, [np.zeros(3, np.float16)])(X3),
           same(np.float32(5.25))),
    ]


def _autograd_cases():
    return [
        err("grad-argnums-out-of-range", lambda w: tl.grad(_sq, argnums=3)(X3), ArgumentError, "grad", "argnums"),
        err("grad-argnums-float", lambda w: tl.grad(_sq, argnums=0.0)(X3), ArgumentError, "grad", "argnums"),
        err("grad-non-scalar-fn", lambda w: tl.grad(lambda o, a: o.mul(a, 2.0))(X3), ShapeError, "grad", "(3,)"),
        err("grad-compiled-non-scalar-fn", lambda w: tl.grad(lambda o, a: o.mul(a, 2.0), backend=COMPILED)(X3),
            ShapeError, "grad"),
        err("grad-int-argument", lambda w: tl.grad(lambda o, a: o.sum(o.cast(a, F32)))(np.array([1, 2])),
            NotDifferentiableError, "grad", "int64"),
        err("value_and_grad-None", lambda w: tl.value_and_grad(_sq)(None), DTypeError, "value_and_grad", "None"),
        err("vjp-cotangent-shape", lambda w: tl.vjp(lambda o, a: o.mul(a, 2.0), X3)[1](np.ones(2)), ShapeError,
            "vjp", "(3,)", "(2,)"),
        err("vjp-compiled-cotangent-shape", lambda w: tl.vjp(lambda o, a: o.mul(a, 2.0), X3, backend=COMPILED)[1](
            np.ones(2)), ShapeError, "vjp", "(3,)"),
        err("vjp-cotangent-str", lambda w: tl.vjp(lambda o, a: o.mul(a, 2.0), X3)[1]("a"), DTypeError, "vjp"),
        err("jvp-tangent-count", lambda w: tl.jvp(lambda o, a: o.mul(a, 2.0), [X3], []), ArgumentError, "jvp",
            "tangent"),
        err("jvp-tangent-shape", lambda w: tl.jvp(lambda o, a: o.mul(a, 2.0), [X3], [np.ones(4)]), ShapeError, "jvp",
            "(3,)", "(4,)"),
        err("jvp-compiled-tangent-shape", lambda w: tl.jvp(lambda o, a: o.mul(a, 2.0), [X3], [np.ones(4)],
                                                           backend=COMPILED),
            ShapeError, "jvp", "(3,)"),
        err("jvp-tangent-None", lambda w: tl.jvp(lambda o, a: o.mul(a, 2.0), [X3], [None]), DTypeError, "jvp",
            "tangent 0"),
        err("jvp-primals-not-sequence", lambda w: tl.jvp(lambda o, a: o.mul(a, 2.0), X3, [X3]), ArgumentError, "jvp"),
        err("hvp-tangent-shape", lambda w: tl.hvp(_sq, [X3], [np.ones(4)]), ShapeError, "hvp", "(3,)", "(4,)"),
        err("hvp-tangent-count", lambda w: tl.hvp(_sq, [X3], []), ArgumentError, "hvp", "tangent"),
        err("jacrev-None", lambda w: tl.jacrev(lambda o, a: o.mul(a, 2.0))(None), DTypeError, "jacrev", "None"),
        err("jacfwd-None", lambda w: tl.jacfwd(lambda o, a: o.mul(a, 2.0))(None), DTypeError, "jacfwd", "None"),
        err("jacfwd-int-argument", lambda w: tl.jacfwd(lambda o, a: o.cast(a, F32))(np.array([1, 2])),
            NotDifferentiableError, "jacfwd", "int64"),
        err("grad-options-not-Options", lambda w: tl.grad(_sq, options="cpu")(X3), ArgumentError, "options"),
        err("grad-fn-raises-shape", lambda w: tl.grad(lambda o, a: o.sum(o.matmul(a, a)))(np.ones((2, 3))),
            ShapeError, "matmul:"),
        ok("grad-values", lambda w: tl.grad(_sq)(X3), same(2 * X3, F32)),
        ok("grad-compiled-values", lambda w: tl.grad(_sq, backend=COMPILED)(X3), same(2 * X3, F32)),
        ok("grad-argnums-tuple", lambda w: tl.grad(lambda o, a, b: o.sum(o.mul(a, b)), argnums=(0, 1))(X3, 2 * X3),
           lambda r, w: (same(2 * X3)(r[0], w), same(X3)(r[1], w))),
        ok("jacrev-values", lambda w: tl.jacrev(lambda o, a: o.mul(a, a))(X3), close(np.diag(2 * X3))),
        ok("jacfwd-values", lambda w: tl.jacfwd(lambda o, a: o.mul(a, a))(X3), close(np.diag(2 * X3))),
        ok("hvp-values", lambda w: tl.hvp(_sq, [X3], [np.ones(3, F32)])[0], same(np.full(3, 2.0, F32))),
        ok("jvp-values", lambda w: tl.jvp(lambda o, a: o.mul(a, 3.0), [X3], [np.ones(3)])[1],
           same(np.full(3, 3.0, F32))),
        ok("grad-list-argument", lambda w: tl.grad(_sq)([1.0, 2.0]), same(np.array([2.0, 4.0], F32))),
    ]


CUDA = tl.Options(device="cuda")


def _device_cases():
    if HAS_CUPY:  # these cases state what happens without CuPy; a CUDA machine runs tests/cuda
        return []
    cu = "CuPy"
    return [
        err("device-Session-cuda", lambda w: tl.Session(device="cuda"), DeviceError, "cuda", cu),
        err("device-Session-use_gpu", lambda w: tl.Session(use_gpu=True), DeviceError, "cuda", cu),
        err("device-compile_scalar-cuda", lambda w: tl.compile_scalar(_sq, [(3,)], CUDA), DeviceError, "cuda", cu),
        err("device-compile_out-cuda", lambda w: tl.compile_out(lambda o, a: o.mul(a, a), [(3,)], CUDA), DeviceError,
            "cuda", cu),
        err("device-grad-eager-cuda", lambda w: tl.grad(_sq, options=CUDA)(X3), DeviceError, "cuda", cu),
        err("device-grad-compiled-cuda", lambda w: tl.grad(_sq, backend=COMPILED, options=CUDA)(X3), DeviceError,
            "cuda", cu),
        err("device-vjp-cuda", lambda w: tl.vjp(_sq, X3, options=CUDA), DeviceError, "cuda", cu),
        err("device-jvp-cuda", lambda w: tl.jvp(_sq, [X3], [X3], options=CUDA), DeviceError, "cuda", cu),
        err("device-jvp-compiled-cuda", lambda w: tl.jvp(_sq, [X3], [X3], backend=COMPILED, options=CUDA), DeviceError,
            "cuda", cu),
        err("device-hvp-cuda", lambda w: tl.hvp(_sq, [X3], [X3], options=CUDA), DeviceError, "cuda", cu),
        err("device-jacrev-cuda", lambda w: tl.jacrev(lambda o, a: o.mul(a, a), options=CUDA)(X3), DeviceError, "cuda"),
        err("device-jacfwd-cuda", lambda w: tl.jacfwd(lambda o, a: o.mul(a, a), options=CUDA)(X3), DeviceError, "cuda"),
        err("device-value_and_grad-cuda", lambda w: tl.value_and_grad(_sq, options=CUDA)(X3), DeviceError, "cuda"),
        err("device-trainer-eager-cuda", lambda w: tl.ScalarTrainer([np.ones(3, F32)], [(3,)],
                                                                    lambda o, a, x: o.sum(o.mul(a, x)), CUDA),
            DeviceError, "cuda", cu),
        err("device-trainer-compiled-cuda", lambda w: tl.ScalarTrainer(
            [np.ones(3, F32)], [(3,)], lambda o, a, x: o.sum(o.mul(a, x)),
            tl.Options(device="cuda", backend="compiled")),
            DeviceError, "cuda", cu),
        err("device-compile-use_gpu", lambda w: tl.compile_scalar(_sq, [(3,)], tl.Options(use_gpu=True)), DeviceError,
            "cuda"),
    ]


def _alias_check(expected):
    def check(r, w):
        out, arg = r
        assert not np.shares_memory(out, arg), "the compiled output shares memory with the caller's input"
        np.testing.assert_array_equal(out, expected)

    return check


def _alias(fn, types, arg):
    c = tl.compile_out(fn, types)
    return c(arg), arg


A23 = np.arange(6, dtype=F32).reshape(2, 3)


def _alias_cases():
    v = np.arange(3, dtype=F32)
    return [
        ok("alias-identity", lambda w: _alias(lambda o, a: a, [(3,)], v.copy()), _alias_check(v)),
        ok("alias-detach", lambda w: _alias(lambda o, a: o.detach(a), [(3,)], v.copy()), _alias_check(v)),
        ok("alias-reshape", lambda w: _alias(lambda o, a: o.reshape(a, (3, 2)), [(2, 3)], A23.copy()),
           _alias_check(A23.reshape(3, 2))),
        ok("alias-transpose", lambda w: _alias(lambda o, a: o.transpose(a), [(2, 3)], A23.copy()), _alias_check(A23.T)),
        ok("alias-permute", lambda w: _alias(lambda o, a: o.permute(a, (1, 0)), [(2, 3)], A23.copy()),
           _alias_check(A23.T)),
        ok("alias-slice", lambda w: _alias(lambda o, a: o.slice(a, 1, 1), [(2, 3)], A23.copy()),
           _alias_check(A23[:, 1:])),
        ok("alias-flatten", lambda w: _alias(lambda o, a: o.flatten(a), [(2, 3)], A23.copy()),
           _alias_check(A23.reshape(-1))),
        ok("alias-broadcast_to", lambda w: _alias(lambda o, a: o.broadcast_to(a, (2, 3)), [(3,)], v.copy()),
           _alias_check(np.broadcast_to(v, (2, 3)))),
        ok("alias-cast-identity", lambda w: _alias(lambda o, a: o.cast(a, F32), [(3,)], v.copy()), _alias_check(v)),
        ok("alias-vjp-of-identity", lambda w: (tl.compile_out(lambda o, a: o.reshape(a, (3,)), [(3,)])
                                               .vjp_with_seed([v.copy()], w.c.seed)[0], w.c.seed),
           _alias_check(np.ones(3, F32)), setup=lambda w: setattr(w.c, "seed", np.ones(3, F32))),
        ok("eager-input-does-not-alias", lambda w: (w.s.input(w.c.a).numpy(), w.c.a), _alias_check(v),
           setup=lambda w: setattr(w.c, "a", v.copy())),
        ok("eager-value-does-not-alias-tape", lambda w: (w.x.numpy(), w.x.numpy()),
           lambda r, w: (_alias_check(r[1])(r, w))),
    ]


CASES = _call_cases() + _trace_cases() + _autograd_cases() + _device_cases() + _alias_cases()
