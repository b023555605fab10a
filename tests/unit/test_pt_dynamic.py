"""``pt/dynamic.py``: the eager-only functions whose result's shape depends on the values
(``masked_select nonzero argwhere unique unique_consecutive bincount histc``) against torch, the
gradient of ``masked_select``, and the refusal under ``tl.compile`` (a ``ShapeError`` naming the
op, nothing recorded).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl

RNG = np.random.default_rng(3)


def _same(got, want):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == tuple(w.shape) and g.dtype == np.dtype(str(w.dtype).replace("torch.", "")), (g, w)
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_masked_select_values_broadcast_and_gradient():
    x = RNG.standard_normal((3, 4))
    m = RNG.random((4,)) > 0.4
    s = tl.Session(dtype=np.float64)
    v = s.input(x, requires_grad=True)
    got = v.masked_select(s.input(m))
    t = torch.tensor(x, requires_grad=True)
    want = torch.masked_select(t, torch.tensor(m))
    np.testing.assert_array_equal(got.numpy(), want.detach().numpy())
    cot = RNG.standard_normal(want.shape)
    (got * s.input(cot)).sum().backward()
    (want * torch.tensor(cot)).sum().backward()
    np.testing.assert_array_equal(np.asarray(v.grad), t.grad.numpy())
    small = tl.masked_select(s.input(np.array([1.0, 2.0])), s.input(np.ones((3, 2), bool)))
    assert small.shape == (6,)


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 2)])
def test_nonzero_argwhere(shape):
    x = RNG.integers(-1, 2, shape).astype(float)
    if shape == ():
        x = np.array(2.0)
    s = tl.Session(dtype=np.float64)
    v = s.input(x)
    t = torch.tensor(x)
    _same(v.nonzero(), torch.nonzero(t))
    _same(tl.nonzero(v, as_tuple=True), torch.nonzero(t, as_tuple=True))
    _same(tl.argwhere(v), torch.argwhere(t))
    z = s.input(np.zeros(shape))
    _same(z.nonzero(), torch.nonzero(torch.zeros(shape, dtype=torch.float64)))
    _same(tl.nonzero(z, as_tuple=True), torch.nonzero(torch.zeros(shape, dtype=torch.float64), as_tuple=True))


UNIQUE = [((3, 1, 2, 3, 1, 0), None), ((2.0, np.nan, 1.0, np.nan, 2.0), None), (((1, 2), (1, 2), (0, 5)), 0),
          (((1, 2, 1), (3, 2, 3)), 1), (((1, 2, 1), (3, 2, 3)), -1), ((True, False, True), None), (4.0, None),
          (((1, 2), (1, 2)), None)]


@pytest.mark.parametrize("data,dim", UNIQUE)
@pytest.mark.parametrize("inverse,counts", [(False, False), (True, False), (False, True), (True, True)])
def test_unique(data, dim, inverse, counts):
    x = np.array(data)
    s = tl.Session(dtype=np.float64)
    t = torch.tensor(x)
    kw = {"return_inverse": inverse, "return_counts": counts, "dim": dim}
    _same(tl.unique(s.input(x), **kw), torch.unique(t, **kw))
    _same(s.input(x).unique(sorted=False, **kw), torch.unique(t, sorted=False, **kw))


@pytest.mark.parametrize("data,dim", [((1, 1, 2, 2, 3, 1, 1), None), ((np.nan, np.nan, 1.0), None),
                                      (((1, 2), (1, 2), (0, 5), (1, 2)), 0), (((1, 1, 2), (3, 3, 2)), 1)])
def test_unique_consecutive(data, dim):
    x = np.array(data)
    s = tl.Session(dtype=np.float64)
    for kw in ({}, {"return_inverse": True}, {"return_counts": True}, {"return_inverse": True, "return_counts": True}):
        _same(s.input(x).unique_consecutive(dim=dim, **kw), torch.unique_consecutive(torch.tensor(x), dim=dim, **kw))


def test_bincount():
    x = np.array([1, 3, 3, 0, 7])
    s = tl.Session(dtype=np.float64)
    v = s.input(x)
    t = torch.tensor(x)
    _same(v.bincount(), torch.bincount(t))
    _same(tl.bincount(v, minlength=10), torch.bincount(t, minlength=10))
    w = RNG.standard_normal(5)
    _same(tl.bincount(v, s.input(w)), torch.bincount(t, torch.tensor(w)))
    _same(tl.bincount(v, s.input(np.array([1, 2, 3, 4, 5]))), torch.bincount(t, torch.tensor([1, 2, 3, 4, 5])))
    _same(tl.bincount(s.input(np.zeros(0, np.int64))), torch.bincount(torch.zeros(0, dtype=torch.long)))
    s32 = tl.Session()
    got = tl.bincount(s32.input(x), s32.input(w.astype(np.float32)))
    assert got.dtype == np.float32


@pytest.mark.parametrize("kw", [{}, {"bins": 4}, {"bins": 5, "min": -1, "max": 1}, {"bins": 3, "min": 0.5, "max": 0.5}])
def test_histc(kw):
    x = np.concatenate([RNG.standard_normal(40), [-1.0, 1.0]])
    s = tl.Session(dtype=np.float64)
    _same(s.input(x).histc(**kw), torch.histc(torch.tensor(x), **kw))
    if kw.get("min", 0) != kw.get("max", 0):  # an explicit range drops NaN
        nan = np.append(x, np.nan)
        _same(s.input(nan).histc(**kw), torch.histc(torch.tensor(nan), **kw))
    _same(tl.histc(s.input(np.array([2.0, 2.0])), bins=4), torch.histc(torch.tensor([2.0, 2.0], dtype=torch.float64),
                                                                       bins=4))
    edges = np.linspace(0, 1, 11)  # values on the bin edges go where torch puts them
    _same(tl.histc(s.input(edges), bins=10, min=0, max=1), torch.histc(torch.tensor(edges), bins=10, min=0, max=1))


DYNAMIC = [
    ("masked_select", lambda v, m: tl.masked_select(v, m)), ("nonzero", lambda v, m: v.nonzero()),
    ("argwhere", lambda v, m: tl.argwhere(v)), ("unique", lambda v, m: v.unique()),
    ("unique_consecutive", lambda v, m: tl.unique_consecutive(v)), ("histc", lambda v, m: v.histc()),
    ("bincount", lambda v, m: tl.bincount(v.long())),
]


@pytest.mark.parametrize("name,fn", DYNAMIC, ids=[d[0] for d in DYNAMIC])
def test_traced_calls_raise_naming_the_op(name, fn):
    s = tl.Session(dtype=np.float64)
    x, m = s.input(np.array([1.0, 0.0, 2.0])), s.input(np.array([True, False, True]))
    with pytest.raises(tl.ShapeError, match=f"{name}: the result's shape depends on the tensor's values"):
        tl.compile(fn)(x, m)
    assert fn(x, m).numpy().size > 0  # eagerly it works


def test_errors_name_the_op_and_record_nothing():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.array([1.0, 0.0, 2.0]), requires_grad=True)
    m_int = s.input(np.array([1, 0, 1]))
    neg = s.input(np.array([1, -1]))
    mat = s.input(np.ones((2, 2), np.int64))
    w = s.input(np.ones(2))
    e = s.input(np.zeros((0, 3)))
    xnan = s.input(np.array([1.0, np.nan]))
    n = len(s.tape.nodes)
    cases = [
        (lambda: tl.masked_select(x, m_int), tl.DTypeError, "masked_select: expected a bool mask, got int64"),
        (lambda: tl.bincount(x), tl.DTypeError, "bincount: only 1-D integer tensors"),
        (lambda: tl.bincount(mat), tl.DTypeError, "bincount: only 1-D integer tensors"),
        (lambda: tl.bincount(neg), tl.ArgumentError, "bincount: input must be non-negative"),
        (lambda: tl.bincount(m_int, w), tl.ShapeError, r"bincount: weights must have input's shape \(3,\)"),
        (lambda: tl.bincount(m_int, minlength=-1), tl.ArgumentError, "bincount: minlength"),
        (lambda: tl.histc(m_int), tl.DTypeError, "histc: expected a float tensor, got int64"),
        (lambda: tl.histc(x, bins=0), tl.ArgumentError, "histc: bins must be > 0"),
        (lambda: tl.histc(x, min=2, max=1), tl.ArgumentError, "histc: max must be larger than min"),
        (lambda: tl.histc(xnan), tl.ArgumentError, r"histc: range of \[nan, nan\] is not finite"),
        (lambda: tl.unique(x, dim=1), tl.ShapeError, "unique"),
        (lambda: tl.unique(e, dim=1), tl.ShapeError, "unique: there are 0-sized dimensions"),
        (lambda: tl.unique_consecutive(x, dim="a"), tl.ArgumentError, "unique_consecutive: dim must be an int"),
        (lambda: tl.nonzero(x, as_tuple=1), tl.ArgumentError, "nonzero: as_tuple must be a bool"),
        (lambda: tl.nonzero(x, out=x), tl.ArgumentError, "nonzero: out= is not supported"),
    ]
    for f, err, msg in cases:
        with pytest.raises(err, match=msg):
            f()
        assert len(s.tape.nodes) == n, msg


def test_methods_and_functions_exist():
    from torchlean.compiled.ir import Var
    from torchlean.eager.tensor import TensorRef

    for n in ("masked_select", "nonzero", "argwhere", "unique", "unique_consecutive", "bincount", "histc"):
        assert hasattr(TensorRef, n) and hasattr(Var, n) and hasattr(torch.Tensor, n), n
        assert hasattr(tl, n) and hasattr(torch, n), n
