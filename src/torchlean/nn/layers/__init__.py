"""The layers of ``torchlean.nn``: PyTorch's names, constructor arguments, parameter layouts and
default initialisations (drawn from ``torchlean.manual_seed``'s stream); each calls
``torchlean.nn.functional``. One file per family; each lists its classes in ``__all__``."""

from .activation import *  # noqa: F403
from .activation import __all__ as _activation
from .attention import *  # noqa: F403
from .attention import __all__ as _attention
from .basic import *  # noqa: F403
from .basic import __all__ as _basic
from .conv import *  # noqa: F403
from .conv import __all__ as _conv
from .extra import *  # noqa: F403
from .extra import __all__ as _extra
from .extra2 import *  # noqa: F403
from .extra2 import __all__ as _extra2
from .extra3 import *  # noqa: F403
from .extra3 import __all__ as _extra3
from .extra4 import *  # noqa: F403
from .extra4 import __all__ as _extra4
from .loss import *  # noqa: F403
from .loss import __all__ as _loss
from .norm import *  # noqa: F403
from .norm import __all__ as _norm
from .pool import *  # noqa: F403
from .pool import __all__ as _pool
from .resample import *  # noqa: F403
from .resample import __all__ as _resample
from .rnn import *  # noqa: F403
from .rnn import __all__ as _rnn
from .sparse import *  # noqa: F403
from .sparse import __all__ as _sparse
from .transformer import *  # noqa: F403
from .transformer import __all__ as _transformer

__all__ = [*_activation, *_attention, *_basic, *_conv, *_extra, *_extra2, *_extra3, *_loss, *_norm, *_pool,
           *_resample, *_rnn, *_sparse, *_transformer]
__all__ += _extra4  # MaxUnpool*, FractionalMaxPool*, CTCLoss
