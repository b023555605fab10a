"""Fixes found by the OpInfo conformance run of existing names: a PyTorch distance module given to
``F.triplet_margin_with_distance_loss``, and ``tl.*`` constructors inside ``tl.compile_out``;
and by probing against PyTorch: ``axis=`` for cat and stack, logsumexp over an empty axis,
``len`` inside ``tl.compile``, dropout2d of a 3-D input, dims of 0-d tensors, negative layer
sizes, ConvTranspose's output_size, fill values beyond float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.nn.functional as F

RNG = np.random.default_rng(2)


def test_triplet_margin_with_torch_pairwise_distance():
    a, p, n = (RNG.standard_normal((5, 4)) for _ in range(3))
    want = torch.nn.functional.triplet_margin_with_distance_loss(
        *(torch.tensor(v) for v in (a, p, n)), distance_function=torch.nn.PairwiseDistance(p=1.5, eps=1e-3), swap=True)
    s = tl.Session(dtype=np.float64)
    xs = [s.input(v) for v in (a, p, n)]
    got = F.triplet_margin_with_distance_loss(*xs, distance_function=torch.nn.PairwiseDistance(p=1.5, eps=1e-3),
                                              swap=True)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    same = F.triplet_margin_with_distance_loss(*xs, distance_function=torch.nn.functional.pairwise_distance)
    np.testing.assert_allclose(same.numpy(), F.triplet_margin_with_distance_loss(*xs).numpy(), rtol=0)
    n0 = len(s.tape.nodes)
    with pytest.raises(tl.ArgumentError, match="distance_function is a PyTorch callable"):
        F.triplet_margin_with_distance_loss(*xs, distance_function=torch.nn.CosineSimilarity())
    assert len(s.tape.nodes) == n0


def test_toplevel_constructors_record_on_a_compile_out_trace():
    def fn(ops, x):
        return ops.add(x, tl.logspace(0, 1, 3)) * tl.scalar_tensor(2.0) + tl.zeros(3)

    c = tl.compile_out(fn, [((3,), np.float64)], tl.Options(dtype=np.float64))
    np.testing.assert_allclose(np.asarray(c(np.ones(3))), 2 * (1 + np.logspace(0, 1, 3)), rtol=1e-15)


@pytest.mark.parametrize("name", ["cat", "concat", "stack"])
def test_join_takes_axis_as_an_alias_of_dim(name):
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    s = tl.Session(dtype=np.float64)
    got = getattr(tl, name)([s.input(a), s.input(b)], axis=1)
    want = getattr(torch, name)([torch.tensor(a), torch.tensor(b)], axis=1)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(tl.ArgumentError, match=f"{name}: give dim or its alias axis, not both"):
        getattr(tl, name)([s.input(a), s.input(b)], dim=1, axis=1)


@pytest.mark.parametrize("dim", [0, (0, 1), 1])
def test_logsumexp_over_an_empty_axis_is_minus_infinity(dim):
    x = np.zeros((0, 3))
    s = tl.Session(dtype=np.float64)
    r = s.input(x, requires_grad=True)
    got = r.logsumexp(dim, keepdim=True)
    want = torch.tensor(x).logsumexp(dim, keepdim=True)
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    got.sum().backward()
    assert r.grad.shape == x.shape
    np.testing.assert_array_equal(tl.compile(lambda t: t.logsumexp(dim))(r).numpy(),
                                  torch.tensor(x).logsumexp(dim).numpy())


def test_len_is_static_inside_compile():
    s = tl.Session(dtype=np.float64)
    x = s.input(RNG.standard_normal((4, 3)))
    np.testing.assert_array_equal(tl.compile(lambda t: t / len(t))(x).numpy(), x.numpy() / 4)
    with pytest.raises(TypeError, match="0-d tensor has no length"):
        tl.compile(lambda t: t * len(t.sum()))(x)


def test_dropout2d_reads_a_3d_input_as_n_c_l():
    s = tl.Session(dtype=np.float64)
    tl.manual_seed(0)
    y = tl.nn.Dropout2d(0.5)(s.input(np.ones((6, 3, 5)))).numpy()
    assert np.ptp(y, axis=2).max() == 0  # one draw per (n, c), as torch's (N, C, L) reading
    assert np.ptp(y, axis=1).max() > 0   # channels of one sample are drawn apart
    y = F.dropout2d(s.input(np.ones((3, 4, 5))), 0.5).numpy()  # and the functional form
    assert np.ptp(y, axis=2).max() == 0 and np.ptp(y, axis=1).max() > 0


@pytest.mark.parametrize("call", [lambda z: z.size(0), lambda z: z.size(-1), lambda z: z.softmax(5),
                                  lambda z: F.log_softmax(z, dim=9), lambda z: z.flatten(1),
                                  lambda z: tl.nn.Flatten()(z)])
def test_dims_of_a_0d_tensor_are_checked(call):
    s = tl.Session(dtype=np.float64)
    z = s.input(np.array(3.0))
    n0 = len(s)
    with pytest.raises(tl.ShapeError, match=r"size|softmax|log_softmax|flatten"):
        call(z)
    assert len(s) == n0
    assert z.softmax(-1).item() == 1.0 and z.log_softmax(0).item() == 0.0 and z.flatten().shape == (1,)


@pytest.mark.parametrize("make", [lambda: tl.nn.Bilinear(2, 2, -1), lambda: tl.nn.Bilinear(-1, 2, 2),
                                  lambda: tl.nn.Conv1d(1, 2, -3), lambda: tl.nn.Conv2d(1, 2, (3, -1)),
                                  lambda: tl.nn.Conv2d(1, 2, 3, stride=0), lambda: tl.nn.Conv2d(1, 2, 3, padding=-1),
                                  lambda: tl.nn.Conv2d(1, 2, 3, dilation=(1, 0))])
def test_layers_refuse_negative_sizes_when_made(make):
    with pytest.raises(tl.ArgumentError, match=r"Bilinear|Conv"):
        make()


@pytest.mark.parametrize("d, shape, size", [(2, (2, 3, 5, 4), [10, 8]), (2, (2, 3, 5, 4), (2, 4, 9, 7)),
                                            (1, (3, 6), [12])])
def test_conv_transpose_output_size_picks_the_output_padding(d, shape, size):
    tm = getattr(torch.nn, f"ConvTranspose{d}d")(3, 4, 3, stride=2, padding=1).double()
    lm = getattr(tl.nn, f"ConvTranspose{d}d")(3, 4, 3, stride=2, padding=1, dtype=np.float64)
    lm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = RNG.standard_normal(shape)
    want = tm(torch.tensor(x), output_size=size).detach().numpy()
    got = lm(tl.Session(dtype=np.float64).input(x), output_size=size).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    with pytest.raises(tl.ShapeError, match="valid sizes range from"):
        lm(tl.Session(dtype=np.float64).input(x), output_size=[s + 5 for s in list(size)[-d:]])


@pytest.mark.parametrize("call", [lambda s, x, m: tl.full((2,), 1e300), lambda s, x, m: s.full((2,), -1e300),
                                  lambda s, x, m: tl.full_like(x, 1e300), lambda s, x, m: x.masked_fill(m, 1e300),
                                  lambda s, x, m: tl.where(m, x, 1e300), lambda s, x, m: F.pad(x, (1, 1), value=1e300),
                                  lambda s, x, m: F.threshold(x, 0.0, 1e300)])
def test_fill_values_that_overflow_float32_raise(call):
    s = tl.Session()
    x, m = s.input(np.array([1.0, -2.0, 3.0], np.float32)), s.input(np.array([True, False, True]))
    with pytest.raises(tl.ArgumentError, match="cannot be converted to float32 without overflow"):
        call(s, x, m)
    assert x.masked_fill(m, float("inf")).numpy()[0] == np.inf  # infinities are values, not overflow
    assert tl.full((1,), 3e38).numpy()[0] == np.float32(3e38)
