"""Rules at NaN and at tiny magnitudes, eager and compiled (fused and unfused), against PyTorch:
sqrt's gradient keeps full precision for tiny inputs (and so every norm's), sign(NaN) is 0,
maximum/minimum pass the whole gradient to both inputs where either is NaN, torch.max(input)
shares a NaN maximum's gradient among the NaNs (amax's is NaN everywhere); and tl.compile
returns named tuples (``max(dim)``'s ``(values, indices)``) as themselves."""

import numpy as np
import pytest

import torchlean as tl
from torchlean.compiled.config import compile_options

torch = pytest.importorskip("torch", reason="PyTorch (the test oracle) is not installed")

MODES = ["eager", "compiled-fused", "compiled-unfused"]


def grads(fn, arrays, mode):
    """Value and gradients of sum(fn(*xs)) in float64 (of each array's dtype)."""
    dtype = arrays[0].dtype
    if mode == "eager":
        s = tl.Session(dtype=dtype)
        refs = [s.input(a, requires_grad=True) for a in arrays]
        out = fn(s, *refs)
        loss = s.sum(out)
        g = s.backward(loss)
        return s.value(out), [g[r] for r in refs]
    with compile_options(fusion=mode == "compiled-fused", eager_calls=0):
        c = tl.compile_scalar(lambda ops, *xs: ops.sum(fn(ops, *xs)), arrays,
                              tl.Options(dtype=dtype, backend=tl.Backend.COMPILED))
        _, gs = c.value_and_grad(*arrays)
        out = tl.compile_out(fn, arrays, tl.Options(dtype=dtype, backend=tl.Backend.COMPILED))(*arrays)
    return out, list(gs)


def torch_grads(fn, arrays):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sqrt_gradient_is_exact_for_tiny_inputs(mode, dtype):
    x = np.array([1e-8, 1e-12, 1e-14, 1e-30, 0.0, 4.0, np.inf], dtype)
    if dtype == np.float64:
        x = np.concatenate([x, [1e-28, 1e-40, 1e-300]])
    out, (g,) = grads(lambda ops, a: ops.sqrt(a), [x], mode)
    r = np.sqrt(x)
    with np.errstate(divide="ignore"):
        want = np.where(x > 0, 1 / (2 * r), 0).astype(dtype)  # the seed's rule: 0 at x = 0
    np.testing.assert_array_equal(out, r)
    np.testing.assert_allclose(g, want, rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("mode", MODES)
def test_vector_norm_gradient_of_tiny_vectors_matches_pytorch(mode):
    x = np.array([1e-20, 0.0, -3e-21])
    _, (g,) = grads(lambda ops, a: ops.sqrt(ops.sum(ops.mul(a, a))), [x], mode)
    _, (want,) = torch_grads(lambda a: torch.linalg.vector_norm(a), [x])
    np.testing.assert_allclose(g, want, rtol=1e-15)


@pytest.mark.parametrize("mode", MODES)
def test_sign_of_nan_is_zero(mode):
    x = np.array([np.nan, -2.0, -0.0, 0.0, 3.0, -np.inf, np.inf])
    out, _ = grads(lambda ops, a: ops.mul(ops.sign(a), ops.exp(a)), [x], mode)
    want = torch.sign(torch.tensor(x)) * torch.exp(torch.tensor(x))
    np.testing.assert_array_equal(out, want.numpy())
    s = tl.Session(dtype=np.float64)
    np.testing.assert_array_equal(s.value(s.sign(s.input(x))), torch.sign(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(s.value(s.sign(s.input(np.float64(np.nan)))), 0.0)  # 0-d


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_pass_the_gradient_through_nan(mode, name):
    a = np.array([np.nan, 1.0, np.nan, 2.0, 5.0, np.inf, 1.0])
    b = np.array([1.0, np.nan, np.nan, 2.0, 3.0, np.inf, 4.0])
    out, g = grads(lambda ops, x, y: ops.mul(getattr(ops, name)(x, y), ops.add(x, 3.0)), [a, b], mode)
    want_out, want_g = torch_grads(lambda x, y: getattr(torch, name)(x, y) * (x + 3.0), [a, b])
    np.testing.assert_array_equal(out, want_out)
    for got, want in zip(g, want_g):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
@pytest.mark.parametrize("case", ["nans", "ties", "plain"])
def test_full_reductions_share_the_gradient_as_pytorch(mode, name, case):
    x = {"nans": np.array([[1.0, np.nan, 3.0], [np.nan, 3.0, -1.0]]),
         "ties": np.array([[1.0, 3.0, 3.0], [-1.0, 3.0, 0.5]]),
         "plain": np.array([[1.0, 2.0, 3.0], [-1.0, 4.0, 0.5]])}[case]
    if name in ("min", "amin"):
        x = -x
    tl_fn = getattr(tl, name)
    out, (g,) = grads(lambda ops, t: ops.mul(tl_fn(t), 2.0), [x], mode)
    want_out, (want_g,) = torch_grads(lambda t: getattr(torch, name)(t) * 2.0, [x])
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_array_equal(g, want_g)


@pytest.mark.parametrize("method", ["max", "min", "sort", "topk"])
def test_compile_returns_named_tuples_of_tensors(method):
    x = np.random.default_rng(0).random((3, 4))
    call = {"max": lambda t: t.max(dim=1), "min": lambda t: t.min(dim=0, keepdim=True),
            "sort": lambda t: t.sort(dim=1, descending=True), "topk": lambda t: t.topk(2)}[method]
    s = tl.Session(dtype=np.float64)
    xr = s.input(x)
    got, want = tl.compile(call)(xr), call(xr)
    assert type(got) is type(want) and got._fields == want._fields
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
