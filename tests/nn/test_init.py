"""nn.init: torch's formulas on the seed's SplitMix64 stream; reproducible by seed."""

import math

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn
from torchlean.nn import init


def _p(*shape):
    return nn.Parameter(np.zeros(shape, np.float32))


@pytest.mark.parametrize("name,param", [("linear", None), ("relu", None), ("tanh", None), ("leaky_relu", 0.2),
                                        ("selu", None), ("conv2d", None), ("sigmoid", None)])
def test_calculate_gain_is_torchs(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)


def test_kaiming_and_xavier_bounds_and_statistics():
    w = init.kaiming_uniform_(_p(300, 200), a=math.sqrt(5))
    bound = 1 / math.sqrt(200)  # torch's Linear default: kaiming_uniform_(a=sqrt(5))
    assert np.abs(w.value).max() <= bound and np.abs(w.value).max() > 0.99 * bound
    assert abs(w.value.mean()) < 0.01 * bound * 3
    x = init.xavier_uniform_(_p(30, 20, 3, 3))
    b = math.sqrt(6 / (20 * 9 + 30 * 9))
    assert np.abs(x.value).max() <= b
    n = init.kaiming_normal_(_p(400, 300), mode="fan_out", nonlinearity="relu")
    assert n.value.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    t = init.trunc_normal_(_p(1000), std=1.0, a=-0.5, b=0.5)
    assert t.value.min() >= -0.5 and t.value.max() <= 0.5 and np.unique(t.value).size > 900


def test_orthogonal_is_orthogonal():
    for shape in ((6, 4), (4, 6), (3, 2, 2)):
        q = init.orthogonal_(_p(*shape)).value.reshape(shape[0], -1).astype(np.float64)
        small = min(q.shape)
        g = q @ q.T if q.shape[0] == small else q.T @ q
        np.testing.assert_allclose(g, np.eye(small), atol=1e-6)


def test_the_same_seed_gives_the_same_values_and_generators_are_independent():
    tl.manual_seed(3)
    a = init.normal_(_p(5)).value.copy()
    tl.manual_seed(3)
    b = init.normal_(_p(5)).value.copy()
    np.testing.assert_array_equal(a, b)
    g = tl.Generator(3)
    np.testing.assert_array_equal(init.normal_(_p(5), generator=g).value, a)
    assert not np.array_equal(init.normal_(_p(5), generator=g).value, a)  # the stream moved on


def test_constant_zeros_ones_eye_dirac():
    assert init.constant_(_p(2, 2), 3.5).value.tolist() == [[3.5, 3.5], [3.5, 3.5]]
    assert init.zeros_(_p(3)).value.sum() == 0 and init.ones_(_p(3)).value.sum() == 3
    np.testing.assert_array_equal(init.eye_(_p(2, 3)).value, np.eye(2, 3))
    d = init.dirac_(_p(2, 2, 3, 3)).value
    assert d[0, 0, 1, 1] == 1 and d[1, 1, 1, 1] == 1 and d.sum() == 2


def test_bad_arguments():
    with pytest.raises(tl.ArgumentError, match="Param"):
        init.uniform_(np.zeros(3))
    with pytest.raises(tl.ShapeError, match="2 dimensions"):
        init.xavier_uniform_(_p(3))
    with pytest.raises(tl.ArgumentError, match="mode"):
        init.kaiming_uniform_(_p(3, 3), mode="fan")
    with pytest.raises(tl.ArgumentError, match="nonlinearity"):
        init.calculate_gain("swish")


def test_the_seeds_demo_initialisers():
    x = init.seed.rand01(7, 0)
    assert x == ((1664525 * 7 + 1013904223) % 2**32) / 2**32
    w = init.seed.xavier_uniform(1, 4, 3)
    assert w.shape == (3, 4) and np.abs(w).max() <= math.sqrt(6 / 7)
