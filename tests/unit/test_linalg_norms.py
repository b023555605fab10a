"""``tl.linalg.vector_norm``, ``matrix_norm`` and ``norm`` against torch.linalg: values, gradients
(at zeros and ties too, where torch defines a subgradient), dispatch rules and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.linalg as LA

from .linalg_check import refuses, run_both

RNG = np.random.default_rng(11)
ORDS = [2, 1, 0, 0.5, 1.5, 3, -1, -2.5, math.inf, -math.inf]


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, True), ((0, 2), False), (-1, False), ((), True)])
def test_vector_norm_matches_torch(ord, dim, keepdim):  # noqa: A002
    a = RNG.standard_normal((3, 4, 2))
    run_both(lambda x: LA.vector_norm(x, ord, dim, keepdim), lambda t: torch.linalg.vector_norm(t, ord, dim, keepdim),
             [a])


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_gradient_at_zeros_is_torchs(ord):  # noqa: A002
    # a zero vector, a vector with a zero entry, ties for +-inf: torch's subgradients
    a = np.array([[0.0, 0.0, 0.0], [0.0, 1.5, -2.0], [2.0, -2.0, 1.0], [0.0, 0.0, 3.0]])
    run_both(lambda x: LA.vector_norm(x, ord, dim=1), lambda t: torch.linalg.vector_norm(t, ord, dim=1), [a],
             compiled=False)


def test_vector_norm_of_a_scalar_and_dtype():
    run_both(lambda x: LA.vector_norm(x, 3, 0, True), lambda t: torch.linalg.vector_norm(t, 3, 0, True),
             [np.array(-2.5)])
    s = tl.Session(dtype=np.float32)
    x = s.input(np.ones((2, 2), np.float32))
    y = LA.vector_norm(x, dtype=np.float64)
    assert y.dtype == np.float64 and y.item() == 2.0


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 1), False)])
def test_matrix_norm_matches_torch(ord, dim, keepdim):  # noqa: A002
    a = RNG.standard_normal((3, 4, 5))
    run_both(lambda x: LA.matrix_norm(x, ord, dim, keepdim), lambda t: torch.linalg.matrix_norm(t, ord, dim, keepdim),
             [a])


def test_spectral_norms_of_the_identity_have_finite_gradients():
    # repeated singular values: torch's gradient is U diag(g) Vh, finite
    for p in ("nuc", 2, -2):
        run_both(lambda x, o=p: LA.matrix_norm(x, o), lambda t, o=p: torch.linalg.matrix_norm(t, o),
                 [np.eye(3)], compiled=False)


@pytest.mark.parametrize("shape,ord,dim", [
    ((5,), None, None), ((5,), 3, None), ((3, 4), None, None), ((3, 4), 2, None), ((3, 4), "nuc", None),
    ((2, 3, 4), None, None), ((2, 3, 4), 0.5, 2), ((2, 3, 4), "fro", (0, 1)), ((2, 3, 4), -1, (2, 0)),
    ((2, 3, 4), None, (1,)),
])
def test_norm_dispatch_matches_torch(shape, ord, dim):  # noqa: A002
    a = RNG.standard_normal(shape)
    for keepdim in (False, True):
        run_both(lambda x, k=keepdim: LA.norm(x, ord, dim, k), lambda t, k=keepdim: torch.linalg.norm(t, ord, dim, k),
                 [a])


def test_norm_is_reachable_as_tl_linalg_and_differs_from_tl_norm():
    import torchlean

    assert torchlean.linalg.norm is LA.norm is tl.linalg.norm
    s = tl.Session(dtype=np.float64)
    x = s.input(RNG.standard_normal((3, 4)))
    # torch.norm(x, 2) is the 2-norm of all entries; torch.linalg.norm(x, 2) the spectral norm
    assert tl.norm(x, 2).item() == pytest.approx(torch.norm(torch.tensor(x.numpy()), 2).item())
    assert LA.norm(x, 2).item() == pytest.approx(torch.linalg.norm(torch.tensor(x.numpy()), 2).item())
    assert LA.norm(x, 2).item() < tl.norm(x, 2).item()


def test_norm_errors_name_the_function_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    x = s.input(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    i = s.input(np.arange(6).reshape(2, 3))
    empty, vec = s.input(np.zeros((0, 3))), s.input(np.ones(3))
    refuses(lambda: LA.vector_norm(i), s, tl.DTypeError, "linalg.vector_norm", "int64")
    refuses(lambda: LA.vector_norm(x, "fro"), s, tl.ArgumentError, "linalg.vector_norm", "ord")
    refuses(lambda: LA.vector_norm(x, dtype=np.int64), s, tl.DTypeError, "linalg.vector_norm", "dtype")
    refuses(lambda: LA.vector_norm(empty, math.inf, 0), s, tl.ShapeError, "inf norm", "empty")
    refuses(lambda: LA.matrix_norm(vec), s, tl.ShapeError, "linalg.matrix_norm", "(3,)")
    refuses(lambda: LA.matrix_norm(x, 3), s, tl.ArgumentError, "linalg.matrix_norm", "order 3")
    refuses(lambda: LA.matrix_norm(x, "fro", (1, 1)), s, tl.ShapeError, "different")
    refuses(lambda: LA.matrix_norm(x, "fro", (0, 5)), s, tl.ShapeError, "out of range")
    refuses(lambda: LA.norm(x, 2), s, tl.ShapeError, "linalg.norm", "1-D or 2-D", "(2, 3, 4)")
    refuses(lambda: LA.norm(vec, "fro"), s, tl.ShapeError, "linalg.norm", "2-D")
    refuses(lambda: LA.norm(x, None, (0, 1, 2)), s, tl.ArgumentError, "linalg.norm", "dim")
    refuses(lambda: LA.norm(x, out=x), s, tl.ArgumentError, "out=")
    refuses(lambda: LA.matrix_norm(x, keepdim=1), s, tl.ArgumentError, "keepdim")
