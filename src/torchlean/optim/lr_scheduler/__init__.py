"""``torchlean.optim.lr_scheduler``: torch.optim.lr_scheduler's schedulers with torch's
signatures, formulas and state dicts; every constructor, step and ``load_state_dict`` either
succeeds or changes nothing."""

from .base import LRScheduler
from .chained import ChainedScheduler
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, PolynomialLR
from .onecycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .schedules import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    StepLR,
)
from .sequential import SequentialLR

__all__ = ["ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "ExponentialLR",
           "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "MultiplicativeLR", "OneCycleLR", "PolynomialLR",
           "ReduceLROnPlateau", "SequentialLR", "StepLR"]
__all__ += ["ChainedScheduler"]
