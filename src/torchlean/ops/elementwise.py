"""Elementwise primitives, with the seed's gradients at kinks.

Kinks (seed semantics): relu'(0) = 0, |x|'(0) = 0, sqrt'(0) = 0, clamp's gradient is 1 only
strictly inside (lo, hi), and maximum/minimum split ties 1/2 - 1/2. sigmoid and softplus use
numerically stable forms (the seed's later fix), so no input overflows.
"""

from __future__ import annotations

import math

from .._core.registry import IDENTITY, REGISTRY, ZERO, defop, set_impl_out, set_ufunc
from ._rules import binary_float, binary_numeric, unary_float, unary_numeric


def _unary(name: str, impl, deriv, doc: str = "", numeric: bool = False):
    """A unary op whose VJP and JVP both multiply by ``deriv(ops, out, x)`` = f'(x)."""
    return defop(
        name, shape=(unary_numeric if numeric else unary_float)(name), impl=impl, doc=doc,
        vjp=[lambda ops, g, out, x: ops.mul(g, deriv(ops, out, x))],
        jvp=[lambda ops, t, out, x: ops.mul(t, deriv(ops, out, x))],
    )


def _linear_unary(name: str, impl, doc: str = "", numeric: bool = False):
    """A linear unary op that is its own adjoint (c * x, -x, x / c): VJP and JVP apply the op,
    with the same parameters, to the seed, through ``bind`` (one call to the kernel in the
    eager sweeps)."""

    def rule(ops, g, out, x, **params):
        return ops.bind(prim, g, **params)

    prim = defop(name, shape=(unary_numeric if numeric else unary_float)(name), impl=impl, doc=doc,
                 vjp=[rule], jvp=[rule])
    return prim


# ----- binary ------------------------------------------------------------------------------
add_p = defop(
    "add", shape=binary_numeric("add"), impl=lambda xp, a, b: xp.add(a, b),
    vjp=[IDENTITY, IDENTITY], jvp=[IDENTITY, IDENTITY],
)
sub_p = defop(
    "sub", shape=binary_numeric("sub"), impl=lambda xp, a, b: xp.subtract(a, b),
    vjp=[IDENTITY, lambda ops, g, out, a, b: ops.neg(g)],
    jvp=[IDENTITY, lambda ops, t, out, a, b: ops.neg(t)],
)
mul_p = defop(
    "mul", shape=binary_numeric("mul"), impl=lambda xp, a, b: xp.multiply(a, b),
    vjp=[lambda ops, g, out, a, b: ops.mul(g, b), lambda ops, g, out, a, b: ops.mul(g, a)],
    jvp=[lambda ops, t, out, a, b: ops.mul(t, b), lambda ops, t, out, a, b: ops.mul(a, t)],
)
div_p = defop(
    "div", shape=binary_float("div"), impl=lambda xp, a, b: xp.divide(a, b),
    # d(a/b)/db = -a/b^2 = -out/b: written with out so it never squares a large b.
    vjp=[lambda ops, g, out, a, b: ops.div(g, b),
         lambda ops, g, out, a, b: ops.neg(ops.div(ops.mul(g, out), b))],
    jvp=[lambda ops, t, out, a, b: ops.div(t, b),
         lambda ops, t, out, a, b: ops.neg(ops.div(ops.mul(t, out), b))],
)


def _max_share_impl(xp, a, b):
    # (a < b) + (a <= b) is 2, 1 or 0 (0 also where either is NaN); 1 - half of it is the share
    # of a maximum's gradient that goes to a. Comparisons, unlike sign(a - b), are defined for
    # equal infinities (inf - inf = nan).
    out = xp.less(a, b).astype(a.dtype)
    out += xp.less_equal(a, b)
    out *= -0.5
    out += 1.0
    return out


max_share_p = defop(
    "max_share", shape=binary_float("max_share"), impl=_max_share_impl, vjp=[ZERO, ZERO], jvp=[ZERO, ZERO],
    doc="1 where a > b or either is NaN, 1/2 where a == b (equal infinities included), 0 where "
        "a < b: the gradient rule of maximum/minimum (seed: ties split 1/2 - 1/2; PyTorch: a NaN "
        "passes the whole gradient to both inputs). Piecewise constant. A primitive for "
        "correctness: sign(a - b) is NaN for equal infinities.",
)


def _half_where_greater(ops, a, b):
    """1 where a > b (or either is NaN), 0 where a < b, 1/2 on ties."""
    return ops.max_share(a, b)


