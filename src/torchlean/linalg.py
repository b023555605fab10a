"""``torchlean.linalg``: ``torch.linalg``'s functions (``tl.linalg.norm``, ``tl.linalg.inv``...).

Each function is the PyTorch-shaped one of its family module (``pt/linalg_norms.py``,
``pt/linalg_products.py``, ``pt/linalg_decomp.py``); this module only names them.
Divergences from PyTorch: docs/for-pytorch-users/linalg.md.
"""

from __future__ import annotations

from .pt.linalg_decomp import (
    cholesky,
    cholesky_ex,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
)
from .pt.linalg_norms import matrix_norm, norm, vector_norm
from .pt.linalg_products import cross, diagonal, matrix_power, multi_dot, vander, vecdot

__all__ = ["cholesky", "cholesky_ex", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "inv_ex", "lstsq",
           "matrix_norm", "matrix_power", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
           "vander", "vecdot", "vector_norm"]
