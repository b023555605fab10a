"""The counter-based stream: the SplitMix64 formula, counters, reproducibility."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.random import key_of, splitmix64, splitmix64_int, uniform_host


def test_splitmix64_matches_the_reference_sequence():
    # The first outputs of SplitMix64 seeded with 0 (the published reference values).
    assert splitmix64_int(0) == 0xE220A8397B1DCDAF
    assert splitmix64_int(0x9E3779B97F4A7C15) == 0x6E789E6AA1B965F4
    xs = np.array([0, 0x9E3779B97F4A7C15, 2**64 - 1], dtype=np.uint64)
    assert [int(v) for v in splitmix64(np, xs)] == [splitmix64_int(int(x)) for x in xs]


def test_uniform_follows_the_documented_formula():
    key = key_of(5, 3)
    expected = [(splitmix64_int((key + i) % 2**64) % 2**32) / 2**32 for i in range(6)]
    np.testing.assert_array_equal(uniform_host(5, 3, (2, 3), dtype=np.float64).ravel(), expected)


def test_session_counter_advances_once_per_random_op_and_survives_reset():
    s = tl.Session(seed=11)
    a = s.rand_uniform((4,)).numpy()
    m = s.bernoulli_mask(0.5, (4,)).numpy()
    assert s.rng_counter == 2
    s.reset()
    b = s.rand_uniform((4,))
    assert s.rng_counter == 3
    np.testing.assert_array_equal(b.numpy(), uniform_host(11, 2, (4,)))
    assert not np.array_equal(a, b.numpy())
    np.testing.assert_array_equal(m, (uniform_host(11, 1, (4,), dtype=np.float64) < 0.5))


def test_same_seed_same_numbers_different_seed_different_numbers():
    u1 = tl.Session(seed=3).rand_uniform((100,)).numpy()
    u2 = tl.Session(seed=3).rand_uniform((100,)).numpy()
    u3 = tl.Session(seed=4).rand_uniform((100,)).numpy()
    np.testing.assert_array_equal(u1, u2)
    assert not np.array_equal(u1, u3)
    assert u1.dtype == np.float32 and np.all((u1 >= 0) & (u1 <= 1))


def test_bernoulli_frequency_and_no_rescaling():
    s = tl.Session(seed=1)
    m = s.bernoulli_mask(0.3, (20000,)).numpy()
    assert set(np.unique(m)) <= {0.0, 1.0}
    assert abs(m.mean() - 0.3) < 0.02


def test_random_ops_are_constants_for_autograd():
    s = tl.Session()
    x = s.input(np.ones(5), requires_grad=True)
    y = (x * s.rand_uniform((5,))).sum()
    u = s.value(y.session.tape.nodes[-3])  # the uniform tensor on the tape
    np.testing.assert_allclose(s.backward(y)[x], u)
    assert not s.rand_uniform((2,)).requires_grad


def test_dropout_scales_kept_values_and_is_identity_when_not_training():
    s = tl.Session(seed=2)
    x = s.input(np.ones(1000))
    y = s.dropout(x, 0.2).numpy()
    assert set(np.round(np.unique(y), 6)) <= {0.0, 1.25}
    assert s.dropout(x, 0.2, training=False) is x
    with pytest.raises(tl.ArgumentError, match="dropout: p"):
        s.dropout(x, 1.5)


def test_bad_random_arguments_leave_the_tape_and_counter_unchanged():
    s = tl.Session()
    with pytest.raises(tl.ShapeError):
        s.rand_uniform((2, -1))
    with pytest.raises(tl.ShapeError):
        s.bernoulli_mask(s.input(np.ones(2)), (3,))
    assert s.rng_counter == 0
