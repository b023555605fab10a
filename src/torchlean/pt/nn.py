"""``torch.nn.functional`` (nn family) with PyTorch's names, signatures, defaults and semantics.

Re-exports the family's modules: activations (``nn_activation``), dropout, embedding and
one_hot (``nn_dropout``, ``nn_sparse``), normalisation and distances (``nn_norm``, ``nn_batchnorm``), losses
(``nn_loss``, ``nn_loss_class``), attention (``nn_attention``), the extra activations, pools and
losses (``nn_extra``, ``nn_extra2``, ``nn_extra3``) and the spatial transformers (``nn_grid``). Every function is a thin
composite of ``Ops`` methods run as one public op on the binder of its tensor arguments, so it
works eagerly and traced, with gradients. Divergences from PyTorch are in each docstring and
in ``docs/for-pytorch-users/nn.md``.
"""

from __future__ import annotations

from . import (
               nn_activation,
               nn_attention,
               nn_batchnorm,
               nn_dropout,
               nn_extra,
               nn_extra2,
               nn_extra3,
               nn_grid,
               nn_loss,
               nn_loss_class,
               nn_norm,
               nn_sparse,
)
from .nn_activation import *  # noqa: F403
from .nn_attention import *  # noqa: F403
from .nn_batchnorm import *  # noqa: F403
from .nn_dropout import *  # noqa: F403
from .nn_extra import *  # noqa: F403
from .nn_extra2 import *  # noqa: F403
from .nn_extra3 import *  # noqa: F403
from .nn_grid import *  # noqa: F403
from .nn_loss import *  # noqa: F403
from .nn_loss_class import *  # noqa: F403
from .nn_norm import *  # noqa: F403
from .nn_sparse import *  # noqa: F403

__all__: list[str] = sorted({
    *nn_activation.__all__, *nn_attention.__all__, *nn_batchnorm.__all__, *nn_dropout.__all__, *nn_extra.__all__,
    *nn_extra2.__all__, *nn_extra3.__all__, *nn_grid.__all__,
    *nn_loss.__all__,
    *nn_loss_class.__all__, *nn_norm.__all__, *nn_sparse.__all__,
})

# max_unpool*d, ctc_loss and the fractional max pools (pt/nn_unpool.py, nn_ctc.py, nn_fractional.py)
from . import nn_ctc, nn_fractional, nn_unpool
from .nn_ctc import *  # noqa: F403
from .nn_fractional import *  # noqa: F403
from .nn_unpool import *  # noqa: F403

__all__ = sorted({*__all__, *nn_ctc.__all__, *nn_fractional.__all__, *nn_unpool.__all__})
