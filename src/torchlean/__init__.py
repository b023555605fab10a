"""torchlean: a small, verifiable PyTorch-style autograd with eager and compiled execution.

The public API is re-exported here; everything else is internal.
"""

from . import autograd, data, interop, linalg, optim, special  # linalg, special: torch.linalg's, torch.special's
from ._core.errors import (
                           ArgumentError,
                           DeviceError,
                           DTypeError,
                           FileAccessError,
                           FileError,
                           IndexRangeError,
                           InvalidRefError,
                           IsAFolderError,
                           MissingFileError,
                           NotAFolderError,
                           NotDifferentiableError,
                           RegistryError,
                           ShapeError,
                           TorchLeanError,
)
from ._core.registry import REGISTRY, ZERO, Primitive, defop
from ._core.types import TensorType, float32, float64, int64
from .autograd import grad, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from .checkpoint import CheckpointError, load, save
from .compiled.api import CompiledOut, CompiledScalar, compile_out, compile_scalar
from .compiled.jit import Compiled, compile  # noqa: A004  (tl.compile, as torch.compile)
from .eager.session import Session
from .eager.tape import Gradients
from .eager.tensor import NatRef, NatVecRef, TensorRef
from .frontend import Ops
from .optim import SGD, Adam, AdamW, MomentumSGD
from .options import Backend, Device, MatmulPrecision, Options
from .params import Buffer, Param, ParamList
from .pt import toplevel as _toplevel
from .pt.toplevel import *  # noqa: F403  (tl.cat, tl.where, tl.no_grad, ...: torch's top-level names)
from .random import Generator, manual_seed
from .trainer import ScalarTrainer

__version__ = "0.1.0"

__all__ = [
    "Adam", "AdamW", "ArgumentError", "autograd", "Backend", "Buffer", "CheckpointError", "compile", "compile_out",
    "compile_scalar", "Compiled", "CompiledOut", "CompiledScalar", "data", "defop", "Device", "DeviceError",
    "DTypeError", "FileAccessError", "FileError", "float32", "float64", "Generator", "grad", "Gradients", "hvp",
    "IndexRangeError", "int64", "interop", "InvalidRefError", "IsAFolderError", "jacfwd", "jacrev", "jvp", "load",
    "manual_seed", "MatmulPrecision", "MissingFileError", "MomentumSGD", "NatRef", "NatVecRef", "NotAFolderError",
    "NotDifferentiableError", "Ops", "optim", "Options", "Param", "ParamList", "Primitive", "REGISTRY",
    "RegistryError", "save", "ScalarTrainer", "Session", "SGD", "ShapeError", "TensorRef", "TensorType",
    "TorchLeanError", "value_and_grad", "vjp", "ZERO",
]
__all__ += _toplevel.__all__
__all__ += ["linalg"]
__all__ += ["special"]
