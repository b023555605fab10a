"""Constructors: torch's signatures and dtype rules, requires_grad leaves, the random stream."""

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.pt import creation as ptc
from torchlean.random import uniform_host


def session(**kw):
    return tl.Session(dtype=np.float64, **kw)


# ----- deterministic constructors ---------------------------------------------------------------
def test_sizes_as_varargs_a_sequence_or_empty_and_dtypes_as_torch():
    s = session()
    for call, shape in [(s.zeros(2, 3), (2, 3)), (s.zeros((2, 3)), (2, 3)), (s.ones([4]), (4,)),
                        (s.zeros(()), ()), (s.ones(torch.Size([2, 1])), (2, 1))]:
        assert call.shape == shape and call.dtype == np.float64
    assert tl.Session().zeros(2).dtype == np.float32  # the binder's float dtype
    assert s.full((2,), 3).dtype == np.int64 and s.full((2,), True).dtype == np.bool_
    assert s.full((2,), 0.5).dtype == np.float64 and s.full((2,), 1.5, dtype=torch.int64).numpy().tolist() == [1, 1]
    assert s.arange(5).dtype == np.int64 and s.arange(5.0).dtype == np.float64
    assert s.zeros(2, dtype="int64").dtype == np.int64 and s.eye(2, dtype=torch.bool).dtype == np.bool_


def test_values_match_torch():
    s = session()
    cases = [(s.arange(-3, 8, 3), torch.arange(-3, 8, 3)), (s.arange(5, 0, -2), torch.arange(5, 0, -2)),
             (s.arange(0.5, 2.0, 0.25), torch.arange(0.5, 2.0, 0.25, dtype=torch.float64)),
             (s.arange(end=4), torch.arange(end=4)),
             (s.linspace(0, 1, 11), torch.linspace(0, 1, 11, dtype=torch.float64)),
             (s.linspace(-1, 1, 1), torch.linspace(-1, 1, 1, dtype=torch.float64)),
             (s.eye(3, 2), torch.eye(3, 2, dtype=torch.float64)),
             (s.eye(n=2, m=3), torch.eye(n=2, m=3, dtype=torch.float64)),
             (s.full(size=(2, 2), fill_value=-1.5), torch.full(size=(2, 2), fill_value=-1.5, dtype=torch.float64))]
    for ours, ref in cases:
        assert ours.shape == tuple(ref.shape)
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-15, atol=0)


def test_like_constructors_take_shape_and_dtype_from_the_input():
    s = session()
    x = s.input(np.arange(6).reshape(2, 3))
    for ours, ref in [(ptc.zeros_like(x), torch.zeros(2, 3, dtype=torch.int64)),
                      (ptc.ones_like(x, dtype=torch.float64), torch.ones(2, 3, dtype=torch.float64)),
                      (ptc.full_like(x, 7), torch.full((2, 3), 7)),
                      (s.zeros_like(x), torch.zeros(2, 3, dtype=torch.int64))]:
        assert ours.shape == (2, 3) and ours.dtype == np.dtype(str(ref.dtype)[len("torch."):])
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    assert ptc.rand_like(s.input(np.zeros(3))).shape == (3,)


def test_requires_grad_makes_a_float_leaf_on_the_session():
    s = session()
    w = s.ones(3, requires_grad=True)
    b = s.arange(3.0, requires_grad=True)
    assert w.is_leaf and w.requires_grad and b.is_leaf
    ((w * b).sum()).backward()
    np.testing.assert_array_equal(w.grad, [0, 1, 2])
    np.testing.assert_array_equal(b.grad, [1, 1, 1])
    assert not s.zeros(2).requires_grad  # a constant otherwise


@pytest.mark.parametrize("call,error,message", [
    (lambda s: s.zeros(2, dtype="int64", requires_grad=True), tl.DTypeError,
     r"zeros: only floating point tensors can require gradients, got int64"),
    (lambda s: s.zeros(2, out=np.zeros(2)), tl.ArgumentError, r"zeros: out= is not supported"),
    (lambda s: s.arange(), tl.ArgumentError, r"arange: expected arange\(end\)"),
    (lambda s: s.ones(2, layout="sparse_coo"), tl.ArgumentError, r"ones: layout='sparse_coo' is not supported"),
    (lambda s: s.zeros(2, device="cuda"), tl.DeviceError, r"zeros: this session runs on cpu"),
    (lambda s: s.zeros(2, device="tpu"), tl.ArgumentError, r"zeros: device must be 'cpu' or 'cuda'"),
    (lambda s: s.zeros(-1), tl.ShapeError, r"zeros: size has a negative size"),
    (lambda s: s.zeros(2.5), tl.ShapeError, r"zeros: size must be a sequence of ints"),
    (lambda s: s.full((2,), "a"), tl.ArgumentError, r"full: fill_value must be a Python number"),
    (lambda s: s.arange(0, 5, 0), tl.ArgumentError, r"arange: step must be nonzero"),
    (lambda s: s.arange(5, 0), tl.ArgumentError, r"arange: upper bound and lower bound are inconsistent"),
    (lambda s: s.arange(float("inf")), tl.ArgumentError, r"arange: start, end and step must be finite"),
    (lambda s: s.linspace(0, 1, -1), tl.ArgumentError, r"linspace: steps must be a non-negative int"),
    (lambda s: s.eye(-2), tl.ArgumentError, r"eye: n must be a non-negative int"),
    (lambda s: s.rand(2, dtype="int64"), tl.DTypeError, r"rand: expected a float dtype"),
    (lambda s: s.randn(2, generator=object()), tl.ArgumentError, r"randn: generator= is not supported"),
    (lambda s: s.randint(5, 5, (2,)), tl.ArgumentError, r"randint: expects low < high"),
    (lambda s: s.randint(0, 2**33, (2,)), tl.ArgumentError, r"randint: high - low must be at most 2\*\*32"),
    (lambda s: s.randint(1.5, (2,)), tl.ArgumentError, r"randint: high must be an int"),
    (lambda s: s.randint(5), tl.ArgumentError, r"randint: expected randint\(high, size\)"),
    (lambda s: s.rand_uniform((2,), seed=-1), tl.ArgumentError, r"rand_uniform: seed must be a non-negative int"),
])
def test_bad_constructor_arguments_raise_and_change_nothing(call, error, message):
    s = session()
    n, counter = len(s), s.rng_counter
    with pytest.raises(error, match=message):
        call(s)
    assert len(s) == n and s.rng_counter == counter


