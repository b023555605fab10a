"""The compiled path: tracing once, typed graphs, signature guards, derivative graphs."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.compiled.api import compile_out, compile_scalar
from torchlean.compiled.ir import typecheck


def mlp(ops, w, b, x):
    return ops.sum(ops.tanh(ops.linear(w, b, x)))


def test_shape_errors_surface_at_compile_time_with_the_user_line():
    def model(ops, w, x):
        h = ops.matmul(x, w)  # (2, 3) @ (4, 5): inner dims differ
        return ops.sum(h)

    with pytest.raises(tl.ShapeError) as err:
        compile_scalar(model, [(4, 5), (2, 3)])
    msg = str(err.value)
    assert "matmul" in msg and "(2, 3)" in msg and "(4, 5)" in msg
    assert "test_compiled.py" in msg and "h = ops.matmul(x, w)" in msg


def test_the_traced_function_runs_exactly_once():
    calls = []

    def f(ops, w, b, x):
        calls.append(1)
        return mlp(ops, w, b, x)

    c = compile_scalar(f, [(3, 4), (3,), (5, 4)])
    rng = np.random.default_rng(0)
    for _ in range(100):
        args = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (3,), (5, 4)]]
        c.forward(*args)
        c.backward(*args)
    c.jvp(args, [np.ones((3, 4), np.float32), np.ones(3, np.float32), np.ones((5, 4), np.float32)])
    c.hvp(args, [np.ones((3, 4), np.float32), np.ones(3, np.float32), np.ones((5, 4), np.float32)])
    with pytest.raises(tl.ShapeError, match=r"jvp: tangent must have shape \(3,\)"):
        c.jvp(args, [np.ones((3, 4)), np.ones(4), np.ones((5, 4))])
    assert len(calls) == 1


def test_compiled_matches_eager_on_a_model():
    rng = np.random.default_rng(1)
    w, b, x = (rng.standard_normal(s) for s in [(3, 4), (3,), (5, 4)])
    c = compile_scalar(mlp, [w, b, x], tl.Options(dtype=np.float64))
    s = tl.Session(dtype=np.float64)
    refs = [s.input(a, requires_grad=True) for a in (w, b, x)]
    out = mlp(s, *refs)
    grads = s.backward(out)
    value, cgrads = c.value_and_grad(w, b, x)
    assert float(value) == pytest.approx(float(s.value(out)), rel=1e-14)
    for r, g in zip(refs, cgrads):
        np.testing.assert_allclose(g, grads[r], rtol=1e-13)


def test_input_signature_is_guarded():
    c = compile_scalar(mlp, [(3, 4), (3,), (5, 4)])
    good = [np.zeros((3, 4), np.float32), np.zeros(3, np.float32), np.zeros((5, 4), np.float32)]
    with pytest.raises(tl.ShapeError, match=r"input 2 must have shape \(5, 4\)"):
        c.forward(*good[:2], np.zeros((6, 4), np.float32))
    # float64 data is rounded into a float32 input, as Session.input does; nothing else changes type
    np.testing.assert_array_equal(c.forward(np.zeros((3, 4)), *good[1:]), c.forward(*good))
    with pytest.raises(tl.DTypeError, match="input 0: expected numeric data"):
        c.forward(np.array([["a"] * 4] * 3), *good[1:])
    with pytest.raises(tl.TorchLeanError, match="takes 3 inputs"):
        c.forward(*good[:2])


def test_graphs_print_and_typecheck():
    c = compile_scalar(mlp, [(3, 4), (3,), (5, 4)])
    text = str(c.graph)
    assert "linear(" in text and "tanh(" in text and "float32[5,3]" in text
    for kind in ("forward", "grad", "vjp", "jvp", "hvp"):
        typecheck(c.graph_of(kind))
    assert "tanh" in str(c.graph_of("grad"))


def test_non_float_inputs_get_no_gradient():
    def loss(ops, z, labels):
        return ops.cross_entropy(z, labels)

    c = compile_scalar(loss, [(4, 3), ((4,), np.int64)])
    z = np.zeros((4, 3), np.float32)
    grads = c.backward(z, np.array([0, 1, 2, 0]))
    assert grads[1] is None and grads[0].shape == (4, 3)


def test_hvp_is_a_graph_of_a_graph_and_matches_the_analytic_hessian():
    def f(ops, x):
        return ops.sum(ops.mul(ops.mul(x, x), x))  # sum x^3: H = diag(6x)

    c = compile_scalar(f, [((3,), np.float64)], tl.Options(dtype=np.float64))
    x, v = np.array([1.0, -2.0, 0.5]), np.array([1.0, 1.0, 2.0])
    np.testing.assert_allclose(c.hvp([x], [v])[0], 6 * x * v)


def test_jvp_and_vjp_with_seed_of_a_tensor_output():
    def f(ops, a):
        return ops.softmax(a)

    c = compile_out(f, [((4,), np.float64)], tl.Options(dtype=np.float64))
    a = np.array([0.1, 0.5, -1.0, 2.0])
    t = np.array([1.0, 0.0, 0.0, 0.0])
    jt = c.jvp([a], [t])
    g = c.vjp_with_seed([a], t)[0]
    np.testing.assert_allclose(jt, g)  # the softmax Jacobian is symmetric


def test_random_streams_agree_between_eager_and_compiled():
    def f(ops, x):
        return ops.mul(x, ops.rand_uniform((5,)))

    c = compile_out(f, [(5,)], tl.Options(seed=9))
    s = tl.Session(seed=9)
    x = np.ones(5, np.float32)
    for _ in range(3):
        np.testing.assert_array_equal(c.forward(x), s.value(f(s, s.input(x))))
    assert c.rng_counter == s.rng_counter == 3


def test_intermediates_live_in_reused_preallocated_buffers():
    from torchlean.compiled.config import compile_options

    with compile_options(fusion=False):
        c = compile_scalar(mlp, [(3, 4), (3,), (5, 4)])
        c.backward(np.zeros((3, 4), np.float32), np.zeros(3, np.float32), np.zeros((5, 4), np.float32))
    sch = c._exes[("grad", tl.Device.CPU)].schedule
    planned = sum(len(b.values) for b in sch.buffers)
    assert planned >= 3 and len(sch.buffers) < planned  # several values share one buffer
    assert "buffer 0" in str(sch)


def test_returning_a_non_scalar_from_compile_scalar_is_an_error():
    with pytest.raises(tl.ShapeError, match="not a float scalar"):
        compile_scalar(lambda ops, x: ops.tanh(x), [(3,)])
