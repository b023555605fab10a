"""torchlean: a small, verifiable PyTorch-style autograd with eager and compiled execution.

The public API is re-exported here; everything else is internal.
"""

from ._core.errors import (
                           DeviceError,
                           DTypeError,
                           InvalidRefError,
                           NotDifferentiableError,
                           RegistryError,
                           ShapeError,
                           TorchLeanError,
)
from ._core.registry import REGISTRY, ZERO, Primitive, defop
from ._core.types import TensorType, float32, float64, int64
from .eager.session import Session
from .eager.tape import Gradients
from .eager.tensor import NatRef, NatVecRef, TensorRef
from .frontend import Ops
from .options import Backend, Device, MatmulPrecision, Options
from .params import Param, ParamList

__version__ = "0.1.0"

__all__ = [
    "REGISTRY", "ZERO", "Backend", "DTypeError", "Device", "DeviceError", "Gradients",
    "InvalidRefError", "MatmulPrecision", "NatRef", "NatVecRef", "NotDifferentiableError", "Ops",
    "Options", "Param", "ParamList", "Primitive", "RegistryError", "Session", "ShapeError",
    "TensorRef", "TensorType", "TorchLeanError", "defop", "float32", "float64", "int64",
]
