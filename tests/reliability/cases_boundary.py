"""The input boundary: every entry point that takes user data, fed the same bad values.

Entry points: ``Session.input``, ``Session.const``, ``Session.param``, ``Param(...)``,
``Param.set_value``, a compiled call, ``tl.grad``, a trainer step, ``Session.backward``'s seed,
``Session.jvp``'s tangents, ``nat_vec``. Positive controls: what PyTorch accepts (NumPy scalars,
float64 into a float32 session, ints promoted into a float parameter, read-only and
non-contiguous views, subclasses) is accepted with exactly the right value.
"""

from __future__ import annotations

import datetime
import fractions
import warnings

import numpy as np

import torchlean as tl

from .harness import F32, F64, TR_X, X_INIT, ArgumentError, err, may, ok, same

DTypeError, ShapeError = tl.DTypeError, tl.ShapeError
DeviceError, InvalidRefError = tl.DeviceError, tl.InvalidRefError


class _ArrayLike:
    """An object that speaks ``__array__`` (as pandas/xarray objects do)."""

    def __init__(self, a):
        self.a = np.asarray(a)

    def __array__(self, dtype=None, copy=None):
        return self.a if dtype is None else self.a.astype(dtype)


class _BrokenArray:
    def __array__(self, dtype=None, copy=None):
        raise ValueError("this object cannot become an array")


def _matrix(rows):
    with warnings.catch_warnings():  # np.matrix is pending deprecation, but users still have them
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(rows)


def _masked(mask):
    return np.ma.masked_array([1.0, 2.0, 3.0], mask=mask)


# (label, value maker taking the world, expected class, fragments the message must contain)
BAD = [
    ("None", lambda w: None, DTypeError, ("None",)),
    ("str", lambda w: "3.5", DTypeError, ("str",)),
    ("bytes", lambda w: b"12", DTypeError, ("bytes",)),
    ("object", lambda w: object(), DTypeError, ("object",)),
    ("py-complex", lambda w: 1 + 2j, DTypeError, ("complex",)),
    ("complex-array", lambda w: np.array([1 + 2j, 3.0, 0.5]), DTypeError, ("complex",)),
    ("datetime64", lambda w: np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[D]"),
     DTypeError, ("datetime",)),
    ("timedelta64", lambda w: np.array([1, 2, 3], dtype="timedelta64[s]"), DTypeError, ("timedelta",)),
    ("py-datetime", lambda w: datetime.datetime(2020, 1, 1), DTypeError, ("object",)),
    ("fraction", lambda w: fractions.Fraction(1, 2), DTypeError, ("object",)),
    ("set", lambda w: {1.0, 2.0, 3.0}, DTypeError, ("object",)),
    ("dict", lambda w: {"a": 1.0}, DTypeError, ("object",)),
    ("ragged", lambda w: [[1.0, 2.0], [3.0]], ShapeError, ("ragged",)),
    ("list-with-None", lambda w: [1.0, None, 3.0], DTypeError, ("None",)),
    ("list-with-str", lambda w: [1.0, "a", 3.0], DTypeError, ("string",)),
    ("list-with-tensor", lambda w: [w.x, w.x], DTypeError, ("tensor",)),
    ("object-array", lambda w: np.array([1.0, 2.0, 3.0], dtype=object), DTypeError, ("object",)),
    ("structured", lambda w: np.zeros(3, dtype=[("a", "f4")]), DTypeError, ("structured",)),
    ("uint64-2**63", lambda w: np.array([2**63, 1, 2], dtype=np.uint64), ArgumentError,
     ("9223372036854775808", "int64")),
    ("int-beyond-int64", lambda w: [2**63, 1, 2], ArgumentError, ("9223372036854775808",)),
    ("huge-int", lambda w: 2**70, (ArgumentError, DTypeError), ("int64",)),
    ("f64-overflows-f32", lambda w: np.array([1e300, 1.0, 2.0]), ArgumentError, ("1e+300", "float32")),
    ("masked-entries", lambda w: _masked([False, True, False]), ArgumentError, ("masked",)),
    ("broken-__array__", lambda w: _BrokenArray(), ArgumentError, ("_BrokenArray",)),
    ("torch-requires-grad", lambda w: __import__("torch").ones(3, requires_grad=True), ArgumentError,
     ("Tensor",)),
    ("torchlean-tensor", lambda w: w.x, DTypeError, ("torchlean tensor",)),
]

