"""F.max_unpool1d/2d/3d and nn.MaxUnpool1d/2d/3d against torch (float64 values and gradients,
eager and compiled), duplicate indices, output_size handling and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlean as tl
import torchlean.nn as tnn
import torchlean.nn.functional as F

from .parity import check

R = np.random.default_rng(5)


def _both(d, shape, pool_kw, unpool_kw, compiled=False, dtype=np.float64):
    """Pool a random input with torch (values, indices), unpool both ways; compare values and
    the gradient w.r.t. the pooled values for one random cotangent."""
    a = R.standard_normal(shape).astype(dtype)
    tp, ti = getattr(TF, f"max_pool{d}d")(torch.tensor(a), return_indices=True, **pool_kw)
    vals = tp.numpy()
    tv = torch.tensor(vals, requires_grad=True)
    ty = getattr(TF, f"max_unpool{d}d")(tv, ti, **unpool_kw)
    cot = R.standard_normal(tuple(ty.shape)).astype(dtype)
    (ty * torch.tensor(cot)).sum().backward()
    s = tl.Session(dtype=dtype)
    x, idx = s.input(vals, requires_grad=True), s.input(ti.numpy())
    fn = lambda v, i: getattr(F, f"max_unpool{d}d")(v, i, **unpool_kw)
    y = (tl.compile(fn) if compiled else fn)(x, idx)
    assert y.shape == tuple(ty.shape) and y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    (y * s.input(cot)).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tv.grad.numpy(), rtol=1e-12, atol=0)


CASES = [
    (1, (2, 3, 9), {"kernel_size": 2}, {"kernel_size": 2}),
    (1, (3, 7), {"kernel_size": 3, "stride": 2, "padding": 1}, {"kernel_size": 3, "stride": 2, "padding": 1}),
    (1, (3, 8), {"kernel_size": 3, "stride": 2, "padding": 1},
     {"kernel_size": 3, "stride": 2, "padding": 1, "output_size": (8,)}),
    (1, (2, 2, 9), {"kernel_size": 3, "stride": 1}, {"kernel_size": 3, "stride": 1, "output_size": (9,)}),
    (2, (2, 3, 6, 7), {"kernel_size": 2}, {"kernel_size": 2, "output_size": (6, 7)}),
    (2, (3, 7, 6), {"kernel_size": 3, "stride": 2}, {"kernel_size": 3, "stride": 2, "output_size": [7, 6]}),
    (2, (1, 2, 5, 5), {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0)},
     {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0), "output_size": torch.Size([1, 2, 5, 5])}),
    (3, (2, 2, 4, 4, 5), {"kernel_size": 2}, {"kernel_size": 2, "output_size": (4, 4, 5)}),
    (3, (2, 5, 4, 3), {"kernel_size": (3, 2, 2), "stride": 1, "padding": (1, 0, 1)},
     {"kernel_size": (3, 2, 2), "stride": 1, "padding": (1, 0, 1)}),
]


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("d,shape,pool_kw,unpool_kw", CASES)
def test_max_unpool_matches_torch(d, shape, pool_kw, unpool_kw, compiled):
    _both(d, shape, pool_kw, unpool_kw, compiled)


def test_float32_matches_torch():
    _both(2, (2, 3, 7, 7), {"kernel_size": 3, "stride": 2}, {"kernel_size": 3, "stride": 2}, dtype=np.float32)


def test_roundtrip_with_torchleans_own_pool_indices():
    s = tl.Session(dtype=np.float64)
    a = R.standard_normal((2, 3, 7, 8))
    x = s.input(a, requires_grad=True)
    p, i = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    y = F.max_unpool2d(p, i, 3, stride=2, padding=1, output_size=x.shape)
    tp, ti = TF.max_pool2d(torch.tensor(a, requires_grad=True), 3, stride=2, padding=1, return_indices=True)
    ty = TF.max_unpool2d(tp, ti, 3, stride=2, padding=1, output_size=a.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    y.sum().backward()  # through unpool and pool: each max cell gets one per window it wins
    ta = torch.tensor(a, requires_grad=True)
    tp, ti = TF.max_pool2d(ta, 3, stride=2, padding=1, return_indices=True)
    TF.max_unpool2d(tp, ti, 3, stride=2, padding=1, output_size=a.shape).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), ta.grad.numpy())
    # the layers, as torch.nn's
    pool, unpool = tnn.MaxPool2d(2, return_indices=True), tnn.MaxUnpool2d(2)
    v, j = pool(x)
    np.testing.assert_array_equal(unpool(v, j).numpy(), TF.max_unpool2d(*TF.max_pool2d(
        torch.tensor(a), 2, return_indices=True), 2).numpy())


def test_duplicate_indices_last_write_wins_and_gradient_gathers():
    vals = R.standard_normal((2, 3, 5))
    idx = np.array([[[1, 1, 4, 1, 0], [2, 2, 2, 2, 2], [0, 3, 5, 3, 6]],
                    [[6, 0, 6, 1, 1], [5, 4, 3, 2, 1], [0, 0, 6, 6, 0]]], dtype=np.int64)
    tv = torch.tensor(vals, requires_grad=True)
    ty = TF.max_unpool1d(tv, torch.tensor(idx), 3, stride=1, output_size=(7,))
    cot = R.standard_normal(tuple(ty.shape))
    (ty * torch.tensor(cot)).sum().backward()
    for compiled in (False, True):
        s = tl.Session(dtype=np.float64)
        x = s.input(vals, requires_grad=True)
        fn = lambda v, i: F.max_unpool1d(v, i, 3, stride=1, output_size=(7,))
        y = (tl.compile(fn) if compiled else fn)(x, s.input(idx))
        np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
        (y * s.input(cot)).sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad), tv.grad.numpy())


def test_jvp_is_the_derivative_of_the_last_write_forward():
    # two channels: with one, torch's CPU kernel takes its channels-last path, where the winner
    # of duplicate indices depends on its thread count
    vals, idx = R.standard_normal((1, 2, 4)), np.array([[[2, 2, 0, 2], [1, 3, 3, 1]]], dtype=np.int64)
    t = R.standard_normal(vals.shape)
    s = tl.Session(dtype=np.float64)
    x = s.input(vals, requires_grad=True)
    y = F.max_unpool1d(x, s.input(idx), 1, output_size=(4,))
    jt = np.asarray(s.jvp(y, {x: t}))
    want = TF.max_unpool1d(torch.tensor(t), torch.tensor(idx), 1, output_size=(4,)).numpy()
    np.testing.assert_array_equal(jt, want)


@pytest.mark.parametrize("output_size", [None, (5, 6), (3, 7), (1, 2, 5, 5), [3, 5]])
def test_output_size_choices_match_torch(output_size):
    a = R.standard_normal((1, 2, 2, 3))
    idx = np.zeros((1, 2, 2, 3), dtype=np.int64) + np.arange(6).reshape(2, 3)
    kw = {"kernel_size": 2, "stride": 2, "output_size": output_size}
    want = TF.max_unpool2d(torch.tensor(a), torch.tensor(idx), **kw).numpy()
    s = tl.Session(dtype=np.float64)
    np.testing.assert_array_equal(F.max_unpool2d(s.input(a), s.input(idx), **kw).numpy(), want)


def test_empty_batch_and_unbatched_inputs():
    s = tl.Session(dtype=np.float64)
    y = F.max_unpool2d(s.input(np.zeros((0, 2, 2, 2))), s.input(np.zeros((0, 2, 2, 2), np.int64)), 2)
    assert y.shape == (0, 2, 4, 4)
    a, i = R.standard_normal((3, 2, 2, 2)), np.arange(8, dtype=np.int64).reshape(1, 2, 2, 2).repeat(3, 0) * 3
    want = TF.max_unpool3d(torch.tensor(a), torch.tensor(i), 2).numpy()
    np.testing.assert_array_equal(F.max_unpool3d(s.input(a), s.input(i), 2).numpy(), want)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_modules_match_torch(d):
    a = R.standard_normal((2, 3, *(6,) * d))
    tp, ti = getattr(TF, f"max_pool{d}d")(torch.tensor(a), 2, stride=2, return_indices=True)
    ours, theirs = getattr(tnn, f"MaxUnpool{d}d")(2, stride=2), getattr(torch.nn, f"MaxUnpool{d}d")(2, stride=2)
    assert repr(ours) == repr(theirs)
    check(ours, theirs, tp.numpy(), ti.numpy())


def test_module_output_size_argument():
    a = R.standard_normal((1, 1, 5, 5))
    tp, ti = TF.max_pool2d(torch.tensor(a), 2, return_indices=True)
    s = tl.Session(dtype=np.float64)
    y = tnn.MaxUnpool2d(2)(s.input(tp.numpy()), s.input(ti.numpy()), output_size=(5, 5))
    np.testing.assert_array_equal(y.numpy(), torch.nn.MaxUnpool2d(2)(tp, ti, output_size=(5, 5)).numpy())


def _f(shape):
    return lambda s: s.input(np.ones(shape))


def _i(shape, v=0):
    return lambda s: s.input(np.full(shape, v, dtype=np.int64))


BAD = [
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 2))), {"kernel_size": 2, "output_size": (0, 0)},
     tl.ArgumentError, r"max_unpool2d: invalid output_size \"\(0, 0\)\" \(dim 0 must be between 2 and 6\)"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 2))), {"kernel_size": 2, "output_size": (4, 4, 4)},
     tl.ArgumentError, "max_unpool2d: output_size should be a sequence containing 2 or 4 elements"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 2))), {"kernel_size": 2, "output_size": 7},
     tl.ArgumentError, "max_unpool2d: output_size must be a sequence of ints"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 2))), {"kernel_size": 2, "padding": 3},
     tl.ArgumentError, r"max_unpool2d: output_size must contain non-negative spatial dimensions.*\[0\]=-2"),
    (F.max_unpool1d, (_f((1, 1, 2)), _i((1, 1, 2), 4)), {"kernel_size": 2},
     tl.ArgumentError, "max_unpool1d: found an invalid max index 4 .*size 4"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 2), -1)), {"kernel_size": 2},
     tl.ArgumentError, "max_unpool2d: found an invalid max index -1 .*size 4x4"),
    (F.max_unpool2d, (_f((2, 2)), _i((2, 2))), {"kernel_size": 2},
     tl.ShapeError, r"max_unpool2d: expected 3D \(unbatched\) or 4D \(batched\) input, got input of shape \(2, 2\)"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 1))), {"kernel_size": 2},
     tl.ShapeError, r"max_unpool2d: expected indices of the input's shape \(1, 1, 2, 2\), got \(1, 1, 2, 1\)"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _f((1, 1, 2, 2))), {"kernel_size": 2},
     tl.DTypeError, "max_unpool2d: elements in indices should be type int64, got float64"),
    (F.max_unpool2d, (_i((1, 1, 2, 2)), _i((1, 1, 2, 2))), {"kernel_size": 2},
     tl.DTypeError, "max_unpool2d: input must be a float tensor"),
    (F.max_unpool2d, (_f((1, 0, 2, 2)), _i((1, 0, 2, 2))), {"kernel_size": 2},
     tl.ShapeError, "max_unpool2d: expected input to have non-zero size for non-batch dimensions"),
    (F.max_unpool3d, (_f((1, 1, 2, 2, 2)), _i((1, 1, 2, 2, 2))), {"kernel_size": 2, "stride": 0},
     tl.ArgumentError, r"max_unpool3d: strides should be greater than zero, but got stride: \[0, 0, 0\]"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 2))), {"kernel_size": (2, 2, 2)},
     tl.ShapeError, "max_unpool2d: kernel_size must be an int or a sequence of 2 ints"),
    (F.max_unpool2d, (_f((1, 1, 2, 2)), _i((1, 1, 2, 2))), {"kernel_size": 2.0},
     tl.ArgumentError, "max_unpool2d: kernel_size must be an int"),
]


@pytest.mark.parametrize("fn,args,kw,err,msg", BAD)
def test_bad_arguments_raise_and_record_nothing(fn, args, kw, err, msg):
    s = tl.Session(dtype=np.float64)
    vals = [a(s) for a in args]
    before = len(s)
    with pytest.raises(err, match=msg):
        fn(*vals, **kw)
    assert len(s) == before


def test_bad_index_raises_in_a_compiled_function_too():
    fn = tl.compile(lambda v, i: F.max_unpool1d(v, i, 2))
    s = tl.Session(dtype=np.float64)
    fn(s.input(np.ones((1, 1, 2))), s.input(np.array([[[0, 3]]])))  # valid: output length 4
    with pytest.raises(tl.ArgumentError, match="invalid max index 4"):
        fn(s.input(np.ones((1, 1, 2))), s.input(np.array([[[0, 4]]])))


def _sig(fn):
    import inspect

    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", ["max_unpool1d", "max_unpool2d", "max_unpool3d", "ctc_loss", "fractional_max_pool2d",
                                  "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
                                  "fractional_max_pool3d_with_indices"])
def test_functional_signatures_are_torchs(name):
    theirs = getattr(TF, name)
    if name.startswith("fractional") and not name.endswith("indices"):  # a boolean_dispatch(*args, **kwargs)
        theirs = getattr(TF, "_" + name)
    assert _sig(getattr(F, name)) == _sig(theirs)


@pytest.mark.parametrize("name", ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "FractionalMaxPool2d",
                                  "FractionalMaxPool3d", "CTCLoss"])
def test_module_signatures_are_torchs(name):
    ours, theirs = getattr(tnn, name), getattr(torch.nn, name)
    assert _sig(ours.__init__) == _sig(theirs.__init__)
    assert [p[0] for p in _sig(ours.forward)] == [p[0] for p in _sig(theirs.forward)]
