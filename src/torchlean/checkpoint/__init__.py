"""Crash-safe checkpoints: ``save`` / ``load`` (safetensors tensors + a JSON tree, never pickle)."""

from .api import CheckpointError, load, save

__all__ = ["CheckpointError", "load", "save"]
