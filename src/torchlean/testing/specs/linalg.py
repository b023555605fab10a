"""Specs of ``torchlean.linalg``: its primitives (``ops/linalg_solve.py``, ``ops/linalg_spectral.py``)
and its public functions (``pt/linalg_*.py``), against ``torch.linalg`` in float64.

Packed primitives are compared through the same packing of torch's factors. Eigenvectors and
singular vectors are compared through sign-invariant functions of them (``V * V``, ``U @ Vh``), as
OpInfo's own gradient checks do. Cholesky and eigh read one triangle; their torch references
are given ``tril(A) + tril(A, -1)^T`` (or the upper analogue) so that torch's symmetric
gradient becomes the derivative of the function actually computed.
"""

from __future__ import annotations

import math

import numpy as np

from ..._core.registry import REGISTRY
from ...pt import linalg_decomp as ptd
from ...pt import linalg_norms as ptn
from ...pt import linalg_products as ptp
from ...pt import linalg_toplevel as ptt
from ..opspec import OpSpec, Sample, normal


def _wellcond(rng, *shape, shift=3.0):
    """Random square matrices with eigenvalues pushed away from 0."""
    return normal(rng, *shape) + shift * np.eye(shape[-1])


def _spd(rng, *shape):
    a = normal(rng, *shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _sym(t, a, upper=False):
    if upper:
        return t.triu(a) + t.triu(a, 1).mT
    return t.tril(a) + t.tril(a, -1).mT


def _bind(name):
    return lambda ops, *a, **k: ops.bind(REGISTRY[name], *a, **k)


def _ours_eigh(ops, a, upper=False):
    p = ops.bind(REGISTRY["linalg_eigh"], a, upper=upper)
    n = ops.shape_of(a)[-1]
    w, v = ops.squeeze(ops.narrow(p, -2, 0, 1), -2), ops.narrow(p, -2, 1, n)
    return ops.cat([w, ops.reshape(ops.mul(v, v), (*ops.shape_of(v)[:-2], n * n))], -1)


def _torch_eigh(t, a, upper=False):
    w, v = t.linalg.eigh(_sym(t, a, upper), UPLO="U" if upper else "L")
    return t.cat([w, (v * v).reshape(*v.shape[:-2], -1)], -1)


def _svd_view(u, s, v, cat, mm, reshape):
    """A sign-invariant view of the SVD: U*U, S, V*V, U @ V^T, flattened."""
    flat = lambda x: reshape(x, (*x.shape[:-2], -1))
    return cat([flat(u * u), s, flat(v * v), flat(mm(u, v.mT))])


def _ours_svd(ops, a):
    m, n = ops.shape_of(a)[-2:]
    p = ops.bind(REGISTRY["linalg_svd"], a)
    u, s, v = ops.narrow(p, -2, 0, m), ops.squeeze(ops.narrow(p, -2, m, 1), -2), ops.narrow(p, -2, m + 1, n)
    return _svd_view(u, s, v, lambda xs: ops.cat(xs, -1), ops.matmul, ops.reshape)


def _torch_svd(t, a):
    u, s, vh = t.linalg.svd(a, full_matrices=False)
    return _svd_view(u, s, vh.mT, lambda xs: t.cat(xs, -1), t.matmul, t.reshape)


def _torch_qr(t, a):
    q, r = t.linalg.qr(a)
    return t.cat([q, r.mT], -2)


def _torch_slogdet(t, a):
    s, l = t.linalg.slogdet(a)
    return t.stack([s, l], -1)


def _s(f, *shapes_kwargs):
    """Samples: one per ``(shape, kwargs)``, the array made by ``f(rng, *shape)``."""
    return lambda rng: [Sample((f(rng, *s),), dict(k), f"{s}{k}") for s, k in shapes_kwargs]


def _fn(mod, name, samples, torch_fn, **kw):
    f = getattr(mod, name)
    return OpSpec(f"torch.linalg.{name}", samples, call=lambda ops, *a, **k: f(*a, **k), torch=torch_fn, **kw)


SPECS: list[OpSpec] = [
    # ----- primitives ------------------------------------------------------------------------
    OpSpec("linalg_inv", _s(_wellcond, ((3, 3), {}), ((2, 4, 4), {})), call=_bind("linalg_inv"),
           torch=lambda t, a: t.linalg.inv(a)),
    OpSpec("linalg_solve", lambda rng: [
        Sample((_wellcond(rng, 3, 3), normal(rng, 3, 2)), {}, "2d"),
        Sample((_wellcond(rng, 2, 4, 4), normal(rng, 2, 4, 1)), {}, "batched")],
        call=_bind("linalg_solve"), torch=lambda t, a, b: t.linalg.solve(a, b)),
    OpSpec("linalg_slogdet", _s(normal, ((3, 3), {}), ((2, 4, 4), {}), ((1, 1), {})),
           call=_bind("linalg_slogdet"), torch=_torch_slogdet),
    OpSpec("linalg_pinv", _s(normal, ((3, 5), {"atol": 0.0, "rtol": 1e-12}), ((4, 2), {"atol": 0.0, "rtol": 1e-12}),
                             ((2, 3, 3), {"atol": 0.0, "rtol": 1e-12})),
           call=_bind("linalg_pinv"), torch=lambda t, a, atol, rtol: t.linalg.pinv(a, atol=atol, rtol=rtol)),
    OpSpec("linalg_cholesky", _s(_spd, ((3, 3), {}), ((2, 4, 4), {"upper": True}), ((1, 1), {})),
           call=_bind("linalg_cholesky"), torch=lambda t, a, upper=False: t.linalg.cholesky(_sym(t, a, upper))),
    OpSpec("linalg_eigh", _s(normal, ((4, 4), {}), ((2, 3, 3), {"upper": True})), call=_ours_eigh,
           torch=_torch_eigh, binds=("linalg_eigh",)),
    OpSpec("linalg_svd", _s(normal, ((3, 3), {}), ((4, 2), {}), ((2, 3, 5), {})), call=_ours_svd,
           torch=_torch_svd, binds=("linalg_svd",)),
    OpSpec("linalg_qr", _s(normal, ((4, 3), {}), ((3, 3), {}), ((2, 3, 5), {})), call=_bind("linalg_qr"),
           torch=_torch_qr),
    # ----- norms ------------------------------------------------------------------------------------
    _fn(ptn, "vector_norm", _s(normal, ((5,), {}), ((3, 4), {"ord": 1, "dim": 1}), ((3, 4), {"ord": 0.5}),
                               ((2, 3, 4), {"ord": 3.0, "dim": (0, 2), "keepdim": True}),
                               ((3, 4), {"ord": -1.5, "dim": 0}), ((3, 4), {"ord": math.inf, "dim": -1}),
                               ((3, 4), {"ord": -math.inf})),
        lambda t, x, **k: t.linalg.vector_norm(x, **k)),
    _fn(ptn, "matrix_norm", _s(normal, *[((2, 3, 4), {"ord": o}) for o in ("fro", "nuc", 2, -2, 1, -1, math.inf,
                                                                            -math.inf)],
                               ((3, 4, 2), {"ord": "nuc", "dim": (0, 2), "keepdim": True})),
        lambda t, x, **k: t.linalg.matrix_norm(x, **k)),
    _fn(ptn, "norm", _s(normal, ((3, 4), {}), ((3, 4), {"ord": 2}), ((5,), {"ord": 3}),
                        ((2, 3, 4), {"ord": 1, "dim": (2, 1)}), ((2, 3), {"dim": 1, "keepdim": True})),
        lambda t, x, **k: t.linalg.norm(x, **k)),
    # ----- products ---------------------------------------------------------------------------------
    _fn(ptp, "vecdot", lambda rng: [Sample((normal(rng, 3, 4), normal(rng, 4)), {}),
                                    Sample((normal(rng, 3, 4), normal(rng, 3, 1)), {"dim": 0}, "dim0")],
        lambda t, x, y, **k: t.linalg.vecdot(x, y, **k)),
    OpSpec("torch.linalg.multi_dot", lambda rng: [
        Sample((normal(rng, 3), normal(rng, 3, 4), normal(rng, 4, 2), normal(rng, 2)), {}, "vec-ends"),
        Sample((normal(rng, 2, 5), normal(rng, 5, 3), normal(rng, 3, 4)), {}, "mats")],
        call=lambda ops, *ms: ptp.multi_dot(list(ms)), torch=lambda t, *ms: t.linalg.multi_dot(list(ms))),
    _fn(ptp, "matrix_power", _s(_wellcond, ((3, 3), {"n": 3}), ((2, 3, 3), {"n": -2}), ((3, 3), {"n": 0}),
                                ((2, 2), {"n": 1})),
        lambda t, a, n: t.linalg.matrix_power(a, n)),
    _fn(ptp, "vander", _s(normal, ((4,), {}), ((2, 3), {"N": 5})), lambda t, x, **k: t.linalg.vander(x, **k)),
    OpSpec("torch.cdist", lambda rng: [
        Sample((normal(rng, 3, 4), normal(rng, 5, 4)), {"p": p}, f"p={p}") for p in (2.0, 1.0, 3.0, 0.7, math.inf)]
        + [Sample((normal(rng, 2, 1, 3, 2), normal(rng, 4, 2)), {}, "batched")],
        call=lambda ops, a, b, **k: ptp.cdist(a, b, **k), torch=lambda t, a, b, **k: t.cdist(a, b, **k)),
    # ----- decompositions ----------------------------------------------------------------------------
    _fn(ptd, "det", _s(normal, ((3, 3), {}), ((2, 4, 4), {})), lambda t, a: t.linalg.det(a)),
    OpSpec("torch.linalg.slogdet", _s(normal, ((3, 3), {}), ((2, 4, 4), {})),
           call=lambda ops, a: ptd.slogdet(a).logabsdet, torch=lambda t, a: t.linalg.slogdet(a).logabsdet),
    OpSpec("torch.logdet", _s(_spd, ((3, 3), {}), ((2, 4, 4), {})), call=lambda ops, a: ptt.logdet(a),
           torch=lambda t, a: t.logdet(a)),
    OpSpec("torch.linalg.solve", lambda rng: [
        Sample((_wellcond(rng, 3, 3), normal(rng, 3)), {}, "vector"),
        Sample((_wellcond(rng, 2, 3, 3), normal(rng, 3, 2)), {}, "broadcast"),
        Sample((_wellcond(rng, 3, 3), normal(rng, 2, 3)), {"left": False}, "right")],
        call=lambda ops, a, b, **k: ptd.solve(a, b, **k), torch=lambda t, a, b, **k: t.linalg.solve(a, b, **k)),
    _fn(ptd, "svdvals", _s(normal, ((3, 4), {}), ((2, 5, 2), {})), lambda t, a: t.linalg.svdvals(a)),
    _fn(ptd, "eigvalsh", _s(normal, ((4, 4), {}), ((2, 3, 3), {"UPLO": "U"})),
        lambda t, a, UPLO="L": t.linalg.eigvalsh(_sym(t, a, UPLO == "U"), UPLO=UPLO)),
    OpSpec("torch.linalg.lstsq", lambda rng: [
        Sample((normal(rng, 5, 3), normal(rng, 5, 2)), {}, "tall"),
        Sample((normal(rng, 2, 4), normal(rng, 2, 3)), {}, "wide")],
        call=lambda ops, a, b: ptd.lstsq(a, b).solution, torch=lambda t, a, b: t.linalg.lstsq(a, b).solution),
    OpSpec("torch.linalg.pinv.hermitian", _s(normal, ((4, 4), {})),
           call=lambda ops, a: ptd.pinv(a, hermitian=True),
           torch=lambda t, a: t.linalg.pinv(_sym(t, a), hermitian=True)),
]