# Values that are bad only for some targets: integers beyond int64 where the data's own dtype
# decides (no dtype requested: PyTorch raises "Overflow"; into a float tensor they are fine), and
# finite float64 values beyond float32 where the target is float32.
INT_TARGET_ONLY = {"uint64-2**63", "int-beyond-int64", "huge-int"}
F32_TARGET_ONLY = {"f64-overflows-f32"}

# Entry points: (label, call(w, value), fragments naming the entry point and the argument,
# whether the target dtype comes from the data (True) and whether it is float32).
ENTRY = [
    ("input", lambda w, v: w.s.input(v), ("input", "value"), True, True),
    ("Param", lambda w, v: tl.Param(v), ("Param",), False, False),
    ("set_value", lambda w, v: w.v.set_value(v), ("Param.set_value",), False, True),
    ("compiled", lambda w, v: w.compiled()(v), ("compiled function", "input 0"), False, True),
]
# Entry points fed a smaller sample of the values (each run is costlier or the root is shared).
def _ce_setup(w):
    w.c.y = w.s.mul(w.x, 2.0)


ENTRY_SAMPLE = [
    ("const", lambda w, v: w.s.const(v), ("const",), None, True, True),
    ("s.param", lambda w, v: w.s.param(v), ("Param",), None, False, True),
    ("grad", lambda w, v: tl.grad(lambda o, a: o.sum(a))(v), ("grad", "argument 0"), None, False, False),
    ("grad-compiled", lambda w, v: tl.grad(lambda o, a: o.sum(a), backend=tl.Backend.COMPILED)(v),
     ("grad", "argument 0"), None, False, False),
    ("trainer-eager", lambda w, v: w.trainer("eager").step(0.1, v, np.array([0, 1])), ("ScalarTrainer", "input 0"),
     lambda w: w.trainer("eager"), False, True),
    ("trainer-compiled", lambda w, v: w.trainer("compiled").step(0.1, v, np.array([0, 1])),
     ("ScalarTrainer", "input 0"), lambda w: w.trainer("compiled"), False, True),
    ("backward-seed", lambda w, v: w.s.backward(w.c.y, v), ("backward", "seed"), _ce_setup, False, True),
    ("jvp-tangent", lambda w, v: w.s.jvp(w.c.y, {w.x: v}), ("jvp", "tangent"), _ce_setup, False, True),
    ("load_state_dict", lambda w, v: w.opt("adam").load_state_dict(
        {**w.opt("adam").state_dict(), "state": {0: {"step": 1, "exp_avg": v, "exp_avg_sq": np.zeros(3, F32)}}}),
     ("Adam.load_state_dict", "exp_avg of parameter 0"), lambda w: w.opt("adam"), False, True),
]
SAMPLE = {"None", "str", "complex-array", "ragged", "list-with-None", "f64-overflows-f32", "datetime64"}
SAMPLE_SMALL = {"None", "str", "ragged"}  # entry points whose failures share one root cause
SMALL = {"grad", "grad-compiled"}


def _applies(vlabel, from_data, f32):
    return (vlabel not in INT_TARGET_ONLY or from_data) and (vlabel not in F32_TARGET_ONLY or f32)


