"""``tl.linalg``'s products and constructions (``vecdot multi_dot matrix_power cross diagonal
vander``) and ``tl.cdist`` against torch: values, gradients (``cdist`` at zero distance and at
``p = inf`` ties too), integer inputs and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchlean as tl
import torchlean.linalg as LA

from .linalg_check import refuses, run_both

RNG = np.random.default_rng(5)


def test_vecdot_broadcasts_over_dim():
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((3, 1))
    run_both(lambda x, y: LA.vecdot(x, y), lambda x, y: torch.linalg.vecdot(x, y), [a, RNG.standard_normal(4)])
    run_both(lambda x, y: LA.vecdot(x, y, dim=1), lambda x, y: torch.linalg.vecdot(x, y, dim=1), [a, b])


@pytest.mark.parametrize("shapes", [[(3,), (3, 4), (4, 2), (2,)], [(5, 2), (2, 6), (6, 3), (3, 7)], [(4,), (4,)],
                                    [(2, 3), (3,)]])
def test_multi_dot_matches_torch(shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    run_both(lambda *ms: LA.multi_dot(list(ms)), lambda *ms: torch.linalg.multi_dot(list(ms)), arrays)


def test_multi_dot_and_matrix_power_take_int64():
    a, b = RNG.integers(-3, 4, (2, 3)), RNG.integers(-3, 4, (3, 2))
    run_both(lambda x, y: LA.multi_dot([x, y]), lambda x, y: torch.linalg.multi_dot([x, y]), [a, b])
    m = RNG.integers(-2, 3, (2, 3, 3))
    run_both(lambda x: LA.matrix_power(x, 5), lambda x: torch.linalg.matrix_power(x, 5), [m])


@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power_matches_torch(n):
    a = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    run_both(lambda x: LA.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), [a])
    run_both(lambda x: tl.matrix_power(x, n), lambda x: torch.matrix_power(x, n), [a], compiled=False)
    run_both(lambda x: x.matrix_power(n), lambda x: x.matrix_power(n), [a], compiled=False)


def test_cross_and_diagonal():
    a, b = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((1, 4, 3))
    run_both(lambda x, y: LA.cross(x, y), lambda x, y: torch.linalg.cross(x, y), [a, b])
    c = RNG.standard_normal((3, 3, 2))
    run_both(lambda x, y: LA.cross(x, y, dim=0), lambda x, y: torch.linalg.cross(x, y, dim=0), [c, c[:, ::-1]])
    d = RNG.standard_normal((2, 3, 4))
    for kw in ({}, {"offset": 1}, {"offset": -1, "dim1": 0, "dim2": 2}):
        run_both(lambda x, k=kw: LA.diagonal(x, **k), lambda x, k=kw: torch.linalg.diagonal(x, **k), [d])


@pytest.mark.parametrize("shape,N", [((4,), None), ((2, 3), 5), ((), 2), ((3,), 2)])
def test_vander_matches_torch_gradient_exact_at_zero(shape, N):
    x = RNG.standard_normal(shape)
    if x.ndim:
        x[..., 0] = 0.0  # d/dx x^k at 0: exact (repeated products, not powers)
    run_both(lambda v: LA.vander(v, N=N), lambda v: torch.linalg.vander(v, N=N), [x])
    run_both(lambda v: LA.vander(v, N=N), lambda v: torch.linalg.vander(v, N=N), [np.array([1, -2, 3])])


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 1.5, 3.0, math.inf, 0.0])
def test_cdist_matches_torch_with_zero_distances(p):
    a, b = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 5, 3))
    b[0, 0] = a[0, 0]  # a zero distance: gradient 0, as torch
    b[1, 2, :2] = a[1, 1, :2]  # zero coordinate differences
    for mode in ("use_mm_for_euclid_dist_if_necessary", "donot_use_mm_for_euclid_dist"):
        run_both(lambda x, y, m=mode: tl.cdist(x, y, p, m), lambda x, y, m=mode: torch.cdist(x, y, p, m), [a, b])


def test_cdist_inf_ties_get_the_whole_gradient_as_torch():
    a, b = np.array([[1.0, 2.0, 0.5]]), np.array([[3.0, 0.0, 0.0]])  # |diff| = (2, 2, 0.5): a tie
    run_both(lambda x, y: tl.cdist(x, y, math.inf), lambda x, y: torch.cdist(x, y, math.inf), [a, b])
    s = tl.Session(dtype=np.float64)
    x = s.input(a, requires_grad=True)
    tl.cdist(x, s.input(b), math.inf).sum().backward()
    assert x.grad.tolist() == [[-1.0, 1.0, 0.0]]  # vector_norm would split it: -0.5, 0.5


def test_cdist_broadcasts_batches():
    a, b = RNG.standard_normal((2, 1, 3, 2)), RNG.standard_normal((4, 5, 2))
    run_both(lambda x, y: tl.cdist(x, y), lambda x, y: torch.cdist(x, y), [a, b])


def test_product_errors_name_the_function_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    m = s.input(RNG.standard_normal((2, 3)), requires_grad=True)
    sq = s.input(RNG.standard_normal((3, 3)), requires_grad=True)
    v, i = s.input(RNG.standard_normal(3)), s.input(np.arange(3))
    cube, two = s.input(np.ones((3, 2, 2))), s.input(np.ones((4, 2)))
    im = s.input(np.ones((2, 3), np.int64))
    refuses(lambda: LA.vecdot(i, i), s, tl.DTypeError, "linalg.vecdot", "int64")
    refuses(lambda: LA.multi_dot([m]), s, tl.ArgumentError, "linalg.multi_dot", "at least 2")
    refuses(lambda: LA.multi_dot([m, m]), s, tl.ShapeError, "linalg.multi_dot", "(2, 3)")
    refuses(lambda: LA.multi_dot([m, cube]), s, tl.ShapeError, "linalg.multi_dot", "2-D")
    refuses(lambda: LA.matrix_power(m, 2), s, tl.ShapeError, "linalg.matrix_power", "square", "(2, 3)")
    refuses(lambda: LA.matrix_power(sq, 1.5), s, tl.ArgumentError, "linalg.matrix_power", "n")
    refuses(lambda: LA.vander(v, N=1), s, tl.ArgumentError, "linalg.vander", "N")
    refuses(lambda: LA.cross(m, v), s, tl.ShapeError, "number of dimensions")
    refuses(lambda: tl.cdist(v, m), s, tl.ShapeError, "cdist", "at least 2")
    refuses(lambda: tl.cdist(m, two), s, tl.ShapeError, "cdist", "columns")
    refuses(lambda: tl.cdist(m, m, -1.0), s, tl.ArgumentError, "cdist", "non-negative")
    refuses(lambda: tl.cdist(m, m, compute_mode="fast"), s, tl.ArgumentError, "cdist", "compute_mode")
    refuses(lambda: tl.cdist(m, im), s, tl.DTypeError, "cdist", "x2", "int64")
