from .helpers import torch_float64  # noqa: F401  (autouse: torch's scalar state in float64)
