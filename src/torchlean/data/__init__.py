"""Small datasets that ship offline."""

from .digits import load_digits

__all__ = ["load_digits"]
