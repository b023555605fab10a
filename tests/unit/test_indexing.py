"""Indexing ops: the seed's index totalisation, gradient accumulation, NatRef forms, errors."""

import numpy as np
import pytest
import torch

import torchlean as tl


def session():
    return tl.Session(dtype=np.float64)


def grad_of(s, out, x, seed=None):
    return s.backward(out, seed if seed is not None or not out.shape else np.ones(out.shape))[x]


# ----- out of range: zeros, zero gradient, no wraparound ------------------------------------------
@pytest.mark.parametrize("i", [5, 6, -1, -5, 2**70])
def test_out_of_range_scalar_gather_is_zero_with_zero_gradient(i):
    s = session()
    x = s.input(np.arange(1.0, 6.0), requires_grad=True)
    for op in (s.gather_scalar, s.gather_scalar_nat):
        y = op(x, i)
        assert y.shape == () and y.item() == 0.0
        np.testing.assert_array_equal(grad_of(s, y, x), np.zeros(5))


def test_negative_index_is_out_of_range_not_wraparound():
    s = session()
    x = s.input([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert torch.tensor([[1.0, 2.0], [3.0, 4.0]])[-1].tolist() == [3.0, 4.0]  # PyTorch wraps
    np.testing.assert_array_equal(s.gather_row(x, -1).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(s.gather_rows_nat(x, [1, -1, -2, 2]).numpy(),
                                  [[3.0, 4.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


def test_out_of_range_rows_are_zero_rows_with_zero_gradient():
    s = session()
    x = s.input(np.arange(6.0).reshape(3, 2), requires_grad=True)
    y = s.gather_rows_nat(x, [2, 3, 0, 99])
    np.testing.assert_array_equal(y.numpy(), [[4, 5], [0, 0], [0, 1], [0, 0]])
    seed = np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(grad_of(s, y, x, seed), [[4, 5], [0, 0], [0, 1]])


def test_out_of_range_zero_rows_stay_finite_next_to_inf():
    s = session()
    x = s.input([[np.inf, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(s.gather_rows_nat(x, [5, -1, 1]).numpy(), [[0, 0], [0, 0], [2, 3]])
    # the scatter puts an inf only into its own row
    v = s.input([np.inf, 1.0])
    z = s.scatter_add_row(s.input(np.zeros((3, 2))), v, 1)
    np.testing.assert_array_equal(z.numpy(), [[0, 0], [np.inf, 1], [0, 0]])


def test_gather_from_an_empty_tensor_gives_zeros():
    s = session()
    x = s.input(np.zeros((0, 3)), requires_grad=True)
    y = s.gather_rows_nat(x, [0, 1])
    np.testing.assert_array_equal(y.numpy(), np.zeros((2, 3)))
    assert grad_of(s, y, x).shape == (0, 3)


def test_empty_index_list_gives_an_empty_result():
    s = session()
    x = s.input(np.ones((4, 3)), requires_grad=True)
    y = s.gather_rows_nat(x, [])
    assert y.shape == (0, 3)
    np.testing.assert_array_equal(grad_of(s, y, x, np.zeros((0, 3))), np.zeros((4, 3)))


# ----- duplicates accumulate ----------------------------------------------------------------------
def test_duplicate_indices_accumulate_gradients():
    s = session()
    x = s.input([1.0, 2.0, 3.0], requires_grad=True)
    y = s.gather_vec_nat(x, [1, 1, 2, 1, 7])
    np.testing.assert_array_equal(y.numpy(), [2, 2, 3, 2, 0])
    np.testing.assert_array_equal(grad_of(s, y, x, np.array([1.0, 10, 100, 1000, 5])), [0, 1011, 100])


def test_duplicate_row_gradients_match_torch():
    rng = np.random.default_rng(0)
    xv, idx = rng.standard_normal((4, 3)), [3, 0, 3, 3, 1]
    seed = rng.standard_normal((5, 3))
    s = session()
    x = s.input(xv, requires_grad=True)
    ours = grad_of(s, s.gather_rows_nat(x, idx), x, seed)
    xt = torch.tensor(xv, requires_grad=True)
    (ref,) = torch.autograd.grad(xt[idx], xt, torch.tensor(seed))
    np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-12)


def test_index_add_accumulates_duplicates_and_drops_out_of_range():
    s = session()
    x = s.input(np.zeros((3, 2)), requires_grad=True)
    src = s.input(np.arange(8.0).reshape(4, 2), requires_grad=True)
    y = s.index_add(x, 0, [2, 2, 5, -1], src)
    np.testing.assert_array_equal(y.numpy(), [[0, 0], [0, 0], [2, 4]])
    g = s.backward(y, np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(g[src], [[4, 5], [4, 5], [0, 0], [0, 0]])
    np.testing.assert_array_equal(g[x], np.arange(6.0).reshape(3, 2))


def test_scatter_add_repeated_on_one_row_accumulates():
    s = session()
    x = s.input(np.zeros(3))
    v = s.input(2.0, requires_grad=True)
    y = s.scatter_add_vec(s.scatter_add_vec(x, v, 1), v, 1)
    np.testing.assert_array_equal(y.numpy(), [0, 4, 0])
    assert grad_of(s, y, v, np.array([1.0, 3.0, 5.0])) == 6.0


def test_take_transpose_is_deterministic_and_accumulates_in_float64():
    s = tl.Session(dtype=np.float32)
    g = s.input(np.full(10001, 0.1, np.float32))
    idx = np.zeros(10001, np.int64)
    a, b = s.take_transpose(g, idx, 2).numpy(), s.take_transpose(g, idx, 2).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    assert a[0] == np.float32(np.float64(np.float32(0.1)) * 10001) and a[1] == 0


# ----- scatters -----------------------------------------------------------------------------------
@pytest.mark.parametrize("i", [3, -1])
def test_scatter_add_out_of_range_leaves_x_unchanged_and_v_gets_zero(i):
    s = session()
    x = s.input([1.0, 2.0, 3.0], requires_grad=True)
    v = s.input(5.0, requires_grad=True)
    y = s.scatter_add_vec(x, v, i)
    np.testing.assert_array_equal(y.numpy(), [1, 2, 3])
    g = s.backward(y, np.array([1.0, 2.0, 3.0]))
    assert g[v] == 0.0
    np.testing.assert_array_equal(g[x], [1, 2, 3])


def test_scatter_add_row_gradients():
    s = session()
    x = s.input(np.zeros((3, 2)), requires_grad=True)
    v = s.input([1.0, -1.0], requires_grad=True)
    y = s.scatter_add_row(x, v, 2)
    np.testing.assert_array_equal(y.numpy(), [[0, 0], [0, 0], [1, -1]])
    seed = np.arange(6.0).reshape(3, 2)
    g = s.backward(y, seed)
    np.testing.assert_array_equal(g[x], seed)
    np.testing.assert_array_equal(g[v], [4, 5])


# ----- index arguments ----------------------------------------------------------------------------
def test_index_arguments_of_every_kind_agree():
    s = session()
    x = s.input(np.arange(10.0).reshape(5, 2))
    want = [[6, 7], [0, 1], [6, 7]]
    for idx in ([3, 0, 3], (3, 0, 3), np.array([3, 0, 3]), np.array([3, 0, 3], np.uint8),
                s.input(np.array([3, 0, 3])), s.const(np.array([3, 0, 3], np.int32))):
        np.testing.assert_array_equal(s.gather_rows_nat(x, idx).numpy(), want)
    for i in (3, np.int64(3), np.array(3), s.input(np.array(3))):
        np.testing.assert_array_equal(s.gather_row(x, i).numpy(), [6, 7])


def test_index_tensor_is_never_differentiable():
    s = session()
    x = s.input([1.0, 2.0], requires_grad=True)
    idx = s.input(np.array([1, 0]))
    y = s.gather_vec_nat(x, idx)
    g = s.backward(y, np.ones(2))
    with pytest.raises(tl.NotDifferentiableError):
        g[idx]


# ----- NatRef forms -------------------------------------------------------------------------------
def test_nat_ref_gathers_read_the_current_store():
    s = session()
    x = s.input(np.arange(6.0).reshape(3, 2), requires_grad=True)
    r = s.nat(1)
    np.testing.assert_array_equal(s.gather_row_ref(x, r).numpy(), [2, 3])
    s.set_nat(r, 2)
    y = s.gather_row_ref(x, r)
    np.testing.assert_array_equal(y.numpy(), [4, 5])
    np.testing.assert_array_equal(grad_of(s, y, x), [[0, 0], [0, 0], [1, 1]])
    v = s.input([5.0, 6.0, 7.0], requires_grad=True)
    assert s.gather_scalar_ref(v, r).item() == 7.0
    s.set_nat(r, 3)  # out of range: zero (seed: a constant zero row), zero gradient
    z = s.gather_row_ref(x, r)
    np.testing.assert_array_equal(z.numpy(), [0, 0])
    np.testing.assert_array_equal(grad_of(s, z, x), np.zeros((3, 2)))
    assert s.gather_scalar_ref(v, r).item() == 0.0


def test_nat_vec_ref_gathers_read_the_current_store():
    s = session()
    x = s.input(np.arange(6.0).reshape(3, 2), requires_grad=True)
    v = s.input([5.0, 6.0, 7.0], requires_grad=True)
    r = s.nat_vec([2, 0])
    np.testing.assert_array_equal(s.gather_rows_ref(x, r).numpy(), [[4, 5], [0, 1]])
    np.testing.assert_array_equal(s.gather_vec_ref(v, r).numpy(), [7, 5])
    s.set_nat_vec(r, [1, 1])
    y = s.gather_rows_ref(x, r)
    np.testing.assert_array_equal(y.numpy(), [[2, 3], [2, 3]])
    np.testing.assert_array_equal(grad_of(s, y, x), [[0, 0], [2, 2], [0, 0]])
    s.set_nat_vec(r, [9, 2])
    np.testing.assert_array_equal(s.gather_vec_ref(v, r).numpy(), [0, 7])


def test_stale_nat_ref_raises_and_leaves_the_tape_unchanged():
    s = session()
    r = s.nat(0)
    s.reset()
    x = s.input([1.0, 2.0])
    n = len(s)
    with pytest.raises(tl.InvalidRefError, match="get_nat"):
        s.gather_scalar_ref(x, r)
    assert len(s) == n


# ----- errors name the op and leave the tape unchanged ----------------------------------------------
BAD_CALLS = [
    ("gather_scalar", lambda s, m, v, o: s.gather_scalar(m, 0), tl.ShapeError),
    ("gather_scalar", lambda s, m, v, o: s.gather_scalar(v, [0, 1]), tl.ShapeError),
    ("gather_scalar_nat", lambda s, m, v, o: s.gather_scalar_nat(v, 1.0), tl.DTypeError),
    ("gather_row", lambda s, m, v, o: s.gather_row(m, [1]), tl.ShapeError),
    ("gather_row", lambda s, m, v, o: s.gather_row(m, True), tl.DTypeError),
    ("gather_row", lambda s, m, v, o: s.gather_row(o["c"], 0), tl.ShapeError),
    ("gather_vec_nat", lambda s, m, v, o: s.gather_vec_nat(m, [0]), tl.ShapeError),
    ("gather_vec_nat", lambda s, m, v, o: s.gather_vec_nat(v, np.array([0.5])), tl.DTypeError),
    ("gather_rows_nat", lambda s, m, v, o: s.gather_rows_nat(m, o["fi"]), tl.DTypeError),
    ("gather_rows_nat", lambda s, m, v, o: s.gather_rows_nat(m, ["a"]), tl.DTypeError),
    ("gather_rows_nat", lambda s, m, v, o: s.gather_rows_nat(m, None), tl.TorchLeanError),
    ("index_select", lambda s, m, v, o: s.index_select(m, 0, [[0]]), tl.ShapeError),
    ("index_select", lambda s, m, v, o: s.index_select(m, 2, [0]), tl.ShapeError),
    ("scatter_add_vec", lambda s, m, v, o: s.scatter_add_vec(m, o["c"], 0), tl.ShapeError),
    ("scatter_add_vec", lambda s, m, v, o: s.scatter_add_vec(v, v, 0), tl.ShapeError),
    ("scatter_add_vec", lambda s, m, v, o: s.scatter_add_vec(v, o["c32"], 0), tl.DTypeError),
    ("scatter_add_row", lambda s, m, v, o: s.scatter_add_row(m, v, 0), tl.ShapeError),
    ("scatter_add_row", lambda s, m, v, o: s.scatter_add_row(m, o["pair"], [0, 1]), tl.ShapeError),
    ("index_add", lambda s, m, v, o: s.index_add(m, 0, [0], m), tl.ShapeError),
    ("take_transpose", lambda s, m, v, o: s.take_transpose(v, [0, 1], 3), tl.ShapeError),
    ("take_transpose", lambda s, m, v, o: s.take_transpose(v, [0, 1, 2], -1), tl.ShapeError),
    ("concat_vectors", lambda s, m, v, o: s.concat_vectors(m, v), tl.ShapeError),
    ("concat_dim0", lambda s, m, v, o: s.concat_dim0(m, o["m23"]), tl.ShapeError),
    ("concat_dim0", lambda s, m, v, o: s.concat_dim0(m, o["r32"]), tl.DTypeError),
    ("cat", lambda s, m, v, o: s.cat([]), tl.ShapeError),
    ("cat", lambda s, m, v, o: s.cat([m, m, v]), tl.ShapeError),
    ("cat", lambda s, m, v, o: s.cat([m, m], axis=2), tl.ShapeError),
    ("slice_range0", lambda s, m, v, o: s.slice_range0(m, 2, 2), tl.ShapeError),
    ("slice_range0", lambda s, m, v, o: s.slice_range0(m, -1, 1), tl.ShapeError),
    ("slice_range0", lambda s, m, v, o: s.slice_range0(m, 0, 1.5), tl.TorchLeanError),
    ("slice", lambda s, m, v, o: s.slice(m, 1, 1, 3), tl.ShapeError),
    ("slice", lambda s, m, v, o: s.slice(m, 0, 2, 1), tl.ShapeError),
    ("narrow", lambda s, m, v, o: s.narrow(m, 1, 1, 2), tl.ShapeError),
    ("transpose3d_first_to_last", lambda s, m, v, o: s.transpose3d_first_to_last(m), tl.ShapeError),
    ("transpose3d_last_to_first", lambda s, m, v, o: s.transpose3d_last_to_first(v), tl.ShapeError),
    ("transpose3d_last_two", lambda s, m, v, o: s.transpose3d_last_two(m), tl.ShapeError),
    ("swap_adjacent_at_depth", lambda s, m, v, o: s.swap_adjacent_at_depth(m, 0.5), tl.TorchLeanError),
]


@pytest.mark.parametrize("op,call,err", BAD_CALLS, ids=[f"{o}-{k}" for k, (o, _, _) in enumerate(BAD_CALLS)])
def test_bad_arguments_raise_naming_the_op_and_leave_the_tape_unchanged(op, call, err):
    s = session()
    m = s.input(np.ones((3, 2)), requires_grad=True)
    v = s.input(np.ones(3), requires_grad=True)
    o = {"c": s.input(1.0), "c32": s.input(1.0, dtype=np.float32), "fi": s.input([0.0]),
         "pair": s.input([1.0, 2.0]), "m23": s.input(np.ones((2, 3))),
         "r32": s.input(np.ones((1, 2)), dtype=np.float32)}
    n = len(s)
    with pytest.raises(err, match=op):
        call(s, m, v, o)
    assert len(s) == n  # no lifted index constant, no op node


# ----- shape ops ----------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [2, 3, -1, -2])
def test_invalid_depth_is_the_identity(depth):
    s = session()
    x = s.input(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    n = len(s)
    y = s.swap_adjacent_at_depth(x, depth)
    assert y is x and len(s) == n


def test_valid_depth_swaps_adjacent_axes():
    s = session()
    x = s.input(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(s.swap_adjacent_at_depth(x, 1).numpy(),
                                  np.arange(24.0).reshape(2, 3, 4).transpose(0, 2, 1))


def test_cat_of_many_matches_numpy_and_splits_gradients():
    s = session()
    parts = [np.full((k, 2), float(k)) for k in (1, 2, 3, 1, 2, 4, 1)]
    xs = [s.input(p, requires_grad=True) for p in parts]
    y = s.cat(xs)
    np.testing.assert_array_equal(y.numpy(), np.concatenate(parts))
    seed = np.arange(28.0).reshape(14, 2)
    g = s.backward(y, seed)
    np.testing.assert_array_equal(np.concatenate([g[x] for x in xs]), seed)
    assert s.cat([xs[0]]) is xs[0]


def test_slice_range0_zero_pads_the_gradient_back():
    s = session()
    x = s.input(np.arange(10.0).reshape(5, 2), requires_grad=True)
    y = s.slice_range0(x, 1, 3)
    np.testing.assert_array_equal(y.numpy(), np.arange(2.0, 8.0).reshape(3, 2))
    np.testing.assert_array_equal(grad_of(s, y, x), [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]])
    assert s.slice_range0(x, 0, 5) is x
    assert s.slice_range0(x, 5, 0).shape == (0, 2)


def test_concat_of_index_tensors_then_gather():
    s = session()
    x = s.input([10.0, 20.0, 30.0], requires_grad=True)
    idx = s.concat_vectors(s.input(np.array([2])), s.input(np.array([0, 2])))
    assert idx.dtype == np.int64
    y = s.gather_vec_nat(x, idx)
    np.testing.assert_array_equal(y.numpy(), [30, 10, 30])
    np.testing.assert_array_equal(grad_of(s, y, x), [1, 0, 2])


def test_second_order_gradient_through_gather():
    # d/dx sum(take(x, idx)^2) = take_transpose(2 take(x, idx)); its JVP is linear in x's tangent
    s = session()
    x = s.input([1.0, 2.0, 3.0], requires_grad=True)
    y = s.gather_vec_nat(x, [2, 2, 0, 5])
    z = s.sum(s.mul(y, y))
    np.testing.assert_array_equal(grad_of(s, z, x), [2, 0, 12])
    np.testing.assert_array_equal(s.jvp(z, {x: np.array([1.0, 1.0, 1.0])}), 2 * (3 + 3 + 1))
