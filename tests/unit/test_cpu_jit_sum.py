"""The numba sums (backends/cpu_jit_sum.py) give NumPy's ``sum`` bit for bit: the row-by-row
loop (leading axes of a C-ordered array) and the pairwise loop (contiguous runs: trailing axes
of a C-ordered array, axis 0 of a column-major matrix; runs of 2 to 20,000 values, across
NumPy's 8- and 128-value blocking), float32 and float64, wide magnitudes, NaN, infinities and
signed zeros, fresh and into a buffer; NumPy's own sum wherever neither applies (other axes,
strided layouts, other dtypes, empty arrays); and it is the NumPy backend's ``reduce_sum``
kernel, eager and compiled."""

from __future__ import annotations

import numpy as np
import pytest

from torchlean._core.registry import REGISTRY
from torchlean.backends import cpu_jit, cpu_jit_sum, get_backend
from torchlean.options import Device

numba = pytest.importorskip("numba", reason="numba (the jit extra) is not installed")
if not cpu_jit.enabled():
    pytest.skip("TORCHLEAN_JIT_KERNELS=0 in this process: the loops are switched off", allow_module_level=True)

RNG = np.random.default_rng(5)


def _values(shape, dtype, special):
    x = RNG.standard_normal(shape) * np.exp(RNG.standard_normal(shape) * 4)
    if special:
        m = RNG.random(shape)
        x[m < 0.05] = np.nan
        x[(m >= 0.05) & (m < 0.08)] = np.inf
        x[(m >= 0.08) & (m < 0.11)] = -np.inf
        x[(m >= 0.11) & (m < 0.4)] = -0.0
    return x.astype(dtype)


def same_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    ints = {4: np.int32, 8: np.int64}[want.dtype.itemsize]
    return np.array_equal(got[~nan].view(ints), want[~nan].view(ints))


def assert_numpys_bits(x, axes):
    """The kernel and its out-variant (into a stale buffer) give ``x.sum(axis=axes)``'s bits."""
    with np.errstate(invalid="ignore", over="ignore"):
        want = x.sum(axis=axes)
        got = cpu_jit_sum.reduce_sum(x, axes=axes)
        out = np.full(want.shape, 7.0, x.dtype)
        cpu_jit_sum.reduce_sum_out(out, x, axes=axes)
    assert type(got) is np.ndarray and got.flags.c_contiguous
    assert same_bits(got, want) and same_bits(out, want)


