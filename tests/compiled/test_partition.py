"""``tl.compile``'s forward/backward split: the backward graph rounds as the eager tape does."""

from __future__ import annotations

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.compiled.ir import Graph
from torchlean.compiled.partition import split

from .helpers import RawGraph, bitwise_equal


def _grads(model_fn, x, y, compiled):
    tl.manual_seed(0)
    m = model_fn()
    net = tl.compile(m) if compiled else m
    s = tl.Session()
    xi = s.input(x, requires_grad=True)
    F.cross_entropy(net(xi), s.input(y)).backward()
    return [np.asarray(xi.grad)] + [np.asarray(p.grad) for p in m.parameters()]


@pytest.mark.parametrize("fusion", [False, True])
def test_a_channels_last_batchnorm_block_backward_equals_eager_bitwise(fusion):
    # conv (channels-last result) -> BatchNorm -> ReLU -> pool -> Linear: the BatchNorm weight's
    # broadcast was saved densely for the backward, whose product with the channels-last
    # gradient then took another layout and rounded otherwise than eager (the resnet example)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 8, 2, 2)).astype(np.float32), rng.integers(0, 10, 64)

    def model():
        return nn.Sequential(nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))

    from torchlean.compiled.config import compile_options

    eager = _grads(model, x, y, False)
    with compile_options(fusion=fusion):
        compiled = _grads(model, x, y, True)
    assert all(bitwise_equal(a, b) for a, b in zip(eager, compiled))


def test_views_the_backward_reads_are_remade_from_their_sources_not_saved():
    r = RawGraph()
    x, w, g = r.input((4, 3), np.float32), r.input((3,), np.float32), r.input((4, 3), np.float32)
    wb = r("broadcast_to", w, shape=(4, 3), axes=(1,))
    y = r("mul", x, wb)
    dx = r("mul", g, wb)  # the backward half reads the broadcast
    joint = r.graph
    joint.inputs = [x, w, g]
    joint.outputs = [y, dx]
    fwd, bwd, saved = split(joint, 2, 1)
    assert isinstance(fwd, Graph)
    assert not any(v is wb for v in saved) and any(v is w for v in saved)  # (Var overloads ==)
    assert [e.prim.name for e in bwd.eqns] == ["broadcast_to", "mul"]
