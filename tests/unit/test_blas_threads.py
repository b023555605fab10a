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
    x, w = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((4, 3, 3, 3))  # a small conv
    y = s.conv2d(s.input(w), None, s.input(x), 1, 1)
    assert y.shape == (2, 4, 8, 8)


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


def test_a_scope_switches_once_restores_at_its_end_and_gives_large_products_the_process_count():
    if blas_threads.blas_threads() is None or blas_threads.blas_threads() == 1:
        pytest.skip("needs a BLAS library found through threadpoolctl with more than one thread")
    before = blas_threads.blas_threads()
    seen = []
    blas_threads.enter_scope()
    try:
        blas_threads.one_thread_if_small(10, lambda: seen.append(blas_threads.blas_threads()))
        blas_threads.one_thread_if_small(10, lambda: seen.append(blas_threads.blas_threads()))
        blas_threads.one_thread_if_small(1 << 30, lambda: seen.append(blas_threads.blas_threads()))
        seen.append(blas_threads.blas_threads())  # still one thread inside the scope
        with pytest.raises(ZeroDivisionError):
            blas_threads.one_thread_if_small(1 << 30, lambda: 1 / 0)
        seen.append(blas_threads.blas_threads())
    finally:
        blas_threads.exit_scope()
    assert seen == [1, 1, before, 1, 1]
    assert blas_threads.blas_threads() == before


def test_compiled_runs_and_backward_sweeps_leave_the_count_as_it_was():
    before = _numpy_blas_threads()
    c = tl.compile_scalar(lambda o, w, x: o.sum(o.relu(o.conv2d(w, None, x, 1, 1))), [(4, 3, 3, 3), (2, 3, 8, 8)])
    w, x = np.ones((4, 3, 3, 3), np.float32), np.ones((2, 3, 8, 8), np.float32)
    c.value_and_grad(w, x)
    with pytest.raises(tl.TorchLeanError):
        c.value_and_grad(w, np.ones((2, 3, 9, 8), np.float32))
    s = tl.Session()
    a = s.input(np.ones((8, 8), np.float32), requires_grad=True)
    (a @ a).sum().backward()
    assert _numpy_blas_threads() == before


def test_the_policy_covers_the_convolutions_and_leaves_plain_products_to_blas(monkeypatch):
    if blas_threads.blas_threads() is None or blas_threads.blas_threads() == 1:
        pytest.skip("needs a BLAS library found through threadpoolctl with more than one thread")
    calls = []
    real = blas_threads.one_thread_if_small
    monkeypatch.setattr("torchlean.backends.numpy_backend.one_thread_if_small",
                        lambda macs, fn, *a, **k: (calls.append(macs), real(macs, fn, *a, **k))[1])
    from torchlean.backends.numpy_backend import NumpyBackend

    b = NumpyBackend()
    assert b.gemm_names == {"conv", "conv_bias", "conv_transpose", "conv_weight_grad"}
    from torchlean._core.registry import REGISTRY

    x, w = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))
    y = b.resolve(REGISTRY["conv"])(x, w, stride=(1, 1), padding=(1, 1))
    assert y.shape == (2, 4, 8, 8) and calls == [2 * 64 * 4 * 27]
    b.resolve(REGISTRY["matmul"])(np.ones((4, 4)), np.ones((4, 4)))
    assert len(calls) == 1  # a plain product runs with OpenBLAS's own thread choice