maximum_p = defop(
    "maximum", shape=binary_numeric("maximum"), impl=lambda xp, a, b: xp.maximum(a, b),
    doc="Elementwise max; ties send half the gradient to each input (seed).",
    vjp=[lambda ops, g, out, a, b: ops.mul(g, _half_where_greater(ops, a, b)),
         lambda ops, g, out, a, b: ops.mul(g, _half_where_greater(ops, b, a))],
    jvp=[lambda ops, t, out, a, b: ops.mul(t, _half_where_greater(ops, a, b)),
         lambda ops, t, out, a, b: ops.mul(t, _half_where_greater(ops, b, a))],
)
minimum_p = defop(
    "minimum", shape=binary_numeric("minimum"), impl=lambda xp, a, b: xp.minimum(a, b),
    doc="Elementwise min; ties send half the gradient to each input (seed).",
    vjp=[lambda ops, g, out, a, b: ops.mul(g, _half_where_greater(ops, b, a)),
         lambda ops, g, out, a, b: ops.mul(g, _half_where_greater(ops, a, b))],
    jvp=[lambda ops, t, out, a, b: ops.mul(t, _half_where_greater(ops, b, a)),
         lambda ops, t, out, a, b: ops.mul(t, _half_where_greater(ops, a, b))],
)

# ----- linear unary ------------------------------------------------------------------------
neg_p = _linear_unary("neg", lambda xp, x: xp.negative(x), numeric=True)
scale_p = _linear_unary("scale", lambda xp, x, *, c: xp.multiply(x, c), doc="c * x for a Python scalar c.",
                        numeric=True)
def _div_scalar_impl(xp, x, *, c):
    if c != 0:
        return xp.divide(x, c)
    # x / 0 (IEEE, as PyTorch): +-inf with the sign of x times that of c, NaN for 0 and NaN;
    # computed without the divide-by-zero warnings NumPy would print.
    s = xp.copysign(xp.asarray(xp.inf, x.dtype), x) * (1.0 if math.copysign(1.0, c) > 0 else -1.0)
    return xp.where((x == 0) | xp.isnan(x), xp.asarray(xp.nan, x.dtype), s).astype(x.dtype)


div_scalar_p = _linear_unary(
    "div_scalar", _div_scalar_impl,
    doc="x / c for a Python scalar c. A primitive for accuracy: one IEEE division, where "
        "x * (1 / c) rounds twice; x / 0 gives inf or NaN as PyTorch.")
add_scalar_p = defop(
    "add_scalar", shape=unary_numeric("add_scalar"), impl=lambda xp, x, *, c: xp.add(x, c),
    doc="x + c for a Python scalar c; a primitive for speed (one tape node instead of three).",
    vjp=[IDENTITY], jvp=[IDENTITY],
)

# ----- piecewise constant (derivative identically zero) ------------------------------------
def _sign_out(xp, out, x):
    xp.sign(x, out=out)
    if out.dtype.kind == "f":  # NumPy's sign(NaN) is NaN; PyTorch's and the seed's rule give 0
        xp.copyto(out, 0, where=xp.isnan(out))
    return out


def _sign_impl(xp, x):
    return _sign_out(xp, xp.empty_like(x), x) if x.dtype.kind == "f" else xp.sign(x)  # x's layout, as sign


sign_p = defop("sign", shape=unary_numeric("sign"), impl=_sign_impl,
               doc="-1, 0 or 1; sign(0) = 0 and sign(NaN) = 0 (PyTorch's sign, the seed's signSpec).",
               vjp=[ZERO], jvp=[ZERO])
step_p = defop("step", shape=unary_float("step"),
               impl=lambda xp, x: (x > 0.0).astype(x.dtype),
               doc="Heaviside step with step(0) = 0: 1 where x > 0, else 0.", vjp=[ZERO], jvp=[ZERO])

# ----- smooth and piecewise-smooth unary ---------------------------------------------------
abs_p = _unary("abs", lambda xp, x: xp.abs(x), lambda ops, out, x: ops.sign(x),
               doc="|x|, gradient sign(x) with sign(0) = 0.", numeric=True)
