"""``torch.nn.functional`` (conv family) with PyTorch's names, signatures and defaults.

(Status: being built.)
"""

from __future__ import annotations

__all__: list[str] = []
