"""The console script ``torchlean`` (and ``python -m torchlean``): see ``torchlean.runner``."""

from .runner.main import main

__all__ = ["main"]
