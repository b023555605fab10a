"""Graph passes, one at a time: what each removes or rewrites, shown in the printed graph,
and that the result stays bitwise equal to eager (or to the plain kernels, layout included)."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean.backends import get_backend
from torchlean.compiled import passes
from torchlean.compiled.config import ALL_PASSES
from torchlean.compiled.facts import record
from torchlean.compiled.trace import trace

from .helpers import RawGraph, bitwise_equal, multi

RNG = np.random.default_rng(3)
CPU = get_backend(tl.Device.CPU)


def graph_of(fn, arrays):
    return trace(fn, arrays, arrays[0].dtype)[0]


def names(g) -> list[str]:
    return [e.prim.name for e in g.eqns]


def eager(fn, arrays):
    s = tl.Session(dtype=arrays[0].dtype)
    out = fn(s, *[s.input(a) for a in arrays])
    return [s.value(o) for o in (out if isinstance(out, tuple) else (out,))]


def test_dce_drops_what_no_output_needs():
    def f(ops, x):
        ops.exp(x)  # dead
        return ops.tanh(x)

    g = graph_of(f, [RNG.standard_normal(3)])
    g.eqns = list(g.eqns)
    stats: dict[str, int] = {}
    h = passes.dce(g, stats)
    assert names(g) == ["exp", "tanh"] or "exp" in names(g)
    assert names(h) == ["tanh"] and stats["dce"] >= 1
    assert "exp" not in str(h) and "exp" in str(g)  # the input graph is left untouched


def test_cse_merges_equal_equations_but_not_equal_looking_params():
    def f(ops, x):
        a = ops.add(ops.tanh(x), ops.tanh(x))
        return ops.add(ops.add(a, ops.scale(x, 0.0)), ops.scale(x, -0.0))

    x = RNG.standard_normal(4)
    g = graph_of(f, [x])
    stats: dict[str, int] = {}
    h = passes.cse(g, stats)
    assert names(g).count("tanh") == 2 and names(h).count("tanh") == 1
    assert names(h).count("scale") == 2  # 0.0 and -0.0 are different scalars (sign of zero)
    assert stats["cse"] == 1
    outs, exe = multi(f, [x], 1, passes=ALL_PASSES)
    assert bitwise_equal(outs[0], eager(f, [x])[0])
    assert exe.last_plan.stats["cse"] == 1


def test_cse_merges_equal_small_constants():
    def f(ops, x):
        return ops.add(ops.mul(x, ops.const(np.full(3, 2.0))), ops.mul(x, ops.const(np.full(3, 2.0))))

    g = graph_of(f, [RNG.standard_normal(3)])
    h = passes.cse(g)
    assert len(g.consts) == 2 and len(h.consts) == 1 and names(h).count("mul") == 1


def test_fold_evaluates_constant_equations_with_the_backend_kernels():
    c = RNG.standard_normal((3, 3))

    def f(ops, x):
        k = ops.exp(ops.matmul(ops.const(c), ops.const(c)))
        return ops.mul(x, k)

    x = RNG.standard_normal((3, 3))
    g = graph_of(f, [x])
    stats: dict[str, int] = {}
    h = passes.fold(g, CPU, stats)
    assert names(h) == ["mul"] and stats["fold"] == 2
    assert bitwise_equal(h.consts[g.eqns[1].out], np.exp(c @ c))
    outs, _ = multi(f, [x], 1)
    assert bitwise_equal(outs[0], eager(f, [x])[0])


def test_fold_skips_views_and_results_larger_than_their_constants():
    col, row = RNG.standard_normal((64, 1)), RNG.standard_normal((1, 64))

    def f(ops, x):
        outer = ops.matmul(ops.const(col), ops.const(row))  # 4096 entries from 128
        return ops.add(x, ops.add(outer, ops.broadcast_to(ops.const(row), (64, 64))))

    g = graph_of(f, [RNG.standard_normal((64, 64))])
    h = passes.fold(g, CPU)
    assert names(h) == names(g)


def _simplified(build, arrays):
    """Outputs and optimised graph with every pass, and outputs with none (fusion off)."""
    results = []
    for options in ({"fusion": False, "passes": ALL_PASSES}, {"fusion": False, "passes": ()}):
        r = RawGraph()
        ins = [r.input(a.shape, a.dtype) for a in arrays]
        outs = build(r, *ins)
        exe = r.executable(*(outs if isinstance(outs, tuple) else (outs,)), **options)
        exe.run(*arrays)
        results.append((exe.run(*arrays), exe.last_plan))
    (on, plan), (off, _) = results
    return on, off, plan


def _t(r, x):
    return r("tanh", x)


SIMPLIFY_CASES = {
    "x*1": (lambda r, x: _t(r, r("mul", _t(r, x), r.const(np.ones((4, 3))))), "mul"),
    "1*x": (lambda r, x: _t(r, r("mul", r.const(np.ones((4, 3))), _t(r, x))), "mul"),
    "x*broadcast(1)": (lambda r, x: _t(r, r("mul", _t(r, x), r("broadcast_to", r.const(1.0), shape=(4, 3),
                                                            axes=()))), "mul"),
    "x/1": (lambda r, x: _t(r, r("div", _t(r, x), r.const(np.ones((4, 3))))), "div"),
    "scale 1": (lambda r, x: _t(r, r("scale", _t(r, x), c=1.0)), "scale"),
    "x-0": (lambda r, x: _t(r, r("sub", _t(r, x), r.const(np.zeros((4, 3))))), "sub"),
    "x+(-0)": (lambda r, x: _t(r, r("add", _t(r, x), r.const(np.full((4, 3), -0.0)))), "add"),
    "add_scalar -0": (lambda r, x: _t(r, r("add_scalar", _t(r, x), c=-0.0)), "add_scalar"),
    "neg neg": (lambda r, x: _t(r, r("neg", r("neg", _t(r, x)))), "neg"),
    "detach": (lambda r, x: _t(r, r("detach", _t(r, x))), "detach"),
    "transpose twice": (lambda r, x: _t(r, r("transpose", r("transpose", _t(r, x), perm=(1, 0)),
                                             perm=(1, 0))), "transpose"),
    "identity views": (lambda r, x: _t(r, r("slice", r("reshape", r("transpose", r("broadcast_to", _t(r, x),
                       shape=(4, 3), axes=(0, 1)), perm=(0, 1)), shape=(4, 3)), axis=0, start=0, stop=4)),
                       "slice"),
}


@pytest.mark.parametrize("case", list(SIMPLIFY_CASES))
def test_simplify_removes_identities_bitwise(case):
    build, removed = SIMPLIFY_CASES[case]
    x = RNG.standard_normal((4, 3))
    x[0, 0] = -0.0
    on, off, plan = _simplified(build, [x])
    assert removed not in [e.prim.name for e in plan.graph.eqns]
    assert plan.stats["simplify"] >= 1
    assert bitwise_equal(on[0], off[0])


@pytest.mark.parametrize("name", ["add", "reduce_sum"])
def test_x_plus_zero_and_an_empty_sum_are_not_identities(name):
    x = np.array([-0.0, 1.0, -2.0])
    if name == "add":
        build = lambda r, x: r("add", x, r.const(np.zeros(3)))
    else:
        build = lambda r, x: r("reduce_sum", x, axes=())
    on, off, plan = _simplified(build, [x])
    assert name in [e.prim.name for e in plan.graph.eqns]
    assert not np.signbit(on[0][0]) and bitwise_equal(on[0], off[0])  # -0 + 0 = +0


def test_double_views_compose_into_one():
    def f(r, x, v):
        t = r("tanh", x)  # (2, 3, 4)
        a = r("transpose", r("transpose", t, perm=(1, 2, 0)), perm=(1, 0, 2))
        b = r("reshape", r("reshape", t, shape=(24,)), shape=(6, 4))
        c = r("slice", r("slice", t, axis=2, start=1, stop=4), axis=2, start=1, stop=3)
        d = r("broadcast_to", r("broadcast_to", v, shape=(3, 4), axes=(1,)), shape=(2, 3, 4), axes=(1, 2))
        return (r("reduce_sum", r("mul", a, a), axes=(0, 2)), r("reduce_sum", r("mul", b, b), axes=(0,)),
                r("tanh", c), r("reduce_sum", r("mul", d, t), axes=(1,)))

    x, v = RNG.standard_normal((2, 3, 4)), RNG.standard_normal(4)
    on, off, plan = _simplified(f, [x, v])
    text = str(plan.graph)
    assert text.count("transpose") == 1 and text.count("reshape") == 1
    assert text.count("slice[") == 1 and "start=2, stop=4" in text
    assert text.count("broadcast_to") == 1 and "axes=(2,)" in text
    assert all(bitwise_equal(a, b) for a, b in zip(on, off))


def test_a_replacement_with_another_layout_is_not_made():
    # mul(transpose(x), ones): NumPy lays the product out in C order, the transposed view is
    # in Fortran order; replacing one by the other would change the later reduction's order.
    def f(r, x):
        t = r("transpose", r("tanh", x), perm=(1, 0))
        return r("reduce_sum", r("mul", t, r.const(np.ones((3, 4)))), axes=(0,))

    x = RNG.standard_normal((4, 3))
    r = RawGraph()
    r.graph.outputs = [f(r, r.input((4, 3)))]
    g = r.graph
    facts, _ = record(g, CPU, dict(g.consts), [x])
    mul_out = next(e.out for e in g.eqns if e.prim.name == "mul")
    t_out = next(e.out for e in g.eqns if e.prim.name == "transpose")
    assert not facts[mul_out].same_layout(facts[t_out])
    h = passes.simplify(g, facts)
    assert "mul" in names(h)
    on, off, _ = _simplified(f, [x])
    assert bitwise_equal(on[0], off[0])
