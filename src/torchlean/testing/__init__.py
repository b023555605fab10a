"""Test helpers usable for your own ops: op specs, finite differences, the dot-product test.

Nothing here imports PyTorch; reference functions receive the ``torch`` module as an argument.
"""

from .gradcheck import check_dot_product, check_jvp_fd, numerical_jvp
from .opspec import OpSpec, Sample

__all__ = ["OpSpec", "Sample", "check_dot_product", "check_jvp_fd", "numerical_jvp"]
