"""The shape family's additions against torch (CPU, float64): sorting/selection, products and
diagonals, shape ops, functional indexing writes, and the memory/metadata methods. Values and
gradients eagerly and under ``tl.compile``, every option, ties, int64 indices, and bad
arguments (a torchlean error naming the op, nothing recorded on the tape)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean._core.errors import ArgumentError, DeviceError, DTypeError, ShapeError, TorchLeanError

RNG = np.random.default_rng(7)


def _normal(*shape):
    return RNG.standard_normal(shape)


def _run(fn, tfn, arrays, *, compiled=True, exact_index=True):
    """fn(*tl tensors) vs tfn(*torch tensors): values, int64 outputs exactly, and the gradient of
    a random weighting of the float outputs, eagerly and compiled."""
    s = tl.Session(dtype=np.float64)
    xs = [s.input(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out, ref = fn(*xs), tfn(*ts)
    outs = out if isinstance(out, tuple) else (out,)
    refs = tuple(ref) if isinstance(ref, (tuple, list)) else (ref,)
    assert len(outs) == len(refs)
    weights = []
    for o, r in zip(outs, refs):
        assert o.shape == tuple(r.shape)
        if r.dtype == torch.int64:
            assert o.dtype == np.int64
            if exact_index:
                np.testing.assert_array_equal(o.numpy(), r.numpy())
        else:
            np.testing.assert_allclose(o.numpy(), r.detach().numpy(), rtol=1e-12, atol=1e-12)
        weights.append(RNG.standard_normal(o.shape) if o.dtype == np.float64 else None)
    floats = [(o, r, w) for o, r, w in zip(outs, refs, weights) if w is not None]
    if not floats or not any(a.dtype.kind == "f" for a in arrays):
        return s, outs
    loss = sum((o * s.input(w)).sum() for o, _, w in floats)
    tloss = sum((r * torch.tensor(w)).sum() for _, r, w in floats)
    loss.backward()
    tloss.backward()
    for x, t in zip(xs, ts):
        if t.requires_grad:
            want = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            np.testing.assert_allclose(np.zeros(t.shape) if x.grad is None else x.grad, want, rtol=1e-12,
                                       atol=1e-12)
    if compiled:
        s2 = tl.Session(dtype=np.float64)
        live = [w for w in weights if w is not None]
        n = len(arrays)

        def g(*args):
            o = fn(*args[:n])
            os_ = o if isinstance(o, tuple) else (o,)
            ws = iter(args[n:])
            return sum((v * next(ws)).sum() for v, w in zip(os_, weights) if w is not None)

        cg = tl.compile(g)
        ys = [s2.input(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        val = cg(*ys, *(s2.input(w) for w in live))
        np.testing.assert_allclose(val.item(), tloss.item(), rtol=1e-10, atol=1e-10)
        val.backward()
        for y, t in zip(ys, ts):
            if t.requires_grad:
                want = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
                np.testing.assert_allclose(np.zeros(t.shape) if y.grad is None else y.grad, want, rtol=1e-10,
                                           atol=1e-10)
    return s, outs


def _refuses(exc, fn, *arrays, match=None):
    s = tl.Session(dtype=np.float64)
    xs = [s.input(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    before = len(s.tape.nodes)
    with pytest.raises(exc, match=match):
        fn(*xs)
    assert len(s.tape.nodes) == before


# ----- sorting and selection ----------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1, -2])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_and_argsort(dim, descending):
    a = _normal(4, 5)
    _run(lambda x: tl.sort(x, dim, descending), lambda t: torch.sort(t, dim, descending), [a])
    _run(lambda x: x.sort(dim=dim, descending=descending, stable=True),
         lambda t: t.sort(dim=dim, descending=descending, stable=True), [a])
    _run(lambda x: x.argsort(dim, descending), lambda t: t.argsort(dim, descending), [a])


@pytest.mark.parametrize("descending", [False, True])
def test_sort_ties_keep_index_order_like_torch_stable(descending):
    a = np.array([[2.0, 1.0, 2.0, 0.0, 1.0, 2.0], [3.0, 3.0, 3.0, 3.0, -1.0, 3.0]])
    _run(lambda x: tl.sort(x, -1, descending), lambda t: torch.sort(t, dim=-1, descending=descending, stable=True), [a])
    i = np.array([[3, 1, 3, 1], [0, 0, 2, -1]])
    _run(lambda x: x.sort(1, descending), lambda t: t.sort(dim=1, descending=descending, stable=True), [i])
    b = np.array([True, False, True, False])
    _run(lambda x: x.argsort(0, descending), lambda t: t.argsort(dim=0, descending=descending, stable=True), [b])


def test_sort_nan_is_largest_and_0d():
    a = np.array([1.0, np.nan, 0.0, np.nan, -2.0])
    for desc in (False, True):
        s = tl.Session(dtype=np.float64)
        v, i = s.input(a).sort(descending=desc)
        tv, ti = torch.tensor(a).sort(descending=desc, stable=True)
        np.testing.assert_array_equal(v.numpy(), tv.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
    _run(lambda x: x.sort(), lambda t: t.sort(), [np.array(2.5)])
    _run(lambda x: tl.msort(x), lambda t: torch.msort(t), [_normal(5, 3)])


@pytest.mark.parametrize("k,dim,largest", [(3, -1, True), (2, 0, False), (5, 1, True), (0, 1, False), (1, -2, True)])
def test_topk(k, dim, largest):
    _run(lambda x: tl.topk(x, k, dim, largest), lambda t: torch.topk(t, k, dim, largest), [_normal(4, 5)])
    _run(lambda x: x.topk(k, dim=dim, largest=largest, sorted=True),
         lambda t: t.topk(k, dim=dim, largest=largest, sorted=True), [_normal(4, 5)])


def test_topk_ties_give_valid_indices_and_values():
    a = np.array([[3.0, 1, 3, 1, 2, 1], [2, 2, 5, 5, 0, 0]])
    s = tl.Session(dtype=np.float64)
    x = s.input(a)
    v, i = x.topk(3, 1)
    tv, _ = torch.tensor(a).topk(3, 1)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(np.take_along_axis(a, i.numpy(), 1), v.numpy())
    assert i.numpy().tolist() == [[0, 2, 4], [2, 3, 0]]  # ties in index order


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (3, 0, True), (5, 1, False), (2, -2, True)])
def test_kthvalue(k, dim, keepdim):
    _run(lambda x: tl.kthvalue(x, k, dim, keepdim), lambda t: torch.kthvalue(t, k, dim, keepdim), [_normal(4, 5)])


@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_median_dim_and_all(dim, keepdim):
    for shape in ((4, 5), (3, 6)):
        _run(lambda x: x.median(dim, keepdim), lambda t: t.median(dim, keepdim), [_normal(*shape)])
    _run(lambda x: tl.median(x), lambda t: torch.median(t), [_normal(4, 6)])
    _run(lambda x: x.median(), lambda t: t.median(), [_normal(7)])


def test_median_is_the_lower_median_with_ties_and_nan():
    s = tl.Session(dtype=np.float64)
    a = np.array([4.0, 2, 2, 4, 4, 1, 2, 2])
    v, i = s.input(a).median(0)
    assert v.item() == torch.tensor(a).median().item() == 2.0
    assert a[i.item()] == 2.0 and i.dtype == np.int64
    n = np.array([[1.0, np.nan, 0.0, np.nan], [3.0, 1.0, 2.0, 0.0]])
    v, i = s.input(n).median(1)
    tv, ti = torch.tensor(n).median(1)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert np.isnan(s.input(n).median().item())


def test_mode_smallest_most_frequent_last_index():
    a = np.array([[3.0, 1, 3, 1, 2, 1], [2, 2, 5, 5, 0, 0], [7, 7, 7, 1, 1, 1]])
    _run(lambda x: x.mode(1), lambda t: t.mode(1), [a])
    _run(lambda x: tl.mode(x, 0, True), lambda t: torch.mode(t, 0, True), [a])
    _run(lambda x: x.mode(), lambda t: t.mode(), [np.array([[1, 2, 2], [0, 0, 3]])])


def test_sorting_bad_arguments():
    a = _normal(3, 4)
    _refuses(ShapeError, lambda x: x.topk(5, 1), a, match=r"topk: k must be in \[0, 4\].*got k=5")
    _refuses(ShapeError, lambda x: x.kthvalue(0), a, match="kthvalue: k must be in")
    _refuses(ShapeError, lambda x: x.sort(2), a, match="sort")
    _refuses(ArgumentError, lambda x: x.sort(descending=1), a, match="sort: descending must be a bool")
    _refuses(ArgumentError, lambda x: x.topk(1.5), a, match="topk: k must be an int")
    _refuses(ShapeError, lambda x: x.median(1), np.zeros((3, 0)), match="median")


def test_sorting_in_traced_code_and_indices_take_no_gradient():
    def f(x):
        v, i = x.sort(1, descending=True)
        return v[:, 0].sum() + i.sum().double() * 0

    s = tl.Session(dtype=np.float64)
    a = _normal(3, 4)
    x = s.input(a, requires_grad=True)
    tl.compile(f)(x).backward()
    want = (a == a.max(1, keepdims=True)).astype(float)
    np.testing.assert_array_equal(x.grad, want)


# ----- products and diagonals -----------------------------------------------------------------
LINALG = [
    ("dot", (5,), (5,), {}), ("vdot", (4,), (4,), {}), ("inner", (2, 4), (3, 4), {}), ("inner", (3,), (), {}),
    ("ger", (3,), (4,), {}), ("outer", (3,), (2,), {}), ("kron", (2, 3), (3, 2), {}), ("kron", (3,), (2, 2), {}),
    ("cross", (4, 3), (4, 3), {"dim": 1}), ("cross", (3, 2), (3, 1), {"dim": -2}), ("cross", (2, 3), (2, 3), {}),
    ("mv", (3, 4), (4,), {}), ("tensordot", (2, 3, 4), (3, 4, 2), {"dims": 2}),
    ("tensordot", (2, 3), (3, 2), {"dims": ([0], [1])}), ("tensordot", (2, 3), (4,), {"dims": 0}),
]


@pytest.mark.parametrize("name,sa,sb,kw", LINALG)
def test_binary_products(name, sa, sb, kw):
    a, b = _normal(*sa), _normal(*sb)
    _run(lambda x, y: getattr(tl, name)(x, y, **kw), lambda x, y: getattr(torch, name)(x, y, **kw), [a, b])
    if name not in ("tensordot",):
        _run(lambda x, y: getattr(x, name)(y, **kw), lambda x, y: getattr(x, name)(y, **kw), [a, b])


def test_integer_products():
    i, j = np.arange(6).reshape(2, 3), np.arange(3)
    _run(lambda x, y: tl.kron(x, y), lambda x, y: torch.kron(x, y), [i, j])
    _run(lambda x, y: x.dot(y), lambda x, y: x.dot(y), [j, j])
    _run(lambda x: x.trace(), lambda x: x.trace(), [np.arange(9).reshape(3, 3)])


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, -1.0)])
def test_add_products(beta, alpha):
    kw = {"beta": beta, "alpha": alpha}
    c = _normal(3, 5)
    _run(lambda c, a, b: tl.baddbmm(c, a, b, **kw), lambda c, a, b: torch.baddbmm(c, a, b, **kw),
         [c, _normal(2, 3, 4), _normal(2, 4, 5)])
    _run(lambda c, a, b: c.addbmm(a, b, **kw), lambda c, a, b: c.addbmm(a, b, **kw),
         [c, _normal(2, 3, 4), _normal(2, 4, 5)])
    _run(lambda c, a, b: tl.addmv(c, a, b, **kw), lambda c, a, b: torch.addmv(c, a, b, **kw),
         [_normal(3), _normal(3, 4), _normal(4)])
    _run(lambda c, a, b: c.addr(a, b, **kw), lambda c, a, b: c.addr(a, b, **kw),
         [_normal(3, 4), _normal(3), _normal(4)])


def test_beta_zero_ignores_nan_input():
    s = tl.Session(dtype=np.float64)
    c = s.input(np.full((3,), np.nan))
    y = tl.addmv(c, s.input(np.ones((3, 2))), s.input(np.ones(2)), beta=0)
    assert y.numpy().tolist() == [2.0, 2.0, 2.0]


def test_chain_matmul():
    ms = [_normal(2, 3), _normal(3, 4), _normal(4, 2)]
    _run(lambda *m: tl.chain_matmul(*m), lambda *m: torch.linalg.multi_dot(m), ms)


@pytest.mark.parametrize("offset,d1,d2", [(0, 0, 1), (1, 0, 1), (-1, 1, 0), (2, -1, 0), (-3, 0, 2), (5, 0, 1)])
def test_diagonal_and_diag_embed(offset, d1, d2):
    _run(lambda x: x.diagonal(offset, d1, d2), lambda t: t.diagonal(offset, d1, d2), [_normal(3, 4, 2)])
    _run(lambda x: tl.diagonal(x, offset=offset, dim1=d1, dim2=d2),
         lambda t: torch.diagonal(t, offset=offset, dim1=d1, dim2=d2), [_normal(3, 4, 2)])
    _run(lambda x: x.diag_embed(offset, d1, d2), lambda t: t.diag_embed(offset, d1, d2), [_normal(2, 3)])


@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag_and_trace(k):
    _run(lambda x: x.diag(k), lambda t: t.diag(k), [_normal(4)])
    _run(lambda x: tl.diag(x, k), lambda t: torch.diag(t, k), [_normal(3, 4)])
    _run(lambda x: tl.trace(x), lambda t: torch.trace(t), [_normal(3, 4)])


def test_linalg_bad_arguments():
    _refuses(ShapeError, lambda a, b: tl.dot(a, b), _normal(3), _normal(4), match=r"dot: .*\(3,\) and \(4,\)")
    _refuses(ShapeError, lambda a, b: a.mv(b), _normal(3, 4), _normal(3), match="mv: expected")
    _refuses(ShapeError, lambda a, b: tl.cross(a, b, dim=1), _normal(3, 2), _normal(3, 2), match="cross: dimension 1")
    _refuses(ShapeError, lambda a: a.trace(), _normal(3), match="trace: expected a 2-D")
    _refuses(ShapeError, lambda a: a.diagonal(0, 1, 1), _normal(3, 3), match="diagonal: dim1 and dim2 must differ")
    _refuses(ShapeError, lambda a, b: tl.tensordot(a, b, 3), _normal(2, 3), _normal(3, 2), match="tensordot")
    _refuses(DTypeError, lambda a, b: tl.kron(a, b), _normal(2), np.arange(2), match="kron: expected tensors of one")
    _refuses(ShapeError, lambda c, a, b: c.baddbmm(a, b), _normal(3, 5), _normal(2, 3, 4), _normal(3, 4, 5),
             match="baddbmm")


# ----- shape ops --------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 6])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-1, 0)])
def test_rot90(k, dims):
    _run(lambda x: x.rot90(k, dims), lambda t: t.rot90(k, dims), [_normal(2, 3, 4)])


def test_flips():
    _run(lambda x: x.fliplr(), lambda t: t.fliplr(), [_normal(2, 3, 4)])
    _run(lambda x: tl.flipud(x), lambda t: torch.flipud(t), [_normal(3)])


@pytest.mark.parametrize("repeats,dim", [(2, None), (3, 0), (2, -1), ([1, 0, 2], 0), ("t", 1)])
def test_repeat_interleave(repeats, dim):
    a = _normal(3, 3)

    def ours(x):
        r = x.session.const(np.array([2, 1, 0])) if repeats == "t" else repeats
        return x.repeat_interleave(r, dim)

    def theirs(t):
        r = torch.tensor([2, 1, 0]) if repeats == "t" else torch.tensor(repeats) if isinstance(repeats, list) \
            else repeats
        return t.repeat_interleave(r, dim)

    _run(ours, theirs, [a], compiled=repeats != "t")
    s = tl.Session(dtype=np.float64)
    assert tl.repeat_interleave(s.input(np.array([1, 3]))).numpy().tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize("arg,dim", [(3, 1), (2, 0), (4, -1), ([1, 3], 1), ([0, -1, 9], 1), ((2,), 0)])
def test_tensor_split(arg, dim):
    _run(lambda x: x.tensor_split(arg, dim), lambda t: t.tensor_split(arg, dim), [_normal(3, 5)])


def test_hvd_split_and_split_with_sizes():
    a = _normal(4, 6, 2)
    _run(lambda x: x.hsplit(3), lambda t: t.hsplit(3), [a])
    _run(lambda x: tl.vsplit(x, [1, 3]), lambda t: torch.vsplit(t, [1, 3]), [a])
    _run(lambda x: x.dsplit(2), lambda t: t.dsplit(2), [a])
    _run(lambda x: tl.hsplit(x, 2), lambda t: torch.hsplit(t, 2), [_normal(6)])
    _run(lambda x: x.split_with_sizes([1, 2, 3], 1), lambda t: t.split_with_sizes([1, 2, 3], 1), [a])
    _refuses(ShapeError, lambda x: x.hsplit(4), a, match="hsplit: dimension 1 of size 6")
    _refuses(ShapeError, lambda x: x.split_with_sizes([1, 2], 1), a, match=r"split_with_sizes: .*sum to 3")


@pytest.mark.parametrize("dim,size,step", [(0, 2, 1), (1, 3, 2), (-1, 5, 1), (1, 0, 3), (-2, 4, 4)])
def test_unfold(dim, size, step):
    _run(lambda x: x.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), [_normal(4, 5)])
    _refuses(ShapeError, lambda x: x.unfold(0, 5, 1), _normal(4, 5), match="unfold: expected 0 <= size <= 4")


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack", "row_stack"])
def test_stacks(name):
    for shapes in (((3,), (3,)), ((2, 3), (2, 3)), ((), ()), ((2, 1, 3), (2, 1, 3))):
        if name == "column_stack" and len(shapes[0]) == 3:
            continue
        arrays = [_normal(*s) for s in shapes]
        _run(lambda *x: getattr(tl, name)(list(x)), lambda *x: getattr(torch, name)(list(x)), arrays)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_atleast(n):
    arrays = [np.array(1.5), _normal(3), _normal(2, 3), _normal(2, 3, 4)]
    _run(lambda *x: getattr(tl, f"atleast_{n}d")(*x), lambda *x: getattr(torch, f"atleast_{n}d")(*x), arrays)
    _run(lambda x: getattr(tl, f"atleast_{n}d")(x), lambda x: getattr(torch, f"atleast_{n}d")(x), [_normal(3)])


def test_block_diag_cartesian_prod_meshgrid():
    _run(lambda *x: tl.block_diag(*x), lambda *x: torch.block_diag(*x), [_normal(2, 3), _normal(2), np.array(1.0)])
    _run(lambda *x: tl.block_diag(*x), lambda *x: torch.block_diag(*x), [np.arange(4).reshape(2, 2), np.arange(3)])
    _run(lambda *x: tl.cartesian_prod(*x), lambda *x: torch.cartesian_prod(*x), [_normal(3), _normal(2), _normal(2)])
    for ind in ("ij", "xy"):
        _run(lambda *x, ind=ind: tl.meshgrid(*x, indexing=ind), lambda *x, ind=ind: torch.meshgrid(*x, indexing=ind),
             [_normal(3), _normal(2), _normal(4)])
    _run(lambda *x: tl.meshgrid(list(x)), lambda *x: torch.meshgrid(list(x), indexing="ij"), [_normal(3), _normal(2)])
    _refuses(ArgumentError, lambda a, b: tl.meshgrid(a, b, indexing="yx"), _normal(2), _normal(3), match="meshgrid")


@pytest.mark.parametrize("row,col,off", [(4, 3, 0), (3, 5, 1), (4, 4, -2), (0, 3, 0), (3, 3, 9)])
def test_tri_indices(row, col, off):
    s = tl.Session(dtype=np.float64)
    for ours, theirs in ((tl.tril_indices, torch.tril_indices), (tl.triu_indices, torch.triu_indices)):
        got = ours(row, col, off, session=s)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.numpy(), theirs(row, col, off).numpy())
    with pytest.raises(DTypeError, match="tril_indices: dtype must be int64"):
        tl.tril_indices(3, 3, session=s, dtype="float64")


# ----- functional indexing writes -----------------------------------------------------------------
IDX = np.array([[0, 4, 2, 1], [3, 3, 0, 4]])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    a, src = _normal(3, 5), _normal(2, 4)
    _run(lambda x, y: x.scatter_reduce(1, x.session.const(IDX), y, reduce, include_self=include_self),
         lambda x, y: x.scatter_reduce(1, torch.tensor(IDX), y, reduce, include_self=include_self), [a, src])
    _run(lambda x, y: tl.scatter_reduce(x, 0, x.session.const(IDX[:, :3] % 3), y, reduce, include_self=include_self),
         lambda x, y: torch.scatter_reduce(x, 0, torch.tensor(IDX[:, :3] % 3), y, reduce, include_self=include_self),
         [a, src[:, :3]])


def test_scatter_reduce_ties_share_the_gradient_and_integers():
    a = np.array([[1.0, 2.0, 0.0]])
    src = np.array([[2.0, 2.0, 1.0]])
    i = np.array([[1, 1, 0]])
    _run(lambda x, y: x.scatter_reduce(1, x.session.const(i), y, "amax"),
         lambda x, y: x.scatter_reduce(1, torch.tensor(i), y, "amax"), [a, src])
    ia, isrc = np.arange(6).reshape(2, 3), np.array([[5, -1, 7]])
    for r in ("sum", "prod", "mean", "amax", "amin"):
        _run(lambda x, y, r=r: x.scatter_reduce(1, x.session.const(np.array([[2, 0, 2]])), y, r),
             lambda x, y, r=r: x.scatter_reduce(1, torch.tensor([[2, 0, 2]]), y, r), [ia, isrc])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_src_value_and_reduce(dim):
    a = _normal(3, 5)
    i = np.array([[0, 2, 1], [2, 1, 0]]) if dim == 0 else np.array([[0, 4, 2], [3, 1, 0]])
    src = _normal(*i.shape)
    _run(lambda x, y: x.scatter(dim, x.session.const(i), y), lambda x, y: x.scatter(dim, torch.tensor(i), y), [a, src])
    _run(lambda x: tl.scatter(x, dim, x.session.const(i), 2.5), lambda x: torch.scatter(x, dim, torch.tensor(i), 2.5),
         [a])
    _run(lambda x: x.scatter(dim, x.session.const(i), value=-1.0), lambda x: x.scatter(dim, torch.tensor(i), -1.0),
         [a])
    s = tl.Session(dtype=np.float64)
    got = s.input(a).scatter(dim, s.input(i), s.input(src), reduce="add")
    np.testing.assert_allclose(got.numpy(), torch.tensor(a).scatter_add(dim, torch.tensor(i), torch.tensor(src)))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add_copy_fill(dim):
    a = _normal(4, 5)
    idx = np.array([3, 0, 1])
    sshape = (3, 5) if dim == 0 else (4, 3)
    dup = np.array([3, 0, 3])
    _run(lambda x, y: x.index_add(dim, x.session.const(dup), y, alpha=2.0),
         lambda x, y: x.index_add(dim, torch.tensor(dup), y, alpha=2.0), [a, _normal(*sshape)])
    _run(lambda x, y: tl.index_copy(x, dim, x.session.const(idx), y),
         lambda x, y: torch.index_copy(x, dim, torch.tensor(idx), y), [a, _normal(*sshape)])
    _run(lambda x: x.index_fill(dim, x.session.const(dup), -3.0), lambda x: x.index_fill(dim, torch.tensor(dup), -3.0),
         [a])
    _run(lambda x, v: tl.index_fill(x, dim, x.session.const(idx), v),
         lambda x, v: torch.index_fill(x, dim, torch.tensor(idx), v), [a, np.array(0.5)])


def test_indexing_writes_bad_arguments():
    s = tl.Session(dtype=np.float64)
    x = s.input(_normal(3, 5), requires_grad=True)
    c = {k: s.input(v) for k, v in {"i7": np.array([[7]]), "one": np.ones((1, 1)), "i01": np.array([0, 1]),
                                      "two": np.ones(2), "i0": np.array([[0]]), "f0": np.array([[0.0]]),
                                      "o22": np.ones((2, 2)), "neg": np.array([-1]), "row": np.ones((1, 5)),
                                      "ints": np.arange(3), "z": np.array([0]), "iv": np.array([1])}.items()}
    n = len(s.tape.nodes)
    with pytest.raises(ArgumentError, match="scatter: index 7 is out of range"):
        x.scatter(1, c["i7"], c["one"])
    with pytest.raises(ShapeError, match=r"scatter_reduce: index must have the rank of input"):
        x.scatter_reduce(1, c["i01"], c["two"], "sum")
    with pytest.raises(ArgumentError, match="scatter_reduce: reduce must be one of"):
        x.scatter_reduce(1, c["i0"], c["one"], "max")
    with pytest.raises(DTypeError, match="scatter: index must be an int64 tensor"):
        x.scatter(1, c["f0"], c["one"])
    with pytest.raises(ShapeError, match=r"index_copy: expected source of shape \(3, 2\)"):
        x.index_copy(1, c["i01"], c["o22"])
    with pytest.raises(ArgumentError, match="index_add: index -1 is out of range"):
        x.index_add(0, c["neg"], c["row"])
    with pytest.raises(DTypeError, match="index_add: expected input and source of one float"):
        c["ints"].index_add(0, c["z"], c["iv"])
    assert len(s.tape.nodes) == n


# ----- memory, metadata and casts -----------------------------------------------------------------
def test_clone_contiguous_cpu_and_metadata():
    s = tl.Session(dtype=np.float64)
    x = s.input(np.array([-0.0, 1.5, np.nan]), requires_grad=True)
    c = x.clone()
    assert c is not x and np.signbit(c.numpy()[0]) and np.isnan(c.numpy()[2])
    (c * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    assert x.contiguous() is x and x.is_contiguous() and x.cpu() is x
    assert (x.element_size(), x.nelement(), x.is_floating_point(), x.is_complex(), x.is_signed()) == (8, 3, True,
                                                                                                      False, True)
    b = s.input(np.array([True, False]))
    assert b.clone().numpy().tolist() == [True, False] and not b.is_signed() and b.element_size() == 1
    assert s.input(np.arange(3)).clone().numpy().tolist() == [0, 1, 2]
    y = s.input(np.ones(2), requires_grad=True)
    tl.compile(lambda v: v.clone().contiguous().sum())(y).backward()
    assert y.grad.tolist() == [1.0, 1.0]


def test_new_constructors():
    s = tl.Session(dtype=np.float32)
    x = s.input(np.ones((2, 2)))
    for t in (x.new_zeros(2, 3), x.new_ones((2, 3)), x.new_empty(2, 3), x.new_full((2, 3), 4.0)):
        assert t.shape == (2, 3) and t.dtype == np.float32
    assert x.new_zeros(2, dtype=tl.int64 if hasattr(tl, "int64") else "int64").dtype == np.int64
    assert x.new_full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    nt = x.new_tensor([[1, 2]])
    assert nt.dtype == np.float32 and nt.numpy().tolist() == [[1.0, 2.0]]
    g = x.new_tensor([1.0, 2.0], requires_grad=True)
    g.sum().backward()
    assert g.grad.tolist() == [1.0, 1.0]
    assert s.input(np.arange(2)).new_ones(3).dtype == np.int64


@pytest.mark.parametrize("name,dtype", [("int", "int32"), ("short", "int16"), ("byte", "uint8"), ("half", "float16")])
def test_unsupported_casts_raise_like_to(name, dtype):
    s = tl.Session(dtype=np.float64)
    x = s.input(np.ones(2))
    with pytest.raises(DTypeError, match=rf"{name}: cannot cast to {dtype} .*float32, float64, int64 and bool"):
        getattr(x, name)()
    with pytest.raises(DTypeError, match=f"cannot cast to {dtype}"):
        x.to(dtype)


def test_cpu_on_cuda_points_at_numpy():
    class Fake:
        device = type("D", (), {"value": "cuda"})()

    from torchlean.pt.tensor_extra import TensorExtraMethods

    with pytest.raises(DeviceError, match="numpy"):
        TensorExtraMethods.cpu(Fake())


def test_methods_exist_on_both_binders():
    from torchlean.compiled.trace import GraphBuilder  # noqa: F401
    from torchlean.eager.tensor import TensorRef

    names = [
        "clone", "contiguous", "cpu", "element_size", "nelement", "is_contiguous", "is_complex",
        "is_signed", "new_zeros", "new_ones", "new_full", "new_empty", "new_tensor", "int", "short", "byte",
        "half", "dot", "vdot", "inner", "mv", "addmv", "addr", "ger", "kron", "cross", "trace", "diag",
        "diagonal", "diag_embed", "baddbmm", "addbmm", "sort", "argsort", "msort", "topk", "kthvalue",
        "median", "mode", "rot90", "fliplr", "flipud", "repeat_interleave", "tensor_split", "hsplit",
        "vsplit", "dsplit", "split_with_sizes", "unfold", "index_add", "index_copy", "index_fill",
        "scatter", "scatter_reduce"
    ]
    assert [n for n in names if not hasattr(TensorRef, n)] == []
    top = [
        "dot", "vdot", "inner", "mv", "addmv", "addr", "ger", "kron", "cross", "trace", "diag", "diagonal",
        "diag_embed", "tensordot", "baddbmm", "addbmm", "chain_matmul", "sort", "argsort", "msort", "topk",
        "kthvalue", "median", "mode", "rot90", "fliplr", "flipud", "repeat_interleave", "tensor_split",
        "hsplit", "vsplit", "dsplit", "split_with_sizes", "hstack", "vstack", "dstack", "column_stack",
        "row_stack", "atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "cartesian_prod", "meshgrid",
        "tril_indices", "triu_indices", "index_add", "index_copy", "index_fill", "scatter", "scatter_reduce"
    ]
    assert [n for n in top if not hasattr(tl, n)] == []
    assert issubclass(TorchLeanError, Exception)
