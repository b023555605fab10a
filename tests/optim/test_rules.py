"""The update rules are pure functions over ``Ops``: traced into a compiled graph they give what
they give on arrays (the eager optimizers' path), for every optimizer and option."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.backends import get_backend
from torchlean.eager.arrays import ArrayOps
from torchlean.optim import rules
from torchlean.options import Device

SHAPE = (3, 4)
RULES = {  # name: (rule over (ops, *arrays), number of array inputs after p and g, outputs)
    "sgd_momentum": (lambda ops, p, g, b: rules.sgd_momentum(ops, p, g, b, lr=0.1, momentum=0.9, dampening=0.1,
                                                             weight_decay=0.01, nesterov=False, maximize=True), 1, 2),
    "sgd_nesterov": (lambda ops, p, g, b: rules.sgd_momentum(ops, p, g, b, lr=0.1, momentum=0.9, dampening=0.0,
                                                             weight_decay=0.0, nesterov=True, maximize=False), 1, 2),
    "adam_amsgrad": (lambda ops, p, g, m, v, vm: rules.adam(ops, p, g, m, v, vm, 3, lr=0.01, beta1=0.9, beta2=0.99,
                                                            eps=1e-8, weight_decay=0.1, amsgrad=True, maximize=False,
                                                            decoupled=False), 3, 4),
    "adamw": (lambda ops, p, g, m, v: rules.adam(ops, p, g, m, v, None, 2, lr=0.01, beta1=0.6, beta2=0.99, eps=1e-8,
                                                 weight_decay=0.1, amsgrad=False, maximize=True, decoupled=True)[:3],
              2, 3),
    "adamax": (lambda ops, p, g, m, u: rules.adamax(ops, p, g, m, u, 4, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                                                    weight_decay=0.1, maximize=False), 2, 3),
    "nadam": (lambda ops, p, g, m, v: rules.nadam(ops, p, g, m, v, 0.8, 5, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                                                  weight_decay=0.1, momentum_decay=4e-3, decoupled=True,
                                                  maximize=False)[:3], 2, 3),
    "radam_rectified": (lambda ops, p, g, m, v: rules.radam(ops, p, g, m, v, 9, lr=0.01, beta1=0.9, beta2=0.999,
                                                            eps=1e-8, weight_decay=0.1, decoupled=False,
                                                            maximize=False), 2, 3),
    "radam_early": (lambda ops, p, g, m, v: rules.radam(ops, p, g, m, v, 2, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                                                        weight_decay=0.0, decoupled=False, maximize=True), 2, 3),
    "rmsprop_centered": (lambda ops, p, g, s, a, b: rules.rmsprop(ops, p, g, ops.add_scalar(s, 4.0), a, b, lr=0.01,
                                                                  alpha=0.99, eps=1e-8,
                                                                  weight_decay=0.1, momentum=0.9, centered=True,
                                                                  maximize=False), 3, 4),
    "adagrad": (lambda ops, p, g, s: rules.adagrad(ops, p, g, s, 3, lr=0.1, lr_decay=0.01, eps=1e-10,
                                                   weight_decay=0.1, maximize=True), 1, 2),
    "adadelta": (lambda ops, p, g, s, a: rules.adadelta(ops, p, g, s, a, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.1,
                                                        maximize=False), 2, 3),
    "rprop": (lambda ops, p, g, prev, size: rules.rprop(ops, p, g, ops.sub(prev, ops.scale(prev, 2.0)), size,
                                                        etaminus=0.5, etaplus=1.2, step_size_min=0.3,
                                                        step_size_max=1.5, maximize=False), 2, 3),
    "rprop_maximize": (lambda ops, p, g, prev, size: rules.rprop(ops, p, g, prev, size, etaminus=0.3, etaplus=1.5,
                                                                 step_size_min=1e-6, step_size_max=50.0,
                                                                 maximize=True), 2, 3),
    "asgd_averaging": (lambda ops, p, g, ax: rules.asgd(ops, p, g, ax, eta=0.01, mu=0.25, lambd=1e-2,
                                                        weight_decay=0.1, maximize=False), 1, 2),
    "asgd_copy": (lambda ops, p, g, ax: rules.asgd(ops, p, g, ax, eta=0.5, mu=1.0, lambd=1e-4, weight_decay=0.0,
                                                   maximize=True), 1, 2),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_traced_into_a_graph_equals_the_rule_on_arrays(name, dtype):
    rule, n_state, n_out = RULES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(SHAPE).astype(dtype) for _ in range(2)]
    arrays += [np.abs(rng.standard_normal(SHAPE)).astype(dtype) for _ in range(n_state)]
    eager = rule(ArrayOps(get_backend(Device.CPU), dtype), *arrays)
    assert len(eager) == n_out
    for k in range(n_out):
        f = tl.compile_out(lambda ops, *xs, k=k: rule(ops, *xs)[k], [(SHAPE, dtype)] * len(arrays),
                           tl.Options(dtype=dtype))
        np.testing.assert_array_equal(np.asarray(f(*arrays)), eager[k], err_msg=f"output {k}")
        assert eager[k].dtype == dtype


def test_the_compiled_trainer_step_is_the_sgd_rule():
    """ScalarTrainer's compiled SGD runs rules.sgd inside its gradient graph, with lr an input."""
    init = [np.array([[0.1, -0.2], [0.3, 0.4]], np.float32)]
    x, y = np.array([[1.0, 2.0], [0.5, -1.0]], np.float32), np.array([0, 1])
    loss = lambda ops, w, x, y: ops.cross_entropy(ops.linear(w, None, x), y)
    runs = []
    for backend in ("eager", "compiled"):
        t = tl.ScalarTrainer(init, [(2, 2), ((2,), np.int64)], loss, tl.Options(backend=backend))
        for lr in (0.5, 0.25, 0.5):
            t.step(lr, x, y)
        runs.append(t.get_params()[0])
        assert t.optimizer("sgd").param_groups[0]["lr"] == 0.5
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-6)
