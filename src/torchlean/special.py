"""``torchlean.special``: PyTorch's ``torch.special`` namespace (also ``tl.special``).

``from torchlean import special`` / ``tl.special.ndtri(x)``, with ``torch.special``'s names and
signatures. The functions live in ``torchlean/pt/special.py`` (``erf``, ``erfc``, ``exp2``,
``logit``, ``sinc``, ``xlogy`` are the math family's own); see its docstring for the methods and
the divergences.
"""

from __future__ import annotations

from .pt.math_extra import erfc, exp2, logit, sinc, xlogy
from .pt.special import (
    digamma,
    entr,
    erf,
    erfcx,
    erfinv,
    expit,
    expm1,
    gammaln,
    i0,
    i0e,
    i1,
    i1e,
    log1p,
    log_ndtr,
    log_softmax,
    logsumexp,
    multigammaln,
    ndtr,
    ndtri,
    polygamma,
    psi,
    round,  # noqa: A004
    softmax,
    xlog1py,
)

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e", "i1",
    "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
    "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
]