def _bad_cases():
    out = []
    for elabel, call, enames, from_data, f32 in ENTRY:
        for vlabel, make, exc, vnames in BAD:
            if _applies(vlabel, from_data, f32):
                out.append(err(f"boundary-{elabel}-{vlabel}",
                               lambda w, call=call, make=make: call(w, make(w)), exc, *enames, *vnames))
    for elabel, call, enames, setup, from_data, f32 in ENTRY_SAMPLE:
        sample = SAMPLE_SMALL if elabel in SMALL else SAMPLE - ({"None"} if elabel == "backward-seed" else set())
        for vlabel, make, exc, vnames in BAD:
            if vlabel in sample and _applies(vlabel, from_data, f32):
                out.append(err(f"boundary-{elabel}-{vlabel}",
                               lambda w, call=call, make=make: call(w, make(w)), exc, *enames, *vnames, setup=setup))
    return out


def _setup_frozen(w):
    a = np.array([1.5, -2.0, 4.0], F64)
    a.setflags(write=False)
    w.c.a = a


def _mutate_after(w):
    a = np.array([1.0, 2.0, 3.0], F32)
    t = w.s.input(a)
    a[0] = 100.0
    return t


def _param_then_mutate(w):
    a = np.array([1.0, 2.0, 3.0], F32)
    p = tl.Param(a)
    a[0] = 100.0
    return p.value


# Requested dtypes torchlean does not support, at every entry point that takes one.
DTYPES = [("float16", np.float16), ("int32", "int32"), ("flot32", "flot32"), ("complex64", np.complex64),
          ("uint8", np.uint8), ("None-str", "None"), ("object", object)]
DTYPE_ENTRY = [
    ("input", lambda w, d: w.s.input([1.0, 2.0], dtype=d), ("input",)),
    ("const", lambda w, d: w.s.const([1.0, 2.0], dtype=d), ("const",)),
    ("Param", lambda w, d: tl.Param([1.0, 2.0], dtype=d), ("Param",)),
]


def _dtype_cases():
    out = []
    for elabel, call, enames in DTYPE_ENTRY:
        for dlabel, d in DTYPES:
            out.append(err(f"dtype-{elabel}-{dlabel}", lambda w, call=call, d=d: call(w, d), DTypeError,
                           *enames))
    out += [
        err("dtype-Param-int64", lambda w: tl.Param([1, 2], dtype=np.int64), DTypeError, "Param", "int64"),
        err("dtype-Param-bool", lambda w: tl.Param([True], dtype=bool), DTypeError, "Param", "bool"),
        err("dtype-s.param-int64", lambda w: w.s.param([1, 2], dtype=np.int64), DTypeError, "Param", "int64"),
        err("dtype-ParamList-float16", lambda w: tl.ParamList([[1.0]], dtype=np.float16), DTypeError,
            "Param", "float16"),
        err("dtype-Session-int64", lambda w: tl.Session(dtype=np.int64), DTypeError, "dtype", "int64"),
        err("dtype-Session-float16", lambda w: tl.Session(dtype=np.float16), DTypeError, "dtype", "float16"),
        err("dtype-Session-flot32", lambda w: tl.Session(dtype="flot32"), DTypeError, "flot32"),
        err("dtype-input-float-data-for-int64", lambda w: w.s.input([1.5, 2.0], dtype=np.int64), DTypeError,
            "input", "float64", "int64"),
        err("dtype-input-float-data-for-bool", lambda w: w.s.input([1.5], dtype=bool), DTypeError, "input",
            "bool"),
        err("dtype-input-int-data-for-bool", lambda w: w.s.input([1, 0], dtype=bool), DTypeError, "input",
            "bool"),
        err("dtype-input-nan-for-int64", lambda w: w.s.input([float("nan")], dtype=np.int64), DTypeError,
            "input", "int64"),
        err("dtype-input-requires-grad-int", lambda w: w.s.input([1, 2], requires_grad=True), DTypeError,
            "input", "int64"),
        err("dtype-compiled-float-for-int-input", lambda w: w.compiled("ce")(
            np.zeros((3, 4), F32), TR_X, np.array([0.0, 1.5])), DTypeError, "compiled function", "input 2"),
        err("dtype-trainer-float-labels-eager", lambda w: w.trainer("eager").step(0.1, TR_X, np.array([1.0, 2.5])),
            DTypeError, "ScalarTrainer", "input 1"),
        err("dtype-trainer-float-labels-compiled",
            lambda w: w.trainer("compiled").step(0.1, TR_X, np.array([1.0, 2.5])), DTypeError, "ScalarTrainer",
            "input 1"),
        err("dtype-set_value-shape", lambda w: w.w.set_value(np.ones((3, 2), F32)), ShapeError,
            "Param.set_value", "(2, 3)", "(3, 2)"),
        err("dtype-set_value-device-like", lambda w: w.w.set_value(_CudaLike()), (DeviceError, DTypeError,
                                                                                  ArgumentError),
            "Param.set_value"),
        err("dtype-input-device-like", lambda w: w.s.input(_CudaLike()), DeviceError, "input", "cuda"),
    ]
    return out


