"""Matrix products. ``matmul`` is batched over equal leading axes; the front end handles 1-D
operands and broadcasts batch axes explicitly (PyTorch's ``torch.matmul`` semantics)."""

from __future__ import annotations

from .._core.errors import ShapeError
from .._core.registry import defop, set_impl_out, set_ufunc
from .._core.types import TensorType, check_float


def _matmul_shape(a: TensorType, b: TensorType) -> TensorType:
    dtype = check_float("matmul", a, b)
    if a.ndim < 2 or a.ndim != b.ndim or a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ShapeError(f"matmul: expected (..., m, n) @ (..., n, p) with equal batch axes, "
                         f"got {a.shape} @ {b.shape}")
    return TensorType(a.shape[:-1] + b.shape[-1:], dtype)


def _swap_last(ops, x):
    """Swap the last two axes."""
    n = len(ops.shape_of(x))
    return ops.permute(x, (*tuple(range(n - 2)), n - 1, n - 2))


matmul_p = defop(
    "matmul", shape=_matmul_shape, impl=lambda xp, a, b: xp.matmul(a, b),
    vjp=[lambda ops, g, out, a, b: ops.matmul(g, _swap_last(ops, b)),
         lambda ops, g, out, a, b: ops.matmul(_swap_last(ops, a), g)],
    jvp=[lambda ops, t, out, a, b: ops.matmul(t, b), lambda ops, t, out, a, b: ops.matmul(a, t)],
    doc="Batched matrix product (..., m, n) @ (..., n, p).",
)


def linear_shape_error(sw: tuple[int, ...], sb: tuple[int, ...] | None, sx: tuple[int, ...]) -> ShapeError | None:
    """The error for linear(w, b, x) of these shapes (b None: no bias), or None if they fit;
    arguments in PyTorch's order get a pointer to torchlean.nn.functional.linear."""
    if len(sw) == 2 and sx and sx[-1] == sw[1] and (sb is None or sb == sw[:1]):
        return None
    hint = ""
    if len(sx) == 1 and sb is not None and len(sb) == 2 and sb[1] == sw[-1] and sx == sb[:1]:
        hint = ("; linear takes the seed's argument order linear(w, b, x): for PyTorch's "
                "linear(x, weight, bias) use torchlean.nn.functional.linear")
    return ShapeError(f"linear: expected w (out, in), b (out,) or None and x (..., in), got "
                      f"w {sw}, b {sb} and x {sx}{hint}")


def _linear_shape(w: TensorType, b: TensorType, x: TensorType) -> TensorType:
    err = linear_shape_error(w.shape, b.shape, x.shape)
    if err is not None:
        raise err
    dtype = check_float("linear", w, b, x)
    return TensorType(x.shape[:-1] + w.shape[:1], dtype)


# Outputs of at least this many elements are computed as x @ w^T into C order; smaller ones as
# (w @ x^T)^T, a column-major view. Both are the same dot products (bitwise equal in most shapes
# measured; OpenBLAS may block a sum differently), but at the digits MLP's sizes it runs the
# second layout up to 1.5x faster (W1 eager and compiled: 8-12% slower with the first), while at
# large sizes the column-major result costs more than the GEMM saves (W4: eager 55 -> 50 ms,
# compiled 53 -> 44 ms with C order). The input gradient g @ w of a 2-D linear follows the same
# rule for its own (rows, in) shape (``_linear_dx``), so that the previous layer's activation
# backward multiplies a cotangent and a mask of one layout: NumPy runs a C-ordered operand times
# a column-major one 3-5x slower than two of one layout ((64, 128) float32: 6.5 against 1.9 us;
# (256, 4096): 4.8 ms against 0.66 ms), and the bias gradient, a sum down the columns of a
# column-major matrix, runs as contiguous pairwise runs (``backends/cpu_jit_sum.py``).
# Narrow products (fewer than C_ORDER_FEATURES outputs, a classifier's logits) take C order
# too: the GEMM costs the same in both layouts there (the digits MLP's (64, 128) @ (128, 10):
# 13.0 against 13.3 us), and cross-entropy's row loops then read contiguous rows (its forward
# and gradient 6 us faster each; the W1 eager step 1.3% faster in an in-process A/B).
C_ORDER_ELEMENTS = 1 << 16
C_ORDER_FEATURES = 16


