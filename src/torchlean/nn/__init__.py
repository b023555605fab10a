"""``torchlean.nn``: modules with PyTorch's names, parameter layouts and state-dict keys.

``Module`` and the containers hold ``Param``s (``nn.Parameter`` is the same class) and
``Buffer``s; ``functional`` has ``torch.nn.functional``'s names and signatures; ``init`` the
initialisers; ``layers`` the layer classes, re-exported here (``nn.Linear``, ``nn.Conv2d``, ...).
Layers are thin: they hold parameters and call ``functional``.
"""

from ..params import Buffer, Param
from ..params import Param as Parameter
from . import functional, init, layers, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import *  # noqa: F403
from .module import IncompatibleKeys, Module

__all__ = ["Buffer", "IncompatibleKeys", "Module", "ModuleDict", "ModuleList", "Param", "Parameter",
           "ParameterDict", "ParameterList", "Sequential", "functional", "init", "utils", *layers.__all__]
