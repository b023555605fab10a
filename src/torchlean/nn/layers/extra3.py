"""``EmbeddingBag``, ``Softmax2d``, ``LPPool3d``, ``FeatureAlphaDropout`` and
``TripletMarginWithDistanceLoss``, each calling its
``torchlean.nn.functional`` function."""

from __future__ import annotations

from typing import Any

from ..._core.errors import ArgumentError
from .. import functional as F
from ..module import Module
from .extra2 import _LPPoolNd
from .loss import _Loss
from .sparse import Embedding


class EmbeddingBag(Embedding):
    """``F.embedding_bag``: sums, means or maxima of bags of rows; the weight starts N(0, 1)
    with the ``padding_idx`` row zeroed, as ``Embedding``'s (same state-dict key, ``weight``)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None) -> None:
        if mode not in ("sum", "mean", "max"):
            raise ArgumentError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if not isinstance(include_last_offset, bool):
            raise ArgumentError(f"EmbeddingBag: include_last_offset must be a bool, got {include_last_offset!r}")
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                         sparse, _weight=_weight, device=device, dtype=dtype)
        self.mode, self.include_last_offset = mode, include_last_offset

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Any:  # noqa: A002
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset,
                               self.padding_idx)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", mode={self.mode!r}"

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, max_norm: float | None = None,  # type: ignore[override]
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """A bag whose weight is a copy of the 2-D ``embeddings``, frozen unless ``freeze=False``."""
        base = Embedding.from_pretrained(embeddings, freeze=freeze)
        bag = cls(*base.weight.shape, max_norm, norm_type, scale_grad_by_freq, mode, sparse, _weight=base.weight,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)`` (dimension -3)."""

    def forward(self, input: Any) -> Any:  # noqa: A002
        from ..._core.errors import ShapeError

        if input.ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
        return F.softmax(input, -3)


class LPPool3d(_LPPoolNd):
    """``F.lp_pool3d``: the power-average pool of ``(N, C, D, H, W)`` / ``(C, D, H, W)``."""

    _fn = "lp_pool3d"


class FeatureAlphaDropout(Module):
    """``F.feature_alpha_dropout(x, p, self.training)``: whole channels set to SELU's negative
    saturation value, with alpha dropout's affine correction (masks from the session's stream)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ArgumentError(f"FeatureAlphaDropout: dropout probability has to be between 0 and 1, but got {p!r}")
        self.p, self.inplace = float(p), inplace

    def forward(self, input: Any) -> Any:  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class TripletMarginWithDistanceLoss(_Loss):
    """``F.triplet_margin_with_distance_loss`` with the module's distance, margin, swap and
    reduction."""

    def __init__(self, *, distance_function: Any = None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.distance_function, self.margin, self.swap = distance_function, margin, swap

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Any:
        return F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap, reduction=self.reduction)


__all__ = ["EmbeddingBag", "FeatureAlphaDropout", "LPPool3d", "Softmax2d", "TripletMarginWithDistanceLoss"]