CASES = [((64, 128), (0,)), ((64, 10), (0,)), ((1, 9), (0,)), ((1000, 7), (0,)), ((3, 5, 6), (0, 1)),
         ((64, 8, 8, 16), (0, 1, 2)), ((64, 8, 8, 16), (0,)), ((100000, 2), (0,)), ((5, 1, 3), (0,)),
         ((2, 3, 1), (0,)), ((300, 129), (0,))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("shape,axes", CASES)
def test_loop_gives_numpys_bits(shape, axes, dtype, special):
    x = _values(shape, dtype, special)
    assert cpu_jit_sum._applies(x, axes)  # the loop runs here
    assert_numpys_bits(x, axes)


# (shape, axes, column-major): runs of n values, n below 8, 8 to 128 with and without a
# remainder, above 128 (NumPy's halving), and long
RUNS = [((64, 128), (0,), True), ((64, 10), (0,), True), ((2, 2), (0,), True), ((7, 3), (0,), True),
        ((9, 5), (0,), True), ((300, 129), (0,), True), ((20000, 3), (0,), True), ((64, 10), (1,), False),
        ((3, 7), (1,), False), ((4, 5, 6), (1, 2), False), ((4, 5, 6), (2,), False),
        ((2, 129), (1,), False), ((3, 1000), (1,), False), ((2, 136), (1,), False)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("shape,axes,fortran", RUNS)
def test_pairwise_loop_gives_numpys_bits(shape, axes, fortran, dtype, special):
    x = _values(shape, dtype, special)
    if fortran:
        x = np.asfortranarray(x)
    assert not cpu_jit_sum._applies(x, axes) and cpu_jit_sum._runs(x, axes)  # this loop runs
    assert_numpys_bits(x, axes)


@pytest.mark.parametrize("shape,axes,fortran", [((4, 3), (0,), True), ((3, 5), (1,), False), ((3, 1), (1,), False),
                                                ((3, 20), (1,), False), ((2, 200), (1,), False)])
def test_pairwise_negative_zeros_sum_to_positive_zero_as_numpy(shape, axes, fortran):
    x = np.full(shape, -0.0, np.float32, order="F" if fortran else "C")
    assert not np.signbit(x.sum(axis=axes)).any()
    assert same_bits(cpu_jit_sum.reduce_sum(x, axes=axes), x.sum(axis=axes))


# (shape, axes, axis order of the memory): a block of middle axes summed row by row within each
# outer index (a channels-last global average pool; a C-ordered middle axis)
MIDDLE = [((64, 32, 4, 4), (2, 3), (0, 2, 3, 1)), ((2, 3, 5, 7), (2, 3), (0, 2, 3, 1)),
          ((3, 16, 8, 8), (2, 3), (0, 2, 3, 1)), ((4, 200, 3, 3), (2, 3), (0, 2, 3, 1)),
          ((3, 4, 5), (1,), (0, 1, 2)), ((64, 10, 2), (1,), (0, 1, 2)), ((2, 3, 4, 5), (1, 2), (0, 1, 2, 3)),
          ((2, 3, 1, 5), (1, 2), (0, 1, 2, 3))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axes,memory", MIDDLE)
def test_middle_axes_loop_gives_numpys_bits(shape, axes, memory, dtype):
    x = _values(tuple(shape[a] for a in memory), dtype, True).transpose(np.argsort(memory))
    assert x.shape == shape and cpu_jit_sum._applies(x, axes)
    assert_numpys_bits(x, axes)


def test_all_negative_zeros_sum_to_positive_zero_as_numpy():
    x = np.full((4, 3), -0.0, np.float32)
    assert not np.signbit(x.sum(axis=0)).any()
    assert same_bits(cpu_jit_sum.reduce_sum(x, axes=(0,)), x.sum(axis=0))


@pytest.mark.parametrize("x,axes", [
    (np.arange(1000, dtype=np.float32).reshape(1000, 1) * 1.1, (0,)),  # one remaining cell: pairwise
    (np.asfortranarray(RNG.standard_normal((5, 6, 7)).astype(np.float32)), (0,)),  # F order, 3-D
    (RNG.standard_normal((50, 6)).astype(np.float32)[::2], (0,)),  # strided
    (RNG.standard_normal((5, 6, 7)).astype(np.float32), (0, 2)),  # summed axes apart in memory
    (RNG.standard_normal((5, 6, 7)).astype(np.float32).transpose(2, 1, 0), (1,)),  # kept axes reversed
    (RNG.standard_normal((5, 6, 7)).astype(np.float32), (0, 1, 2)),  # everything
    (np.arange(12).reshape(4, 3), (0,)),  # int64
    (np.zeros((0, 3), np.float32), (0,)),  # empty
    (RNG.standard_normal((5, 1)).astype(np.float32), (1,)),  # only unit axes summed
    (RNG.standard_normal((1, 5)).astype(np.float32), (1,)),  # only unit axes kept
    (RNG.standard_normal((5, 6)).astype(np.float16), (0,)),
])
def test_other_cases_run_numpys_sum(x, axes):
    assert not cpu_jit_sum._applies(x, axes) and not cpu_jit_sum._runs(x, axes)
    want = x.sum(axis=axes)
    got = cpu_jit_sum.reduce_sum(x, axes=axes)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    if want.ndim:
        out = np.empty_like(want)
        cpu_jit_sum.reduce_sum_out(out, x, axes=axes)
        assert np.array_equal(out, want)


def test_out_variant_takes_numpys_sum_for_a_strided_buffer():
    x = RNG.standard_normal((40, 6)).astype(np.float32)
    buf = np.zeros(12, np.float32)
    cpu_jit_sum.reduce_sum_out(buf[::2], x, axes=(0,))
    assert np.array_equal(buf[::2], x.sum(axis=0)) and not buf[1::2].any()


def test_backend_kernels_are_the_loop():
    b = get_backend(Device.CPU)
    prim = REGISTRY["reduce_sum"]
    assert b.resolve(prim) is cpu_jit_sum.reduce_sum
    assert b.resolve_out(prim) is cpu_jit_sum.reduce_sum_out
