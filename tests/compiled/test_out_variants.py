"""Every out-variant kernel (``Primitive.impl_out``) stores exactly what its kernel returns.

Checked on every equation of every op spec's traced graph (so on the shapes, params and
layouts the sweeps use), in float64 and float32, with ``out`` laid out like the kernel's own
result, as the memory plan allocates it. The single-ufunc forms the code generator emits
directly (``ops.elementwise.UFUNC_FORMS``) are checked against the out-variants too.
"""

from __future__ import annotations

import numpy as np
import pytest

from torchlean._core.registry import REGISTRY
from torchlean.compiled.facts import dense_perm, empty_like_layout
from torchlean.compiled.trace import trace
from torchlean.ops.elementwise import UFUNC_FORMS

from ..ops.cases import get, samples
from .helpers import bitwise_equal

WITH_OUT = sorted(name for name, p in REGISTRY.items() if p.impl_out is not None)


def _cases():
    from torchlean.testing.specs import ALL_SPECS

    out = []
    for spec in ALL_SPECS:
        for k, _ in enumerate(samples(spec)):
            out.append(pytest.param(spec.name, k, id=f"{spec.name}-{k}"))
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,k", _cases())
def test_out_variants_equal_their_kernels_on_the_sweep_graphs(name, k, dtype):
    spec, sample = get(name, k)
    arrays = [np.asarray(a) for a in sample.args]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    fn = lambda ops, *refs: spec.apply(ops, *refs, **sample.kwargs)
    graph, _ = trace(fn, arrays, dtype)
    env = dict(zip(graph.inputs, arrays))
    env.update(graph.consts)
    if len(graph.inputs) > len(arrays):  # the random-stream counter
        env[graph.inputs[-1]] = np.asarray(0, np.uint64)
    with np.errstate(all="ignore"):
        for e in graph.eqns:
            ins = [env[v] for v in e.inputs]
            r = e.prim.impl(np, *ins, **e.params)
            env[e.out] = r
            if e.prim.impl_out is None:
                continue
            r = np.asarray(r)
            out = empty_like_layout(np, r.shape, r.dtype, dense_perm(r.shape, r.strides, r.dtype.itemsize))
            e.prim.impl_out(np, out, *ins, **e.params)
            assert bitwise_equal(out, r), f"{e.prim.name} out-variant differs in {name}-{k}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(UFUNC_FORMS))
def test_ufunc_forms_equal_the_out_variants(name, dtype):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((3, 5)) * 3).astype(dtype), (rng.standard_normal((3, 5)) * 3).astype(dtype)
    a[0, :3] = [0.0, -0.0, np.inf]
    params = {"scale": {"c": -0.7}, "add_scalar": {"c": 0.3}, "power": {"p": 1.5}}.get(name, {})
    prim = REGISTRY[name]
    args = (a, b) if prim.nargs == 2 else (a,)
    ufunc_name, operands = UFUNC_FORMS[name]
    vals = iter(args)
    ops = [next(vals) if o in ("a", "b") else (params[o] if isinstance(o, str) else o) for o in operands]
    o1, o2 = np.empty_like(a), np.empty_like(a)
    with np.errstate(all="ignore"):
        getattr(np, ufunc_name)(*ops, out=o1)
        prim.impl_out(np, o2, *args, **params)
        ref = prim.impl(np, *args, **params)
    assert bitwise_equal(o1, o2) and bitwise_equal(o2, ref)


def test_the_out_variants_cover_the_planned_families():
    expected = {"add", "sub", "mul", "div", "matmul", "linear", "reduce_sum", "relu", "tanh", "exp", "softmax"}
    assert expected <= set(WITH_OUT)
