"""Optimizer updates fused into the compiled step equal the eager optimizers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean.backends import get_backend
from torchlean.compiled import updates
from torchlean.compiled.config import compile_options
from torchlean.compiled.fusion import Region
from torchlean.optim import MomentumSGD
from torchlean.params import ParamList

from .helpers import bitwise_equal, has_numba

RNG = np.random.default_rng(5)
FUSION = [False, pytest.param(True, marks=pytest.mark.skipif(not has_numba(), reason="numba is not installed"))]


def loss(ops, w1, b1, w2, b2, x, y):
    return ops.mse_loss(ops.linear(w2, b2, ops.tanh(ops.linear(w1, b1, x))), y)


def setup(dtype):
    init = [RNG.standard_normal(s).astype(dtype) for s in [(6, 4), (6,), (2, 6), (2,)]]
    data = [(RNG.standard_normal((8, 4)).astype(dtype), RNG.standard_normal((8, 2)).astype(dtype)) for _ in range(4)]
    return init, data


def trainers(dtype, fusion):
    init, data = setup(dtype)
    with compile_options(fusion=fusion):
        comp = tl.ScalarTrainer([a.copy() for a in init], [(8, 4), (8, 2)], loss,
                                tl.Options(backend=tl.Backend.COMPILED, dtype=dtype))
    eager = tl.ScalarTrainer([a.copy() for a in init], [(8, 4), (8, 2)], loss, tl.Options(dtype=dtype))
    return comp, eager, data


@pytest.mark.parametrize("fusion", FUSION)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method,kw", [("adam_step", {}), ("adamw_step", {"weight_decay": 0.05}),
                                       ("step", {})])
def test_compiled_update_equals_the_eager_optimizer(method, kw, dtype, fusion):
    comp, eager, data = trainers(dtype, fusion)
    for k, (x, y) in enumerate(data * 2):
        lr = 0.01 * (1 + k % 3)  # a changing rate is a runtime input, not a recompile
        with compile_options(fusion=fusion):
            lc = getattr(comp, method)(lr, x, y, **kw)
        le = getattr(eager, method)(lr, x, y, **kw)
        assert bitwise_equal(lc, le)
    for pc, pe in zip(comp.get_params(), eager.get_params()):
        assert bitwise_equal(pc, pe)
    if method != "step":
        sc = comp._optimizers[method.split("_")[0]].state_dict()
        se = eager._optimizers[method.split("_")[0]].state_dict()
        for i in se["state"]:
            assert sc["state"][i]["t"] == se["state"][i]["t"] == 8
            assert bitwise_equal(sc["state"][i]["m"], se["state"][i]["m"])
            assert bitwise_equal(sc["state"][i]["v"], se["state"][i]["v"])
    prefix = {"step": "sgd", "adam_step": "adam:", "adamw_step": "adamw:"}[method]
    graphs = [k for k in comp.compiled._graphs if k.startswith(prefix)]
    assert len(graphs) == 1  # one step graph for all rates


@pytest.mark.skipif(not has_numba(), reason="numba is not installed")
def test_each_parameter_update_is_one_fused_kernel():
    comp, _, data = trainers(np.float32, True)
    with compile_options(fusion=True):
        comp.adam_step(0.01, *data[0])
    exe = comp.compiled._exes[("adam:0.9:0.999:1e-08", tl.Device.CPU)]
    regions = [i for i in exe.last_plan.items if isinstance(i, Region)]
    updating = [r for r in regions if {"sqrt", "div"} <= {e.prim.name for e in r.eqns}]
    assert len(updating) >= 1 and sum(len(r.outputs) for r in updating) >= 3 * 4  # p, m, v for 4 params


def test_momentum_graph_equals_the_momentum_optimizer():
    init, data = setup(np.float64)
    comp = tl.ScalarTrainer([a.copy() for a in init], [(8, 4), (8, 2)], loss,
                            tl.Options(backend=tl.Backend.COMPILED, dtype=np.float64))
    c = comp.compiled
    c.add_graph("momentum", updates.momentum_graph(c.graph_of("grad"), [0, 1, 2, 3], np.float64, 0.9))
    params = [a.copy() for a in init]
    bufs = [np.zeros_like(a) for a in init]
    eager_params = ParamList([a.copy() for a in init], dtype=np.float64)
    opt = MomentumSGD(list(eager_params), lr=0.05, momentum=0.9)
    backend = get_backend(tl.Device.CPU)
    for x, y in data:
        outs = c.run("momentum", [*params, x, y], [*[(b, tl.TensorType(b.shape, b.dtype)) for b in bufs],
                                                   (np.asarray(0.05), tl.TensorType((), np.dtype(np.float64)))])
        params, bufs = outs[1:5], outs[5:9]
        _, grads = c.value_and_grad(*[p.value for p in eager_params], x, y)
        opt.step(dict(zip(eager_params, [backend.asarray(g, g.dtype) for g in grads[:4]])))
    for p, q in zip(params, eager_params):
        assert bitwise_equal(p, q.value)