relu_p = defop(
    "relu", shape=unary_float("relu"), impl=lambda xp, x: xp.maximum(x, 0.0),
    doc="max(x, 0), relu'(0) = 0.",
    vjp=[lambda ops, g, out, x: ops.mul_step(g, x)],
    jvp=[lambda ops, t, out, x: ops.mul_step(t, x)],
)
exp_p = _unary("exp", lambda xp, x: xp.exp(x), lambda ops, out, x: out)
log_p = defop(
    "log", shape=unary_float("log"), impl=lambda xp, x: xp.log(x),
    doc="Natural log; like PyTorch, x <= 0 gives -inf/NaN (use safe_log for a total log).",
    vjp=[lambda ops, g, out, x: ops.div(g, x)], jvp=[lambda ops, t, out, x: ops.div(t, x)],
)
inv_p = defop(
    "inv", shape=unary_float("inv"), impl=lambda xp, x: xp.reciprocal(x),
    vjp=[lambda ops, g, out, x: ops.neg(ops.mul(g, ops.mul(out, out)))],
    jvp=[lambda ops, t, out, x: ops.neg(ops.mul(t, ops.mul(out, out)))],
)
sigmoid_p = _unary("sigmoid", lambda xp, x: xp.exp(-xp.logaddexp(0, -x)),
                   lambda ops, out, x: ops.sub(out, ops.mul(out, out)),
                   doc="1 / (1 + exp(-x)), computed as exp(-softplus(-x)) so it never overflows.")
tanh_p = defop(
    "tanh", shape=unary_float("tanh"), impl=lambda xp, x: xp.tanh(x),
    vjp=[lambda ops, g, out, x: ops.tanh_backward(g, out)],
    jvp=[lambda ops, t, out, x: ops.tanh_backward(t, out)],
)
softplus_p = _unary("softplus", lambda xp, x: xp.logaddexp(0, x), lambda ops, out, x: ops.sigmoid(x),
                    doc="log(1 + exp(x)), stable for any x.")


def _sqrt_deriv(ops, out, x):
    # 1 / (2 sqrt x) where x > 0 and 0 at x = 0 (seed): m / (2 out + (1 - m)) with m = step(x).
    # 1 - m is exactly 0 or 1, so where x > 0 the denominator is 2 out exactly (grouped as
    # (2 out - m) + 1 it would round away the low bits of a small out).
    m = ops.step(x)
    return ops.div(m, ops.add(ops.scale(out, 2.0), ops.add_scalar(ops.neg(m), 1.0)))


sqrt_p = _unary("sqrt", lambda xp, x: xp.sqrt(x), _sqrt_deriv,
                doc="Square root; sqrt'(0) = 0 (seed), NaN for x < 0.")


def _clamp_impl(xp, x, *, lo, hi):
    return xp.minimum(xp.maximum(x, lo), hi)


def _clamp_mask(ops, x, lo, hi):
    # 1 strictly inside (lo, hi), 0 elsewhere: the seed's gradient at clamp boundaries.
    return ops.mul(ops.step(ops.add_scalar(x, -lo)), ops.step(ops.add_scalar(ops.neg(x), hi)))


clamp_p = defop(
    "clamp", shape=unary_float("clamp"), impl=_clamp_impl,
    doc="min(hi, max(lo, x)); gradient 1 strictly inside (lo, hi), 0 at and beyond the bounds.",
    vjp=[lambda ops, g, out, x, *, lo, hi: ops.mul(g, _clamp_mask(ops, x, lo, hi))],
    jvp=[lambda ops, t, out, x, *, lo, hi: ops.mul(t, _clamp_mask(ops, x, lo, hi))],
)

# ----- non-differentiable ------------------------------------------------------------------
detach_p = defop("detach", shape=lambda x: x, impl=lambda xp, x: x, vjp=[None], jvp=[None],
                 doc="Identity forward; no gradient flows to x.")


def _power_deriv(ops, out, x, p):
    # d/dx x^p = p x^(p-1); for p = 0 the derivative is exactly 0 (as PyTorch), even at x = 0.
    if p == 0:
        return ops.scale(x, 0.0)
    if p == 1:
        return ops.add_scalar(ops.scale(x, 0.0), 1.0)
    return ops.scale(ops.power(x, p - 1.0), p)


power_p = defop(
    "power", shape=unary_float("power"), impl=lambda xp, x, *, p: xp.power(x, p),
    doc="x ** p for a Python scalar exponent p.",
    vjp=[lambda ops, g, out, x, *, p: ops.mul(g, _power_deriv(ops, out, x, p))],
    jvp=[lambda ops, t, out, x, *, p: ops.mul(t, _power_deriv(ops, out, x, p))],
)


