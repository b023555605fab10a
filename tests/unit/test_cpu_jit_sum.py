"""The numba leading-axes sum (backends/cpu_jit_sum.py) gives NumPy's ``sum`` bit for bit:
float32 and float64, two to many remaining cells, one to many leading rows, wide magnitudes,
NaN, infinities and signed zeros, fresh and into a buffer; NumPy's own sum wherever the loop does
not apply (one remaining cell, other axes, other layouts and dtypes, empty arrays); and it is the
NumPy backend's ``reduce_sum`` kernel, eager and compiled."""

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


CASES = [((64, 128), (0,)), ((64, 10), (0,)), ((1, 9), (0,)), ((1000, 7), (0,)), ((3, 5, 6), (0, 1)),
         ((64, 8, 8, 16), (0, 1, 2)), ((64, 8, 8, 16), (0,)), ((100000, 2), (0,)), ((5, 1, 3), (0,)),
         ((2, 3, 1), (0,)), ((300, 129), (0,))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("shape,axes", CASES)
def test_loop_gives_numpys_bits(shape, axes, dtype, special):
    x = _values(shape, dtype, special)
    assert cpu_jit_sum._applies(x, axes)  # the loop runs here
    with np.errstate(invalid="ignore", over="ignore"):
        want = x.sum(axis=axes)
        got = cpu_jit_sum.reduce_sum(x, axes=axes)
        out = np.full(want.shape, 7.0, dtype)
        cpu_jit_sum.reduce_sum_out(out, x, axes=axes)
    assert type(got) is np.ndarray and got.flags.c_contiguous
    assert same_bits(got, want) and same_bits(out, want)


def test_all_negative_zeros_sum_to_positive_zero_as_numpy():
    x = np.full((4, 3), -0.0, np.float32)
    assert not np.signbit(x.sum(axis=0)).any()
    assert same_bits(cpu_jit_sum.reduce_sum(x, axes=(0,)), x.sum(axis=0))


@pytest.mark.parametrize("x,axes", [
    (np.arange(1000, dtype=np.float32).reshape(1000, 1) * 1.1, (0,)),  # one remaining cell: pairwise
    (np.asfortranarray(RNG.standard_normal((50, 6)).astype(np.float32)), (0,)),  # F order
    (RNG.standard_normal((50, 6)).astype(np.float32)[::2], (0,)),  # strided
    (RNG.standard_normal((5, 6, 7)).astype(np.float32), (1,)),  # not the leading axes
    (RNG.standard_normal((5, 6, 7)).astype(np.float32), (0, 1, 2)),  # everything
    (np.arange(12).reshape(4, 3), (0,)),  # int64
    (np.zeros((0, 3), np.float32), (0,)),  # empty
    (RNG.standard_normal((5, 6)).astype(np.float16), (0,)),
])
def test_other_cases_run_numpys_sum(x, axes):
    assert not cpu_jit_sum._applies(x, axes)
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
