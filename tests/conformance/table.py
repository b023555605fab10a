"""Which torchlean callable answers each PyTorch OpInfo entry: the name mapping.

One ``Entry`` per OpInfo entry (``name`` or ``name.variant_test_name``, as in
``torch.testing._internal.common_methods_invocations.op_db``) whose function or method is in
issue 9's lists, with one ``Variant`` per torchlean spelling of it: a tensor method
(``x.sum(...)``), a function of ``torchlean.nn.functional`` (``F.conv2d``) or of the top level
(``tl.cat``), a session method (constructors: ``s.zeros``), or an operator (``x[...]``,
``x < y``). Each variant is called exactly as OpInfo calls its op,
``op(sample.input, *sample.args, **sample.kwargs)``; where OpInfo's op is a lambda that reorders
its arguments (``where``, ``einsum``, ``embedding``), ``adapt`` does the same reordering.

A variant whose callable torchlean does not have yet resolves to None and is reported as
*missing*: when a family lands, its names start being measured without touching this file.
Adding a torchlean spelling is one more ``Variant`` here.
"""

from __future__ import annotations

import dataclasses
import importlib
import operator
from collections.abc import Callable
from typing import Any

METHOD, FUNCTION, SESSION, OPERATOR = "method", "function", "session", "operator"
_PREFIX = {"torchlean.nn.functional": "F.", "torchlean": "tl."}
_PREFIX["torchlean.linalg"] = "tl.linalg."


@dataclasses.dataclass(frozen=True)
class Variant:
    """One torchlean spelling of an OpInfo op.

    ``kind`` is METHOD (``name`` is the tensor method), FUNCTION (``module.name``), SESSION (a
    method of the binder: the eager session, or the graph builder when traced) or OPERATOR
    (``name`` is the dunder whose presence is checked, ``fn`` the ``operator`` function).
    ``adapt(f)`` turns the resolved callable into one taking OpInfo's ``(input, *args,
    **kwargs)``."""

    kind: str
    name: str
    module: str = ""
    fn: Callable[..., Any] | None = None
    adapt: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None
    symbol: str = ""

    @property
    def label(self) -> str:
        if self.kind == METHOD:
            return f"x.{self.name}"
        if self.kind == SESSION:
            return f"s.{self.name}"
        if self.kind == OPERATOR:
            return self.symbol or self.name
        return _PREFIX.get(self.module, self.module + ".") + self.name

    def resolve(self, session_cls: type, tensor_cls: type) -> Callable[..., Any] | None:
        """The callable taking ``(binder, input, *args, **kwargs)``, or None if torchlean lacks
        it. (The binder is used by SESSION variants only.)"""
        adapt = self.adapt or (lambda f: f)
        if self.kind in (METHOD, OPERATOR):
            if getattr(tensor_cls, self.name, None) is None:
                return None
            if self.kind == OPERATOR:
                fn = adapt(self.fn)
            else:
                name = self.name
                fn = adapt(lambda x, *a, **k: getattr(x, name)(*a, **k))
            return lambda _binder, *a, **k: fn(*a, **k)
        if self.kind == SESSION:
            if getattr(session_cls, self.name, None) is None:
                return None
            name = self.name
            return lambda binder, *a, **k: adapt(getattr(binder, name))(*a, **k)
        try:
            mod = importlib.import_module(self.module)
        except ImportError:
            return None
        f = getattr(mod, self.name, None)
        if f is None:
            return None
        g = adapt(f)
        return lambda _binder, *a, **k: g(*a, **k)


def M(name: str, adapt: Callable[..., Any] | None = None) -> Variant:
    """A ``torch.Tensor`` method."""
    return Variant(METHOD, name, adapt=adapt)


def F(name: str, adapt: Callable[..., Any] | None = None) -> Variant:
    """A ``torchlean.nn.functional`` function (``torch.nn.functional``'s name)."""
    return Variant(FUNCTION, name, "torchlean.nn.functional", adapt=adapt)


def T(name: str, adapt: Callable[..., Any] | None = None) -> Variant:
    """A top-level ``torchlean`` function (``torch.<name>``)."""
    return Variant(FUNCTION, name, "torchlean", adapt=adapt)


def S(name: str) -> Variant:
    """A constructor on the session (``torch.<name>`` is ``s.<name>``)."""
    return Variant(SESSION, name)


