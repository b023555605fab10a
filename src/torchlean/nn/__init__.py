"""``torchlean.nn``: the PyTorch-shaped neural-network namespace (``functional`` so far)."""

from . import functional, utils  # noqa: F401  (torchlean.nn.utils: gradient clipping)

__all__ = ["functional"]
