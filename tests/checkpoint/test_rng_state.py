"""The session's random state: rng_state() / set_rng_state(), validated, saved by tl.save."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.checkpoint import load, save
from torchlean.random import uniform_host


def test_the_state_is_the_seed_and_the_counter():
    s = tl.Session(seed=7)
    assert s.rng_state() == {"seed": 7, "counter": 0}
    s.rand_uniform((3,))
    s.bernoulli_mask(0.5, (3,))
    assert s.rng_state() == {"seed": 7, "counter": 2}
    assert s.get_rng_state() == s.rng_state()
    s.reset()
    assert s.rng_state()["counter"] == 2  # the stream survives a tape reset


def test_restoring_the_state_repeats_the_random_numbers():
    s = tl.Session(seed=3)
    s.rand_uniform((2,))
    state = s.rng_state()
    a = [s.rand_uniform((5,)).numpy(), s.bernoulli_mask(0.3, (50,)).numpy()]
    s.set_rng_state(state)
    b = [s.rand_uniform((5,)).numpy(), s.bernoulli_mask(0.3, (50,)).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    other = tl.Session(seed=99)
    other.set_rng_state(state)  # the seed is part of the state
    np.testing.assert_array_equal(other.rand_uniform((5,)).numpy(), a[0])
    np.testing.assert_array_equal(a[0], uniform_host(3, 1, (5,)))
    assert other.options.seed == 3


def test_the_state_goes_through_a_checkpoint_exactly(tmp_path):
    s = tl.Session(seed=2**64 + 5)  # Options allows any seed >= 0
    s.set_rng_state({"seed": 2**64 + 5, "counter": 2**64 - 1})
    save({"rng": s.rng_state()}, tmp_path / "r.st")
    back = load(tmp_path / "r.st")["rng"]
    assert back == {"seed": 2**64 + 5, "counter": 2**64 - 1} and type(back["counter"]) is int
    fresh = tl.Session()
    fresh.set_rng_state(back)
    np.testing.assert_array_equal(fresh.rand_uniform((3,)).numpy(), s.rand_uniform((3,)).numpy())


def test_numpy_integers_are_accepted():
    s = tl.Session()
    s.set_rng_state({"seed": np.int64(4), "counter": np.uint64(9)})
    assert s.rng_state() == {"seed": 4, "counter": 9}
    assert all(type(v) is int for v in s.rng_state().values())


@pytest.mark.parametrize("bad, msg", [
    ([1, 2], "expected the dict rng_state"),
    ({"seed": 1}, r"expected keys \['counter', 'seed'\], got \['seed'\]"),
    ({"seed": 1, "counter": 0, "x": 1}, r"expected keys .*, got \['counter', 'seed', 'x'\]"),
    ({"seed": -1, "counter": 0}, "seed must be >= 0"),
    ({"seed": 1, "counter": -1}, r"counter must be in \[0, 2\*\*64\)"),
    ({"seed": 1, "counter": 2**64}, "counter must be in"),
    ({"seed": 1.0, "counter": 0}, "seed must be an int, got float"),
    ({"seed": True, "counter": 0}, "seed must be an int, got bool"),
    ({"seed": 1, "counter": np.array(3)}, "counter must be an int"),
])
def test_a_bad_state_raises_and_changes_nothing(bad, msg):
    s = tl.Session(seed=5)
    s.rand_uniform((1,))
    with pytest.raises(tl.ArgumentError, match=f"set_rng_state: {msg}"):
        s.set_rng_state(bad)
    assert s.rng_state() == {"seed": 5, "counter": 1}