# ----- out-variants: the same ufuncs writing into a preallocated buffer ---------------------
# (the compiled path's memory-planned executor; each stores exactly what the kernel returns)
def _sigmoid_out(xp, out, x):
    xp.negative(x, out=out)
    xp.logaddexp(0, out, out=out)
    xp.negative(out, out=out)
    return xp.exp(out, out=out)


def _div_scalar_out(xp, out, x, *, c):
    if c != 0:
        return xp.divide(x, c, out=out)
    out[...] = _div_scalar_impl(xp, x, c=c)
    return out


def _max_share_out(xp, out, a, b):
    xp.less(a, b, out=out)
    out += xp.less_equal(a, b)
    out *= -0.5
    out += 1.0
    return out


def _clamp_out(xp, out, x, *, lo, hi):
    xp.maximum(x, lo, out=out)
    return xp.minimum(out, hi, out=out)


for _prim, _fn in [
    (add_p, lambda xp, out, a, b: xp.add(a, b, out=out)),
    (sub_p, lambda xp, out, a, b: xp.subtract(a, b, out=out)),
    (mul_p, lambda xp, out, a, b: xp.multiply(a, b, out=out)),
    (div_p, lambda xp, out, a, b: xp.divide(a, b, out=out)),
    (maximum_p, lambda xp, out, a, b: xp.maximum(a, b, out=out)),
    (minimum_p, lambda xp, out, a, b: xp.minimum(a, b, out=out)),
    (neg_p, lambda xp, out, x: xp.negative(x, out=out)),
    (scale_p, lambda xp, out, x, *, c: xp.multiply(x, c, out=out)),
    (div_scalar_p, _div_scalar_out),
    (max_share_p, _max_share_out),
    (add_scalar_p, lambda xp, out, x, *, c: xp.add(x, c, out=out)),
    (sign_p, _sign_out),
    (step_p, lambda xp, out, x: xp.greater(x, 0, out=out)),
    (abs_p, lambda xp, out, x: xp.abs(x, out=out)),
    (relu_p, lambda xp, out, x: xp.maximum(x, 0.0, out=out)),
    (exp_p, lambda xp, out, x: xp.exp(x, out=out)),
    (log_p, lambda xp, out, x: xp.log(x, out=out)),
    (inv_p, lambda xp, out, x: xp.reciprocal(x, out=out)),
    (sigmoid_p, _sigmoid_out),
    (tanh_p, lambda xp, out, x: xp.tanh(x, out=out)),
    (softplus_p, lambda xp, out, x: xp.logaddexp(0, x, out=out)),
    (sqrt_p, lambda xp, out, x: xp.sqrt(x, out=out)),
    (clamp_p, _clamp_out),
    (power_p, lambda xp, out, x, *, p: xp.power(x, p, out=out)),
]:
    set_impl_out(_prim, _fn)

# The out-variants above that are one ufunc call, as ``(ufunc name, operands)``: an operand is
# "a"/"b" (the inputs), a param name, or a literal. The compiled path's code generator emits
# ``xp.<ufunc>(*operands, out)`` directly for these (tests check it matches ``impl_out``).
UFUNC_FORMS: dict[str, tuple[str, tuple[object, ...]]] = {
    "add": ("add", ("a", "b")), "sub": ("subtract", ("a", "b")), "mul": ("multiply", ("a", "b")),
    "div": ("divide", ("a", "b")), "maximum": ("maximum", ("a", "b")), "minimum": ("minimum", ("a", "b")),
    "neg": ("negative", ("a",)), "scale": ("multiply", ("a", "c")), "add_scalar": ("add", ("a", "c")),
    "step": ("greater", ("a", 0)), "abs": ("abs", ("a",)),
    "relu": ("maximum", ("a", 0.0)), "exp": ("exp", ("a",)), "log": ("log", ("a",)),
    "inv": ("reciprocal", ("a",)), "tanh": ("tanh", ("a",)), "softplus": ("logaddexp", (0, "a")),
    "sqrt": ("sqrt", ("a",)), "power": ("power", ("a", "p")),
}

# The kernels (``impl``) that are the same one ufunc call, on their inputs alone or on their
# input and param c, are declared from that table: backends call the ufunc itself
# (tests/unit/test_registry.py checks each declaration against ``impl`` bitwise).
for _name, (_ufunc, _operands) in UFUNC_FORMS.items():
    if _operands in (("a",), ("a", "b")):
        set_ufunc(REGISTRY[_name], _ufunc)
    elif _operands == ("a", "c"):
        set_ufunc(REGISTRY[_name], _ufunc, scalar=True)
