"""Property tests (hypothesis): broadcasting and its un-broadcasting VJP on random shapes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import torchlean as tl


@st.composite
def broadcastable_pair(draw):
    ndim = draw(st.integers(0, 4))
    full = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))

    def part():
        keep = draw(st.integers(0, ndim))  # drop leading axes, set some to 1
        return tuple(d if draw(st.booleans()) else 1 for d in full[ndim - keep:])

    return part(), part()


@settings(max_examples=60, deadline=None)
@given(broadcastable_pair(), st.sampled_from(["add", "sub", "mul", "div", "maximum"]))
def test_binary_ops_broadcast_like_numpy_and_sum_gradients_back(shapes, op):
    sa, sb = shapes
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    a = rng.uniform(0.5, 2.0, sa)
    b = rng.uniform(0.5, 2.0, sb) * rng.choice([-1, 1], sb)
    s = tl.Session(dtype=np.float64)
    ra, rb = s.input(a, requires_grad=True), s.input(b, requires_grad=True)
    out = getattr(s, op)(ra, rb)
    ref = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "maximum": np.maximum}[op](a, b)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-14)
    grads = s.backward(s.sum(out))
    assert grads[ra].shape == sa and grads[rb].shape == sb
    # d(sum f(a, b))/da summed over a broadcast axis equals the directional derivative along ones
    t = s.jvp(s.sum(out), {ra: np.ones(sa), rb: np.zeros(sb)})
    np.testing.assert_allclose(float(np.sum(grads[ra])), float(t), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_permute_and_reshape_round_trip(shape, rnd):
    perm = list(range(len(shape)))
    rnd.shuffle(perm)
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    s = tl.Session(dtype=np.float64)
    r = s.input(x, requires_grad=True)
    y = s.reshape(s.permute(r, perm), (-1,))
    np.testing.assert_array_equal(y.numpy(), np.transpose(x, perm).reshape(-1))
    g = np.arange(y.shape[0], dtype=np.float64)
    expected = g.reshape(np.transpose(x, perm).shape).transpose(np.argsort(perm))
    np.testing.assert_array_equal(s.backward(y, g)[r], expected)
