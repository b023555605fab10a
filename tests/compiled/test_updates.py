"""Optimizer updates fused into the compiled step equal the eager optimizers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
from torchlean.compiled import updates
from torchlean.compiled.config import compile_options
from torchlean.compiled.fusion import Region
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


def _compare(comp, eager, data, method, kw, fusion):
    for k, (x, y) in enumerate(data * 2):
        lr = 0.01 * (1 + k % 3)  # a changing rate is a runtime input, not a recompile
        with compile_options(fusion=fusion):
            lc = getattr(comp, method)(lr, x, y, **kw)
        le = getattr(eager, method)(lr, x, y, **kw)
        assert bitwise_equal(lc, le)
    for pc, pe in zip(comp.get_params(), eager.get_params()):
        assert bitwise_equal(pc, pe)


@pytest.mark.parametrize("fusion", FUSION)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method,kw", [("adam_step", {}), ("adamw_step", {"weight_decay": 0.05}),
                                       ("step", {})])
def test_compiled_update_equals_the_eager_optimizer(method, kw, dtype, fusion):
    comp, eager, data = trainers(dtype, fusion)
    _compare(comp, eager, data, method, kw, fusion)
    if method != "step":
        kind = method.split("_")[0]
        sc, se = comp.optimizer(kind).state_dict(), eager.optimizer(kind).state_dict()
        assert sorted(sc["state"]) == sorted(se["state"]) == [0, 1, 2, 3]
        for i in se["state"]:
            assert sorted(sc["state"][i]) == sorted(se["state"][i]) == ["exp_avg", "exp_avg_sq", "step"]
            assert sc["state"][i]["step"] == se["state"][i]["step"] == 8
            assert bitwise_equal(sc["state"][i]["exp_avg"], se["state"][i]["exp_avg"])
            assert bitwise_equal(sc["state"][i]["exp_avg_sq"], se["state"][i]["exp_avg_sq"])
    prefix = {"step": "sgd", "adam_step": "adam:", "adamw_step": "adamw:"}[method]
    graphs = [k for k in comp.compiled._graphs if k.startswith(prefix)]
    assert len(graphs) == 1  # one step graph for all rates


@pytest.mark.parametrize("fusion", FUSION)
@pytest.mark.parametrize("group", [{"amsgrad": True}, {"maximize": True}, {"weight_decay": 0.1},
                                   {"betas": (0.8, 0.99), "eps": 1e-6}])
def test_compiled_adam_with_the_groups_flags_equals_the_eager_optimizer(group, fusion):
    comp, eager, data = trainers(np.float32, fusion)
    for t in (comp, eager):
        t.optimizer("adam").param_groups[0].update(group)
    _compare(comp, eager, data, "adam_step", {"beta1": group.get("betas", (0.9,))[0],
                                              "beta2": group.get("betas", (0, 0.999))[1]}, fusion)
    sc, se = comp.optimizer("adam").state_dict(), eager.optimizer("adam").state_dict()
    for i in se["state"]:
        assert sorted(sc["state"][i]) == sorted(se["state"][i])
        for k, v in se["state"][i].items():
            assert bitwise_equal(sc["state"][i][k], v)
    assert [k for k in comp.compiled._graphs if k.startswith("adam:")]  # the fused step ran


def test_compiled_adam_resumes_from_a_state_dict_bit_for_bit():
    _, eager, data = trainers(np.float64, False)
    for x, y in data:
        eager.adam_step(0.01, x, y)
    comp2 = tl.ScalarTrainer(eager.get_params(), [(8, 4), (8, 2)], loss,
                             tl.Options(backend=tl.Backend.COMPILED, dtype=np.float64))
    comp2.optimizer("adam").load_state_dict(eager.optimizer("adam").state_dict())
    for x, y in data:
        assert bitwise_equal(comp2.adam_step(0.01, x, y), eager.adam_step(0.01, x, y))
    for pc, pe in zip(comp2.get_params(), eager.get_params()):
        assert bitwise_equal(pc, pe)
    assert comp2.optimizer("adam").state_dict()["state"][0]["step"] == 8
    assert [k for k in comp2.compiled._graphs if k.startswith("adam:")]  # the fused step ran


@pytest.mark.skipif(not has_numba(), reason="numba is not installed")
def test_each_parameter_update_is_one_fused_kernel():
    comp, _, data = trainers(np.float32, True)
    with compile_options(fusion=True):
        comp.adam_step(0.01, *data[0])
    (name,) = [k for k in comp.compiled._graphs if k.startswith("adam:")]
    exe = comp.compiled._exes[(name, tl.Device.CPU)]
    regions = [i for i in exe.last_plan.items if isinstance(i, Region)]
    updating = [r for r in regions if {"sqrt", "div"} <= {e.prim.name for e in r.eqns}]
    assert len(updating) >= 1 and sum(len(r.outputs) for r in updating) >= 3 * 4  # p, m, v for 4 params


def test_momentum_graph_equals_the_momentum_optimizer():
    init, data = setup(np.float64)
    comp = tl.ScalarTrainer([a.copy() for a in init], [(8, 4), (8, 2)], loss,
                            tl.Options(backend=tl.Backend.COMPILED, dtype=np.float64))
    c = comp.compiled
    grad = c.graph_of("grad")
    c.add_graph("momentum0", updates.momentum_graph(grad, [0, 1, 2, 3], np.float64, 0.9, 0.1, first=True))
    c.add_graph("momentum", updates.momentum_graph(grad, [0, 1, 2, 3], np.float64, 0.9, 0.1))
    params = [a.copy() for a in init]
    bufs: list = []
    eager_params = ParamList([a.copy() for a in init], dtype=np.float64)
    opt = tl.optim.SGD(list(eager_params), lr=0.05, momentum=0.9, dampening=0.1)
    neg_lr = (np.asarray(-0.05), tl.TensorType((), np.dtype(np.float64)))
    for x, y in data:
        outs = c.run("momentum" if bufs else "momentum0", [*params, x, y],
                     [*[(b, tl.TensorType(b.shape, b.dtype)) for b in bufs], neg_lr])
        params, bufs = outs[1:5], outs[5:9]
        _, grads = c.value_and_grad(*[p.value for p in eager_params], x, y)
        for p, g in zip(eager_params, grads[:4]):
            p.grad = g
        opt.step()
    for p, q in zip(params, eager_params):
        assert bitwise_equal(p, q.value)
    for b, q in zip(bufs, eager_params):
        assert bitwise_equal(b, opt.state[q]["momentum_buffer"])


def test_compiled_adam_falls_back_to_the_eager_optimizer_where_the_state_is_not_its_own():
    comp, eager, data = trainers(np.float64, False)
    for t in (comp, eager):
        st = t.optimizer("adam").state
        st[t.params[0]] = {"step": 3, "exp_avg": np.full((6, 4), 0.1), "exp_avg_sq": np.full((6, 4), 0.2)}
    _compare(comp, eager, data, "adam_step", {}, False)  # step counts differ between parameters
    assert not [k for k in comp.compiled._graphs if k.startswith("adam:")]
    assert comp.optimizer("adam").state[comp.params[0]]["step"] == 11
