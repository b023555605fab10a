"""The NumPy backend's numba kernels (backends/cpu_jit.py) give the bits of the primitives'
NumPy kernels, which stay the reference and the fallback: every value equal bit for bit,
signed zeros included, and NaN where NumPy has NaN (the sign bit of a NaN made by ``inf * 0``
is not part of the result: LLVM and NumPy's loops produce the two quiet NaNs differently).
Checked over the pooling geometry (1-3 spatial axes, batched or not, overlapping, tiled, with
gaps, padded, dilated, ceil mode), ties (ReLU zeros of both signs), infinities and NaN in x and
in g, both float dtypes, channels-first and channels-last operands, and the out-variant into
buffers of either layout; and the 2-D max_pool loop against the NumPy kernel, layout included."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from torchlean._core.errors import TorchLeanError
from torchlean._core.registry import REGISTRY
from torchlean._core.types import TensorType
from torchlean.backends import cpu_jit, get_backend
from torchlean.options import Device

numba = pytest.importorskip("numba", reason="numba (the jit extra) is not installed")

RNG = np.random.default_rng(7)
SCATTER = REGISTRY["max_pool_scatter"]


@pytest.fixture(autouse=True)
def _quiet():
    with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 is part of what is checked
        yield


def _data(shape, dtype, kind):
    x = RNG.standard_normal(shape).astype(dtype)
    if kind == "ties":  # a ReLU's output: runs of +0 and -0
        x = np.maximum(x, 0) * np.where(RNG.random(shape) < 0.3, -1, 1).astype(dtype)
    elif kind == "special":
        m = RNG.random(shape)
        x[m < 0.1] = np.nan
        x[(m >= 0.1) & (m < 0.2)] = np.inf
        x[(m >= 0.2) & (m < 0.3)] = -np.inf
        x[(m >= 0.3) & (m < 0.5)] = 0.0
    elif kind == "integers":  # many exact ties
        x = np.round(x)
    return x


def _channels_last(x, batched):
    ax = 1 if batched else 0
    return np.moveaxis(np.ascontiguousarray(np.moveaxis(x, ax, -1)), -1, ax)


def assert_same(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    ints = np.int32 if want.dtype == np.float32 else np.int64
    assert np.array_equal(np.ascontiguousarray(got)[~nan].view(ints), np.ascontiguousarray(want)[~nan].view(ints))


def _geometries():
    for d in (1, 2, 3):
        sp = {1: (9,), 2: (7, 6), 3: (5, 4, 5)}[d]
        for k, s, p, dil, ceil in itertools.product((2, 3), (1, 2, 3), (0, 1), (None, 2), (False, True)):
            kw = {"kernel": (k,) * d, "stride": (s,) * d, "padding": (p,) * d}
            if dil is not None:
                kw["dilation"] = (dil,) * d
            if ceil:
                kw["ceil_mode"] = True
            try:  # the shape rule says which geometries exist
                REGISTRY["max_pool"].shape(TensorType((2, 3, *sp), np.dtype(np.float32)), **kw)
            except TorchLeanError:
                continue
            yield pytest.param(sp, kw, id=f"{d}d-k{k}s{s}p{p}d{dil}{'-ceil' if ceil else ''}")


@pytest.mark.parametrize(("sp", "kw"), list(_geometries()))
def test_scatter_equals_numpy_kernel(sp, kw):
    pool = REGISTRY["max_pool"].impl
    for batched, dtype, kind, last in itertools.product((True, False), (np.float32, np.float64),
                                                        ("ties", "special", "integers"), (False, True)):
        x = _data(((2,) if batched else ()) + (3, *sp), dtype, kind)
        if last:
            x = _channels_last(x, batched)
        y = pool(np, x, **kw)
        for g in (_data(y.shape, dtype, "normal"), _data(y.shape, dtype, "special")):
            assert_same(cpu_jit.max_pool_scatter(x, y, g, **kw), SCATTER.impl(np, x, y, g, **kw))


@pytest.mark.parametrize("kw", [{"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0)},
                                {"kernel": (3, 3), "stride": (1, 1), "padding": (1, 1)},
                                {"kernel": (3, 3), "stride": (3, 3), "padding": (0, 0)},
                                {"kernel": (2, 2), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True}])
def test_scatter_out_variant_fills_buffers_of_either_layout(kw):
    x = _data((3, 4, 7, 6), np.float32, "ties")
    y = REGISTRY["max_pool"].impl(np, x, **kw)
    g = _data(y.shape, np.float32, "normal")
    want = SCATTER.impl(np, x, y, g, **kw)
    for out in (np.full(x.shape, 7, np.float32), np.full((3, 7, 6, 4), 7, np.float32).transpose(0, 3, 1, 2)):
        cpu_jit.max_pool_scatter_out(out, x, y, g, **kw)  # stale contents must not survive
        assert_same(out, want)


def test_scatter_falls_back_to_numpy_for_other_dtypes():
    kw = {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0)}
    x = _data((2, 3, 4, 4), np.float16, "ties")
    y = REGISTRY["max_pool"].impl(np, x, **kw)
    g = _data(y.shape, np.float16, "normal")
    got = cpu_jit.max_pool_scatter(x, y, g, **kw)
    assert got.dtype == np.float16
    assert np.array_equal(got, SCATTER.impl(np, x, y, g, **kw))


def test_backend_uses_the_loop_and_switch_turns_it_off(monkeypatch):
    if cpu_jit.enabled():  # TORCHLEAN_JIT_KERNELS=0 in this process: the backend has no override
        assert get_backend(Device.CPU).resolve(SCATTER) is cpu_jit.max_pool_scatter
        assert get_backend(Device.CPU).resolve_out(SCATTER) is cpu_jit.max_pool_scatter_out
    else:
        assert get_backend(Device.CPU).resolve(SCATTER) is not cpu_jit.max_pool_scatter
    monkeypatch.setenv("TORCHLEAN_JIT_KERNELS", "0")
    assert cpu_jit.overrides() == {} and cpu_jit.out_overrides() == {}


def test_a_loop_numba_cannot_compile_falls_back_to_numpy(monkeypatch):
    kw = {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0)}
    x = _data((2, 3, 4, 4), np.float32, "ties")
    y = REGISTRY["max_pool"].impl(np, x, **kw)
    g = _data(y.shape, np.float32, "normal")

    def broken(*args):
        raise numba.core.errors.TypingError("this numba cannot compile the loop")

    cpu_jit.max_pool_scatter(x, y, g, **kw)  # loaded
    monkeypatch.setitem(cpu_jit._state, "scatter", broken)
    monkeypatch.setitem(cpu_jit._state, "errors", (numba.core.errors.NumbaError,))  # as _load sets it
    assert_same(cpu_jit.max_pool_scatter(x, y, g, **kw), SCATTER.impl(np, x, y, g, **kw))
    assert cpu_jit._state["scatter"] is None  # and NumPy's kernel from then on


# ----- max_pool -----------------------------------------------------------------------------------
POOL = REGISTRY["max_pool"]
LOOP_GEOMETRIES = [((2, 2), (2, 2)), ((1, 2), (1, 2)), ((2, 1), (2, 2)), ((2, 2), (1, 1)), ((1, 3), (1, 2)),
                   ((2, 2), (3, 3)), ((1, 1), (1, 1))]


@pytest.mark.parametrize(("kernel", "stride"), LOOP_GEOMETRIES)
@pytest.mark.parametrize("kind", ["normal", "ties", "special", "integers"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pool_loop_equals_numpy_kernel_in_bits_and_layout(kernel, stride, kind, dtype):
    kw = {"kernel": kernel, "stride": stride, "padding": (0, 0)}
    for shape in ((2, 3, 8, 8), (4, 16, 7, 9), (1, 1, 3, 3)):
        x = _channels_last(_data(shape, dtype, kind), True)  # as a convolution leaves it
        assert cpu_jit._state["pool"] is not None or not cpu_jit._state["loaded"]
        got, want = cpu_jit.max_pool(x, **kw), POOL.impl(np, x, **kw)
        assert_same(got, want)
        assert got.strides == want.strides  # channels-last underneath, as NumPy's


@pytest.mark.parametrize("kw", [{"kernel": (3, 3), "stride": (2, 2), "padding": (0, 0)},  # separable path
                                {"kernel": (2, 2), "stride": (2, 2), "padding": (1, 1)},
                                {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0), "dilation": (2, 2)},
                                {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0), "ceil_mode": True},
                                {"kernel": (2,), "stride": (2,), "padding": (0,)}])
def test_pool_takes_numpys_kernel_outside_the_loops_cases(kw, monkeypatch):
    def loop(*args):
        raise AssertionError("the loop must not run here")

    cpu_jit.max_pool(_channels_last(_data((2, 3, 8, 8), np.float32, "ties"), True),
                     kernel=(2, 2), stride=(2, 2), padding=(0, 0))  # loaded
    monkeypatch.setitem(cpu_jit._state, "pool", loop)
    for x in (_channels_last(_data((2, 3, 9, 8), np.float32, "ties"), True), _data((2, 3, 9, 8), np.float32, "ties"),
              _data((2, 3, 9, 8), np.float64, "ties")):
        if len(kw["kernel"]) == 1:
            x = x[..., 0]
        assert_same(cpu_jit.max_pool(x, **kw), POOL.impl(np, x, **kw))


def test_backend_pools_with_the_loop():
    if cpu_jit.enabled():
        assert get_backend(Device.CPU).resolve(POOL) is cpu_jit.max_pool


# ----- mul_step (relu's eager backward) --------------------------------------------------------------
@pytest.mark.parametrize(("shape", "perm"), [((4, 8, 8, 16), (0, 3, 1, 2)), ((64, 128), (1, 0)), ((64, 128), (0, 1)),
                                             ((3, 5, 7), (2, 0, 1)), ((1, 1, 5), (0, 1, 2)), ((6, 1, 4), (2, 1, 0))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mul_step_equals_numpys_product_with_the_mask(shape, perm, dtype):
    g, x = (_data(shape, dtype, "special").transpose(perm) for _ in range(2))
    got, want = cpu_jit.mul_step(g, x), g * (x > 0)
    assert_same(got, want)
    assert got.strides == want.strides  # laid out as NumPy's product


def test_mul_step_leaves_other_layouts_and_dtypes_to_numpy():
    g = _data((6, 5), np.float32, "normal")
    assert cpu_jit.mul_step(g, np.asfortranarray(g)) is None  # two layouts
    assert cpu_jit.mul_step(g[:, ::2], g[:, ::2]) is None  # not dense
    assert cpu_jit.mul_step(g.astype(np.float16), g.astype(np.float16)) is None
    assert cpu_jit.mul_step(g, g.astype(np.float64)) is None


def test_eager_relu_backward_runs_the_loop_with_numpys_bits():
    import torchlean as tl

    if cpu_jit.enabled():
        assert get_backend(Device.CPU).composite_kernels["mul_step"] is cpu_jit.mul_step
    x0 = _channels_last(_data((2, 3, 4, 4), np.float32, "special"), True)
    g0 = _channels_last(_data((2, 3, 4, 4), np.float32, "special"), True)
    s = tl.Session(dtype=np.float32)
    x = s.input(x0, requires_grad=True)
    assert_same(s.backward(s.relu(x), seed=g0)[x], g0 * (x0 > 0))
