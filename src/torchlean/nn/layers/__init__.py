"""The layers of ``torchlean.nn``: PyTorch's names, constructor arguments, parameter layouts and
default initialisations (drawn from ``torchlean.manual_seed``'s stream); each calls
``torchlean.nn.functional``. One file per family; each lists its classes in ``__all__``."""

from .activation import *  # noqa: F403
from .activation import __all__ as _activation
from .basic import *  # noqa: F403
from .basic import __all__ as _basic
from .conv import *  # noqa: F403
from .conv import __all__ as _conv

__all__ = [*_activation, *_basic, *_conv]
