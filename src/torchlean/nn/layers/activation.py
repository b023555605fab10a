"""Activation layers: each calls its ``torchlean.nn.functional`` function with its arguments."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..module import Module


def _activation(name: str, fn: str, params: tuple[tuple[str, Any], ...] = (), doc: str = "") -> type:
    """A module class whose forward is ``F.<fn>(input, **its constructor arguments)``."""
    names = [p for p, _ in params]
    defaults = dict(params)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
        Module.__init__(self)
        if len(args) > len(names):
            from ..._core.errors import ArgumentError

            raise ArgumentError(f"{name}: takes at most {len(names)} arguments ({', '.join(names)}), got {len(args)}")
        values = {**defaults, **dict(zip(names, args))}
        for k, v in kwargs.items():
            if k not in defaults:
                from ..._core.errors import ArgumentError

                raise ArgumentError(f"{name}: unexpected argument {k!r} (it takes {', '.join(names) or 'none'})")
            values[k] = v
        for k, v in values.items():
            setattr(self, k, v)

    function = getattr(F, fn)
    passed = [k for k in names if k != "inplace"]

    def forward(self: Any, input: Any) -> Any:  # noqa: A002
        if not passed:
            return function(input)
        return function(input, **{k: getattr(self, k) for k in passed})

    def extra_repr(self: Any) -> str:
        return ", ".join(f"{k}={getattr(self, k)}" for k in names)

    return type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr,
                                  "__doc__": doc or f"``F.{fn}`` as a module.", "__module__": __name__})


ReLU = _activation("ReLU", "relu", (("inplace", False),))
ReLU6 = _activation("ReLU6", "relu6", (("inplace", False),))
LeakyReLU = _activation("LeakyReLU", "leaky_relu", (("negative_slope", 0.01), ("inplace", False)))
ELU = _activation("ELU", "elu", (("alpha", 1.0), ("inplace", False)))
SELU = _activation("SELU", "selu", (("inplace", False),))
CELU = _activation("CELU", "celu", (("alpha", 1.0), ("inplace", False)))
GELU = _activation("GELU", "gelu", (("approximate", "none"),),
                   doc="``F.gelu``: exact (erf) by default, ``approximate='tanh'`` for the seed's form.")
SiLU = _activation("SiLU", "silu", (("inplace", False),))
Mish = _activation("Mish", "mish", (("inplace", False),))
Softplus = _activation("Softplus", "softplus", (("beta", 1.0), ("threshold", 20.0)))
Hardtanh = _activation("Hardtanh", "hardtanh", (("min_val", -1.0), ("max_val", 1.0), ("inplace", False)))
Hardsigmoid = _activation("Hardsigmoid", "hardsigmoid", (("inplace", False),))
Hardswish = _activation("Hardswish", "hardswish", (("inplace", False),))
LogSigmoid = _activation("LogSigmoid", "logsigmoid")
Sigmoid = _activation("Sigmoid", "sigmoid")
Tanh = _activation("Tanh", "tanh")
Softmax = _activation("Softmax", "softmax", (("dim", None),))
LogSoftmax = _activation("LogSoftmax", "log_softmax", (("dim", None),))
Softmin = _activation("Softmin", "softmin", (("dim", None),))
GLU = _activation("GLU", "glu", (("dim", -1),))

__all__ = ["CELU", "ELU", "GELU", "GLU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid",
           "LogSoftmax", "Mish", "ReLU", "ReLU6", "SELU", "SiLU", "Sigmoid", "Softmax", "Softmin", "Softplus",
           "Tanh"]
