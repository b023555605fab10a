"""An error a compiled kernel raises when it runs (a value check: an index out of range) names
the public op the traced function called, as the eager call does: every equation keeps the
op that bound it (``Eqn.origin``) through the transforms and passes, and each way of running
a graph (the recording run of a first call, generated code, the interpreter, the eager tier)
reports a failure under that name."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn.functional as F
from torchlean._core.errors import ArgumentError
from torchlean.compiled.config import compile_options

Z = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
GOOD, BAD = np.array([0, 1, 2, 1]), np.array([0, 1, 3, 1])

FNS = {
    "nll_loss": lambda ops, z, y: F.nll_loss(F.log_softmax(z, 1), y),
    "one_hot": lambda ops, z, y: ops.sum(z * F.one_hot(y, 3)),
    "embedding": lambda ops, z, y: ops.sum(F.embedding(y, z[:3])),
}
MODES = {"generated": {}, "interpreted": {"interpret_above": 0}, "eager tier": {"eager_above": 0}}


def eager_message(name):
    s = tl.Session()
    with pytest.raises(ArgumentError) as info:
        FNS[name](s, s.input(Z), s.input(BAD))
    return str(info.value)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", list(FNS))
@pytest.mark.parametrize("first", [True, False], ids=["first call", "later call"])
def test_a_runtime_check_names_the_public_op_as_eager_does(name, mode, first):
    expected = eager_message(name)
    assert expected.startswith(f"{name}: ")
    with compile_options(**MODES[mode]):
        c = tl.compile_scalar(FNS[name], [Z, GOOD])
        if not first:
            c.value_and_grad(Z, GOOD)
        with pytest.raises(ArgumentError) as info:
            c.value_and_grad(Z, BAD)
    assert str(info.value) == expected
    c.value_and_grad(Z, GOOD)  # the failed call left the function usable


def test_a_compiled_module_and_a_trainer_name_the_op():
    emb = tl.nn.Embedding(4, 3)
    s = tl.Session()
    c = tl.compile(emb)
    c(s.input(np.array([1, 2])))
    with pytest.raises(ArgumentError, match=r"^embedding: index 5 is out of range"):
        c(s.input(np.array([5])))

    def loss(ops, w, x, y):
        return F.nll_loss(F.log_softmax(x @ w, 1), y)

    tr = tl.ScalarTrainer([np.ones((3, 3), np.float32)], [(4, 3), ((4,), np.int64)], loss,
                          tl.Options(backend=tl.Backend.COMPILED))
    tr.step(0.1, Z, GOOD)
    before = tr.get_params()[0].copy()
    with pytest.raises(ArgumentError, match=r"^nll_loss: index 3 is out of range"):
        tr.step(0.1, Z, BAD)
    assert np.array_equal(tr.get_params()[0], before)


def test_the_gradient_graph_keeps_the_origin_of_the_forward_equations():
    c = tl.compile_scalar(FNS["one_hot"], [Z, GOOD])
    g = c.graph_of("grad")
    origins = {e.origin for e in g.eqns if e.prim.name == "check_index"}
    assert origins == {"one_hot"}
