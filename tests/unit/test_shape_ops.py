"""Shape ops with torch's signatures: keyword names, defaults, edge cases, errors, traced code.

Values and gradients of every op are swept against PyTorch by the op specs
(``torchlean/testing/specs/shape.py``); these tests check what a sweep does not: that PyTorch's
own keyword names are accepted, the error messages and that a failed call changes nothing.
"""

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.pt import shape as pts


def session():
    return tl.Session(dtype=np.float64)


def data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def same(ours, ref):
    ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-12, atol=1e-12)


# ----- torch's keyword names and overloads ------------------------------------------------------
FUNCTION_CALLS = [
    ("reshape", (2, 3, 4), {"shape": (4, -1)}),
    ("flatten", (2, 3, 4), {"start_dim": 1, "end_dim": 2}),
    ("unflatten", (2, 6), {"dim": 1, "sizes": (3, 2)}),
    ("squeeze", (2, 1, 3), {"dim": 1}),
    ("unsqueeze", (2, 3), {"dim": -1}),
    ("broadcast_to", (3, 1), {"size": (2, 3, 4)}),
    ("permute", (2, 3, 4), {"dims": (1, 2, 0)}),
    ("transpose", (2, 3, 4), {"dim0": 0, "dim1": 2}),
    ("swapaxes", (2, 3, 4), {"axis0": 0, "axis1": 1}),
    ("swapdims", (2, 3, 4), {"dim0": 2, "dim1": 1}),
    ("movedim", (2, 3, 4), {"source": (0, 1), "destination": (2, 0)}),
    ("moveaxis", (2, 3, 4), {"source": 0, "destination": 1}),
    ("tile", (2, 3), {"dims": (2, 1, 2)}),
    ("flip", (2, 3), {"dims": (0, 1)}),
    ("roll", (2, 3), {"shifts": (1, -1), "dims": (0, 1)}),
    ("tril", (3, 4), {"diagonal": -1}),
    ("triu", (3, 4), {"diagonal": 1}),
    ("narrow", (4, 3), {"dim": 0, "start": 1, "length": 2}),
    ("select", (4, 3), {"dim": 1, "index": -1}),
]


@pytest.mark.parametrize("name,shape,kwargs", FUNCTION_CALLS, ids=[c[0] for c in FUNCTION_CALLS])
def test_functions_take_torchs_keyword_names(name, shape, kwargs):
    s = session()
    x = data(*shape)
    same(getattr(pts, name)(s.input(x), **kwargs), getattr(torch, name)(torch.tensor(x), **kwargs))


def test_split_chunk_unbind_keywords_and_pieces():
    s = session()
    x = data(5, 4)
    xt, xs = torch.tensor(x), s.input(x)
    for ours, ref in [(pts.split(tensor=xs, split_size_or_sections=[1, 3], dim=1),
                       torch.split(xt, split_size_or_sections=[1, 3], dim=1)),
                      (xs.split(split_size=2), xt.split(split_size=2)),
                      (pts.chunk(xs, chunks=4, dim=0), torch.chunk(xt, chunks=4, dim=0)),
                      (xs.unbind(dim=1), xt.unbind(dim=1))]:
        assert isinstance(ours, tuple) and len(ours) == len(ref)
        for a, b in zip(ours, ref):
            same(a, b)


def test_methods_take_varargs_a_sequence_or_torchs_keyword():
    s = session()
    x = data(2, 3)
    xs, xt = s.input(x), torch.tensor(x)
    pairs = [
        (xs.reshape(3, 2), xt.reshape(3, 2)), (xs.reshape((3, 2)), xt.reshape((3, 2))),
        (xs.reshape(shape=(6,)), xt.reshape(shape=(6,))), (xs.view(size=(3, 2)), xt.view(size=(3, 2))),
        (xs.view(-1), xt.view(-1)), (xs.permute(dims=(1, 0)), xt.permute(dims=(1, 0))),
        (xs.expand(4, 2, 3), xt.expand(4, 2, 3)), (xs.expand(size=(2, -1, -1)), xt.expand(size=(2, -1, -1))),
        (xs.repeat(repeats=(1, 2)), xt.repeat(repeats=(1, 2))), (xs.repeat(2, 1, 1), xt.repeat(2, 1, 1)),
        (xs.tile(2, 2), xt.tile(2, 2)), (xs.tile((2,)), xt.tile((2,))), (xs.flip(0, 1), xt.flip(0, 1)),
        (xs.flip(dims=(0,)), xt.flip(dims=(0,))), (xs.roll(1), xt.roll(1)), (xs.narrow(dim=1, start=1, length=2),
                                                                               xt.narrow(dim=1, start=1, length=2)),
        (xs.transpose(dim0=0, dim1=1), xt.transpose(dim0=0, dim1=1)), (xs.movedim(source=0, destination=1),
                                                                       xt.movedim(source=0, destination=1)),
        (xs.unsqueeze(dim=0), xt.unsqueeze(dim=0)), (xs.squeeze(), xt.squeeze()), (xs.T, xt.T), (xs.mT, xt.mT),
        (xs.ravel(), xt.ravel()), (xs.view_as(s.input(np.zeros(6))), xt.view_as(torch.zeros(6))),
        (xs.reshape_as(s.input(np.zeros((3, 2)))), xt.reshape_as(torch.zeros(3, 2))),
        (xs.broadcast_to((2, 2, 3)), xt.broadcast_to((2, 2, 3))),
    ]
    for ours, ref in pairs:
        same(ours, ref)


