"""``DistributedDataParallel``: a module wrapper that starts every rank from the root's model and
averages gradients in buckets when asked.

torchlean's tape has no backward hooks, so the averaging is one explicit call between
``loss.backward()`` and ``opt.step()`` (PyTorch's DDP runs it inside ``backward``)::

    model = dist.DistributedDataParallel(net)      # broadcasts rank 0's parameters and buffers
    loss = F.mse_loss(model(s.input(xb)), s.input(yb))
    loss.backward()
    model.allreduce_gradients()                    # every rank now holds the same gradients
    opt.step()
"""

from __future__ import annotations

from typing import Any

from .._core.errors import ArgumentError
from .._core.guard import guard_methods
from ..nn.module import Module
from .broadcast import broadcast_parameters, check_root
from .env import communicator
from .gradients import DEFAULT_BUCKET_CAP_MB, ReduceStats, _cap, allreduce_gradients


class DistributedDataParallel(Module):
    """Wraps ``module`` (state-dict keys get PyTorch DDP's ``module.`` prefix; ``ddp.module`` is
    the model itself, whose ``state_dict`` has none). Construction is a collective: it checks
    that every rank built the same model and broadcasts the root's parameters (and buffers,
    with ``broadcast_buffers``). ``bucket_cap_mb``: the gradient bucket size in MiB.
    ``tl.compile(ddp)`` and ``DistributedDataParallel(model)`` over a model that is called
    through ``tl.compile(model)`` both work: the gradients land in the same ``Param.grad``."""

    def __init__(self, module: Module, *, bucket_cap_mb: float = DEFAULT_BUCKET_CAP_MB,
                 broadcast_buffers: bool = True, root: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise ArgumentError(f"DistributedDataParallel: expected a torchlean.nn.Module, got "
                                f"{type(module).__name__}")
        communicator("DistributedDataParallel")
        _cap("DistributedDataParallel", bucket_cap_mb)
        self.root = check_root("DistributedDataParallel", root)
        self.module = module
        self.bucket_cap_mb = float(bucket_cap_mb)
        self.broadcast_buffers = bool(broadcast_buffers)
        broadcast_parameters(module, self.root, buffers=self.broadcast_buffers)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def allreduce_gradients(self, *, local_batch: int | None = None, op: str = "mean") -> ReduceStats:
        """``torchlean.distributed.allreduce_gradients`` of the wrapped module's parameters."""
        return allreduce_gradients(self.module, local_batch=local_batch, op=op, bucket_cap_mb=self.bucket_cap_mb)

    def sync_buffers(self) -> None:
        """Give every rank the root's buffers (e.g. BatchNorm running statistics, which each rank
        otherwise updates from its own batches) before evaluating or saving."""
        broadcast_parameters(_Buffers(self.module), self.root)

    def extra_repr(self) -> str:
        return f"bucket_cap_mb={self.bucket_cap_mb}"


guard_methods(DistributedDataParallel, ["__init__", "allreduce_gradients", "sync_buffers"])


class _Buffers:
    """A module's buffers under their names, as ``broadcast_parameters`` reads a Module."""

    def __init__(self, module: Module) -> None:
        self.module = module

    def named_parameters(self) -> Any:
        return self.module.named_buffers()

    def named_buffers(self) -> Any:
        return iter(())