def linear_c_order(rows: int, features: int) -> bool:
    """Whether a 2-D linear of ``rows`` inputs and ``features`` outputs is computed in C order
    (``x @ w.T``) rather than as ``(w @ x.T).T``; the compiled path's bias split follows it."""
    return rows * features >= C_ORDER_ELEMENTS or features < C_ORDER_FEATURES


def _linear_impl(xp, w, b, x):
    if x.ndim == 2:
        y = xp.matmul(x, w.T) if linear_c_order(x.shape[0], w.shape[0]) else xp.matmul(w, x.T).T
    elif x.ndim == 1:
        y = xp.matmul(w, x)
    else:
        y = xp.matmul(w, x.reshape(-1, x.shape[-1]).T).T.reshape(x.shape[:-1] + w.shape[:1])
    y += b
    return y


def _rows(ops, v):
    """v as a matrix (rows, last axis)."""
    s = ops.shape_of(v)
    return v if len(s) == 2 else ops.reshape(v, (-1, s[-1]))


def _apply_w(ops, w, x):
    """x @ w.T for x of shape (..., in), without replicating w over batch axes."""
    s = ops.shape_of(x)
    if len(s) <= 2:
        return ops.matmul(x, ops.transpose2d(w))
    y = ops.matmul(_rows(ops, x), ops.transpose2d(w))
    return ops.reshape(y, s[:-1] + ops.shape_of(w)[:1])


def _linear_dx(ops, g, out, w, b, x):
    s = ops.shape_of(g)
    if len(s) == 2 and not linear_c_order(s[0], ops.shape_of(w)[1]):
        # (w^T g^T)^T: the same dot products, column-major like a linear of this size's own
        # output (see C_ORDER_ELEMENTS)
        return ops.transpose2d(ops.matmul(ops.transpose2d(w), ops.transpose2d(g)))
    if len(s) <= 2:
        return ops.matmul(g, w)
    return ops.reshape(ops.matmul(_rows(ops, g), w), ops.shape_of(x))


linear_p = defop(
    "linear", shape=_linear_shape, impl=_linear_impl,
    vjp=[lambda ops, g, out, w, b, x: ops.matmul(ops.transpose2d(_rows(ops, g)), _rows(ops, x)),
         lambda ops, g, out, w, b, x: ops.reduce_sum(g, tuple(range(len(ops.shape_of(g)) - 1))),
         _linear_dx],
    jvp=[lambda ops, t, out, w, b, x: _apply_w(ops, t, x),
         lambda ops, t, out, w, b, x: ops.broadcast_to(t, ops.shape_of(out)),
         lambda ops, t, out, w, b, x: _apply_w(ops, w, t)],
    doc="x @ w.T + b for x (..., in); a primitive for speed: one node and one fused kernel "
        "instead of transpose, matmul, broadcast and add.",
)


# ----- out-variants (the compiled path writes into preallocated buffers) ----------------------
def _linear_out(xp, out, w, b, x):
    # ``out`` is laid out like _linear_impl's result (C order, or for smaller 2-D products the
    # transpose of a C-contiguous (out, N) array), written by the same GEMM.
    if x.ndim == 2:
        if linear_c_order(x.shape[0], w.shape[0]):
            xp.matmul(x, w.T, out=out)
        else:
            xp.matmul(w, x.T, out=out.T)
    elif x.ndim == 1:
        xp.matmul(w, x, out=out)
    else:  # the kernel's reshape copies; keep its exact sequence (one temporary)
        out[...] = xp.matmul(w, x.reshape(-1, x.shape[-1]).T).T.reshape(out.shape)
    out += b
    return out


set_impl_out(matmul_p, lambda xp, out, a, b: xp.matmul(a, b, out=out))
set_ufunc(matmul_p, "matmul")  # the kernel is xp.matmul itself: backends call it directly
set_impl_out(linear_p, _linear_out)
