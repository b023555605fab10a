"""Optimizers: SGD, momentum SGD, Adam and AdamW with the seed's formulas and defaults."""

from .optimizers import SGD, Adam, AdamW, MomentumSGD, Optimizer

__all__ = ["SGD", "Adam", "AdamW", "MomentumSGD", "Optimizer"]
