"""``torch.*_like`` constructors, which find their binder from ``input``.

The other constructors (``zeros``, ``arange``, ``randn``...) have no tensor argument to find a
binder from: they are methods of the binder itself, ``s.zeros(2, 3)`` eagerly and
``ops.zeros(2, 3)`` in traced code (``frontend/creation.py``, ``frontend/random.py``).
"""

from __future__ import annotations

from typing import Any

from .dispatch import tensor as _arg
from .dispatch import torch_op

__all__ = ["full_like", "ones_like", "rand_like", "randn_like", "zeros_like"]


@torch_op
def zeros_like(input: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False, memory_format: Any = None) -> Any:
    """``torch.zeros_like``: zeros of input's shape and (unless ``dtype``) dtype."""
    x = _arg("zeros_like", "input", input)
    return x.session.zeros_like(x, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad,
                                memory_format=memory_format)


@torch_op
def ones_like(input: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False, memory_format: Any = None) -> Any:
    """``torch.ones_like``: ones of input's shape and (unless ``dtype``) dtype."""
    x = _arg("ones_like", "input", input)
    return x.session.ones_like(x, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad,
                               memory_format=memory_format)


@torch_op
def full_like(input: Any, fill_value: Any, *, dtype: Any = None, layout: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Any:
    """``torch.full_like``: ``fill_value`` in input's shape and (unless ``dtype``) dtype."""
    x = _arg("full_like", "input", input)
    return x.session.full_like(x, fill_value, dtype=dtype, layout=layout, device=device,
                               requires_grad=requires_grad, memory_format=memory_format)


@torch_op
def rand_like(input: Any, *, generator: Any = None, dtype: Any = None, layout: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Any:
    """``torch.rand_like``: U[0, 1) draws of the binder's stream, input's shape and dtype."""
    x = _arg("rand_like", "input", input)
    return x.session.rand_like(x, generator=generator, dtype=dtype, layout=layout, device=device,
                               requires_grad=requires_grad, memory_format=memory_format)


@torch_op
def randn_like(input: Any, *, generator: Any = None, dtype: Any = None, layout: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Any:
    """``torch.randn_like``: standard normals (Box-Muller) of input's shape and dtype."""
    x = _arg("randn_like", "input", input)
    return x.session.randn_like(x, generator=generator, dtype=dtype, layout=layout, device=device,
                                requires_grad=requires_grad, memory_format=memory_format)
