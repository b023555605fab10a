"""Spec of the ``ctc_grad_convention`` primitive (``ops/seqloss.py``, used by ``F.ctc_loss``).

Its VJP is PyTorch's CTC gradient convention and deliberately not the adjoint of its (zero) JVP,
so the dot-product and VJP sweeps cannot apply: its float inputs are listed as ``nondiff`` and
the sweeps check its forward (zeros), its shape rule and float32. tests/nn/test_ctc_loss.py
checks the VJP through ``F.ctc_loss`` against ``torch.nn.functional.ctc_loss``'s gradient, and
the loss's JVP against finite differences. ``F.ctc_loss`` itself has no op spec for the same
reason; the conformance suite runs it on OpInfo's samples.
"""

from __future__ import annotations

import numpy as np

from ..._core.registry import REGISTRY
from ..opspec import OpSpec, Sample, normal


def _samples(rng: np.random.Generator) -> list[Sample]:
    valid = np.array([[True, True], [True, False], [False, False]])
    return [Sample((normal(rng, 3, 2, 4), np.array([1.5, np.inf]), valid), {}, "inf"),
            Sample((normal(rng, 3, 2, 4), normal(rng, 2), valid), {"zero_infinity": True}, "zero_infinity")]


SPECS: list[OpSpec] = [
    OpSpec("ctc_grad_convention", _samples,
           call=lambda ops, lp, nll, valid, **k: ops.bind(REGISTRY["ctc_grad_convention"], lp, nll, valid, **k),
           numpy=lambda lp, nll, valid, **k: np.zeros(nll.shape), nondiff=(0, 1), fd=False),
]
