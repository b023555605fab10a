"""Elementwise fusion: how regions are formed, and that fused kernels equal the plain kernels.

Stated tolerance: arithmetic, comparisons, abs, sign, sqrt and clamp are bitwise equal to
NumPy in float32 and float64; a transcendental op (exp, log, tanh, sigmoid, softplus, power),
fused only where ``fuse_inexact`` asks for it, is within ``ULP32 = 4`` units in the last place
of NumPy's result in float32 (numba calls the platform libm, NumPy its own SIMD versions;
measured here: at most 3). By default regions keep transcendental ops as NumPy kernels and
so are bitwise equal.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import torchlean as tl
from torchlean.compiled import codegen_numba, fusion
from torchlean.compiled.api import compile_scalar
from torchlean.compiled.config import compile_options
from torchlean.compiled.fusion import INEXACT, Region

from .helpers import RawGraph, bitwise_equal, has_numba

pytestmark = pytest.mark.skipif(not has_numba(), reason="numba is not installed (pip install 'torchlean[jit]')")

ULP32 = 4
RNG = np.random.default_rng(11)


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float32 units in the last place (NaN == NaN, -0 == +0)."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    ia, ib = a.view(np.int32).astype(np.int64), b.view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, np.int64(-(2**31)) - ia, ia)
    ib = np.where(ib < 0, np.int64(-(2**31)) - ib, ib)
    d = np.abs(ia - ib)
    return np.where(np.isnan(a) & np.isnan(b), 0, d)


@pytest.fixture(autouse=True)
def _quiet():
    with np.errstate(all="ignore"):
        yield


def special(dtype, n=2000):
    x = RNG.standard_normal(n) * 4
    x[:12] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e-310, 1e300, -1e300, 1.0, -1.0, 0.5]
    with np.errstate(over="ignore"):  # 1e300 becomes inf in float32: wanted
        return x.astype(dtype)


UNARY_PARAMS = {"scale": {"c": -0.3}, "div_scalar": {"c": -0.3}, "add_scalar": {"c": 0.7},
                "clamp": {"lo": -0.5, "hi": 1.5}, "power": {"p": 2.5}}


def _region_run(build, arrays, **options):
    """Outputs of the graph ``build(r, *inputs)`` with and without fusion, and the fused plan."""
    results = []
    for fuse in (True, False):
        r = RawGraph()
        ins = [r.input(a.shape, a.dtype) for a in arrays]
        outs = build(r, *ins)
        exe = r.executable(*(outs if isinstance(outs, tuple) else (outs,)), fusion=fuse, **options)
        exe.run(*arrays)
        results.append((exe.run(*arrays), exe.last_plan))
    return results[0][0], results[1][0], results[0][1]


def _regions(plan) -> list[Region]:
    return [i for i in plan.items if isinstance(i, Region)]


UNARY = sorted(fusion.UNARY)
BINARY = sorted(fusion.BINARY)


@pytest.fixture(scope="module", params=[np.float32, np.float64], ids=["float32", "float64"])
def every_op(request):
    """Each op on special values inside one region (one kernel for all of them), fused and not."""
    dtype = request.param
    x, y = special(dtype), special(dtype)[::-1].copy()
    y[:6] = [0.0, 0.0, -0.0, np.nan, -np.inf, -0.0]  # ties of signed zeros, NaN on either side

    def build(r, x, y):
        outs = [r("abs", r(n, r("scale", x, c=-1.0), **UNARY_PARAMS.get(n, {}))) for n in UNARY]
        outs += [r("neg", r(n, r("neg", x), r("abs", y))) for n in BINARY]
        return tuple(outs)

    with np.errstate(all="ignore"):
        on, off, plan = _region_run(build, [x, y], fuse_inexact=frozenset({"float32"}))
    names = UNARY + BINARY
    return dtype, dict(zip(names, on)), dict(zip(names, off)), plan


def test_every_op_runs_in_regions(every_op):
    dtype, _, _, plan = every_op
    fused = {e.prim.name for g in _regions(plan) for e in g.eqns}
    expected = set(UNARY + BINARY) - (INEXACT if dtype == np.float64 else set())
    assert fused == expected | {"scale", "abs", "neg"}  # float64 keeps transcendental ops as NumPy's


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_each_op_fused_matches_numpy(every_op, name):
    dtype, on, off, _ = every_op
    if name in INEXACT and dtype == np.float32:
        assert ulps(on[name], off[name]).max() <= ULP32
    else:
        assert bitwise_equal(on[name], off[name])


@pytest.mark.parametrize("c", [0.0, -0.0, 3.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_division_by_a_scalar_equals_numpy_also_by_zero(c, dtype):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e-310, 1e300, -1.0, 0.5, 3.0, -7.25], dtype)

    def build(r, x):
        return r("neg", r("div_scalar", r("abs", x), c=c))

    with np.errstate(all="ignore"):
        on, off, plan = _region_run(build, [x])
    assert [e.prim.name for g in _regions(plan) for e in g.eqns] == ["abs", "div_scalar", "neg"]
    assert bitwise_equal(on[0], off[0])


def test_a_gradient_graph_becomes_one_region_despite_its_reduction():
    def chain(ops, x):
        y = x
        for i in range(30):
            y = ops.add(y, 0.1) if i % 3 == 0 else (ops.mul(y, 0.9) if i % 3 == 1 else ops.tanh(y))
        return ops.sum(y)

    x = RNG.standard_normal(16).astype(np.float32)
    with compile_options(fusion=True, fuse_inexact=frozenset({"float32"})):  # tanh too, by choice
        c = compile_scalar(chain, [x])
        v, (g,) = c.value_and_grad(x)
    with compile_options(fusion=False):
        c0 = compile_scalar(chain, [x])
        v0, (g0,) = c0.value_and_grad(x)
    plan = c._exes[("grad", tl.Device.CPU)].last_plan
    regions = _regions(plan)
    assert len(regions) == 1 and len(regions[0].eqns) > 60  # forward and backward together
    assert [e.prim.name for e in plan.items if not isinstance(e, Region)] == ["reduce_sum"]
    assert ulps(v, v0).max() <= 64 and ulps(g, g0).max() <= 64  # ten float32 tanh in a chain
    assert "fused(" in plan.describe()


def test_regions_never_swallow_a_path_through_another_op():
    def build(r, x, w):
        a = r("exp", r("neg", x))
        b = r("matmul", a, w)  # depends on a
        return r("add", r("tanh", a), r("neg", b))  # depends on b: cannot join a's region

    x, w = RNG.standard_normal((4, 4)), RNG.standard_normal((4, 4))
    on, off, plan = _region_run(build, [x, w], fuse_inexact=frozenset({"float64"}))
    order = [type(i).__name__ if isinstance(i, Region) else i.prim.name for i in plan.items]
    assert order.index("matmul") > 0 and order.count("Region") >= 1
    for k, item in enumerate(plan.items):  # every operand is made before it is read
        made_later = {v for later in plan.items[k:] for v in (later.outputs if isinstance(later, Region)
                                                                  else [later.out])}
        assert not set(item.inputs) & made_later
    assert np.allclose(on[0], off[0], rtol=1e-15, atol=0)


def test_long_runs_are_cut_and_equal_pieces_share_one_kernel():
    def build(r, x):
        for _ in range(40):
            x = r("relu", r("neg", x))
        return x

    x = RNG.standard_normal(8)
    on, off, plan = _region_run(build, [x], fuse_max_ops=16, fuse_min_ops=3)
    sizes = [len(g.eqns) for g in _regions(plan)]
    assert sizes == [16, 16, 16, 16, 16]
    assert len({id(g.kernel) for g in _regions(plan)}) == 1
    assert bitwise_equal(on[0], off[0])


def test_short_runs_stay_plain_kernels():
    on, off, plan = _region_run(lambda r, x: r("neg", r("abs", x)), [RNG.standard_normal(5)], fuse_min_ops=3)
    assert not _regions(plan) and bitwise_equal(on[0], off[0])


def test_broadcast_operands_are_read_from_their_source():
    def build(r, x, b, s):
        bb = r("broadcast_to", b, shape=(5, 3), axes=(1,))
        ss = r("broadcast_to", s, shape=(5, 3), axes=())
        return r("mul", r("add", r("neg", x), bb), ss)

    x, b, s = RNG.standard_normal((5, 3)), RNG.standard_normal(3), np.asarray(0.25)
    on, off, plan = _region_run(build, [x, b, s])
    (region,) = _regions(plan)
    assert [v.type.shape for v in region.inputs] == [(5, 3), (3,), ()]
    assert not [i for i in plan.items if not isinstance(i, Region)]  # no broadcast is materialised
    assert bitwise_equal(on[0], off[0])


def test_kernels_are_cached_on_disk_outside_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHLEAN_JIT_CACHE", str(tmp_path))
    monkeypatch.setattr(codegen_numba, "_memo", {})
    c = float(RNG.integers(1, 10**6))  # a constant never seen before: a new kernel

    def build(r, x):
        return r("scale", r("neg", r("abs", x)), c=c)

    x = RNG.standard_normal(6)
    on, off, _ = _region_run(build, [x])
    files = os.listdir(tmp_path)
    assert any(f.startswith("torchlean_fused_") and f.endswith(".py") for f in files)
    assert os.listdir(tmp_path / "__pycache__")  # numba's cache index and object code
    package = os.path.dirname(codegen_numba.__file__)
    assert not any(f.startswith("torchlean_fused_") for f in os.listdir(package))
    assert bitwise_equal(on[0], off[0])


def test_without_numba_the_plain_kernels_run(monkeypatch):
    monkeypatch.setattr(codegen_numba, "available", lambda: False)
    x = RNG.standard_normal(6)
    on, off, plan = _region_run(lambda r, x: r("neg", r("abs", r("neg", x))), [x])
    assert not _regions(plan) and bitwise_equal(on[0], off[0])


@pytest.mark.parametrize("layout", ["C", "F", "permuted"])
def test_regions_over_one_dense_layout_loop_over_flat_views(layout):
    def build(r, x, s):
        t = r("transpose", x, perm=(2, 0, 1)) if layout == "permuted" else x
        ss = r("broadcast_to", s, shape=t.type.shape, axes=())
        return r("mul", r("relu", r("neg", t)), ss), r("step", t)

    x = RNG.standard_normal((4, 5, 6))
    x = np.asfortranarray(x) if layout == "F" else x
    on, off, plan = _region_run(build, [x, np.asarray(1.5)])
    (region,) = _regions(plan)
    assert region.flat is not None
    assert any(st.label.endswith("(flat)") for st in plan.schedule.steps)
    views = [st for st in plan.schedule.steps if st.label == "flatten"]
    assert (not views) if layout == "C" else views  # a C-ordered kernel views its arrays as 1-D itself
    assert all(bitwise_equal(a, b) for a, b in zip(on, off))


@pytest.mark.parametrize("rows,features", [(8, 32), (64, 128), (600, 128), (8, 6)])  # both GEMM orientations
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_linear_bias_joins_the_region_of_its_elementwise_users(rows, features, dtype):
    def build(r, w, b, x):
        y = r("linear", w, b, x)
        return r("relu", y), r("step", y)

    w = RNG.standard_normal((features, 16)).astype(dtype)
    b, x = RNG.standard_normal(features).astype(dtype), RNG.standard_normal((rows, 16)).astype(dtype)
    x[0, :] = 0  # a row of bias only, and a -0.0 bias
    b[0] = -0.0
    on, off, plan = _region_run(build, [w, b, x])
    assert plan.stats["split_bias"] == 1
    (region,) = _regions(plan)
    assert [e.prim.name for e in region.eqns] == ["add", "relu", "step"]
    assert "linear" not in [i.prim.name for i in plan.items if not isinstance(i, Region)]
    assert all(bitwise_equal(a, c) for a, c in zip(on, off))
    eager = tl.Session(dtype=dtype)
    ref = eager.relu(eager.linear(eager.input(w), eager.input(b), eager.input(x)))
    assert bitwise_equal(on[0], eager.value(ref))


@pytest.mark.parametrize("user", ["tanh", "matmul", "output"])
def test_a_linear_keeps_its_bias_unless_every_user_is_exact_elementwise(user):
    def build(r, w, b, x):
        y = r("linear", w, b, x)
        if user == "output":
            return y, r("relu", y)
        if user == "matmul":
            return r("relu", y), r("matmul", y, r("transpose", w, perm=(1, 0)))
        return r("tanh", y)

    w, b, x = (RNG.standard_normal(s).astype(np.float32) for s in [(8, 8), (8,), (4, 8)])
    on, off, plan = _region_run(build, [w, b, x])
    assert "split_bias" not in plan.stats
    assert all(bitwise_equal(a, c) for a, c in zip(on, off))


@pytest.mark.parametrize("shape,axes", [((64, 128), (0,)), ((5, 3), (0,)), ((4, 6, 7), (0, 1)), ((4, 6, 7), (0,))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kept", [False, True])
def test_a_leading_sum_of_a_region_value_is_accumulated_in_its_kernel(shape, axes, dtype, kept):
    def build(r, g, m):
        y = r("mul", g, m)
        s = r("reduce_sum", y, axes=axes)
        return (s, r("neg", y)) if kept else s

    g = special(dtype, int(np.prod(shape))).reshape(shape)
    m = (RNG.standard_normal(shape) > 0).astype(dtype)
    on, off, plan = _region_run(build, [g, m])
    (region,) = _regions(plan)
    assert [v.type.shape for v in region.sums] == [shape[len(axes):]]
    assert "reduce_sum" in region.label() and "reduce_sum" in str(region)
    assert not [i for i in plan.items if not isinstance(i, Region)]
    assert all(bitwise_equal(a, b) for a, b in zip(on, off))  # NumPy's order of additions, -0.0 and NaN included


@pytest.mark.parametrize("case", ["column-major", "single cell", "trailing axis"])
def test_a_sum_stays_numpys_where_its_order_differs(case):
    shape = (6, 1) if case == "single cell" else (6, 5)
    axes = (1,) if case == "trailing axis" else (0,)

    def build(r, g, m):
        return r("reduce_sum", r("mul", g, m), axes=axes)

    g, m = RNG.standard_normal(shape), RNG.standard_normal(shape)
    if case == "column-major":
        g, m = np.asfortranarray(g), np.asfortranarray(m)
    on, off, plan = _region_run(build, [g, m])
    assert not any(r.sums for r in _regions(plan))
    assert "reduce_sum" in [i.prim.name for i in plan.items if not isinstance(i, Region)]
    assert bitwise_equal(on[0], off[0])
