"""``torchlean.nn.functional``: ``torch.nn.functional``'s names, argument orders and defaults.

``import torchlean.nn.functional as F``. Every function takes torchlean tensors (eager
``TensorRef`` or traced ``Var``) and runs on their binder, with gradients, on both devices.
Where a PyTorch default differs from the seed's op of the same name (``layer_norm``'s eps,
``gelu``'s exact form, ``linear``'s argument order), this namespace has PyTorch's; the seed's
stays on the session (``s.layer_norm``, ``s.gelu``, ``s.linear(w, b, x)``). See
``docs/for-pytorch-users.md``.
"""

from ..pt.conv import *  # noqa: F403
from ..pt.linear import *  # noqa: F403
from ..pt.math import *  # noqa: F403
from ..pt.nn import *  # noqa: F403  (last: F.sigmoid/F.tanh have torch.nn.functional's signatures)
from ..pt.reduce import *  # noqa: F403