class _CudaLike:
    """Claims to be a CUDA array (``__cuda_array_interface__``), as a CuPy array does."""

    @property
    def __cuda_array_interface__(self):
        return {"shape": (2, 3), "typestr": "<f4", "data": (0, False), "version": 3}


def _positive_cases():
    f64 = np.array([0.1, 0.2, 1e-3], F64)
    return [
        ok("accept-float64-into-float32-session", lambda w: w.s.input(f64), same(f64.astype(F32), F32)),
        ok("accept-float64-inf-into-float32", lambda w: w.s.input(np.array([np.inf, -np.inf, 1.0])),
           same(np.array([np.inf, -np.inf, 1.0], F32), F32)),
        ok("accept-float64-nan-into-float32", lambda w: w.s.input(np.array([np.nan, 1.0])),
           same(np.array([np.nan, 1.0], F32), F32)),
        ok("accept-float64-underflow-to-zero", lambda w: w.s.input(np.array([1e-50, -1e-50])),
           same(np.array([1e-50, -1e-50]).astype(F32), F32)),
        ok("accept-numpy-float64-scalar", lambda w: w.s.input(np.float64(2.5)), same(np.float32(2.5), F32)),
        ok("accept-numpy-int32-array", lambda w: w.s.input(np.array([1, -2, 3], np.int32)),
           same(np.array([1, -2, 3], np.int64), np.int64)),
        ok("accept-numpy-uint8-array", lambda w: w.s.input(np.array([0, 255], np.uint8)),
           same(np.array([0, 255], np.int64), np.int64)),
        ok("accept-uint64-in-range", lambda w: w.s.input(np.array([2**62], np.uint64)),
           same(np.array([2**62], np.int64), np.int64)),
        ok("accept-uint64-2**63-into-float-Param", lambda w: tl.Param(np.array([2**63], np.uint64)).value,
           same(np.array([2.0**63], F32), F32)),
        ok("accept-int-beyond-int64-into-float-Param", lambda w: tl.Param([2**63, 1]).value,
           same(np.array([2.0**63, 1.0], F32), F32)),
        may("accept-int-beyond-uint64-for-float-dtype", lambda w: w.s.input([2**64], dtype=np.float32),
            same(np.array([2.0**64], F32), F32), DTypeError, "input", "int64"),
        may("accept-int-beyond-uint64-into-float-Param", lambda w: tl.Param([2**64]).value,
            same(np.array([2.0**64], F32), F32), DTypeError, "Param", "int64"),
        ok("accept-float64-Param-beyond-float32", lambda w: tl.Param(np.array([1e300])).value,
           same(np.array([1e300], F64), F64)),
        ok("accept-float16-data", lambda w: w.s.input(np.array([0.5, -0.25], np.float16)),
           same(np.array([0.5, -0.25], F32), F32)),
        ok("accept-bool-list", lambda w: w.s.input([True, False]), same(np.array([True, False]), bool)),
        ok("accept-python-bool", lambda w: w.s.input(True), same(np.array(True), bool)),
        ok("accept-python-int", lambda w: w.s.input(7), same(np.array(7, np.int64), np.int64)),
        ok("accept-int-max", lambda w: w.s.input([2**63 - 1]), same(np.array([2**63 - 1], np.int64), np.int64)),
        ok("accept-empty-list", lambda w: w.s.input([]), same(np.zeros((0,), F32), F32)),
        ok("accept-nested-empty-list", lambda w: w.s.input([[]]), same(np.zeros((1, 0), F32), F32)),
        ok("accept-list-of-arrays", lambda w: w.s.input([np.ones(2), np.zeros(2)]),
           same(np.array([[1.0, 1.0], [0.0, 0.0]], F32), F32)),
        ok("accept-tuple", lambda w: w.s.input((1.5, 2.5)), same(np.array([1.5, 2.5], F32), F32)),
        ok("accept-np-matrix-is-base-ndarray", lambda w: w.s.input(_matrix([[1.0, 2.0]])),
           lambda r, w: (same(np.array([[1.0, 2.0]], F32), F32)(r, w),
                         _is_base(r.numpy()), same(np.float32(3.0))(w.s.sum(r), w))),
        ok("accept-np-matrix-sum-shape", lambda w: w.s.sum(w.s.input(_matrix([[1.0, 2.0], [3.0, 4.0]]))),
           lambda r, w: (_eq(r.shape, ()), same(np.float32(10.0))(r, w))),
        ok("accept-masked-array-without-masked", lambda w: w.s.input(_masked([False, False, False])),
           lambda r, w: (same(np.array([1.0, 2.0, 3.0], F32), F32)(r, w), _is_base(r.numpy()))),
        ok("accept-read-only-array", lambda w: w.s.input(w.c.a), same(np.array([1.5, -2.0, 4.0], F32), F32),
           setup=_setup_frozen),
        ok("accept-read-only-array-Param", lambda w: tl.Param(w.c.a).value,
           same(np.array([1.5, -2.0, 4.0], F64), F64), setup=_setup_frozen),
        ok("accept-strided-view", lambda w: w.s.input(np.arange(10, dtype=F32)[::3]),
           same(np.array([0.0, 3.0, 6.0, 9.0], F32), F32)),
        ok("accept-transposed-view", lambda w: w.s.input(np.arange(6, dtype=F32).reshape(2, 3).T),
           same(np.array([[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], F32), F32)),
        ok("accept-negative-stride-view", lambda w: w.s.input(np.arange(4, dtype=F32)[::-1]),
           same(np.array([3.0, 2.0, 1.0, 0.0], F32), F32)),
        ok("accept-broadcast-view", lambda w: w.s.input(np.broadcast_to(np.float32(2.0), (2, 2))),
           same(np.full((2, 2), 2.0, F32), F32)),
        ok("accept-strided-view-in-compiled", lambda w: w.compiled()(np.arange(6, dtype=F32)[::2]),
           same(np.float32(0 + 4 + 16))),
        ok("accept-strided-view-set_value", lambda w: (w.w.set_value(np.arange(12, dtype=F32).reshape(2, 6)[:, ::2]),
                                                       w.w.value)[1],
           same(np.array([[0, 2, 4], [6, 8, 10]], F32), F32)),
        ok("copy-input-then-mutate-caller", _mutate_after, same(np.array([1.0, 2.0, 3.0], F32))),
        ok("copy-Param-then-mutate-caller", _param_then_mutate, same(np.array([1.0, 2.0, 3.0], F32))),
        ok("copy-value-then-mutate", lambda w: (w.x.numpy().__setitem__(0, 50.0), w.x.numpy())[1],
           same(X_INIT)),
        ok("accept-torch-cpu-tensor", lambda w: w.s.input(__import__("torch").tensor([1.5, 2.5])),
           same(np.array([1.5, 2.5], F32), F32)),
        ok("accept-torch-dtype-name", lambda w: w.s.input([1.0], dtype=__import__("torch").float64),
           same(np.array([1.0], F64), F64)),
        ok("accept-__array__-object", lambda w: w.s.input(_ArrayLike([1.0, 2.0])), same(np.array([1.0, 2.0], F32))),
        ok("accept-dtype-float64-in-float32-session", lambda w: w.s.input([0.1], dtype=np.float64),
           same(np.array([0.1], F64), F64)),
        ok("accept-dtype-string-name", lambda w: w.s.input([1, 2], dtype="float64"), same(np.array([1.0, 2.0], F64))),
        ok("accept-int-list-as-float-Param", lambda w: tl.Param([1, 2, 3]).value,
           same(np.array([1.0, 2.0, 3.0], F32), F32)),
        ok("accept-bool-Param-promoted", lambda w: tl.Param(np.array([True, False])).value,
           same(np.array([1.0, 0.0], F32), F32)),
        ok("accept-float64-Param-keeps-dtype", lambda w: tl.Param(np.array([0.1])).value,
           same(np.array([0.1], F64), F64)),
        ok("accept-Param-dtype-float64", lambda w: tl.Param([0.1], dtype=np.float64).value,
           same(np.array([0.1], F64), F64)),
        ok("accept-set_value-float64-rounds", lambda w: (w.w.set_value(np.full((2, 3), 0.1)), w.w.value)[1],
           same(np.full((2, 3), 0.1).astype(F32), F32)),
        ok("accept-set_value-int-list", lambda w: (w.w.set_value([[1, 2, 3], [4, 5, 6]]), w.w.value)[1],
           same(np.array([[1, 2, 3], [4, 5, 6]], F32), F32)),
        ok("accept-compiled-list-input", lambda w: w.compiled()([1.0, 2.0, 3.0]), same(np.float32(14.0))),
        ok("accept-compiled-int-input-promoted", lambda w: w.compiled()(np.array([1, 2, 3])), same(np.float32(14.0))),
        ok("accept-compiled-float64-input", lambda w: w.compiled()(np.array([0.5, 1.5, 2.0])),
           same(np.float32(0.25 + 2.25 + 4.0))),
        ok("accept-grad-float64-stays-float64",
           lambda w: tl.grad(lambda o, a: o.sum(o.mul(a, a)))(np.array([0.1, 0.2])),
           same(np.array([0.2, 0.4], F64), F64)),
        ok("accept-nat_vec-numpy-int", lambda w: w.s.get_nat_vec(w.s.nat_vec(np.array([3, 1], np.int32))),
           lambda r, w: _eq(r, [3, 1])),
        ok("accept-nat-numpy-int", lambda w: w.s.get_nat(w.s.nat(np.int64(5))), lambda r, w: _eq(r, 5)),
        ok("accept-backward-seed-float64", lambda w: w.s.backward(w.s.mul(w.x, 2.0), np.array([1.0, 0.5, 0.25]))[w.x],
           same(np.array([2.0, 1.0, 0.5], F32), F32)),
        ok("accept-jvp-tangent-list", lambda w: w.s.jvp(w.s.mul(w.x, 3.0), {w.x: [1, 0, 2]}),
           same(np.array([3.0, 0.0, 6.0], F32), F32)),
        ok("accept-input-0d-array", lambda w: w.s.input(np.array(4.0)), same(np.array(4.0, F32), F32)),
        ok("accept-float64-session-float32-data", lambda w: w.session(dtype=np.float64).input(np.array([0.1], F32)),
           same(np.array([0.1], F32).astype(F64), F64)),
    ]


def _is_base(a):
    assert type(a) is np.ndarray, f"expected a base ndarray, got {type(a).__name__}"


def _eq(a, b):
    assert a == b, f"{a!r} != {b!r}"


CASES = _bad_cases() + _dtype_cases() + _positive_cases()