def test_t_of_a_vector_or_scalar_is_itself_and_refuses_three_axes():
    s = session()
    v, m = s.input(data(3)), s.input(data(2, 3))
    assert v.t() is v and pts.t(s.input(1.5)).shape == ()
    assert m.t().shape == (3, 2)
    with pytest.raises(tl.ShapeError, match=r"t: expects a tensor with <= 2 dimensions, got shape \(2, 3, 4\)"):
        s.input(data(2, 3, 4)).t()


def test_squeeze_keeps_listed_axes_whose_size_is_not_one_and_handles_0d():
    s = session()
    x = s.input(data(5, 1, 5, 1))
    assert x.squeeze(0).shape == (5, 1, 5, 1)
    assert x.squeeze((0, 1, 3)).shape == (5, 5)
    assert s.input(2.0).squeeze(0).shape == ()


# ----- dtypes, promotion, legacy behaviour ------------------------------------------------------
def test_cat_and_stack_promote_like_torch_but_refuse_mixed_float_precisions():
    s = session()
    f, i, b = s.input(data(2)), s.input(np.array([1, 2])), s.input(np.array([True, False]))
    assert pts.cat([i, f]).dtype == np.float64 and pts.cat([b, i]).dtype == np.int64
    assert pts.stack([b, b]).dtype == np.bool_ and pts.stack([i, f], dim=1).shape == (2, 2)
    assert torch.cat([torch.ones(2, dtype=torch.int64), torch.ones(2)]).dtype == torch.float32
    f32 = s.input(np.ones(2, np.float32), dtype=np.float32)
    with pytest.raises(tl.DTypeError, match="cat: tensors are float32 and float64"):
        pts.cat([f, f32])


def test_cat_skips_legacy_empty_vectors_and_refuses_bad_shapes():
    s = session()
    x = s.input(data(2, 3))
    same(pts.cat([s.input(np.zeros(0)), x], dim=1), torch.cat([torch.zeros(0), torch.tensor(x.numpy())], dim=1))
    y, w = s.input(data(2, 4)), s.input(data(3, 2))
    n = len(s)
    with pytest.raises(tl.ShapeError, match=r"cat: shapes must agree except on axis 0"):
        pts.cat([x, y])
    with pytest.raises(tl.ShapeError, match=r"stack: expects each tensor to be equal size"):
        pts.stack([x, w])
    with pytest.raises(tl.ArgumentError, match="cat: out= is not supported"):
        pts.cat([x, x], out=x)
    assert len(s) == n


def test_tril_and_triu_keep_integer_and_bool_dtypes():
    s = session()
    i = s.input(np.arange(9).reshape(3, 3))
    b = s.input(np.ones((2, 3), bool))
    assert pts.tril(i).dtype == np.int64
    np.testing.assert_array_equal(pts.tril(i).numpy(), np.tril(np.arange(9).reshape(3, 3)))
    np.testing.assert_array_equal(pts.triu(b, 1).numpy(), np.triu(np.ones((2, 3), bool), 1))
    with pytest.raises(tl.ShapeError, match="tril: input tensor must have at least 2 dimensions"):
        pts.tril(s.input(data(3)))


