"""x[...] and the torch.gather family: PyTorch's semantics, gradients, traced code and errors.

The op specs sweep values, VJPs, JVPs and eager == compiled for host keys and index tensors
(``specs/indexing.py``); here: bool tensor masks (eager only), PyTorch's index range rules,
the traced refusals, item assignment, iteration and the no-state-change promise.
"""

import warnings

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.pt import index as pti


def session():
    return tl.Session(dtype=np.float64)


def cube():
    return np.arange(125.0).reshape(5, 5, 5) / 7.0


def _torch_key(key):
    if isinstance(key, tl.TensorRef):
        return torch.tensor(key.numpy())
    if isinstance(key, (tuple, list)):
        return type(key)(_torch_key(v) for v in key)
    return key


def check(s, x, key):
    """x[key] and its gradient against PyTorch."""
    xt = torch.tensor(x.numpy(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's deprecation of list-as-tuple keys
        ref = xt[_torch_key(key)]
    out = x[key]
    assert out.shape == tuple(ref.shape), key
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    seed = np.random.default_rng(0).standard_normal(ref.shape)
    (gt,) = torch.autograd.grad(ref, xt, torch.tensor(seed))
    np.testing.assert_array_equal(s.backward(out, seed)[x], gt.numpy())


def test_bool_tensor_masks_index_eagerly_with_gradients():
    s = session()
    x = s.input(cube(), requires_grad=True)
    m2 = np.zeros((5, 5), bool)
    m2[0, 1] = m2[2, 3] = m2[4, 4] = True
    m1 = np.array([True, False, True, False, True])
    for key in [s.input(m2), (slice(None), s.input(m2)), (s.input(m2), 0), (0, s.input(m2)), s.input(m1),
                (Ellipsis, s.input(m1)), (s.input(m1), [0, 1, 4]), s.input(np.zeros((5, 5, 5), bool)),
                s.input(np.ones((5, 5, 5), bool)), (s.input(m1), slice(None), s.input(m1))]:
        check(s, x, key)


def test_list_keys_follow_torchs_tuple_rule():
    s = session()
    x = s.input(cube(), requires_grad=True)
    for key in [[0, 2], [[0, 1]], [slice(0, 2), 1], [[0, 1], [2, 3]], [None, 1], (s.input(np.array([1, 1])),),
                [s.input(np.array([0, 1])), 2]]:
        check(s, x, key)


def test_advanced_index_placement_follows_torch_not_numpy():
    s = session()
    x = s.input(cube(), requires_grad=True)
    # PyTorch applies ints first: [0, :, [0, 1]] is (5, 2) there, (2, 5) in NumPy.
    assert cube()[0, :, [0, 1]].shape == (2, 5)
    check(s, x, (0, slice(None), [0, 1]))
    check(s, x, (s.input(np.array(1)), slice(None), [0, 1]))
    check(s, x, ([0, 1], 2, [1, 2]))
    check(s, x, ([0, 1], slice(None), 2))


def test_out_of_range_indices_raise_and_record_nothing():
    s = session()
    x = s.input(cube(), requires_grad=True)
    idx, fidx = s.input(np.array([0, 5])), s.input(np.array([0.5]))
    n = len(s)
    for key, error, message in [
        (5, tl.ArgumentError, r"getitem: index 5 is out of range for dim 0 of size 5"),
        ((0, -6), tl.ArgumentError, r"getitem: index -6 is out of range for dim 1 of size 5"),
        (([0, 7],), tl.ArgumentError, r"getitem: index 7 is out of range for dim 0 of size 5"),
        ((slice(None), idx), tl.ArgumentError, r"getitem: index 5 is out of range for a dimension of size 5"),
        ((0, 0, 0, 0), tl.ShapeError, r"getitem: too many indices for a tensor of rank 3"),
        ((Ellipsis, 0, Ellipsis), tl.ArgumentError, r"getitem: an index can only have a single ellipsis"),
        (slice(None, None, -1), tl.ArgumentError, r"getitem: slice step must be greater than zero"),
        ((slice(0, 2.5),), tl.ArgumentError, r"getitem: slice stop must be an int or None"),
        (fidx, tl.DTypeError, r"getitem: tensors used as indices must be integer or bool"),
        ((np.ones(4, bool),), tl.ShapeError, r"getitem: the shape of the mask \(4,\) at dim 0 does not match"),
        (([0, 1], [[0], [1], [2]], [0, 1, 2, 3]), tl.ShapeError, r"getitem: shape mismatch: indexing tensors"),
        ((True, [0, 1]), tl.ArgumentError, r"getitem: a bool scalar index combined with tensor indices"),
        ("a", tl.ArgumentError, r"getitem: unsupported index 'a'"),
    ]:
        with pytest.raises(error, match=message):
            x[key]
        assert len(s) == n, key


def test_negative_tensor_indices_wrap_as_torch():
    s = session()
    x = s.input(cube(), requires_grad=True)
    check(s, x, s.input(np.array([-1, -5, 2])))
    check(s, x, (s.input(np.array([-1, 0])), slice(1, 3), s.input(np.array([[-2], [3]]))))


def test_traced_getitem_takes_index_tensors_and_host_masks_but_refuses_tensor_masks():
    opts = tl.Options(dtype=np.float64)
    c = tl.compile_out(lambda ops, x, i: x[i, ::2][:, None, [True, False, True]], [(5, 5), ((2,), np.int64)], opts)
    x = np.arange(25.0).reshape(5, 5)
    np.testing.assert_array_equal(c.forward(x, np.array([4, -5])), x[[4, 0], ::2][:, None, [0, 2]])
    with pytest.raises(tl.ArgumentError, match="out of range"):
        c.forward(x, np.array([5, 0]))
    with pytest.raises(tl.ShapeError, match=r"getitem: indexing with a bool tensor gives a shape that depends on "
                                            r"its values.*use where\(mask, x, 0\) or masked_fill"):
        tl.compile_out(lambda ops, x: x[x > 0], [(3,)], opts)


def test_item_assignment_is_refused_with_alternatives():
    s = session()
    x = s.input(cube())
    n = len(s)
    with pytest.raises(tl.TorchLeanError, match=r"setitem: tensors are immutable values.*masked_fill.*where"):
        x[0] = 1.0
    assert len(s) == n


def test_iteration_unbinds_the_first_axis():
    s = session()
    x = s.input(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and all(r.shape == (2,) for r in rows)
    np.testing.assert_array_equal(rows[2].numpy(), [4.0, 5.0])
    np.testing.assert_array_equal(s.backward(rows[1].sum())[x], [[0, 0], [1, 1], [0, 0]])
    with pytest.raises(tl.ArgumentError, match="iteration over a 0-d tensor"):
        iter(s.input(1.0))


# ----- the gather family's index rules ----------------------------------------------------------
def test_gather_scatter_add_and_index_select_refuse_negative_indices_like_torch():
    s = session()
    x = s.input(np.arange(12.0).reshape(3, 4), requires_grad=True)
    neg, big = s.input(np.array([[-1, 0, 0, 0]])), s.input(np.array([[3, 0, 0, 0]]))
    ones, i4, im1 = s.input(np.ones((1, 4))), s.input(np.array([4])), s.input(np.array([-1]))
    far = s.input(np.array([[4], [0], [1]]))
    with pytest.raises(RuntimeError, match="out of bounds"):
        torch.gather(torch.zeros(3, 4), 0, torch.tensor([[-1, 0, 0, 0]]))
    n = len(s)
    for call, message in [
        (lambda: x.gather(0, neg), r"gather: index -1 is out of range for a dimension of size 3"),
        (lambda: pti.gather(x, 0, big), r"gather: index 3 is out of range"),
        (lambda: x.scatter_add(0, neg, ones), r"scatter_add: index -1 is out of range"),
        (lambda: x.index_select(1, i4), r"index_select: index 4 is out of range"),
        (lambda: x.index_select(0, im1), r"index_select: index -1 is out of range"),
        (lambda: x.take_along_dim(far, 1), r"take_along_dim: index 4 is out of range"),
    ]:
        with pytest.raises(tl.ArgumentError, match=message):
            call()
        assert len(s) == n
    # take_along_dim wraps negatives (as torch); the seed's index_select keeps zero rows
    idx = s.input(np.array([[-1], [0], [1]]))
    np.testing.assert_array_equal(x.take_along_dim(idx, 1).numpy(),
                                  torch.take_along_dim(torch.arange(12.0).reshape(3, 4),
                                                       torch.tensor([[-1], [0], [1]]), 1).numpy())
    np.testing.assert_array_equal(s.index_select(x, 0, [5, 1]).numpy(), [[0, 0, 0, 0], [4, 5, 6, 7]])


def test_gather_family_shape_and_dtype_errors():
    s = session()
    x = s.input(np.arange(12.0).reshape(3, 4))
    i = s.input(np.zeros((2, 5), np.int64))
    i2, i3, ones = s.input(np.zeros(2, np.int64)), s.input(np.zeros(3, np.int64)), s.input(np.ones((1, 5)))
    ints, i0, i1 = s.input(np.arange(3)), s.input(np.array([0])), s.input(np.array([1]))
    n = len(s)
    for call, error, message in [
        (lambda: x.gather(0, i), tl.ShapeError, r"gather: index must have the rank of input and no larger sizes"),
        (lambda: x.gather(0, i2), tl.ShapeError, r"gather: index must have the rank"),
        (lambda: x.gather(0, x), tl.DTypeError, r"gather: indices must be an integer tensor"),
        (lambda: x.scatter_add(0, i, ones), tl.ShapeError, r"scatter_add: index must have"),
        (lambda: ints.scatter_add(0, i0, i1), tl.DTypeError,
         r"scatter_add: expected input and src of one float dtype, got int64"),
        (lambda: x.index_select(0, i), tl.ShapeError, r"index_select: index must be a vector or a 0-d tensor"),
        (lambda: x.take_along_dim(i3, 0), tl.ShapeError,
         r"take_along_dim: input and indices must have the same rank"),
        (lambda: pti.gather(x, 0, [[0]]), tl.TorchLeanError, r"gather: index must be a torchlean tensor"),
    ]:
        with pytest.raises(error, match=message):
            call()
        assert len(s) == n


def test_gather_with_an_empty_index_skips_the_rank_check_as_torch():
    s = session()
    x = s.input(np.arange(5.0), requires_grad=True)
    y = x.gather(0, s.input(np.zeros((2, 0), np.int64)))
    assert y.shape == tuple(torch.gather(torch.arange(5.0), 0, torch.zeros(2, 0, dtype=torch.int64)).shape)


def test_scatter_add_accumulates_duplicates_and_routes_gradients():
    s = session()
    x = s.input(np.zeros((3, 2)), requires_grad=True)
    src = s.input(np.arange(1.0, 9.0).reshape(4, 2), requires_grad=True)
    idx = s.input(np.array([[0, 2], [0, 2], [1, 0], [0, 0]]))
    y = x.scatter_add(0, idx, src)
    ref = torch.zeros(3, 2).scatter_add(0, torch.tensor(idx.numpy()), torch.arange(1.0, 9.0).reshape(4, 2))
    np.testing.assert_array_equal(y.numpy(), ref.numpy())
    seed = np.arange(6.0).reshape(3, 2)
    g = s.backward(y, seed)
    np.testing.assert_array_equal(g[x], seed)
    np.testing.assert_array_equal(g[src], np.take_along_axis(seed, idx.numpy(), 0))


def test_masked_fill_dtypes_values_and_errors():
    s = session()
    xi = s.input(np.arange(4))
    m = s.input(np.array([True, False, True, False]))
    xt, mt = torch.arange(4), torch.tensor(m.numpy())
    np.testing.assert_array_equal(xi.masked_fill(m, 1.5).numpy(), xt.masked_fill(mt, 1.5).numpy())
    assert xi.masked_fill(m, 1.5).dtype == np.int64
    x = s.input(np.ones(4), requires_grad=True)
    v = s.input(np.array(2.0), requires_grad=True)
    y = pti.masked_fill(x, m, v)
    np.testing.assert_array_equal(y.numpy(), [2, 1, 2, 1])
    g = s.backward(y, np.array([1.0, 2.0, 3.0, 4.0]))
    assert g[v] == 4.0
    np.testing.assert_array_equal(g[x], [0, 2, 0, 4])
    n = len(s)
    with pytest.raises(tl.DTypeError, match="masked_fill: expected a bool mask, got int64"):
        x.masked_fill(xi, 0.0)
    with pytest.raises(tl.ShapeError, match=r"masked_fill: value must be a number or a 0-d tensor"):
        x.masked_fill(m, x)
    assert len(s) == n


def test_gathers_trace_and_differentiate_as_eagerly():
    def f(ops, x, i, j):
        return (x.gather(1, i) ** 2).sum() + x.scatter_add(0, j, x[:2]).sum() * 0.5 + \
            x.index_select(0, i[:, 0]).sum() + pti.take_along_dim(x, i, 1).mean() + x[i[:, :1], j[0]].sum()

    rng = np.random.default_rng(0)
    x, i, j = rng.standard_normal((3, 4)), rng.integers(0, 3, (3, 2)), rng.integers(0, 3, (2, 4))
    c = tl.compile_scalar(f, [(3, 4), ((3, 2), np.int64), ((2, 4), np.int64)], tl.Options(dtype=np.float64))
    s = session()
    xs = s.input(x, requires_grad=True)
    out = f(s, xs, s.input(i), s.input(j))
    np.testing.assert_allclose(c.forward(x, i, j), out.item(), rtol=1e-12)
    np.testing.assert_allclose(c.backward(x, i, j)[0], s.backward(out)[xs], rtol=1e-12)