def O(fn: Callable[..., Any], dunder: str, symbol: str) -> Variant:  # noqa: E743
    """An operator: ``fn`` from the ``operator`` module, present if the tensor has ``dunder``."""
    return Variant(OPERATOR, dunder, fn=fn, symbol=symbol)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One OpInfo entry and how to check it.

    ``dtype``: the sample dtype (float64 unless the op has no float64 samples: the bitwise ops
    take bool, ``one_hot`` int64). ``random(sample) -> bool`` marks samples whose result is
    random (dropout in training): those are checked by ``prop`` (or for shape and dtype only),
    not against PyTorch's numbers. ``rtol``/``atol`` override the forward/VJP tolerances.
    ``fixed``: tensor arguments (by position among the sample's tensors) that the JVP check does
    not perturb, where the op branches on their values (the +-1 targets of the margin losses:
    finite differences would step across the branch, which no derivative describes)."""

    opinfo: str
    variants: tuple[Variant, ...]
    dtype: str = "float64"
    random: Callable[[Any], bool] | None = None
    prop: str = ""
    rtol: float | None = None
    atol: float | None = None
    fixed: tuple[int, ...] = ()  # tensor arguments the finite-difference JVP check keeps fixed
    # OpInfo's gradcheck_wrapper and the sample's output_process_fn_grad on PyTorch's side and ours alike
    # (symmetrised input for eigh/cholesky, |U| for svd: what OpInfo's own gradcheck compares)
    wrappers: bool = False


def _where(f: Callable[..., Any]) -> Callable[..., Any]:
    # OpInfo: lambda self, condition, other, **kw: torch.where(condition, self, other, **kw)
    return lambda x, condition, other, **kw: f(condition, x, other, **kw)


def _einsum(f: Callable[..., Any]) -> Callable[..., Any]:
    # OpInfo: lambda tensors, equation: torch.einsum(equation, tensors)
    return lambda tensors, equation: f(equation, tensors)


def _embedding(f: Callable[..., Any]) -> Callable[..., Any]:
    # OpInfo: lambda weight, idx, **kw: F.embedding(idx, weight, **kw)
    return lambda weight, idx, **kw: f(idx, weight, **kw)


def _dropout_random(sample: Any) -> bool:
    p = sample.kwargs.get("p", sample.args[0] if sample.args else 0.5)
    training = sample.kwargs.get("training", sample.args[1] if len(sample.args) > 1 else True)
    return bool(training) and 0.0 < p < 1.0


def _alpha_random(sample: Any) -> bool:  # alpha dropouts train only when asked (training=False default)
    p = sample.kwargs.get("p", sample.args[0] if sample.args else 0.5)
    training = sample.kwargs.get("training", sample.args[1] if len(sample.args) > 1 else False)
    return bool(training) and 0.0 < p < 1.0


def _rrelu_random(sample: Any) -> bool:  # random slopes in training mode only (training=False default)
    return bool(sample.kwargs.get("training", sample.args[2] if len(sample.args) > 2 else False))


def _sdpa_random(sample: Any) -> bool:
    return sample.kwargs.get("dropout_p", 0.0) > 0.0


def _unary(*names: str, extra: tuple[Variant, ...] = ()) -> list[Entry]:
    return [Entry(n, (M(n.split(".")[0]), *extra)) for n in names]


_ELEMENTWISE = _unary(
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "erf", "sign",
    "floor", "ceil", "round", "round.decimals_0", "round.decimals_3", "round.decimals_neg_3", "trunc",
    "square", "clamp", "clamp_min", "clamp_max")
_REDUCTIONS = _unary(
    "var", "var.unbiased", "std", "std.unbiased", "prod", "amax", "amin", "max.reduction_with_dim",
    "max.reduction_no_dim", "max.binary", "min.reduction_with_dim", "min.reduction_no_dim", "min.binary",
    "argmin", "logsumexp", "norm", "norm.fro", "norm.inf", "norm.nuc", "cumsum")
_SHAPE = _unary(
    "reshape", "view", "flatten", "unflatten", "squeeze", "squeeze.multiple", "unsqueeze", "permute",
    "transpose", "t", "movedim", "expand", "expand_as", "repeat", "tile", "flip", "roll", "narrow",
    "select", "split", "split.list_args", "chunk", "masked_fill", "tril", "triu", "gather",
    "scatter_add", "index_select", "take_along_dim", "mm", "bmm", "item")
_CASTS = _unary("double", "float", "long", "bool", "to")
_REFLECTED = [Entry(n, (M(n),)) for n in ("__radd__", "__rsub__", "__rmul__", "__rpow__", "__rmatmul__")]
_BOOL = [Entry("bitwise_not", (O(operator.invert, "__invert__", "~x"),), dtype="bool"),
         Entry("bitwise_and", (O(operator.and_, "__and__", "x & y"),), dtype="bool"),
         Entry("bitwise_or", (O(operator.or_, "__or__", "x | y"),), dtype="bool"),
         Entry("__rand__", (M("__rand__"),), dtype="bool"),
         Entry("__ror__", (M("__ror__"),), dtype="bool")]
_COMPARE = [Entry(n, (O(getattr(operator, n), f"__{n}__", s),)) for n, s in
            (("lt", "x < y"), ("le", "x <= y"), ("gt", "x > y"), ("ge", "x >= y"), ("eq", "x == y"),
             ("ne", "x != y"))]
_ARITH = [
    Entry("add", (O(operator.add, "__add__", "x + y"), M("add"), T("add"))),
    Entry("sub", (O(operator.sub, "__sub__", "x - y"), M("sub"), T("sub"))),
    Entry("mul", (O(operator.mul, "__mul__", "x * y"), M("mul"), T("mul"))),
    Entry("div.no_rounding_mode", (O(operator.truediv, "__truediv__", "x / y"), M("div"), T("div"))),
    Entry("__rdiv__", (M("__rtruediv__"),)),  # Python 3 spells torch's __rdiv__ __rtruediv__
    Entry("floor_divide", (O(operator.floordiv, "__floordiv__", "x // y"),)),
    Entry("remainder", (O(operator.mod, "__mod__", "x % y"),)),
    Entry("pow", (M("pow"), O(operator.pow, "__pow__", "x ** y"))),
    Entry("abs", (M("abs"), O(operator.abs, "__abs__", "abs(x)"))),
    Entry("neg", (M("neg"), O(operator.neg, "__neg__", "-x"))),
    Entry("__getitem__", (O(operator.getitem, "__getitem__", "x[...]"),)),
]
_TOPLEVEL = [
    Entry("sum", (M("sum"), T("sum"))),
    Entry("mean", (M("mean"), T("mean"))),
    Entry("argmax", (M("argmax"), T("argmax"))),
    Entry("maximum", (M("maximum"), T("maximum"))),
    Entry("minimum", (M("minimum"), T("minimum"))),
    Entry("matmul", (M("matmul"), O(operator.matmul, "__matmul__", "x @ y"), T("matmul"))),
    Entry("softmax", (M("softmax"), T("softmax"), F("softmax"))),
    Entry("softmax.with_dtype", (M("softmax"), T("softmax"), F("softmax"))),
    Entry("log_softmax", (M("log_softmax"), F("log_softmax"))),
    Entry("log_softmax.with_dtype", (M("log_softmax"), F("log_softmax"))),
    Entry("sigmoid", (M("sigmoid"), F("sigmoid"))),
    Entry("tanh", (M("tanh"), F("tanh"))),
    Entry("cat", (T("cat"),)),
    Entry("stack", (T("stack"),)),
    Entry("where", (T("where", _where),)),
    Entry("einsum", (T("einsum", _einsum),)),
    Entry("outer", (T("outer"),)),
    Entry("addmm", (T("addmm"),)),
    Entry("all", (M("all"), T("all"))),
    Entry("any", (M("any"), T("any"))),
]
_CONSTRUCTORS = [Entry(n, (S(n),)) for n in ("zeros", "ones", "full", "arange", "linspace", "eye",
                                              "zeros_like", "ones_like")]
_CONSTRUCTORS += [Entry(n, (S(n),), random=lambda s: True) for n in ("randn", "randint")]
_FUNCTIONAL = [Entry("nn.functional." + n, (F(n.split(".")[0]),)) for n in (
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
    "softplus", "hardtanh", "hardsigmoid", "hardswish", "logsigmoid", "pad.constant", "pad.reflect",
    "pad.replicate", "pad.replicate_negative", "pad.circular", "layer_norm", "group_norm", "batch_norm",
    "instance_norm", "rms_norm", "normalize", "cosine_similarity", "pairwise_distance", "cross_entropy",
    "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "interpolate.nearest", "interpolate.linear",
    "interpolate.bilinear", "interpolate.nearest-exact", "interpolate.bicubic", "interpolate.trilinear",
    "interpolate.area", "upsample_nearest", "upsample_bilinear", "unfold", "pixel_shuffle", "pixel_unshuffle",
    "adaptive_max_pool3d", "glu", "bilinear", "feature_alpha_dropout.without_train", "softsign", "tanhshrink",
    "hardshrink", "softshrink", "threshold", "prelu", "soft_margin_loss", "margin_ranking_loss",
    "triplet_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
    "local_response_norm", "multi_margin_loss", "multilabel_margin_loss", "grid_sample")]
_FUNCTIONAL += [Entry("nn.functional.hinge_embedding_loss", (F("hinge_embedding_loss"),), fixed=(1,)),
                Entry("nn.functional.cosine_embedding_loss", (F("cosine_embedding_loss"),), fixed=(2,))]
_FUNCTIONAL += [
    Entry("nn.functional.dropout", (F("dropout"),), random=_dropout_random, prop="dropout"),
    Entry("nn.functional.dropout2d", (F("dropout2d"),), random=_dropout_random, prop="dropout"),
    Entry("nn.functional.dropout3d", (F("dropout3d"),), random=_dropout_random, prop="dropout"),
    Entry("nn.functional.rrelu", (F("rrelu"),), random=_rrelu_random),
    Entry("nn.functional.alpha_dropout", (F("alpha_dropout"),), random=_alpha_random),
    Entry("nn.functional.feature_alpha_dropout.with_train", (F("feature_alpha_dropout"),),
          random=_alpha_random),
    Entry("nn.functional.scaled_dot_product_attention", (F("scaled_dot_product_attention"),),
          random=_sdpa_random),
    Entry("nn.functional.embedding", (F("embedding", _embedding),)),
    Entry("nn.functional.one_hot", (F("one_hot"),), dtype="int64"),
]

# The shape family's additions (pt/sorting.py, pt/linalg_extra.py, pt/shape_extra.py,
# pt/index_extra.py, pt/tensor_extra.py): a method and the top-level function where torch has both.
_SHAPE_EXTRA = [Entry(n, (M(n.split(".")[0]), T(n.split(".")[0]))) for n in (
    "addmv", "addbmm", "baddbmm", "dot", "vdot", "mv", "addr", "cross", "diag", "diag_embed", "diagonal",
    "fliplr", "flipud", "kthvalue", "median", "topk", "mode", "rot90", "split_with_sizes", "tensor_split",
    "hsplit", "vsplit", "dsplit", "index_fill", "index_copy", "index_add", "sort", "scatter", "msort", "trace",
    "kron", "inner", "argsort", "repeat_interleave", "scatter_reduce.sum", "scatter_reduce.prod",
    "scatter_reduce.mean", "scatter_reduce.amin", "scatter_reduce.amax")]
_SHAPE_EXTRA += [Entry(n, (T(n.split(".")[0]),)) for n in (
    "block_diag", "cartesian_prod", "meshgrid.variadic_tensors", "meshgrid.list_of_tensors", "atleast_1d",
    "atleast_2d", "atleast_3d", "column_stack", "hstack", "vstack", "dstack", "tensordot", "triu_indices",
    "tril_indices")]
_SHAPE_EXTRA += [Entry(n, (M(n),)) for n in ("clone", "contiguous", "unfold", "byte", "half", "int", "short")]

# The math family's additions (pt/math_extra.py, pt/reduce_extra.py): method and top-level spellings.
# (``sgn`` is left out: PyTorch's own backward gives a ZeroTensor, which the harness cannot read;
# its values are ``sign``'s, measured above, and tests/unit/test_pt_math_extra.py checks it.)
_MATH_EXTRA = [Entry(n, (M(n.split(".")[0]), T(n.split(".")[0]))) for n in (
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cosh", "sinh", "tan", "log10", "log2", "exp2", "erfc",
    "deg2rad", "rad2deg", "sinc", "frac", "signbit", "positive", "isfinite", "isinf", "isposinf",
    "isneginf", "isreal", "isnan", "nan_to_num", "logit", "atan2", "copysign", "fmax", "fmin", "fmod", "hypot",
    "xlogy", "heaviside", "float_power", "lerp", "addcmul", "addcdiv", "true_divide", "cumprod", "cummax",
    "cummin", "logcumsumexp", "diff", "dist", "aminmax", "count_nonzero", "nanmean", "nansum", "isclose",
    "allclose", "equal")]
_MATH_EXTRA += [Entry(n, (M("div"), T("div"))) for n in ("div.trunc_rounding", "div.floor_rounding")]
_MATH_EXTRA += [Entry(n, (T(n.split(".")[0]),)) for n in ("var_mean", "var_mean.unbiased", "std_mean",
                                                           "std_mean.unbiased")]

# torch functions added by pt/more_*.py, pt/special.py, pt/dynamic.py (torchlean.special: ``Sp``), and
# names torchlean had before without a table entry. Random results are checked for shape and dtype.
def Sp(name: str, adapt: Callable[..., Any] | None = None) -> Variant:
    """A ``torchlean.special`` function (``torch.special.<name>``)."""
    return Variant(FUNCTION, name, "torchlean.special", adapt=adapt)


def _n_first(f: Callable[..., Any]) -> Callable[..., Any]:
    # OpInfo: lambda x, n, **kw: torch.polygamma(n, x, **kw)
    return lambda x, n, **kw: f(n, x, **kw)


def _attr(name: str) -> Variant:  # a property (x.T, x.mT)
    return O(operator.attrgetter(name), name, f"x.{name}")


_ANY = lambda s: True
_MORE = [Entry(n, (M(n.split(".")[0]), T(n.split(".")[0]))) for n in (
    "logical_not", "logical_and", "logical_or", "logical_xor", "broadcast_to", "ravel", "unbind",
    "logaddexp", "logaddexp2", "take", "renorm", "diagflat", "corrcoef", "erfinv", "i0", "lgamma",
    "digamma", "mvlgamma.mvlgamma_p_1", "mvlgamma.mvlgamma_p_3", "mvlgamma.mvlgamma_p_5", "masked_select",
    "nonzero", "argwhere", "unique", "unique_consecutive", "histc")]
_MORE += [Entry("bincount", (M("bincount"), T("bincount")), dtype="int64")]
# (OpInfo gives cov float32 aweights, whose sums torch takes in float32: 2e-5 relative; torchlean's session
# makes them float64, so the numbers are compared at that precision)
_MORE += [Entry("cov", (M("cov"), T("cov")), rtol=1e-4, atol=1e-5)]
_MORE += [Entry(n, (M("polygamma"), T("polygamma", _n_first))) for n in (
    "polygamma.polygamma_n_0", "polygamma.polygamma_n_1", "polygamma.polygamma_n_2", "polygamma.polygamma_n_3",
    "polygamma.polygamma_n_4")]
_MORE += [Entry(n, (M(n),)) for n in ("reshape_as", "view_as", "new_zeros", "new_ones", "new_full", "sum_to_size",
                                      "__rmod__")]
_MORE += [Entry("new_empty", (M("new_empty"),), random=_ANY)]
_MORE += [Entry(n, (T(n.split(".")[0]),)) for n in (
    "broadcast_tensors", "broadcast_shapes", "isin", "searchsorted", "bucketize", "logspace",
    "logspace.tensor_overload", "trapezoid", "trapz", "cumulative_trapezoid", "scalar_tensor", "rsub",
    "addmm.decomposed")]
_MORE += [Entry("full_like", (T("full_like"), S("full_like")))]
_MORE += [Entry(n, (T(n),), random=_ANY) for n in ("empty", "empty_like", "rand_like", "randn_like", "randint_like")]
_MORE += [Entry(n, (_attr(n),)) for n in ("T", "mT")]
_MORE += [Entry("nn.functional." + n, (F(n.split(".")[0]),)) for n in (
    "softmin", "softmin.with_dtype", "pdist", "channel_shuffle", "triplet_margin_with_distance_loss")]
_MORE += [Entry("nn.functional.embedding_bag", (F("embedding_bag", _embedding),))]
_MORE += [Entry("special." + n, (Sp(n),)) for n in (
    "entr", "erfcx", "i0e", "i1", "i1e", "log_ndtr", "ndtr", "ndtri", "xlog1py")]
_MORE += [Entry("special.polygamma.special_polygamma_n_0", (Sp("polygamma", _n_first),))]

# max_unpool*d, ctc_loss and the fractional max pools (pt/nn_unpool.py, pt/nn_ctc.py, pt/nn_fractional.py).
# OpInfo draws the fractional pools' windows from torch's generator (no _random_samples): random.
_UNPOOL_CTC_FRACTIONAL = [Entry("nn.functional." + n, (F(n.split(".")[0]),)) for n in (
    "max_unpool1d", "max_unpool1d.grad", "max_unpool2d", "max_unpool2d.grad", "max_unpool3d", "max_unpool3d.grad",
    "ctc_loss")]
_UNPOOL_CTC_FRACTIONAL += [
    Entry("nn.functional." + n, (F(n),), random=lambda s: s.kwargs.get("_random_samples") is None)
    for n in ("fractional_max_pool2d", "fractional_max_pool3d")]
_FUNCTIONAL += _UNPOOL_CTC_FRACTIONAL

ENTRIES: tuple[Entry, ...] = (*_CASTS, *_ELEMENTWISE, *_ARITH, *_BOOL, *_COMPARE, *_REFLECTED, *_REDUCTIONS,
                              *_SHAPE, *_TOPLEVEL, *_CONSTRUCTORS, *_FUNCTIONAL, *_SHAPE_EXTRA, *_MATH_EXTRA)

# torch.linalg (torchlean.linalg: ``La``, pt/linalg_norms.py, pt/linalg_products.py, pt/linalg_decomp.py)
# and its top-level and method spellings.
def La(name: str, adapt: Callable[..., Any] | None = None) -> Variant:
    """A ``torchlean.linalg`` function (``torch.linalg.<name>``)."""
    return Variant(FUNCTION, name, "torchlean.linalg", adapt=adapt)


_LINALG = [Entry("linalg." + n, (La(n.split(".")[0]),)) for n in (
    "vector_norm", "matrix_norm", "norm", "norm.subgradients_at_zero", "vecdot", "multi_dot", "cross", "diagonal",
    "vander", "solve", "svdvals", "pinv", "qr", "lstsq")]
_LINALG += [Entry("linalg.lstsq.grad_oriented",  # OpInfo's lambda: the solution and the residuals
                  (La("lstsq", lambda f: lambda a, b, driver: f(a, b, driver=driver)[:2]),))]
_LINALG += [Entry("linalg.pinv.singular", (La("pinv", lambda f: lambda a, b: f(a @ b.mT)),))]  # OpInfo's lambda
# (linalg.inv_ex and linalg.cholesky_ex are left out: their int32 ``info`` has no torchlean dtype; int64 here)
_LINALG += [Entry("cdist", (T("cdist"),)), Entry("logdet", (T("logdet"), M("logdet")))]
_LINALG += [Entry("linalg." + n, (La(n), T(t), M(t))) for n, t in (
    ("det", "det"), ("slogdet", "slogdet"), ("inv", "inverse"), ("matrix_power", "matrix_power"))]
_LINALG += [Entry(n, (T(n), M(n))) for n in ("pinverse", "qr")]
_LINALG += [Entry("linalg." + n, (La(n.split(".")[0]),), wrappers=True) for n in (
    "cholesky", "eigh", "eigvalsh", "svd", "pinv.hermitian")]
_LINALG += [Entry(n, (T(n), M(n)), wrappers=True) for n in ("cholesky", "svd")]
ENTRIES = (*ENTRIES, *_MORE)
ENTRIES = (*ENTRIES, *_LINALG)
BY_NAME: dict[str, Entry] = {e.opinfo: e for e in ENTRIES}
assert len(BY_NAME) == len(ENTRIES), "an OpInfo entry is listed twice"


def cases() -> list[tuple[str, int]]:
    """``(opinfo name, variant index)`` for every variant in the table (pytest ids)."""
    return [(e.opinfo, i) for e in ENTRIES for i in range(len(e.variants))]


# Crashes (never wrong answers) of spellings that exist today and that a family branch of issue 9
# is rewriting. The test fails if one of these stops failing (delete its line then), if any
# failure of it is a wrong answer, and TORCHLEAN_CONFORMANCE_STRICT=1 ignores this table.
KNOWN_CRASHES: dict[tuple[str, str], str] = {
}