# ----- errors name the function and the shapes; a failed call records nothing -------------------
BAD = [
    (lambda s, x: x.expand(-1, 2, 3), tl.ShapeError, r"expand: size -1 is not allowed at dim 0"),
    (lambda s, x: x.expand(2, 4), tl.ShapeError, r"expand: the expanded size 4 must match the existing size 3"),
    (lambda s, x: x.repeat(2), tl.ShapeError, r"repeat: expected at least 2 non-negative repeats"),
    (lambda s, x: x.flip(0, 0), tl.ShapeError, r"flip: dims has a repeated dim"),
    (lambda s, x: x.movedim((0, 1), (1, 1)), tl.ShapeError, r"movedim: destination has a repeated dim"),
    (lambda s, x: x.unflatten(1, (2, 2)), tl.ShapeError, r"unflatten: sizes \(2, 2\) don't multiply up to"),
    (lambda s, x: x.unflatten(1, ()), tl.ShapeError, r"unflatten: sizes must be non-empty"),
    (lambda s, x: x.split(0), tl.ShapeError, r"split: split_size must be positive"),
    (lambda s, x: x.split([1, 2]), tl.ShapeError, r"split: split sizes must be non-negative and sum to 2"),
    (lambda s, x: x.chunk(0), tl.ShapeError, r"chunk: chunks must be at least 1"),
    (lambda s, x: x.select(0, 2), tl.ArgumentError, r"select: index 2 is out of range for dim 0 of size 2"),
    (lambda s, x: x.narrow(0, -3, 1), tl.ShapeError, r"narrow: range \[-1, 0\) is not inside axis 0"),
    (lambda s, x: x.roll((1, 2)), tl.ShapeError, r"roll: without dims, shifts must be one int"),
    (lambda s, x: x.roll(1, (0, 1)), tl.ShapeError, r"roll: shifts and dims must align"),
    (lambda s, x: x.unsqueeze(3), tl.ShapeError, r"unsqueeze: axis 3 is out of range for a tensor of rank 3"),
    (lambda s, x: x.permute(0, 0), tl.ShapeError, r"permute: dims \(0, 0\) is not a permutation"),
    (lambda s, x: x.view(np.float32), tl.ArgumentError, r"view: view\(dtype\)"),
    (lambda s, x: x.squeeze(1.5), tl.ArgumentError, r"squeeze: dim must be an int"),
    (lambda s, x: pts.stack([]), tl.TorchLeanError, r"stack: expected a torchlean tensor argument"),
    (lambda s, x: pts.stack(x), tl.ArgumentError, r"stack: expected a non-empty list or tuple"),
    (lambda s, x: pts.reshape([1, 2], (2,)), tl.TorchLeanError, r"reshape: expected a torchlean tensor"),
]


@pytest.mark.parametrize("call,error,message", BAD, ids=[b[2][:30] for b in BAD])
def test_bad_arguments_raise_named_errors_and_leave_the_tape(call, error, message):
    s = session()
    x = s.input(data(2, 3), requires_grad=True)
    n = len(s)
    with pytest.raises(error, match=message):
        call(s, x)
    assert len(s) == n


# ----- einsum -----------------------------------------------------------------------------------
def test_einsum_forms_and_gradients_match_torch():
    s = session()
    a, b, c = data(2, 3, 4), data(2, 4, 5), data(4, 4, seed=1)
    cases = [("bij,bjk->bik", (a, b)), ("bij->jb", (a,)), ("ii->i", (c,)), ("ii", (c,)), ("...j,jk", (a, c)),
             ("b i j , b j k", (a, b)), ("bij,bjk,kl->il", (a, b, data(5, 2, seed=2)))]
    for eq, xs in cases:
        refs = [s.input(v, requires_grad=True) for v in xs]
        ts = [torch.tensor(v, requires_grad=True) for v in xs]
        out, ref = pts.einsum(eq, *refs), torch.einsum(eq, *ts)
        same(out, ref)
        seed = data(*ref.shape, seed=3)
        grads = s.backward(out, seed)
        for r, g in zip(refs, torch.autograd.grad(ref, ts, torch.tensor(seed))):
            np.testing.assert_allclose(grads[r], g.numpy(), rtol=1e-12, atol=1e-12, err_msg=eq)
    same(pts.einsum("ij,jk", [s.input(c), s.input(c)]), torch.einsum("ij,jk", [torch.tensor(c), torch.tensor(c)]))


