"""Wrappers that let ``parity.check`` drive a layer through any call (keyword masks, tuple states):
``pair(ours, theirs, call)`` wraps both layers in a module whose forward is
``call(layer, *inputs)``, the same function for torch and torchlean (the APIs are the same). The
layer is the submodule ``m``, so both state dicts have the keys ``m.<torch's key>``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

import torchlean as tl


class Ours(tl.nn.Module):
    def __init__(self, m: tl.nn.Module, call: Callable[..., Any]) -> None:
        super().__init__()
        self.m, self.call = m, call

    def forward(self, *xs: Any) -> Any:
        return self.call(self.m, *xs)


class Theirs(torch.nn.Module):
    def __init__(self, m: torch.nn.Module, call: Callable[..., Any]) -> None:
        super().__init__()
        self.m, self.call = m, call

    def forward(self, *xs: Any) -> Any:
        return self.call(self.m, *xs)


def pair(ours: tl.nn.Module, theirs: torch.nn.Module, call: Callable[..., Any]) -> tuple[Ours, Theirs]:
    return Ours(ours, call), Theirs(theirs, call)