def test_constructors_in_traced_code_are_constants():
    c = tl.compile_out(lambda ops, x: x * ops.arange(3.0) + ops.eye(3)[0] + ops.full((3,), 2.0) + ops.linspace(0, 1, 3),
                       [(3,)], tl.Options(dtype=np.float64))
    np.testing.assert_allclose(c.forward(np.ones(3)), [3.0, 3.5, 5.0])
    with pytest.raises(tl.ArgumentError, match="requires_grad=True makes a leaf of the eager session"):
        tl.compile_out(lambda ops, x: x + ops.zeros(3, requires_grad=True), [(3,)])


def test_linspace_tensor_bounds_give_the_same_values_and_no_gradient():
    s = session()
    a = s.input(np.array(-0.3), requires_grad=True)
    y = s.linspace(a, s.input(np.array(4)), 7)
    np.testing.assert_array_equal(y.numpy(), s.linspace(-0.3, 4, 7).numpy())
    assert not y.requires_grad


# ----- the random constructors ------------------------------------------------------------------
def test_rand_randn_randint_follow_the_documented_stream():
    s = session(seed=5)
    u = s.rand(3, 4)
    z = s.randn(6)
    k = s.randint(-2, 9, (50,))
    assert s.rng_counter == 3  # one draw per random op (randn's 2n uniforms are one draw)
    np.testing.assert_array_equal(u.numpy(), uniform_host(5, 0, (3, 4), dtype=np.float64))
    v = uniform_host(5, 1, (2, 6), dtype=np.float64)
    np.testing.assert_array_equal(z.numpy(), np.sqrt(-2 * np.log1p(-v[0])) * np.cos(2 * np.pi * v[1]))
    w = uniform_host(5, 2, (50,), dtype=np.float64)
    np.testing.assert_array_equal(k.numpy(), -2 + np.floor(w * 11).astype(np.int64))
    assert k.dtype == np.int64 and s.randint(3, (2,), dtype="float64").dtype == np.float64


def test_randn_and_randint_statistics():
    s = tl.Session(seed=3)
    z = s.randn(40000).numpy().astype(np.float64)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02 and abs(np.mean(z ** 4) - 3) < 0.15
    k = s.randint(0, 7, (70000,)).numpy()
    counts = np.bincount(k, minlength=7)
    assert k.min() == 0 and k.max() == 6 and np.all(np.abs(counts / 10000 - 1) < 0.05)


def test_float32_randn_is_the_float64_draw_rounded_once():
    a = tl.Session(seed=1).randn(1000).numpy()
    b = tl.Session(seed=1, dtype=np.float64).randn(1000).numpy()
    np.testing.assert_array_equal(a, b.astype(np.float32))


def test_box_muller_never_takes_log_of_zero():
    s = session()
    z = s.box_muller(s.input(np.array([[1.0, 0.0], [0.0, 0.25]])))
    assert np.all(np.isfinite(z.numpy())) and z.numpy()[1] == pytest.approx(0.0, abs=1e-15)


def test_fixed_seed_draws_repeat_and_leave_the_counter():
    s = session(seed=9)
    a = s.rand_uniform((5,), seed=4)
    m = s.bernoulli_mask(0.5, (5,), seed=4)
    b = s.rand_uniform((5,), seed=4)
    assert s.rng_counter == 0
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(a.numpy(), uniform_host(4, 0, (5,), dtype=np.float64))
    np.testing.assert_array_equal(m.numpy(), (uniform_host(4, 0, (5,), dtype=np.float64) < 0.5).astype(float))
    assert not np.array_equal(s.rand_uniform((5,)).numpy(), a.numpy()) and s.rng_counter == 1


def test_compiled_random_constructors_draw_what_the_session_draws():
    def f(ops, x):
        return x + ops.randn(4) + ops.rand(4) + ops.randint(0, 10, (4,)).float().double()

    c = tl.compile_out(f, [(4,)], tl.Options(dtype=np.float64, seed=2))
    s = session(seed=2)
    for _ in range(2):  # the compiled counter advances like the session's
        np.testing.assert_array_equal(c.forward(np.zeros(4)), f(s, s.input(np.zeros(4))).numpy())
