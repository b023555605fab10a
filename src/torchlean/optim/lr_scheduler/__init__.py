"""``torchlean.optim.lr_scheduler``: torch.optim.lr_scheduler's schedulers with torch's
signatures, formulas and state dicts; every constructor, step and ``load_state_dict`` either
succeeds or changes nothing."""

from .base import LRScheduler
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, PolynomialLR
from .onecycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .schedules import CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR, StepLR
from .sequential import SequentialLR

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "ExponentialLR", "LRScheduler",
           "LambdaLR", "LinearLR", "MultiStepLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "SequentialLR",
           "StepLR"]
