"""``torchlean.nn.functional`` convolutions and pools: PyTorch's signatures, the semantics the
random sweeps avoid on purpose (ties, 'same' padding edge cases, indices), argument errors that
name the function and leave the tape unchanged, and the seed's binds left exactly as they were."""

import inspect
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import torchlean as tl
import torchlean.nn.functional as F
from torchlean.pt import conv as pt_conv

CONV_NAMES = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
POOL_NAMES = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
              "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
              "adaptive_max_pool2d", "adaptive_max_pool3d"]


def session():
    return tl.Session(dtype=np.float64)


def torch_params(name):
    """(name, default repr) of torch.nn.functional.<name>, from its signature or, for builtins
    and boolean dispatchers, the first line of its docstring."""
    f = getattr(TF, name)
    try:
        ps = list(inspect.signature(f).parameters.values())
        if not any(p.kind == p.VAR_POSITIONAL for p in ps):
            return [(p.name, None if p.default is p.empty else repr(p.default)) for p in ps]
    except (TypeError, ValueError):
        pass
    m = re.match(rf"{name}\((.*)\)", f.__doc__.strip().splitlines()[0])
    return [(n.strip(), d or None) for n, _, d in (a.partition("=") for a in m.group(1).split(", "))]


@pytest.mark.parametrize("name", pt_conv.__all__)
def test_signature_is_pytorchs(name):
    ours = [(p.name, None if p.default is p.empty else repr(p.default))
            for p in inspect.signature(getattr(F, name)).parameters.values()]
    assert ours == torch_params(name)
    assert all(p.kind == p.POSITIONAL_OR_KEYWORD
               for p in inspect.signature(getattr(F, name)).parameters.values())


def test_the_family_is_exported_from_nn_functional():
    assert set(CONV_NAMES + POOL_NAMES + ["pad", "interpolate", "unfold", "fold", "pixel_shuffle",
                                          "pixel_unshuffle", "upsample", "upsample_nearest",
                                          "upsample_bilinear"]) <= set(pt_conv.__all__)
    for name in pt_conv.__all__:
        assert getattr(F, name) is getattr(pt_conv, name)


# ----- the seed's ops bind exactly what they did ---------------------------------------------------
def test_seed_ops_bind_the_same_params_and_f_defaults_bind_the_same_nodes():
    rng = np.random.default_rng(0)
    s = session()
    x = s.input(rng.standard_normal((2, 3, 6, 6)))
    w = s.input(rng.standard_normal((4, 3, 3, 3)))
    b = s.input(rng.standard_normal(4))
    y = s.conv2d(w, b, x, 1, 1)
    assert y.prim.name == "conv_bias" and y.params == {"stride": (1, 1), "padding": (1, 1)}
    z = F.conv2d(x, w, b, padding=1)
    assert z.prim is y.prim and z.params == y.params
    np.testing.assert_array_equal(z.numpy(), y.numpy())
    m = s.max_pool2d(y, 2)
    assert m.params == {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0)}
    assert F.max_pool2d(y, 2).params == m.params
    t = s.conv_transpose2d(s.input(rng.standard_normal((4, 2, 3, 3))), None, y, 2, 1, 1)
    assert t.params == {"stride": (2, 2), "padding": (1, 1), "output_padding": (1, 1)}


def test_new_params_are_bound_only_when_not_default():
    rng = np.random.default_rng(1)
    s = session()
    x = s.input(rng.standard_normal((1, 4, 7, 7)))
    w = s.input(rng.standard_normal((4, 2, 3, 3)))
    y = F.conv2d(x, w, None, 1, 0, (2, 1), 2)
    assert y.params == {"stride": (1, 1), "padding": (0, 0), "dilation": (2, 1), "groups": 2}
    p = F.max_pool2d(x, 3, 2, 1, 1, True)
    assert p.params == {"kernel": (3, 3), "stride": (2, 2), "padding": (1, 1), "ceil_mode": True}


# ----- padding='same' / 'valid' --------------------------------------------------------------------
@pytest.mark.parametrize("k,dil", [(4, 1), (3, 2), (2, 3), (5, 1)])
def test_same_padding_keeps_the_size_and_matches_torch(k, dil):
    rng = np.random.default_rng(k)
    x, w = rng.standard_normal((2, 2, 7, 6)), rng.standard_normal((3, 2, k, 2))
    s = session()
    y = F.conv2d(s.input(x), s.input(w), padding="same", dilation=dil)
    assert y.shape == (2, 3, 7, 6)
    with warnings.catch_warnings():  # torch: an even kernel needs a padded copy
        warnings.simplefilter("ignore", UserWarning)
        ref = TF.conv2d(torch.tensor(x), torch.tensor(w), padding="same", dilation=dil)
    np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


