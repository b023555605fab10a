"""``torch.*`` constructors.

The ``*_like`` ones find their binder from ``input``. The others (``zeros``, ``arange``,
``randn``...) have no tensor argument to find one from: they are methods of the binder,
``s.zeros(2, 3)`` eagerly and ``ops.zeros(2, 3)`` in traced code (``frontend/creation.py``,
``frontend/random.py``), and ``tl.zeros(2, 3)`` is the same call on the *current* binder
(``_core/current.py``): the innermost ``tl.compile`` trace being built, else the eager session
that most recently took an input. With no session yet they raise, naming the op.
"""

from __future__ import annotations

from typing import Any

from .._core.current import current
from .._core.errors import ArgumentError
from .dispatch import tensor as _arg
from .dispatch import torch_op

__all__ = ["arange", "empty", "eye", "full", "full_like", "linspace", "ones", "ones_like", "rand", "rand_like",
           "randint", "randn", "randn_like", "tensor", "zeros", "zeros_like"]


def _binder(op: str) -> Any:
    b = current()
    if b is None:
        raise ArgumentError(f"{op}: no session to make the tensor on yet: create one (s = tl.Session()) and "
                            f"give it an input, or call s.{op}(...) on the session itself")
    return b


def _on_current(name: str, method: str, doc: str) -> Any:
    def fn(*args: Any, **kwargs: Any) -> Any:
        return getattr(_binder(name), method)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}``: {doc} on the current binder (see the module docstring)."
    return fn


zeros = _on_current("zeros", "zeros", "zeros of the given size")
ones = _on_current("ones", "ones", "ones of the given size")
empty = _on_current("empty", "zeros", "an uninitialised tensor (zeros here: values are immutable)")
full = _on_current("full", "full", "``fill_value`` in the given size")
arange = _on_current("arange", "arange", "``start, start + step, ...`` below ``end``")
linspace = _on_current("linspace", "linspace", "``steps`` evenly spaced values from ``start`` to ``end``")
eye = _on_current("eye", "eye", "the identity matrix")
rand = _on_current("rand", "rand", "U[0, 1) draws of the binder's counter stream")
randn = _on_current("randn", "randn", "standard normals (Box-Muller) of the binder's counter stream")
randint = _on_current("randint", "randint", "integers in ``[low, high)`` from the binder's counter stream")


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Any:
    """``torch.tensor(data)``: a copy of ``data`` on the current binder (eagerly an input, a leaf
    that may require a gradient; in traced code a constant)."""
    b = _binder("tensor")
    b._factory_args("tensor", device=device, pin_memory=pin_memory)
    if hasattr(b, "input"):
        return b.input(data, requires_grad=requires_grad, dtype=dtype)
    if requires_grad:
        raise ArgumentError("tensor: requires_grad=True inside traced code (constants only): pass the tensor as "
                            "an input of the compiled function")
    return b.const(data, dtype=dtype)


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
