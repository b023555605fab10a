"""``torchlean.optim.swa_utils``: torch.optim.swa_utils over torchlean modules: stochastic weight
averaging and exponential moving averages of a model (``AveragedModel`` and its averaging
functions), the ``SWALR`` schedule, and ``update_bn`` to recompute BatchNorm statistics."""

from .averaging import (
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    get_swa_multi_avg_fn,
)
from .bn import update_bn
from .swalr import SWALR

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn", "get_swa_avg_fn",
           "get_swa_multi_avg_fn", "update_bn"]
