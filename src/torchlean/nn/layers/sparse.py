"""``Embedding``: a lookup table of ``num_embeddings`` rows of ``embedding_dim``, over
``F.embedding``; ``Embedding.from_pretrained``.

The weight ``(num_embeddings, embedding_dim)`` starts N(0, 1) (torch's ``init.normal_``, drawn
from the seeded stream) with the ``padding_idx`` row zeroed; that row gets no gradient.
Divergences from torch: ``max_norm`` (torch renormalises the weight rows in place) and
``scale_grad_by_freq=True`` are not supported, as in ``F.embedding``: they raise
``ArgumentError`` when the layer is built; ``sparse=True`` is accepted and the gradient is dense
(the same values).
"""

from __future__ import annotations

import numbers
from typing import Any

from ..._core.errors import ArgumentError, ShapeError
from ...params import Param
from ...random import default_generator
from .. import functional as F
from ..module import Module
from ._factory import dtype_of, positive_int


class Embedding(Module):
    """Rows of ``weight`` at int64 ids: ``(*) -> (*, embedding_dim)``."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        op = "Embedding"
        dt = dtype_of(op, dtype, device)
        n = positive_int(op, "num_embeddings", num_embeddings, allow_zero=True)
        d = positive_int(op, "embedding_dim", embedding_dim, allow_zero=True)
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, numbers.Integral) \
                    or not -n <= padding_idx < n:
                raise ArgumentError(f"{op}: padding_idx must be an int within num_embeddings ({n}), got "
                                    f"{padding_idx!r}")
            padding_idx = int(padding_idx) % n
        if max_norm is not None:
            raise ArgumentError(f"{op}: max_norm={max_norm!r} is not supported (torch renormalises the weight "
                                "rows in place; F.embedding refuses it): renormalise the weight between steps")
        if scale_grad_by_freq is not False:
            raise ArgumentError(f"{op}: scale_grad_by_freq=True is not supported")
        if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
            raise ArgumentError(f"{op}: norm_type must be a number, got {norm_type!r}")
        if not isinstance(sparse, bool) or not isinstance(_freeze, bool):
            raise ArgumentError(f"{op}: sparse and _freeze must be bools, got {sparse!r}, {_freeze!r}")
        self.num_embeddings, self.embedding_dim, self.padding_idx = n, d, padding_idx
        self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse = None, float(norm_type), False, sparse
        if _weight is None:
            self.weight = Param(default_generator.normal((n, d)).astype(dt), requires_grad=not _freeze)
            self._zero_padding_row()
        else:
            w = _weight if isinstance(_weight, Param) else Param(_weight)
            if tuple(w.shape) != (n, d):
                raise ShapeError(f"{op}: _weight has shape {tuple(w.shape)}, expected (num_embeddings, "
                                 f"embedding_dim) = {(n, d)}")
            w.requires_grad = not _freeze
            self.weight = w

    def _zero_padding_row(self) -> None:
        if self.padding_idx is not None:
            v = self.weight.value.copy()
            v[self.padding_idx] = 0
            self.weight.set_value(v)

    def reset_parameters(self) -> None:
        """N(0, 1) from the default generator, the ``padding_idx`` row zeroed."""
        self.weight.set_value(default_generator.normal(self.weight.shape).astype(self.weight.dtype))
        self._zero_padding_row()

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.sparse:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An embedding whose weight is a copy of the 2-D ``embeddings`` (NumPy, torch, a Param),
        frozen unless ``freeze=False``; the ``padding_idx`` row is kept as given (torch's)."""
        w = Param(embeddings.value if isinstance(embeddings, Param) else embeddings)  # a copy
        if len(w.shape) != 2:
            raise ShapeError(f"Embedding.from_pretrained: embeddings must be 2-dimensional, got shape {w.shape}")
        rows, cols = w.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=w,
                   _freeze=freeze)


__all__ = ["Embedding"]
