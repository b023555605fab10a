"""The ``torch.*`` functions re-exported at ``torchlean``'s top level (``tl.cat``, ``tl.where``...).

Each is the PyTorch-shaped function of its family module; this file is the one place that says
which of them are top-level names. A name is listed only where ``torch.<name>`` takes the same
arguments. Left out on purpose, because torch's top-level function has another argument order or
return type than ``torch.nn.functional``'s of the same name: ``batch_norm``, ``instance_norm``,
``embedding`` (weight first), ``kl_div`` and ``binary_cross_entropy_with_logits`` (integer
reductions), ``dropout`` (``train=``), ``adaptive_max_pool1d`` (always a tuple): use
``torchlean.nn.functional`` for those. Also here: the gradient-mode context managers
(``tl.no_grad()``...) and ``tl.manual_seed``.
"""

from __future__ import annotations

from .._core.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .conv import (
    adaptive_avg_pool1d,
    avg_pool1d,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    pixel_shuffle,
    pixel_unshuffle,
)
from .creation import (
    arange,
    empty,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .index import gather, index_select, masked_fill, scatter_add, take_along_dim
from .linear import bilinear
from .math import (
    abs,
    absolute,
    addmm,
    bmm,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    cos,
    eq,
    erf,
    exp,
    expm1,
    floor,
    floor_divide,
    ge,
    greater,
    greater_equal,
    gt,
    le,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    matmul,
    maximum,
    minimum,
    mm,
    ne,
    neg,
    negative,
    not_equal,
    outer,
    pow,
    reciprocal,
    remainder,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    tanh,
    trunc,
    where,
)
from .nn import celu, cosine_similarity, group_norm, layer_norm, pairwise_distance, relu, rms_norm, selu
from .reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    softmax,
    std,
    sum,
    var,
)
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    einsum,
    flatten,
    flip,
    moveaxis,
    movedim,
    narrow,
    permute,
    ravel,
    reshape,
    roll,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
)

__all__ = [
    "abs", "absolute", "adaptive_avg_pool1d", "addmm", "all", "amax", "amin", "any", "argmax", "argmin", "avg_pool1d",
    "bilinear", "bmm", "broadcast_to", "cat", "ceil", "celu", "chunk", "clamp", "clamp_max", "clamp_min",
    "clip", "concat", "concatenate", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "cos", "cosine_similarity", "cumsum", "einsum", "enable_grad", "eq", "erf", "exp",
    "expm1", "flatten", "flip", "floor", "floor_divide", "full_like", "gather", "ge", "greater",
    "greater_equal", "group_norm", "gt", "index_select", "inference_mode", "is_grad_enabled", "layer_norm",
    "le", "less", "less_equal", "log", "log1p", "log_softmax", "logical_and", "logical_not", "logical_or",
    "logical_xor", "logsumexp", "lt", "masked_fill", "matmul", "max", "max_pool1d", "max_pool2d",
    "max_pool3d", "maximum", "mean", "min", "minimum", "mm", "moveaxis", "movedim", "narrow", "ne", "neg",
    "negative", "no_grad", "norm", "not_equal", "ones_like", "outer", "pairwise_distance", "permute",
    "pixel_shuffle", "pixel_unshuffle", "pow", "prod", "rand_like", "randn_like", "ravel", "reciprocal",
    "relu", "remainder", "reshape", "rms_norm", "roll", "round", "rsqrt", "scatter_add", "select", "selu",
    "set_grad_enabled", "sigmoid", "sign", "sin", "softmax", "split", "sqrt", "square", "squeeze", "stack",
    "std", "sum", "swapaxes", "swapdims", "t", "take_along_dim", "tanh", "tile", "transpose", "tril", "triu",
    "trunc", "unbind", "unflatten", "unsqueeze", "var", "where", "zeros_like",
]

# The shape family's additions (tl.sort, tl.kron, tl.hstack, tl.scatter...): their own modules' lists.
from . import index_extra as _index_extra
from . import linalg_extra as _linalg_extra
from . import math_extra as _math_extra  # math: tl.add, tl.atan2, tl.cumprod, tl.isclose...
from . import reduce_extra as _reduce_extra
from . import shape_extra as _shape_extra
from . import sorting as _sorting
from .index_extra import *  # noqa: F403
from .linalg_extra import *  # noqa: F403
from .math_extra import *  # noqa: F403
from .reduce_extra import *  # noqa: F403
from .shape_extra import *  # noqa: F403
from .sorting import *  # noqa: F403

__all__ += [*_index_extra.__all__, *_linalg_extra.__all__, *_shape_extra.__all__, *_sorting.__all__]
__all__ += [*_math_extra.__all__, *_reduce_extra.__all__]
__all__ += ["arange", "empty", "eye", "full", "linspace", "ones", "rand", "randint", "randn", "tensor", "zeros"]

# torch.linalg's top-level spellings (tl.cdist, tl.det, tl.inverse...): pt/linalg_toplevel.py's list.
from . import linalg_toplevel as _linalg_toplevel  # noqa: E402
from .linalg_toplevel import *  # noqa: E402, F403

__all__ += _linalg_toplevel.__all__

# More torch functions (tl.logaddexp, tl.searchsorted, tl.cov, tl.logspace...): their own modules' lists.
from . import dynamic as _dynamic  # noqa: E402
from . import more_creation as _more_creation  # noqa: E402
from . import more_math as _more_math  # noqa: E402
from . import more_shape as _more_shape  # noqa: E402
from . import special as _special  # noqa: E402  (tl.lgamma, tl.erfinv...; torchlean.special has the rest)
from .dynamic import *  # noqa: E402, F403  (eager only: tl.nonzero, tl.unique, tl.bincount...)
from .more_creation import *  # noqa: E402, F403
from .more_math import *  # noqa: E402, F403
from .more_shape import *  # noqa: E402, F403
from .special import *  # noqa: E402, F403

__all__ += [*_more_creation.__all__, *_more_math.__all__, *_more_shape.__all__, *_special.__all__]
__all__ += _dynamic.__all__
