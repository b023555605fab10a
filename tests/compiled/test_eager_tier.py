"""A very large compiled function runs its first calls on the eager interpreter, then lowers
(compiled/eager_tier.py): the switch count, the outputs' contract (fresh arrays, zeros for
unreached inputs), the random stream, grad mode, and a failed call changing nothing.
The per-op equality of the two tiers is in test_sweep_modes.py."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean._core.errors import ShapeError
from torchlean.compiled.api import compile_out, compile_scalar
from torchlean.compiled.config import compile_options, current_options

from .helpers import bitwise_equal

CPU = ("grad", tl.Device.CPU)


def chain(n):
    def f(ops, x, w):
        y = x
        for _ in range(n):
            y = ops.tanh(y * w)
        return ops.sum(y)
    return f


ARGS = [np.array([0.3, -1.2, 2.0]), np.array([0.9, 1.1, -0.7])]


def test_a_graph_above_the_threshold_starts_eager_and_lowers_after_eager_calls():
    n = current_options().eager_above // 2 + 1  # two equations per link: just above the threshold
    c = compile_scalar(chain(n), ARGS, tl.Options(dtype=np.float64))
    assert len(c.graph.eqns) > current_options().eager_above
    results = []
    for i in range(current_options().eager_calls + 2):
        results.append(c.value_and_grad(*ARGS))
        assert (CPU in c._exes) == (i >= current_options().eager_calls)
    assert "grad" in c._graphs  # built only at the switch
    first, last = results[0], results[-1]
    assert bitwise_equal(first[0], last[0])
    assert all(bitwise_equal(a, b) for a, b in zip(first[1], last[1]))


def test_a_small_graph_is_lowered_on_its_first_call():
    c = compile_scalar(chain(3), ARGS, tl.Options(dtype=np.float64))
    c.value_and_grad(*ARGS)
    assert CPU in c._exes


def test_outputs_never_alias_inputs_constants_or_the_seed():
    x = np.arange(6.0).reshape(2, 3)
    seed = np.ones(6)
    with compile_options(eager_above=0):
        c = compile_out(lambda ops, x: ops.reshape(x, (6,)), [x], tl.Options(dtype=np.float64))
        value = c(x)
        (g,) = c.vjp_with_seed([x], seed)
        k = compile_out(lambda ops, x: ops.const(np.array([1.0, 2.0])) + 0.0 * ops.sum(x), [x],
                        tl.Options(dtype=np.float64))
        kv = k(x)
    assert not c._exes and not k._exes  # both ran on the eager tier
    assert not np.shares_memory(value, x) and not np.shares_memory(g, seed)
    assert np.array_equal(value, x.ravel()) and np.array_equal(g, seed.reshape(2, 3))
    kv[0] = 99.0  # the caller may write to an output; the graph's constant is untouched
    with compile_options(eager_above=0):
        assert np.array_equal(k(x), [1.0, 2.0])


def test_an_input_the_gradient_does_not_reach_gets_zeros():
    def f(ops, x, y):
        return ops.sum(ops.exp(x))

    x, y = np.array([0.5, 1.0]), np.ones((2, 2))
    with compile_options(eager_above=0):
        c = compile_scalar(f, [x, y], tl.Options(dtype=np.float64))
        _, (gx, gy) = c.value_and_grad(x, y)
    assert np.array_equal(gx, np.exp(x)) and gy.shape == (2, 2) and not gy.any()


def test_the_eager_tier_ignores_the_global_grad_mode():
    with compile_options(eager_above=0):
        c = compile_scalar(chain(2), ARGS, tl.Options(dtype=np.float64))
        with tl.no_grad():
            v, g = c.value_and_grad(*ARGS)
        lowered = compile_scalar(chain(2), ARGS, tl.Options(dtype=np.float64))
    with compile_options(eager_calls=0):
        lv, lg = lowered.value_and_grad(*ARGS)
    assert not c._exes and CPU in lowered._exes
    assert bitwise_equal(v, lv) and all(bitwise_equal(a, b) for a, b in zip(g, lg))


def test_random_ops_read_the_same_stream_on_both_tiers():
    def f(ops, x):
        return ops.sum(ops.dropout(x, 0.5, True))

    x = np.linspace(1.0, 2.0, 64)
    outs = {}
    for calls in (3, 0):
        with compile_options(eager_above=0, eager_calls=calls):
            c = compile_scalar(f, [x], tl.Options(dtype=np.float64, seed=7))
            outs[calls] = [c.value_and_grad(x) for _ in range(3)]
        assert c.rng_counter == 3
    for (a, ga), (b, gb) in zip(outs[3], outs[0]):
        assert bitwise_equal(a, b) and bitwise_equal(ga[0], gb[0])
    assert not bitwise_equal(outs[0][0][0], outs[0][1][0])  # the stream advanced per call


def test_a_failed_call_changes_nothing():
    with compile_options(eager_above=0, eager_calls=2):
        c = compile_scalar(chain(2), ARGS, tl.Options(dtype=np.float64))
        with pytest.raises(ShapeError, match="shape"):
            c.value_and_grad(np.ones(4), ARGS[1])
        assert c._eager_calls.get("grad", 0) == 0 and c.rng_counter == 0
        c.value_and_grad(*ARGS)
        c.value_and_grad(*ARGS)
        assert not c._exes
        c.value_and_grad(*ARGS)
        assert CPU in c._exes


# -- tl.compile: the first calls of a very large graph replay on the calling session ----------
def _model_step(eager_calls, seed=0):
    """One training-mode call of a small module through tl.compile (BatchNorm's buffer update,
    dropout's random stream), forced onto the replay tier or lowered; (loss, grads, running mean,
    input grad, entry)."""
    model = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.BatchNorm1d(4), tl.nn.Dropout(0.3), tl.nn.ReLU())
    for i, p in enumerate(model.parameters()):
        p.set_value(np.linspace(-1.0, 1.0, p.numel()).reshape(p.shape) * (i + 1) / 3)
    s = tl.Session(seed=seed)  # float32, as the module; no transcendental op, so fused bits equal NumPy's
    x = s.input(np.linspace(-2.0, 2.0, 15).reshape(5, 3), requires_grad=True)
    fn = tl.compile(model)
    with compile_options(eager_above=0, eager_calls=eager_calls):
        loss = (fn(x) ** 2).sum()
    loss.backward()
    entry = next(iter(fn._cache.values()))
    return (loss.numpy(), [np.asarray(p.grad) for p in model.parameters()],
            np.asarray(model[1].running_mean.value), np.asarray(x.grad), entry, s)


def test_tl_compile_replays_on_the_session_with_the_lowered_bits():
    loss, grads, mean, xg, entry, s = _model_step(eager_calls=1)
    assert not entry.exes and entry.replays_left == 0  # replayed, and the next call lowers
    assert s.rng_counter == 1
    lloss, lgrads, lmean, lxg, lentry, _ = _model_step(eager_calls=0)
    assert lentry.exes
    assert bitwise_equal(loss, lloss) and bitwise_equal(mean, lmean) and bitwise_equal(xg, lxg)
    assert all(bitwise_equal(a, b) for a, b in zip(grads, lgrads))


def test_a_failed_replay_leaves_the_session_as_it_was():
    def f(logits, labels):
        return tl.nn.functional.cross_entropy(logits.tanh(), labels)

    s = tl.Session(dtype=np.float64)
    logits = s.input(np.zeros((2, 3)), requires_grad=True)
    fn = tl.compile(f)
    with compile_options(eager_above=0, eager_calls=3):
        fn(logits, s.input(np.array([0, 2])))
        before = (len(s.tape.nodes), s.rng_counter)
        with pytest.raises(tl.TorchLeanError, match="cross_entropy"):
            fn(logits, s.input(np.array([0, 7])))  # a label out of range: the kernel refuses it
        assert (len(s.tape.nodes), s.rng_counter) == (before[0] + 1, before[1])  # only the new input
        assert next(iter(fn._cache.values())).replays_left == 2
