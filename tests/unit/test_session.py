"""Eager session semantics: the tape, requires_grad, detach, no_grad, parameters."""

import numpy as np
import pytest

import torchlean as tl


def test_x_squared_plus_x_at_2_gives_5():
    s = tl.Session()
    x = s.input(2.0, requires_grad=True)
    z = x * x + x
    grads = s.backward(z)
    assert grads[x] == pytest.approx(5.0)
    assert s.grad(grads, x).shape == ()


def test_failed_op_leaves_the_tape_unchanged():
    s = tl.Session()
    a = s.input(np.ones((2, 3)), requires_grad=True)
    b = s.input(np.ones((4, 5)), requires_grad=True)
    before = len(s)
    with pytest.raises(tl.ShapeError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        s.matmul(a, b)
    with pytest.raises(tl.ShapeError, match="add"):
        a + b
    with pytest.raises(tl.DTypeError, match="relu"):
        s.relu(s.input(np.array([1, 2])))
    assert len(s) == before + 1  # only the int input leaf was added
    z = (a * a + a).sum()
    np.testing.assert_allclose(s.backward(z)[a], 3 * np.ones((2, 3)))


def test_dense_gradients_cover_every_tape_entry():
    s = tl.Session()
    x = s.input([1.0, 2.0], requires_grad=True)
    c = s.const([3.0, 4.0])
    y = x * c
    late = x + 1.0  # created after the output: gets a zero gradient
    grads = s.backward(y, seed=np.array([1.0, 1.0]))
    assert len(grads) == len(s) == 4
    np.testing.assert_allclose(grads[x], [3.0, 4.0])
    np.testing.assert_allclose(grads[y], [1.0, 1.0])
    np.testing.assert_allclose(grads[late], [0.0, 0.0])
    np.testing.assert_allclose(grads[c], [0.0, 0.0])  # constants get zeros, no backward runs


def test_backward_needs_a_seed_for_non_scalar_outputs():
    s = tl.Session()
    y = s.input([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(tl.ShapeError, match="seed is required"):
        s.backward(y)
    with pytest.raises(tl.ShapeError, match="seed must have the output's shape"):
        s.backward(y, seed=np.ones(3))


def test_detach_stops_gradients():
    s = tl.Session()
    x = s.input([1.0, -2.0], requires_grad=True)
    y = (x.detach() * x).sum()  # d/dx = detach(x) only
    np.testing.assert_allclose(s.backward(y)[x], [1.0, -2.0])
    d = x.detach()
    assert not d.requires_grad
    loss = (d * d).sum()
    np.testing.assert_allclose(s.backward(loss)[x], [0.0, 0.0])


def test_requires_grad_propagates_and_constants_skip_backward(monkeypatch):
    s = tl.Session()
    c = s.const([1.0, 2.0])
    k = c.exp() * 3.0
    assert not k.requires_grad
    x = s.input([0.5, 0.5], requires_grad=True)
    y = (k * x).sum()
    assert y.requires_grad
    calls = []
    exp_p = tl.REGISTRY["exp"]
    rule = exp_p.vjp[0]
    monkeypatch.setattr(exp_p, "vjp", (lambda *a, **kw: calls.append(1) or rule(*a, **kw),))
    np.testing.assert_allclose(s.backward(y)[x], 3 * np.exp([1.0, 2.0]), rtol=1e-6)
    assert calls == []  # the constant subgraph's rule never ran


def test_no_grad_records_nothing():
    s = tl.Session()
    x = s.input([1.0, 2.0], requires_grad=True)
    n = len(s)
    with s.no_grad():
        y = (x * 2.0).relu()
    assert len(s) == n
    assert y.id is None and not y.requires_grad
    np.testing.assert_allclose(y.numpy(), [2.0, 4.0])
    z = (x * y).sum()  # y acts as a constant
    np.testing.assert_allclose(s.backward(z)[x], [2.0, 4.0])
    assert tl.Session(no_grad=True).input([1.0], requires_grad=True).id is None


def test_parameter_used_twice_accumulates_and_updates_once():
    s = tl.Session()
    p = s.param([1.0, 2.0], name="w")
    a, b = s.use(p), s.use(p)
    assert a.id != b.id
    loss = (a * b).sum()  # d/dp (p*p) = 2p
    s.backward(loss)
    np.testing.assert_allclose(p.grad, [2.0, 4.0])
    s.sgd_step(0.5)
    np.testing.assert_allclose(p.value, [0.0, 0.0])  # one update with the summed gradient


def test_param_grad_accumulates_like_pytorch_and_zero_grad_clears():
    s = tl.Session()
    p = s.param([3.0])
    for _ in range(2):
        s.reset()
        s.backward((s.use(p) * 2.0).sum())
    np.testing.assert_allclose(p.grad, [4.0])
    p.zero_grad()
    assert p.grad is None


def test_sgd_step_skips_frozen_parameters():
    s = tl.Session()
    w = s.param([1.0], requires_grad=True)
    f = s.param([1.0], requires_grad=False)
    loss = (s.use(w) * s.use(f)).sum()
    s.backward(loss)
    s.sgd_step(0.1)
    np.testing.assert_allclose(w.value, [0.9])
    np.testing.assert_allclose(f.value, [1.0])
    assert f.grad is None


def test_reset_invalidates_refs_but_keeps_params_and_counter():
    s = tl.Session()
    p = s.param(np.ones(2))
    x = s.use(p)
    s.rng_counter = 7
    s.reset()
    assert len(s) == 0 and s.rng_counter == 7
    with pytest.raises(tl.InvalidRefError, match="stale"):
        x + 1.0
    with pytest.raises(tl.InvalidRefError):
        s.value(x)
    assert s.use(p).id == 0


def test_refs_of_another_session_are_rejected():
    a, b = tl.Session(), tl.Session()
    x = a.input([1.0])
    with pytest.raises(tl.InvalidRefError, match="another session"):
        b.relu(x)
    with pytest.raises(tl.TorchLeanError, match="expected a TensorRef"):
        b.relu(np.ones(2))


def test_value_returns_a_host_copy():
    s = tl.Session()
    x = s.input([1.0, 2.0])
    v = s.value(x)
    v[0] = 100.0
    np.testing.assert_allclose(s.value(x), [1.0, 2.0])


def test_default_dtype_is_float32_and_float64_sessions_work():
    s = tl.Session()
    assert s.input([1.0]).dtype == np.float32
    assert s.input(np.arange(3)).dtype == np.int64
    assert s.param(np.ones(2, np.float64)).dtype == np.float32
    d = tl.Session(dtype=np.float64)
    x = d.input([1.0], requires_grad=True)
    assert (x * 2.0).dtype == np.float64
    assert d.backward((x * x).sum())[x].dtype == np.float64


def test_mixed_float_dtypes_are_an_error_naming_the_op():
    s = tl.Session()
    a = s.input([1.0], dtype=np.float32)
    b = s.input([1.0], dtype=np.float64)
    with pytest.raises(tl.DTypeError, match=r"mul: .*float32 and float64"):
        a * b


def test_nat_store_get_set_and_bounds():
    s = tl.Session()
    i = s.nat(3)
    v = s.nat_vec([0, 2, 1])
    assert s.get_nat(i) == 3 and s.get_nat_vec(v) == [0, 2, 1]
    s.set_nat(i, 4)
    s.set_nat_vec(v, [1, 1, 1])
    assert s.get_nat(i) == 4 and s.get_nat_vec(v) == [1, 1, 1]
    with pytest.raises(tl.ShapeError):
        s.set_nat_vec(v, [1, 2])
    with pytest.raises(tl.TorchLeanError):
        s.nat(-1)
    s.reset()
    with pytest.raises(tl.InvalidRefError):
        s.get_nat(i)


def test_jvp_of_a_tape_matches_the_analytic_derivative():
    s = tl.Session(dtype=np.float64)
    x = s.input([0.3, -1.2], requires_grad=True)
    y = (x.tanh() * x).sum()
    t = np.array([1.0, 2.0])
    xv = np.array([0.3, -1.2])
    expected = np.sum((np.tanh(xv) + xv * (1 - np.tanh(xv) ** 2)) * t)
    assert float(s.jvp(y, {x: t})) == pytest.approx(expected)


def test_int_entries_have_no_gradient():
    s = tl.Session()
    labels = s.input(np.array([0, 1]))
    logits = s.input(np.zeros((2, 3)), requires_grad=True)
    grads = s.backward(s.cross_entropy(logits, labels))
    with pytest.raises(tl.NotDifferentiableError):
        grads[labels]
    with pytest.raises(tl.DTypeError):
        s.input(np.array([1, 2]), requires_grad=True)


def test_operators_and_methods_follow_pytorch():
    s = tl.Session(dtype=np.float64)
    a = s.input(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose((2.0 - a).numpy(), 2.0 - a.numpy())
    np.testing.assert_allclose((2.0 / a).numpy(), 2.0 / a.numpy())
    np.testing.assert_allclose((a ** 3).numpy(), a.numpy() ** 3)
    np.testing.assert_allclose((a @ a).numpy(), a.numpy() @ a.numpy())
    np.testing.assert_allclose(a.T.numpy(), a.numpy().T)
    np.testing.assert_allclose(a.sum(dim=0).numpy(), [4.0, 6.0])
    np.testing.assert_allclose(a.mean(1, keepdim=True).numpy(), [[1.5], [3.5]])
    np.testing.assert_allclose(a.reshape(4).numpy(), [1, 2, 3, 4])
    np.testing.assert_allclose((a * np.float64(2.0)).numpy(), 2 * a.numpy())
    assert a.shape == (2, 2) and a.size(0) == 2 and a.numel() == 4 and len(a) == 2
    assert s.sum(a).item() == 10.0
