"""``tl.linalg``'s inverses, determinants and factorisations against torch.linalg: values and
gradients (eager and compiled), batching, the one-triangle convention of cholesky/eigh, sign-
invariant checks of eigen/singular vectors, the ``*_ex`` and legacy spellings, and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.linalg as LA

from .linalg_check import refuses, run_both

RNG = np.random.default_rng(3)


def _wellcond(*shape):
    return RNG.standard_normal(shape) + 3 * np.eye(shape[-1])


def _spd(*shape):
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _lower_sym(t):
    return t.tril() + t.tril(-1).mT


# ----- inverse, determinants, solve ---------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_inv_det_slogdet_logdet_match_torch(shape):
    a = _wellcond(*shape)
    run_both(LA.inv, torch.linalg.inv, [a])
    run_both(LA.det, torch.linalg.det, [a])
    run_both(lambda x: tuple(LA.slogdet(x)), lambda t: tuple(torch.linalg.slogdet(t)), [a])
    run_both(tl.logdet, torch.logdet, [_spd(*shape)])
    for ours, theirs in ((tl.det, torch.det), (tl.inverse, torch.inverse), (lambda x: x.det(), lambda t: t.det()),
                         (lambda x: x.inverse(), lambda t: t.inverse()), (lambda x: x.logdet(), lambda t: t.logdet())):
        run_both(ours, theirs, [a if "logdet" not in repr(ours) else _spd(*shape)], compiled=False)


def test_negative_and_zero_determinants():
    a = np.array([[0.0, 1.0], [1.0, 0.0]])  # det -1
    run_both(LA.det, torch.linalg.det, [a])
    s = tl.Session(dtype=np.float64)
    x = s.input(a)
    assert math.isnan(tl.logdet(x).item()) and math.isnan(torch.logdet(torch.tensor(a)).item())
    sign, logabs = x.slogdet()
    assert (sign.item(), logabs.item()) == (-1.0, 0.0)
    z = s.input(np.array([[1.0, 2.0], [2.0, 4.0]]))
    r = LA.slogdet(z)
    assert r.sign.item() == 0.0 and r.logabsdet.item() == -math.inf and LA.det(z).item() == 0.0


def test_inv_ex_and_named_results():
    s = tl.Session(dtype=np.float64)
    a = _wellcond(2, 3, 3)
    r = LA.inv_ex(s.input(a))
    assert r.inverse is r[0] and r.info is r[1]
    assert r.info.dtype == np.int64 and r.info.tolist() == [0, 0]  # torch: int32
    np.testing.assert_allclose(r.inverse.numpy(), np.linalg.inv(a), rtol=1e-12)
    c = LA.cholesky_ex(s.input(_spd(3, 3)))
    assert c.L is c[0] and c.info.item() == 0


@pytest.mark.parametrize("ashape,bshape,left", [((3, 3), (3,), True), ((2, 3, 3), (3, 2), True),
                                                ((3, 3), (2, 3, 1), True), ((2, 3, 3), (2, 3), True),
                                                ((3, 3), (4, 3), False), ((2, 3, 3), (1, 5, 3), False)])
def test_solve_matches_torch(ashape, bshape, left):
    a, b = _wellcond(*ashape), RNG.standard_normal(bshape)
    run_both(lambda x, y: LA.solve(x, y, left=left), lambda x, y: torch.linalg.solve(x, y, left=left), [a, b])


def test_singular_inputs_raise_naming_the_function():
    s = tl.Session(dtype=np.float64)
    sing = s.input(np.array([[1.0, 2.0], [2.0, 4.0]]), requires_grad=True)
    b = s.input(np.ones(2))
    refuses(lambda: LA.inv(sing), s, tl.ArgumentError, "linalg.inv", "singular")
    refuses(lambda: tl.inverse(sing), s, tl.ArgumentError, "inverse", "singular")
    refuses(lambda: LA.solve(sing, b), s, tl.ArgumentError, "linalg.solve", "singular")
    refuses(lambda: LA.cholesky(sing), s, tl.ArgumentError, "linalg.cholesky", "positive-definite")


def test_shape_and_dtype_errors_record_nothing():
    s = tl.Session(dtype=np.float64)
    rect = s.input(RNG.standard_normal((2, 3)), requires_grad=True)
    vec = s.input(RNG.standard_normal(3))
    ints = s.input(np.eye(3, dtype=np.int64))
    sq = s.input(_wellcond(3, 3))
    tall = s.input(RNG.standard_normal((4, 2)))
    for fn, name in ((LA.inv, "linalg.inv"), (LA.det, "linalg.det"), (LA.slogdet, "linalg.slogdet"),
                     (LA.cholesky, "linalg.cholesky"), (LA.eigh, "linalg.eigh"), (LA.eigvalsh, "linalg.eigvalsh"),
                     (tl.det, "det"), (tl.logdet, "logdet")):
        refuses(lambda f=fn: f(rect), s, tl.ShapeError, name, "square", "(2, 3)")
        refuses(lambda f=fn: f(vec), s, tl.ShapeError, name, "(3,)")
        refuses(lambda f=fn: f(ints), s, tl.DTypeError, name, "int64")
    for fn, name in ((LA.svd, "linalg.svd"), (LA.svdvals, "linalg.svdvals"), (LA.qr, "linalg.qr"),
                     (LA.pinv, "linalg.pinv")):
        refuses(lambda f=fn: f(vec), s, tl.ShapeError, name, "(3,)")
        refuses(lambda f=fn: f(ints), s, tl.DTypeError, name, "int64")
    refuses(lambda: LA.solve(sq, rect), s, tl.ShapeError, "linalg.solve", "(2, 3)")
    refuses(lambda: LA.solve(sq, vec, left=False), s, tl.ShapeError, "linalg.solve", "left=True")
    refuses(lambda: LA.eigh(sq, "X"), s, tl.ArgumentError, "UPLO")
    refuses(lambda: LA.qr(sq, "economic"), s, tl.ArgumentError, "mode")
    refuses(lambda: LA.qr(tall, "complete"), s, tl.ArgumentError, "linalg.qr", "complete")
    refuses(lambda: LA.pinv(sq, rtol=sq), s, tl.ArgumentError, "rtol")
    refuses(lambda: LA.lstsq(sq, vec, driver="fast"), s, tl.ArgumentError, "driver")
    refuses(lambda: LA.svd(sq, driver="gesvd"), s, tl.ArgumentError, "driver")


# ----- Cholesky, eigh: one triangle -----------------------------------------------------------------
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_reads_one_triangle_as_torch(upper):
    a = _spd(2, 4, 4)
    noisy = a + np.triu(RNG.standard_normal((4, 4)), 1) * (0 if upper else 1) + \
        np.tril(RNG.standard_normal((4, 4)), -1) * (1 if upper else 0)  # junk in the unread triangle
    sym = (lambda t: t.triu() + t.triu(1).mT) if upper else _lower_sym
    run_both(lambda x: LA.cholesky(x, upper=upper), lambda t: torch.linalg.cholesky(sym(t), upper=upper), [noisy])
    run_both(lambda x: tl.cholesky(x, upper), lambda t: torch.cholesky(sym(t), upper), [noisy], compiled=False)
    # the values equal torch's on the raw input too (torch reads the same triangle)
    s = tl.Session(dtype=np.float64)
    np.testing.assert_allclose(LA.cholesky(s.input(noisy), upper=upper).numpy(),
                               torch.linalg.cholesky(torch.tensor(noisy), upper=upper).numpy(), rtol=1e-12)


def test_cholesky_gradient_is_torchs_symmetric_one_folded_on_the_triangle():
    a = _spd(3, 3)
    t = torch.tensor(a, requires_grad=True)
    cot = RNG.standard_normal((3, 3))
    (torch.linalg.cholesky(t) * torch.tensor(cot)).sum().backward()
    g = t.grad.numpy()  # torch: symmetric
    s = tl.Session(dtype=np.float64)
    x = s.input(a, requires_grad=True)
    (LA.cholesky(x) * s.input(cot)).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.tril(g) + np.tril(g.T, -1), rtol=1e-10)


def _abs_vectors(f):
    return lambda *a: (lambda r: (r[0], abs(r[1])))(f(*a))


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_and_eigvalsh_match_torch_up_to_signs(uplo):
    a = RNG.standard_normal((2, 4, 4))
    sym = lambda t: t + t.mT  # OpInfo's gradcheck wrapper
    run_both(_abs_vectors(lambda x: LA.eigh(sym(x), uplo)), _abs_vectors(lambda t: torch.linalg.eigh(sym(t), uplo)),
             [a])
    run_both(lambda x: LA.eigvalsh(sym(x), uplo), lambda t: torch.linalg.eigvalsh(sym(t), uplo), [a])
    s = tl.Session(dtype=np.float64)
    w, v = LA.eigh(s.input(a), uplo)  # values from the raw input's triangle, as torch
    tw, tv = torch.linalg.eigh(torch.tensor(a), uplo)
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(tv.numpy()), rtol=1e-8, atol=1e-10)


def test_eigvalsh_gradient_finite_at_repeated_eigenvalues():
    run_both(LA.eigvalsh, torch.linalg.eigvalsh, [np.eye(3)], compiled=False)


# ----- SVD, pinv, QR, lstsq -------------------------------------------------------------------------
def _svd_view(u, s, vh):
    return abs(u), s, abs(vh), u @ vh


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 2)])
def test_svd_matches_torch_up_to_signs(shape):
    a = RNG.standard_normal(shape)
    run_both(lambda x: _svd_view(*LA.svd(x, full_matrices=False)),
             lambda t: _svd_view(*torch.linalg.svd(t, full_matrices=False)), [a])
    run_both(LA.svdvals, torch.linalg.svdvals, [a])
    legacy = lambda r: (r[0], r[1], r[2].mT)  # torch.svd returns V, not Vh
    run_both(lambda x: _svd_view(*legacy(tl.svd(x))), lambda t: _svd_view(*legacy(torch.svd(t))), [a], compiled=False)
    run_both(lambda x: _svd_view(*legacy(x.svd())), lambda t: _svd_view(*legacy(t.svd())), [a], compiled=False)


def test_svd_full_matrices_completes_u_and_vh_orthogonally():
    s = tl.Session(dtype=np.float64)
    a = RNG.standard_normal((2, 5, 3))
    u, sv, vh = LA.svd(s.input(a))  # full_matrices=True by default, as torch
    assert u.shape == (2, 5, 5) and vh.shape == (2, 3, 3) and sv.shape == (2, 3)
    un = u.numpy()
    np.testing.assert_allclose(un.swapaxes(-1, -2) @ un, np.broadcast_to(np.eye(5), (2, 5, 5)), atol=1e-12)
    np.testing.assert_allclose((un[..., :3] * sv.numpy()[..., None, :]) @ vh.numpy(), a, atol=1e-12)
    run_both(lambda x: LA.svd(x)[0][..., :3].abs(), lambda t: torch.linalg.svd(t)[0][..., :3].abs(), [a])


def test_pinv_matches_torch():
    a = RNG.standard_normal((2, 3, 5))
    run_both(LA.pinv, torch.linalg.pinv, [a])
    run_both(lambda x: LA.pinv(x, hermitian=True), lambda t: torch.linalg.pinv(_lower_sym(t), hermitian=True),
             [RNG.standard_normal((4, 4))])
    run_both(lambda x: tl.pinverse(x), torch.pinverse, [a], compiled=False)
    low = RNG.standard_normal((4, 2)) @ RNG.standard_normal((2, 3))  # rank 2: tolerances drop the third
    for kw in ({}, {"rtol": 1e-3}, {"atol": 1e-6}, {"atol": 0.5, "rtol": 0.1}):
        run_both(lambda x, k=kw: LA.pinv(x, **k), lambda t, k=kw: torch.linalg.pinv(t, **k), [low], rtol=1e-7,
                 atol=1e-8, compiled=False)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 2, 4)])
def test_qr_matches_torch(shape):
    a = RNG.standard_normal(shape)
    run_both(lambda x: tuple(LA.qr(x)), lambda t: tuple(torch.linalg.qr(t)), [a])
    run_both(lambda x: tuple(tl.qr(x)), lambda t: tuple(torch.qr(t)), [a], compiled=False)
    s = tl.Session(dtype=np.float64)
    q, r = LA.qr(s.input(a), "r")  # torch cannot differentiate mode 'r'; the values are the same
    assert q.shape == (0,)
    np.testing.assert_allclose(r.numpy(), torch.linalg.qr(torch.tensor(a), "r")[1].numpy(), rtol=1e-10, atol=1e-12)
    if shape[-2] <= shape[-1]:
        run_both(lambda x: tuple(LA.qr(x, "complete")), lambda t: tuple(torch.linalg.qr(t, "complete")), [a],
                 compiled=False)


@pytest.mark.parametrize("driver", [None, "gelsy", "gels", "gelsd", "gelss"])
@pytest.mark.parametrize("ashape,bshape", [((5, 3), (5, 2)), ((2, 4), (2, 3)), ((2, 4, 3), (2, 4, 1))])
def test_lstsq_matches_torchs_cpu_drivers(driver, ashape, bshape):
    a, b = RNG.standard_normal(ashape), RNG.standard_normal(bshape)
    run_both(lambda x, y: tuple(LA.lstsq(x, y, driver=driver)),
             lambda x, y: tuple(torch.linalg.lstsq(x, y, driver=driver)), [a, b], compiled=False)


def test_tensor_methods_and_top_level_names():
    a = _spd(2, 3, 3)
    run_both(lambda x: tuple(x.slogdet()), lambda t: tuple(t.slogdet()), [a], compiled=False)
    run_both(lambda x: x.cholesky(), lambda t: _lower_sym(t).cholesky(), [a], compiled=False)  # one triangle
    run_both(lambda x: x.pinverse(), lambda t: t.pinverse(), [a], compiled=False)
    run_both(lambda x: tuple(x.qr()), lambda t: tuple(t.qr()), [a], compiled=False)
    run_both(lambda x: x.mH, lambda t: t.mH, [a], compiled=False)
    s = tl.Session(dtype=np.float64)
    u, sv, v = tl.svd(s.input(a[0]), compute_uv=False)  # torch: zero-filled U and V
    tu, tsv, tv = torch.svd(torch.tensor(a[0]), compute_uv=False)
    assert u.numpy().tolist() == tu.numpy().tolist() and v.numpy().tolist() == tv.numpy().tolist()
    np.testing.assert_allclose(sv.numpy(), tsv.numpy(), rtol=1e-12)
    for name in ("cdist", "det", "logdet", "slogdet", "inverse", "cholesky", "pinverse", "svd", "qr", "matrix_power"):
        assert name in tl.__all__ and callable(getattr(tl, name))
    import torchlean.linalg

    assert torchlean.linalg is tl.linalg and set(torchlean.linalg.__all__) >= {"inv", "svd", "norm", "eigh"}
