"""The memory-planned executor: fixed reused buffers, out-variant kernels, never-aliased outputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import torchlean as tl
from torchlean.backends import get_backend
from torchlean.compiled.api import compile_scalar
from torchlean.compiled.config import compile_options
from torchlean.compiled.facts import record
from torchlean.compiled.plan import BUFFER, FRESH, RUNTIME, STATIC

from .helpers import bitwise_equal, multi, prim

RNG = np.random.default_rng(0)


def mlp_loss(ops, w1, b1, w2, b2, x, y):
    h = ops.relu(ops.linear(w1, b1, x))
    return ops.mse_loss(ops.linear(w2, b2, h), y)


def mlp_args(dtype=np.float64, n=16, d=8, h=12, o=3):
    shapes = [(h, d), (h,), (o, h), (o,), (n, d), (n, o)]
    return [RNG.standard_normal(s).astype(dtype) for s in shapes]


def grad_exe(options, dtype=np.float64):
    args = mlp_args(dtype)
    with compile_options(**options):
        c = compile_scalar(mlp_loss, args, tl.Options(dtype=dtype))
        c.value_and_grad(*args)
    return c, args, c._exes[("grad", tl.Device.CPU)]


def eager_value_and_grad(args):
    s = tl.Session(dtype=args[0].dtype)
    refs = [s.input(a, requires_grad=True) for a in args]
    loss = mlp_loss(s, *refs)
    grads = s.backward(loss)
    return s.value(loss), [grads[r] for r in refs]


@pytest.mark.parametrize("fusion", [False, True])
def test_buffers_are_made_once_reused_and_keep_their_addresses(fusion):
    c, _args, exe = grad_exe({"fusion": fusion})
    sch = exe.schedule
    addresses = [b.array.ctypes.data for b in sch.buffers]
    statics = dict(sch.static)
    for _ in range(3):
        c.value_and_grad(*mlp_args())
    assert exe.schedule is sch and len(exe.plans) == 1
    assert [b.array.ctypes.data for b in sch.buffers] == addresses
    assert all(sch.static[k] is v for k, v in statics.items())
    planned = sum(len(b.values) for b in sch.buffers)
    assert len(sch.buffers) < planned  # dead values' buffers are taken by later ones


@pytest.mark.parametrize("fusion", [False, True])
def test_planned_step_equals_eager_bitwise(fusion):
    c, args, _ = grad_exe({"fusion": fusion})
    for _ in range(2):
        args = mlp_args()
        value, grads = c.value_and_grad(*args)
        ev, eg = eager_value_and_grad(args)
        assert bitwise_equal(value, ev)
        for g, e in zip(grads, eg):
            assert bitwise_equal(g, e)


def test_out_variant_kernels_write_into_buffers_and_plain_ones_still_run():
    def f(ops, w, b, x):  # log_softmax has no out-variant: its own result is used
        return ops.sum(ops.mul(ops.log_softmax(ops.relu(ops.linear(w, b, x))), ops.tanh(ops.linear(w, b, x))))

    args = [RNG.standard_normal((5, 4)), RNG.standard_normal(5), RNG.standard_normal((7, 4))]
    with compile_options(fusion=False):
        c = compile_scalar(f, args, tl.Options(dtype=np.float64))
        value, grads = c.value_and_grad(*args)
    sch = c._exes[("grad", tl.Device.CPU)].schedule
    ops = {(st.op, st.label) for st in sch.steps}
    assert ("out", "linear") in ops and ("out", "relu") in ops and ("call", "log_softmax") in ops
    s = tl.Session(dtype=np.float64)
    refs = [s.input(a, requires_grad=True) for a in args]
    loss = f(s, *refs)
    eg = s.backward(loss)
    assert bitwise_equal(value, s.value(loss))
    assert all(bitwise_equal(g, eg[r]) for g, r in zip(grads, refs))


@pytest.mark.parametrize("zshape", [(7, 5), (5,)])
def test_cross_entropy_and_its_gradient_run_as_one_kernel(zshape):
    def f(ops, w, b, x, labels):
        return ops.cross_entropy(ops.linear(w, b, x), labels)

    n = zshape[0] if len(zshape) == 2 else None
    x = RNG.standard_normal((n, 4) if n else (4,))
    labels = np.array([0, 4, -100, -100, 2, 3, 1]) if n else np.array(3)
    args = [RNG.standard_normal((5, 4)), RNG.standard_normal(5), x, labels]
    with compile_options(fusion=False):
        c = compile_scalar(f, args, tl.Options(dtype=np.float64), wrt=[True, True, True, False])
        value, grads = c.value_and_grad(*args)
    steps = [st.label for st in c._exes[("grad", tl.Device.CPU)].schedule.steps]
    assert "cross_entropy+grad" in steps and "cross_entropy" not in steps
    s = tl.Session(dtype=np.float64)
    refs = [s.input(a, requires_grad=True) for a in args[:3]]
    loss = f(s, *refs, s.input(labels))
    eg = s.backward(loss)
    assert bitwise_equal(value, s.value(loss))  # rows labelled -100 are ignored: no gradient rows
    assert all(bitwise_equal(g, eg[r]) for g, r in zip(grads, refs))


def _aliasing_model(ops, x, y):
    t = ops.tanh(y)
    return (ops.detach(x), prim(ops, "reshape", x, shape=(6, 2)), prim(ops, "transpose", x, perm=(1, 0)),
            prim(ops, "slice", x, axis=0, start=1, stop=3), x, ops.const(np.ones(3)), t,
            prim(ops, "reshape", t, shape=(12,)), t, prim(ops, "transpose", t, perm=(1, 0)))


@pytest.mark.parametrize("options", [{}, {"fusion": False, "passes": ()}, {"persistent_outputs": True}])
def test_outputs_never_alias_inputs_constants_buffers_or_each_other(options):
    x, y = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    outs, exe = multi(_aliasing_model, [x, y], 10, **options)
    outs = exe.run(x, y)  # a second (planned) call
    sch = exe.schedule
    fixed = [b.array for b in sch.buffers] + list(sch.static.values())
    for o in outs:
        assert not np.shares_memory(o, x) and not np.shares_memory(o, y)
        assert not any(np.shares_memory(o, a) for a in fixed)
    for a, b in itertools.combinations(outs, 2):
        assert not np.shares_memory(a, b)
    np.testing.assert_array_equal(outs[1], x.reshape(6, 2))
    np.testing.assert_array_equal(outs[9], np.tanh(y).T)


def test_returned_arrays_survive_later_calls():
    c, _, _ = grad_exe({})
    a1 = mlp_args()
    _v1, g1 = c.value_and_grad(*a1)
    keep = [np.copy(g) for g in g1]
    c.value_and_grad(*mlp_args())
    assert all(bitwise_equal(g, k) for g, k in zip(g1, keep))


def test_each_input_layout_gets_its_own_plan_equal_to_the_plain_kernels():
    def f(ops, w, b, x):
        return ops.reduce_sum(ops.tanh(ops.linear(w, b, x)), 0)

    w, b, x = RNG.standard_normal((5, 4)), RNG.standard_normal(5), RNG.standard_normal((7, 4))
    outs_c, exe = multi(f, [w, b, x], 1, fusion=False)
    xf = np.asfortranarray(x)
    outs_f = exe.run(w, b, xf)
    assert len(exe.plans) == 2
    for xin, out in ((x, outs_c), (xf, outs_f)):
        _, ref = record(exe.static_graph, get_backend(tl.Device.CPU), exe.consts, [w, b, xin])
        assert bitwise_equal(out[0], ref[0])


def test_interpreter_and_generated_code_run_the_same_schedule():
    args = mlp_args()
    results = []
    for limit in (0, 10_000):
        with compile_options(interpret_above=limit, fusion=False):
            c = compile_scalar(mlp_loss, args, tl.Options(dtype=np.float64))
            v, g = c.value_and_grad(*args)
            v, g = c.value_and_grad(*args)
        results.append([v, *g])
        exe = c._exes[("grad", tl.Device.CPU)]
        assert (exe.source == "") == (limit == 0)
    assert all(bitwise_equal(a, b) for a, b in zip(*results))


def test_persistent_outputs_are_computed_into_buffers_and_copied_out():
    with compile_options(persistent_outputs=True, fusion=False):
        c, args, exe = grad_exe({"persistent_outputs": True, "fusion": False})
    sch = exe.schedule
    copies = [st for st in sch.steps if st.op == "copy"]
    assert len(copies) == len(sch.output_slots)
    assert not any(st.fresh for st in sch.steps)  # nothing is allocated inside the replayed steps
    assert sch.allocating_steps() == copies  # every kernel writes into a fixed buffer: capturable
    value, grads = c.value_and_grad(*args)
    ev, eg = eager_value_and_grad(args)
    assert bitwise_equal(value, ev) and all(bitwise_equal(g, e) for g, e in zip(grads, eg))


def test_views_of_fixed_arrays_are_made_once():
    def f(ops, x):
        t = ops.exp(x)
        return ops.matmul(prim(ops, "transpose", t, perm=(1, 0)), x)

    x = RNG.standard_normal((4, 3))
    _, exe = multi(f, [x], 1, fusion=False)
    sch = exe.schedule
    kinds = {sch.var[s].id: sch.kind[s] for s in range(len(sch.kind)) if sch.var[s] is not None}
    t_view = [st for st in sch.steps if st.label == "transpose"]
    assert not t_view  # no runtime step: the view of the buffer is static
    assert STATIC in kinds.values() and BUFFER in kinds.values()
    assert RUNTIME not in kinds.values() and FRESH in kinds.values()


def test_elementwise_chains_reuse_one_buffer_in_place():
    def f(ops, x):
        return ops.sum(ops.tanh(ops.exp(ops.neg(ops.sqrt(x)))))

    x = RNG.random(50)
    outs, exe = multi(f, [x], 1, fusion=False)
    sch = exe.schedule
    assert len(sch.buffers) == 1 and len(sch.buffers[0].values) == 4
    assert bitwise_equal(outs[0], np.tanh(np.exp(-np.sqrt(x))).sum())
    text = str(sch)
    assert "buffer 0" in text and "return" in text and "tanh" in text


def test_a_dead_value_s_buffer_is_taken_by_a_later_value():
    def f(ops, x):
        a = ops.matmul(x, x)  # matmul never works in place: reuse comes from the free pool
        b = ops.matmul(a, x)
        c = ops.matmul(b, x)
        return ops.matmul(c, x)

    x = RNG.standard_normal((6, 6))
    _outs, exe = multi(f, [x], 1, fusion=False)
    sch = exe.schedule
    assert len(sch.buffers) == 2
    assert sorted(len(b.values) for b in sch.buffers) == [1, 2]
    assert bitwise_equal(exe.run(x)[0], x @ x @ x @ x @ x)


def test_threads_running_one_compiled_function_get_their_own_buffers():
    import threading

    def f(ops, x):  # large products: NumPy releases the GIL, so the threads really overlap
        return ops.sum(ops.tanh(ops.matmul(ops.matmul(x, x), x)))

    xs = [RNG.standard_normal((160, 160)) / 10 for _ in range(3)]
    with compile_options(fusion=False):
        c = compile_scalar(f, [xs[0]], tl.Options(dtype=np.float64))
        expected = [c.value_and_grad(x) for x in xs]
    wrong = []

    def work(i):
        for _ in range(40):
            v, (g,) = c.value_and_grad(xs[i])
            if not (bitwise_equal(v, expected[i][0]) and bitwise_equal(g, expected[i][1][0])):
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
    assert len(c._exes[("grad", tl.Device.CPU)].plans) == 1  # the other threads planned privately


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 10), (3, 7), (6,)])
def test_the_paired_cross_entropy_kernel_equals_both_kernels(shape, dtype):
    from torchlean._core.registry import REGISTRY
    from torchlean.ops.loss import ce_and_grad_impl

    for seed in range(5):
        rng = np.random.default_rng(seed)
        z = (rng.standard_normal(shape) * 5).astype(dtype)
        labels = rng.integers(0, shape[-1], shape[:-1])
        ignored = np.where(rng.random(shape[:-1]) < 0.3, -100, labels) if seed % 2 else labels
        for lab, kw in [(labels, {}), (ignored, {}), (labels, {"ignore_index": 1}), (ignored * 0 - 100, {})]:
            loss, grad = np.empty((), dtype), np.empty(shape, dtype)
            with np.errstate(all="raise"):
                ce_and_grad_impl(np, loss, grad, z, lab, **kw)
            assert bitwise_equal(loss, REGISTRY["cross_entropy"].impl(np, z, lab, **kw))
            assert bitwise_equal(grad, REGISTRY["cross_entropy_grad"].impl(np, z, lab, **kw))