def test_same_padding_refuses_strides_and_unknown_strings_without_recording():
    s = session()
    x, w = s.input(np.ones((1, 2, 5, 5))), s.input(np.ones((3, 2, 2, 2)))
    wt = s.input(np.ones((2, 3, 2, 2)))
    n = len(s)
    with pytest.raises(tl.ArgumentError, match=r"conv2d: padding='same' is not supported for strided"):
        F.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(tl.ArgumentError, match="conv2d: padding must be"):
        F.conv2d(x, w, padding="full")
    with pytest.raises(tl.ArgumentError, match="conv_transpose2d: padding"):
        F.conv_transpose2d(x, wt, padding="same")
    assert len(s) == n
    assert F.conv2d(x, w, padding="valid").shape == (1, 3, 4, 4)


def test_a_failed_same_conv_rolls_back_its_pad():
    s = session()
    x, w = s.input(np.ones((1, 2, 5, 5))), s.input(np.ones((3, 4, 2, 2)))  # channels disagree
    n = len(s)
    with pytest.raises(tl.ShapeError, match="conv2d"):
        F.conv2d(x, w, padding="same")  # the even kernel pads first, then the conv fails
    assert len(s) == n


# ----- argument errors -----------------------------------------------------------------------------
def test_conv_errors_name_the_function_and_the_shapes():
    s = session()
    x = s.input(np.ones((2, 4, 5, 5)))
    with pytest.raises(tl.ShapeError, match=r"conv2d: .*groups = 3.*\(2, 4, 5, 5\)"):
        F.conv2d(x, s.input(np.ones((3, 1, 3, 3))), groups=3)
    with pytest.raises(tl.ShapeError, match=r"conv2d: expected 3D \(unbatched\) or 4D"):
        F.conv2d(s.input(np.ones((4, 5))), s.input(np.ones((3, 4, 3, 3))))
    with pytest.raises(tl.ShapeError, match="dilated kernel"):
        F.conv2d(x, s.input(np.ones((3, 4, 3, 3))), dilation=3)
    with pytest.raises(tl.ShapeError, match="output_padding"):
        F.conv_transpose2d(x, s.input(np.ones((4, 2, 3, 3))), stride=2, dilation=2, output_padding=2)
    with pytest.raises(tl.DTypeError, match="conv1d"):
        F.conv1d(s.input(np.ones((1, 2, 5), np.int64)), s.input(np.ones((3, 2, 2))))
    with pytest.raises(tl.TorchLeanError, match="conv2d: weight must be a torchlean tensor"):
        F.conv2d(x, np.ones((3, 4, 3, 3)))


def test_pool_errors_follow_pytorchs_limits():
    s = session()
    x = s.input(np.ones((1, 2, 6, 6)))
    n = len(s)
    with pytest.raises(tl.ShapeError, match="max_pool2d: pad should be at most half of effective"):
        F.max_pool2d(x, 3, padding=2)
    F.max_pool2d(x, 3, padding=2, dilation=2)  # the extent is 5: padding 2 is allowed
    n = len(s)
    with pytest.raises(tl.ShapeError, match="avg_pool2d: pad should be at most half of kernel size"):
        F.avg_pool2d(x, 2, padding=2)
    with pytest.raises(tl.ArgumentError, match="avg_pool2d: divisor_override"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(tl.ShapeError, match=r"max_pool1d: expected 2D \(unbatched\) or 3D"):
        F.max_pool1d(x, 2)
    with pytest.raises(tl.ShapeError, match="adaptive_avg_pool2d: output_size"):
        F.adaptive_avg_pool2d(x, (2, 0))
    assert len(s) == n


def test_a_window_of_padding_only_is_refused():
    # in 2, kernel 2, dilation 5, padding 3: the first window's cells are -3 and 2, both padding
    s = session()
    with pytest.raises(tl.ShapeError, match="only padding"):
        F.max_pool1d(s.input(np.ones((1, 1, 2))), 2, 1, 3, 5)


# ----- max pool: ties, indices ---------------------------------------------------------------------
def _tl_and_torch(fn_tl, fn_t, x, cot_seed=0):
    """(values, indices, grad) from torchlean and from torch for ``fn(x) -> (values, indices)``."""
    s = session()
    r = s.input(x, requires_grad=True)
    y, i = fn_tl(r)
    cot = np.random.default_rng(cot_seed).standard_normal(y.shape)
    g = s.backward(y, cot)[r]
    tx = torch.tensor(x, requires_grad=True)
    ty, ti = fn_t(tx)
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(cot))
    return (y.numpy(), i.numpy(), g), (ty.detach().numpy(), ti.numpy(), tg.numpy())


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": (2, 3), "stride": 2, "dilation": (2, 1), "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
])
def test_max_pool_ties_and_indices_match_torch(kw):
    x = np.random.default_rng(3).integers(0, 3, (2, 2, 7, 6)).astype(np.float64)  # many ties
    ours, ref = _tl_and_torch(lambda r: F.max_pool2d(r, return_indices=True, **kw),
                              lambda t: TF.max_pool2d(t, return_indices=True, **kw), x)
    np.testing.assert_array_equal(ours[0], ref[0])
    np.testing.assert_array_equal(ours[1], ref[1])  # the first maximum, as torch's CPU kernel
    np.testing.assert_allclose(ours[2], ref[2], rtol=1e-14, atol=1e-14)  # overlaps sum in any order


