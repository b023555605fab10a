"""torchlean: a small, verifiable PyTorch-style autograd with eager and compiled execution.

The public API is re-exported here; everything else is internal.
"""

from . import autograd, optim
from ._core.errors import (
                           ArgumentError,
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
from .autograd import grad, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from .compiled.api import CompiledOut, CompiledScalar, compile_out, compile_scalar
from .compiled.jit import Compiled, compile  # noqa: A004  (tl.compile, as torch.compile)
from .eager.session import Session
from .eager.tape import Gradients
from .eager.tensor import NatRef, NatVecRef, TensorRef
from .frontend import Ops
from .optim import SGD, Adam, AdamW, MomentumSGD
from .options import Backend, Device, MatmulPrecision, Options
from .params import Buffer, Param, ParamList
from .random import Generator, manual_seed
from .trainer import ScalarTrainer

__version__ = "0.1.0"

__all__ = [
    "Compiled", "compile",
    "Adam", "AdamW", "ArgumentError", "Backend", "Buffer", "CompiledOut", "CompiledScalar", "DTypeError",
    "Device", "DeviceError", "Generator", "Gradients", "InvalidRefError", "MatmulPrecision", "MomentumSGD",
    "NatRef", "NatVecRef", "NotDifferentiableError", "Ops", "Options", "Param", "ParamList", "Primitive",
    "REGISTRY", "RegistryError", "SGD", "ScalarTrainer", "Session", "ShapeError", "TensorRef", "TensorType",
    "TorchLeanError", "ZERO", "autograd", "compile_out", "compile_scalar", "defop", "float32", "float64",
    "grad", "hvp", "int64", "jacfwd", "jacrev", "jvp", "manual_seed", "optim", "value_and_grad", "vjp",
]
