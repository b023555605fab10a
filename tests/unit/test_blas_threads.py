"""GEMM thread policy: small products on one BLAS thread, scoped; the process's setting survives."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import torchlean as tl
from torchlean.backends import blas_threads


def _numpy_blas_threads():
    libs = [i for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]
    if not libs:
        pytest.skip("NumPy's BLAS is not visible to threadpoolctl here")
    return libs[0]["num_threads"]


def _small_and_large_products(s):
    rng = np.random.default_rng(0)
    small = [rng.standard_normal((8, 8)), rng.standard_normal((8, 8))]
    big = [rng.standard_normal((256, 256)), rng.standard_normal((256, 128))]
    np.testing.assert_allclose(s.matmul(*map(s.input, small)).numpy(), small[0] @ small[1], rtol=1e-14)
    np.testing.assert_allclose(s.matmul(*map(s.input, big)).numpy(), big[0] @ big[1], rtol=1e-12)


def test_torchlean_gemms_leave_the_process_thread_count_as_it_was():
    before = _numpy_blas_threads()
    s = tl.Session(dtype=np.float64)
    _small_and_large_products(s)
    x = s.input(np.ones((4, 3)), requires_grad=True)
    (s.linear(s.input(np.ones((2, 3))), None, x).sum()).backward()
    assert _numpy_blas_threads() == before
    assert blas_threads.blas_threads() == before


def test_a_users_own_limit_is_respected_and_restored():
    s = tl.Session(dtype=np.float64)
    with threadpool_limits(limits=1, user_api="blas"):
        _small_and_large_products(s)
        assert _numpy_blas_threads() == 1
    before = _numpy_blas_threads()
    _small_and_large_products(s)
    assert _numpy_blas_threads() == before


def test_small_products_run_on_one_thread_inside_the_call(monkeypatch):
    if blas_threads.blas_threads() is None:
        pytest.skip("no BLAS library found through threadpoolctl")
    seen = []
    monkeypatch.setattr(blas_threads, "SMALL_MACS", 1 << 22)
    before = blas_threads.blas_threads()
    blas_threads.one_thread_if_small(10, lambda: seen.append(blas_threads.blas_threads()))
    blas_threads.one_thread_if_small(1 << 23, lambda: seen.append(blas_threads.blas_threads()))
    assert seen == [1, before]
    with pytest.raises(ZeroDivisionError):
        blas_threads.one_thread_if_small(10, lambda: 1 / 0)
    assert blas_threads.blas_threads() == before
