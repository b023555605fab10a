"""take/take_transpose in PyTorch's checked mode: negative indices wrap, others raise."""

import numpy as np
import pytest

import torchlean as tl


def test_checked_take_raises_out_of_range_and_leaves_the_tape():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.arange(6.0).reshape(3, 2), requires_grad=True)
    n = len(s)
    for bad in ([0, 3], [-4], [5, -1]):
        with pytest.raises(tl.ArgumentError, match=r"take: index (3|-4|5) is out of range for a dimension of size 3"):
            s.take(x, bad, mode="checked")
        assert len(s) == n
    y = s.take(x, [-1, 0, -1], mode="checked")
    np.testing.assert_array_equal(y.numpy(), [[4, 5], [0, 1], [4, 5]])
    g = s.backward(y.sum())[x]
    np.testing.assert_array_equal(g, [[1, 1], [0, 0], [2, 2]])
    with pytest.raises(tl.ShapeError, match="mode must be one of"):
        s.take(x, [0], mode="clip")


def test_checked_take_transpose_wraps_and_raises():
    s = tl.Session(dtype=np.float64)
    g = s.input(np.ones((3, 2)))
    np.testing.assert_array_equal(s.take_transpose(g, [-1, 0, -1], 3, mode="checked").numpy(),
                                  [[1, 1], [0, 0], [2, 2]])
    with pytest.raises(tl.ArgumentError, match="out of range"):
        s.take_transpose(g, [3, 0, 0], 3, mode="checked")


def test_checked_take_compiles_and_raises_at_run_time():
    c = tl.compile_out(lambda ops, x, i: ops.take(x, i, mode="checked"),
                       [(3, 2), ((2,), np.int64)], tl.Options(dtype=np.float64))
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(c.forward(x, np.array([-1, 1])), [[4, 5], [2, 3]])
    with pytest.raises(tl.ArgumentError, match="out of range"):
        c.forward(x, np.array([3, 1]))