@pytest.mark.parametrize("eq,shapes,message", [
    ("ij,jk->ik", [(2, 3)], r"einsum: the equation has 2 operand\(s\), got 1"),
    ("ij->i", [(2, 3, 4)], r"einsum: subscripts 'ij' name 2 dims, the operand has shape \(2, 3, 4\)"),
    ("ij,jk->ik", [(2, 3), (4, 5)], r"einsum: subscript j has sizes 3 and 4"),
    ("i1->i", [(2, 3)], r"einsum: invalid subscript '1'"),
    ("ij->k", [(2, 3)], r"einsum: output subscript 'k' does not appear"),
    ("ij->ii", [(2, 3)], r"einsum: an output subscript appears more than once"),
    ("i......", [(2, 3)], r"einsum: more than one ellipsis"),
])
def test_einsum_errors(eq, shapes, message):
    s = session()
    xs = [s.input(data(*sh)) for sh in shapes]
    n = len(s)
    with pytest.raises(tl.TorchLeanError, match=message):
        pts.einsum(eq, *xs)
    assert len(s) == n


# ----- primitives and the seed's ops --------------------------------------------------------------
def test_unit_step_slices_record_the_seeds_params():
    s = session()
    x = s.input(data(6))
    assert s.slice(x, 0, 1, 4).params == {"axis": 0, "start": 1, "stop": 4}
    assert s.slice(x, 0, 1, 5, 2).params == {"axis": 0, "start": 1, "stop": 5, "step": 2}
    assert s.slice(x, 0, 1, 2, 3).params == {"axis": 0, "start": 1, "stop": 2}  # one entry: no step
    with pytest.raises(tl.ShapeError, match="slice: step must be a positive int, got 0"):
        s.slice(x, 0, 1, 5, 0)


def test_flip_is_a_view_and_its_own_adjoint():
    s = session()
    x = s.input(data(3, 4), requires_grad=True)
    y = x.flip(0, 1)
    assert y.prim.name == "flip" and np.shares_memory(y._v, x._v)
    seed = data(3, 4, seed=5)
    np.testing.assert_array_equal(s.backward(y, seed)[x], seed[::-1, ::-1])
    assert x.flip(()) is x and s.input(data(1, 3)).flip(0).prim is None  # nothing to reverse


def test_narrow_with_a_tensor_start_checks_it_when_the_op_runs():
    s = session()
    x = s.input(data(5, 3), requires_grad=True)
    same(x.narrow(0, s.input(np.array(-2)), 2), torch.tensor(x.numpy()).narrow(0, torch.tensor(-2), 2))
    with pytest.raises(tl.ArgumentError, match=r"narrow: index 5 is out of range for a dimension of size 5"):
        x.narrow(0, s.input(np.array(4)), 2)
    c = tl.compile_out(lambda ops, x, i: pts.narrow(x, 1, i, 2), [(5, 3), ((), np.int64)], tl.Options(dtype=np.float64))
    np.testing.assert_array_equal(c.forward(x.numpy(), np.array(1)), x.numpy()[:, 1:3])
    with pytest.raises(tl.ArgumentError, match="out of range"):
        c.forward(x.numpy(), np.array(2))


def test_repeat_and_expand_gradients_sum_over_the_copies():
    s = session()
    x = s.input(data(2, 1), requires_grad=True)
    xt = torch.tensor(x.numpy(), requires_grad=True)
    y, yt = (x.repeat(3, 1, 4) * x.expand(2, 4)).sum(), (xt.repeat(3, 1, 4) * xt.expand(2, 4)).sum()
    np.testing.assert_allclose(s.backward(y)[x], torch.autograd.grad(yt, xt)[0].numpy(), rtol=1e-12)


# ----- traced code ------------------------------------------------------------------------------
def test_shape_ops_trace_and_differentiate_as_eagerly():
    def f(ops, x, y):
        parts = x.reshape(2, 3, 4).movedim(0, -1).split(1, dim=1)
        z = pts.cat([p.squeeze(1) for p in parts], dim=-1).flip(0).roll(1, 1)
        w = pts.stack([z, z.tril()], 0).repeat(1, 1, 2)
        return pts.einsum("kij,j->ki", w, y).sum() + (z.t().unflatten(0, (2, 4)) ** 2).sum()

    x, y = data(24), data(16, seed=1)
    c = tl.compile_scalar(f, [(24,), (16,)], tl.Options(dtype=np.float64))
    s = session()
    xs, ys = s.input(x, requires_grad=True), s.input(y, requires_grad=True)
    out = f(s, xs, ys)
    np.testing.assert_allclose(c.forward(x, y), out.item(), rtol=1e-12)
    g = s.backward(out)
    gx, gy = c.backward(x, y)[:2]
    np.testing.assert_allclose(gx, g[xs], rtol=1e-12)
    np.testing.assert_allclose(gy, g[ys], rtol=1e-12)
