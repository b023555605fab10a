"""F.fractional_max_pool2d/3d (and *_with_indices), nn.FractionalMaxPool2d/3d against torch:
with _random_samples the windows, values and indices bit for bit and the gradients (float64 and
float32, eager and compiled); without, the session's draws; ties, NaN, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlean as tl
import torchlean.nn as tnn
import torchlean.nn.functional as F

from .parity import check

R = np.random.default_rng(9)

CASES = [
    (2, (2, 3, 9, 8), 2, {"output_size": (4, 5)}),
    (2, (3, 10, 7), (3, 2), {"output_size": 4}),
    (2, (2, 2, 11, 13), 3, {"output_ratio": (0.5, 0.7)}),
    (2, (1, 2, 6, 6), 2, {"output_size": (5, 1)}),  # out + k - 1 == in: stride 1 (and one window)
    (3, (2, 2, 7, 6, 9), 2, {"output_size": (3, 4, 5)}),
    (3, (2, 6, 5, 7), (1, 2, 3), {"output_ratio": 0.5}),
]


def _torch(d, a, k, u, kw, grad_cot=None):
    tx = torch.tensor(a, requires_grad=True)
    ty, ti = getattr(TF, f"fractional_max_pool{d}d")(tx, k, return_indices=True, _random_samples=torch.tensor(u),
                                                       **kw)
    if grad_cot is not None:
        (ty * torch.tensor(grad_cot)).sum().backward()
    return ty.detach().numpy(), ti.numpy(), tx.grad


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d,shape,k,kw", CASES)
def test_matches_torch_with_given_samples(d, shape, k, kw, dtype, compiled):
    a = R.standard_normal(shape).astype(dtype)
    nb = shape[0] if len(shape) == d + 2 else 1
    u = R.random((nb, shape[-d - 1], d)).astype(dtype)
    s = tl.Session(dtype=dtype)
    x = s.input(a, requires_grad=True)
    fn = lambda v, w: getattr(F, f"fractional_max_pool{d}d")(v, k, return_indices=True, _random_samples=w, **kw)
    y, i = (tl.compile(fn) if compiled else fn)(x, s.input(u))
    cot = R.standard_normal(y.shape).astype(dtype)
    ty, ti, tg = _torch(d, a, k, u, kw, cot)
    assert y.dtype == dtype and i.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), ty)
    np.testing.assert_array_equal(i.numpy(), ti)
    (y * s.input(cot)).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tg.numpy(), rtol=1e-6 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 0)


def test_many_random_geometries_bit_for_bit():
    for trial in range(40):
        d = 2 if trial % 3 else 3
        dtype = np.float32 if trial % 2 else np.float64
        spatial = tuple(int(v) for v in R.integers(4, 16 if d == 2 else 9, d))
        k = tuple(int(R.integers(1, 3)) for _ in range(d))
        strict = 1 if d == 3 else 0  # 3-D needs out + k - 1 < in, 2-D <= in
        out = tuple(int(R.integers(1, s - kk + 2 - strict)) for s, kk in zip(spatial, k))
        a = R.standard_normal((2, 2, *spatial)).astype(dtype)
        if trial % 4 == 0:
            a = np.round(a)  # ties: the first maximum in row-major window order
        u = R.random((2, 2, d)).astype(dtype)
        u[0, 0] = np.nextafter(dtype(1), dtype(0))  # the largest sample below 1
        ty, ti, _ = _torch(d, a, k, u, {"output_size": out})
        s = tl.Session(dtype=dtype)
        y, i = getattr(F, f"fractional_max_pool{d}d_with_indices")(s.input(a), k, out, _random_samples=s.input(u))
        np.testing.assert_array_equal(y.numpy(), ty, err_msg=f"{d} {spatial} {k} {out}")
        np.testing.assert_array_equal(i.numpy(), ti, err_msg=f"{d} {spatial} {k} {out}")


def test_nan_windows_take_the_last_nan_and_its_gradient():
    a = R.standard_normal((1, 2, 7, 7))
    a[0, 0, 1, 1] = a[0, 0, 2, 2] = a[0, 1, 0, 0] = np.nan
    u = R.random((1, 2, 2))
    cot = R.standard_normal((1, 2, 3, 3))
    ty, ti, tg = _torch(2, a, 3, u, {"output_size": 3}, cot)
    s = tl.Session(dtype=np.float64)
    x = s.input(a, requires_grad=True)
    y, i = F.fractional_max_pool2d(x, 3, output_size=3, return_indices=True, _random_samples=s.input(u))
    np.testing.assert_array_equal(y.numpy(), ty)
    np.testing.assert_array_equal(i.numpy(), ti)
    (y * s.input(cot)).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), tg.numpy())


@pytest.mark.parametrize("d", [2, 3])
def test_without_samples_draws_from_the_session_stream(d):
    a = R.standard_normal((2, 3, *(7,) * d))
    s = tl.Session(dtype=np.float64)
    counter = s.rng_counter
    y, i = getattr(F, f"fractional_max_pool{d}d")(s.input(a), 2, output_size=3, return_indices=True)
    assert s.rng_counter == counter + 1
    replay = tl.Session(dtype=np.float64)
    u = replay.rand_uniform((2, 3, d))  # the same stream position: the same draws
    ty, ti, _ = _torch(d, a, 2, u.numpy(), {"output_size": 3})
    np.testing.assert_array_equal(y.numpy(), ty)
    np.testing.assert_array_equal(i.numpy(), ti)
    y2 = getattr(F, f"fractional_max_pool{d}d")(s.input(a), 2, output_size=3)
    assert y2.shape == y.shape  # a second call draws new samples
    fn = tl.compile(lambda v: getattr(F, f"fractional_max_pool{d}d")(v, 2, output_ratio=0.5))
    assert fn(s.input(a)).shape == (2, 3, *(3,) * d)


def test_unbatched_samples_and_extra_sample_rows():
    a = R.standard_normal((3, 8, 9))
    u = R.random((2, 3, 2))  # PyTorch uses the first rows
    ty, ti, _ = _torch(2, a, 2, u[:1], {"output_size": (3, 4)})
    s = tl.Session(dtype=np.float64)
    y, i = F.fractional_max_pool2d(s.input(a), 2, (3, 4), return_indices=True, _random_samples=s.input(u))
    np.testing.assert_array_equal(y.numpy(), ty)
    np.testing.assert_array_equal(i.numpy(), ti)
    batch = R.standard_normal((1, 3, 8, 9))
    tyb, _, _ = _torch(2, batch, 2, u, {"output_size": (3, 4)})
    np.testing.assert_array_equal(F.fractional_max_pool2d(s.input(batch), 2, (3, 4), _random_samples=s.input(u))
                                  .numpy(), tyb)


@pytest.mark.parametrize("shift", [-3.0, 4.0])
def test_samples_outside_the_unit_interval_are_used_as_given(shift):
    a, u = R.standard_normal((2, 2, 9, 8)), R.random((2, 2, 2)) + shift
    ty, ti, _ = _torch(2, a, 2, u, {"output_size": (4, 3)})
    s = tl.Session(dtype=np.float64)
    y, i = F.fractional_max_pool2d(s.input(a), 2, (4, 3), return_indices=True, _random_samples=s.input(u))
    np.testing.assert_array_equal(y.numpy(), ty)
    np.testing.assert_array_equal(i.numpy(), ti)


def test_indices_feed_max_unpool2d():
    a, u = R.standard_normal((2, 2, 8, 8)), R.random((2, 2, 2))
    ty, ti, _ = _torch(2, a, 2, u, {"output_size": 4})
    want = TF.max_unpool2d(torch.tensor(ty), torch.tensor(ti), 2, output_size=(8, 8)).numpy()
    s = tl.Session(dtype=np.float64)
    y, i = F.fractional_max_pool2d(s.input(a), 2, output_size=4, return_indices=True, _random_samples=s.input(u))
    np.testing.assert_array_equal(F.max_unpool2d(y, i, 2, output_size=(8, 8)).numpy(), want)


def test_empty_batch_and_zero_output():
    s = tl.Session(dtype=np.float64)
    assert F.fractional_max_pool2d(s.input(np.zeros((0, 2, 5, 5))), 2, output_size=3).shape == (0, 2, 3, 3)
    a, u = R.standard_normal((1, 2, 5, 5)), R.random((1, 2, 2))
    y = F.fractional_max_pool2d(s.input(a), 2, output_size=(0, 3), _random_samples=s.input(u))
    assert y.shape == tuple(_torch(2, a, 2, u, {"output_size": (0, 3)})[0].shape) == (1, 2, 0, 3)


@pytest.mark.parametrize("d", [2, 3])
def test_modules_match_torch(d):
    u = R.random((2, 3, d))
    shape = (2, 3, *(8,) * d)
    ours = getattr(tnn, f"FractionalMaxPool{d}d")(2, output_size=3, _random_samples=u)
    theirs = getattr(torch.nn, f"FractionalMaxPool{d}d")(2, output_size=3, _random_samples=torch.tensor(u))
    check(ours, theirs, R.standard_normal(shape))
    ours = getattr(tnn, f"FractionalMaxPool{d}d")(2, output_ratio=0.5, return_indices=True, _random_samples=u)
    theirs = getattr(torch.nn, f"FractionalMaxPool{d}d")(2, output_ratio=0.5, return_indices=True,
                                                         _random_samples=torch.tensor(u))
    check(ours, theirs, R.standard_normal(shape))
    fresh = getattr(tnn, f"FractionalMaxPool{d}d")(2, output_ratio=0.5)
    assert list(fresh.state_dict()) == [] and fresh(tl.Session().input(np.ones(shape, np.float32))).shape[-1] == 4


@pytest.mark.parametrize("kw,msg", [
    ({}, "requires specifying either an output size, or a pooling ratio"),
    ({"output_size": 2, "output_ratio": 0.5}, "only one of output_size and output_ratio may be specified"),
    ({"output_ratio": 1.0}, r"output_ratio must be between 0 and 1 \(got 1.0\)"),
    ({"output_ratio": (0.5, 0.0)}, "output_ratio must be between 0 and 1"),
])
def test_module_constructor_errors(kw, msg):
    with pytest.raises(tl.ArgumentError, match="FractionalMaxPool2d.*" + msg):
        tnn.FractionalMaxPool2d(2, **kw)


def _x(shape, float32=False):
    return lambda s: s.input(np.ones(shape)).float() if float32 else s.input(np.ones(shape))


BAD = [
    (2, _x((1, 2, 9, 8)), {"kernel_size": 2}, tl.ArgumentError,
     "fractional_max_pool2d requires specifying either an output_size or an output_ratio"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": 2, "output_size": (9, 7)}, tl.ShapeError,
     "fractional_max_pool2d: pool height 2 too large relative to input height 9"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": 2, "output_ratio": (1.5, 0.5)}, tl.ShapeError,
     "pool height 2 too large relative to input height 9"),
    (3, _x((1, 2, 5, 6, 7)), {"kernel_size": 2, "output_size": (3, 5, 6)}, tl.ShapeError,
     "fractional_max_pool3d: pool width 2 too large relative to input width 7"),
    (3, _x((1, 2, 5, 6, 7)), {"kernel_size": 1, "output_size": (5, 2, 2)}, tl.ShapeError,
     "pool time 1 too large relative to input time 5"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": (2, 2, 2), "output_size": 3}, tl.ShapeError,
     "kernel_size must either be a single int or a tuple of 2 ints"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": 2, "output_size": (3, 3, 3)}, tl.ShapeError,
     "output_size must either be a single int or a tuple of 2 ints"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": 0, "output_size": 3}, tl.ArgumentError, "kernel_size must be >= 1"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": 2, "output_size": -1}, tl.ArgumentError, "output_size must be >= 0"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": 2, "output_ratio": (0.5, 0.5, 0.5)}, tl.ArgumentError,
     "output_ratio must be a number or a tuple of 2 numbers"),
    (2, _x((2, 9, 8)), {"kernel_size": 2, "output_size": 3, "u": (2, 6)}, tl.ShapeError,
     "expect _random_samples to have 3 dimensions, got 2"),
    (2, _x((2, 2, 9, 8)), {"kernel_size": 2, "output_size": 3, "u": (1, 2, 2)}, tl.ShapeError,
     r"expect _random_samples of shape \(at least 2, 2, 2\)"),
    (2, _x((2, 2, 9, 8)), {"kernel_size": 2, "output_size": 3, "u": (2, 3, 2)}, tl.ShapeError, "_random_samples"),
    (2, _x((2, 2, 9, 8)), {"kernel_size": 2, "output_size": 3, "u": (2, 2, 1)}, tl.ShapeError, "_random_samples"),
    (2, _x((1, 2, 9, 8), float32=True), {"kernel_size": 2, "output_size": 3, "u": (1, 2, 2)}, tl.DTypeError,
     "_random_samples to have the same dtype as input"),
    (2, _x((2, 0, 9, 8)), {"kernel_size": 2, "output_size": 3}, tl.ShapeError, "non-zero size for non-batch"),
    (2, _x((9, 8)), {"kernel_size": 2, "output_size": 3}, tl.ShapeError, r"expected 3D \(unbatched\) or 4D"),
    (2, lambda s: s.input(np.ones((1, 2, 9, 8), np.int64)), {"kernel_size": 2, "output_size": 3}, tl.DTypeError,
     "input must be a float tensor"),
    (2, _x((1, 2, 9, 8)), {"kernel_size": 2, "output_size": 3, "return_indices": 1.0}, tl.ArgumentError,
     "return_indices must be a bool"),
]


@pytest.mark.parametrize("d,make,kw,err,msg", BAD)
def test_bad_arguments_raise_and_record_nothing(d, make, kw, err, msg):
    s = tl.Session(dtype=np.float64)
    x = make(s)
    kw = dict(kw)
    if "u" in kw:
        kw["_random_samples"] = s.input(R.random(kw.pop("u")))
    before, counter = len(s), s.rng_counter
    with pytest.raises(err, match=msg):
        getattr(F, f"fractional_max_pool{d}d")(x, **kw)
    assert len(s) == before and s.rng_counter == counter
