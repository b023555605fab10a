"""``torchlean.optim``: torch.optim's optimizers (signatures, defaults, parameter groups, state
dicts in torch's layout) over ``Param`` objects, the seed's ``MomentumSGD``, and
``torchlean.optim.lr_scheduler``."""

from . import lr_scheduler
from .adafactor import Adafactor
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .base import Optimizer
from .groups import ParamGroup
from .lbfgs import LBFGS
from .rprop_asgd import ASGD, Rprop
from .sgd import SGD, MomentumSGD

__all__ = ["ASGD", "LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "MomentumSGD", "NAdam",
           "Optimizer", "ParamGroup", "RAdam", "RMSprop", "Rprop", "lr_scheduler"]
# last: swa_utils imports torchlean.nn, which imports the optimizers above
from . import swa_utils

__all__ += ["Adafactor", "swa_utils"]
