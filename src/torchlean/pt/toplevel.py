"""The ``torch.*`` functions re-exported at ``torchlean``'s top level (``tl.cat``, ``tl.where``...).

Each is the PyTorch-shaped function of its family module; this list is the one place that says
which of them are top-level names.
"""

from __future__ import annotations

__all__: list[str] = []