@pytest.mark.parametrize("out", [3, 4, (2, 5), (5, 3)])
def test_adaptive_max_pool_ties_and_indices_match_torch(out):
    x = np.random.default_rng(4).integers(0, 2, (2, 3, 7, 6)).astype(np.float64)
    ours, ref = _tl_and_torch(lambda r: F.adaptive_max_pool2d(r, out, True),
                              lambda t: TF.adaptive_max_pool2d(t, out, True), x)
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("pool", [
    lambda F, r: F.max_pool2d(r, 3, 2, 1, ceil_mode=True, return_indices=True),
    lambda F, r: F.max_pool2d(r, (2, 3), 1, dilation=(2, 1), return_indices=True),
    lambda F, r: F.adaptive_max_pool2d(r, (3, 4), True),
])
def test_a_nan_maximum_propagates_and_its_last_nan_cell_gets_the_gradient_as_in_torch(pool):
    x = np.random.default_rng(9).integers(0, 3, (2, 2, 7, 6)).astype(np.float64)
    x[x == 2] = np.nan  # windows with one NaN, several, and none
    ours, ref = _tl_and_torch(lambda r: pool(F, r), lambda t: pool(TF, t), x)
    np.testing.assert_array_equal(ours[0], ref[0])  # NaN where torch has NaN
    np.testing.assert_array_equal(ours[1], ref[1])
    np.testing.assert_allclose(ours[2], ref[2], rtol=1e-14, atol=1e-14)


def test_indices_are_int64_without_gradient_and_unbatched_inputs_work():
    s = session()
    x = s.input(np.random.default_rng(5).standard_normal((3, 8)), requires_grad=True)
    y, i = F.max_pool1d(x, 3, 2, 1, return_indices=True)
    assert i.dtype == np.int64 and not i.requires_grad and y.requires_grad
    _, ti = TF.max_pool1d(torch.tensor(x.numpy()), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    y3, i3 = F.adaptive_max_pool3d(s.input(np.random.default_rng(6).standard_normal((2, 3, 5, 4))),
                                   (2, 3, 3), return_indices=True)
    assert y3.shape == i3.shape == (2, 2, 3, 3)


# ----- pad and interpolate -------------------------------------------------------------------------
def test_pad_errors_name_the_argument_and_leave_the_tape():
    s = session()
    x = s.input(np.ones((1, 2, 4)))
    n = len(s)
    with pytest.raises(tl.ArgumentError, match="pad: mode must be one of"):
        F.pad(x, (1, 1), mode="symmetric")
    with pytest.raises(tl.ArgumentError, match="even number"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(tl.ShapeError, match="reflect padding"):
        F.pad(x, (4, 0), mode="reflect")
    with pytest.raises(tl.ArgumentError, match="value is only meaningful"):
        F.pad(x, (1, 1), mode="replicate", value=1.0)
    with pytest.raises(tl.ShapeError, match="pads the last 1, 2 or 3 axes"):
        F.pad(x, (1, 1, 1, 1, 1, 1), mode="circular")
    with pytest.raises(tl.ShapeError, match="negative"):
        F.pad(x, (-3, -2))
    assert len(s) == n


@pytest.mark.parametrize("mode", ["constant", "replicate", "circular"])
def test_pad_works_on_integer_tensors(mode):
    x = np.arange(12).reshape(1, 3, 4)
    kw = {"value": 7} if mode == "constant" else {}
    y = F.pad(session().input(x), (2, 1, 1, 0), mode=mode, **kw)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), TF.pad(torch.tensor(x), (2, 1, 1, 0), mode=mode, **kw).numpy())


