"""GEMM thread selection: small products on one OpenBLAS thread, large ones on all."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.backends import blas_threads


def test_threads_follow_problem_size_and_results_are_unchanged():
    s = tl.Session(dtype=np.float64)
    rng = np.random.default_rng(0)
    small = [rng.standard_normal((8, 8)), rng.standard_normal((8, 8))]
    np.testing.assert_allclose(s.matmul(*map(s.input, small)).numpy(), small[0] @ small[1], rtol=1e-14)
    if blas_threads._state["set"] is None:
        pytest.skip("NumPy is not linked against a loadable OpenBLAS here")
    assert blas_threads._state["current"] == 1
    big = [rng.standard_normal((256, 256)), rng.standard_normal((256, 128))]
    np.testing.assert_allclose(s.matmul(*map(s.input, big)).numpy(), big[0] @ big[1], rtol=1e-12)
    assert blas_threads._state["current"] == blas_threads._state["max"]
