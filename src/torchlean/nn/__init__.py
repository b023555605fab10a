"""``torchlean.nn``: the PyTorch-shaped neural-network namespace (``functional`` so far)."""

from . import functional

__all__ = ["functional"]