def test_interpolate_refuses_what_it_does_not_support_by_name():
    s = session()
    x = s.input(np.ones((1, 2, 4, 4)))
    with pytest.raises(tl.ArgumentError, match="mode 'lanczos'"):
        F.interpolate(x, size=3, mode="lanczos")
    with pytest.raises(tl.ArgumentError, match="antialias"):
        F.interpolate(x, size=3, mode="bilinear", antialias=True)
    with pytest.raises(tl.ArgumentError, match="exactly one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(tl.ArgumentError, match="align_corners"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(tl.ShapeError, match="linear mode needs 3D input"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(tl.ArgumentError, match="recompute_scale_factor"):
        F.interpolate(x, size=3, recompute_scale_factor=True)


def test_float_only_functions_refuse_integer_tensors_before_recording():
    s = session()
    x = s.input(np.arange(16).reshape(1, 1, 4, 4))
    n = len(s)
    for fn in (lambda: F.interpolate(x, size=3, mode="bilinear"), lambda: F.interpolate(x, size=3),
               lambda: F.adaptive_avg_pool2d(x, 3), lambda: F.adaptive_max_pool2d(x, 3),
               lambda: F.max_pool2d(x, 2), lambda: F.avg_pool2d(x, 2), lambda: F.unfold(x, 2)):
        with pytest.raises(tl.DTypeError, match="float"):
            fn()
    assert len(s) == n


@pytest.mark.parametrize("mode,kw", [
    ("nearest", {"scale_factor": 1.7}), ("nearest", {"size": (7, 3)}), ("nearest-exact", {"size": (7, 3)}),
    ("bilinear", {"scale_factor": 1.3}), ("bilinear", {"size": (3, 8), "align_corners": True}),
    ("bicubic", {"size": (7, 5)}),
])
def test_interpolate_in_float32_matches_torch_float32(mode, kw):
    x = np.random.default_rng(7).standard_normal((2, 2, 5, 6)).astype(np.float32)
    y = F.interpolate(tl.Session().input(x), mode=mode, **kw).numpy()
    ref = TF.interpolate(torch.tensor(x), mode=mode, **kw).numpy()
    assert y.dtype == np.float32
    if mode.startswith("nearest"):
        np.testing.assert_array_equal(y, ref)  # a gather of exactly the same cells
    else:
        np.testing.assert_allclose(y, ref, rtol=2e-6, atol=2e-6)


# ----- traced: the same functions in a compiled graph ----------------------------------------------
def test_functions_trace_into_compiled_graphs():
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((2, 4, 7, 6)), rng.standard_normal((4, 2, 2, 3))

    def net(x, w):
        h = F.conv2d(x, w, padding="same", groups=2, dilation=(1, 2))
        v, idx = F.max_pool2d(h, 3, 2, 1, ceil_mode=True, return_indices=True)
        u = F.interpolate(F.pad(v, (1, 1, 0, 2), mode="reflect"), scale_factor=1.5, mode="bilinear")
        return F.adaptive_avg_pool2d(u, (3, 2)), idx

    opts = tl.Options(dtype=np.float64)
    values = tl.compile_out(lambda ops, x, w: net(x, w)[0], [x, w], opts)
    indices = tl.compile_out(lambda ops, x, w: net(x, w)[1], [x, w], opts)
    s = session()
    xr, wr = s.input(x, requires_grad=True), s.input(w, requires_grad=True)
    e_out, e_idx = net(xr, wr)
    np.testing.assert_allclose(values.forward(x, w), e_out.numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(indices.forward(x, w), e_idx.numpy())
    cot = rng.standard_normal(e_out.shape)
    grads = s.backward(e_out, cot)
    cg = values.vjp_with_seed([x, w], cot)
    np.testing.assert_allclose(cg[0], grads[xr], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cg[1], grads[wr], rtol=1e-12, atol=1e-12)
