"""Comparing a torchlean result with PyTorch's: structure, shape, dtype, then values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from torchlean.frontend.tensor_methods import TensorMethods


def torch_dtype_name(t: Any) -> str:
    return str(t.dtype).removeprefix("torch.")


def compare(got: Any, want: Any, where: str, rtol: float, atol: float) -> str | None:
    """None if torchlean's ``got`` matches PyTorch's ``want``, else what differs."""
    import torch

    if isinstance(want, torch.Tensor):
        if not isinstance(got, TensorMethods):
            return f"{where}: expected a tensor, got {type(got).__name__}"
        if tuple(got.shape) != tuple(want.shape):
            return f"{where}: shape {tuple(got.shape)}, PyTorch {tuple(want.shape)}"
        if got.dtype.name != torch_dtype_name(want):
            return f"{where}: dtype {got.dtype.name}, PyTorch {torch_dtype_name(want)}"
        return compare_arrays(np.asarray(got.numpy()), want.detach().numpy(), where, rtol, atol)
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            n = len(got) if isinstance(got, (list, tuple)) else type(got).__name__
            return f"{where}: expected a sequence of {len(want)}, got {n}"
        for k, (g, w) in enumerate(zip(got, want)):
            bad = compare(g, w, f"{where}[{k}]", rtol, atol)
            if bad:
                return bad
        if type(want).__module__ == "torch.return_types":  # (values, indices) with names
            for k, field in enumerate(type(want).__match_args__):
                if getattr(got, field, None) is not got[k]:
                    return f"{where}: result has no .{field} (PyTorch returns a named tuple)"
        return None
    if isinstance(want, (bool, int, float)):
        if isinstance(got, TensorMethods) or not isinstance(got, (bool, int, float, np.generic)):
            return f"{where}: expected a Python {type(want).__name__}, got {type(got).__name__}"
        if isinstance(want, float):
            ok = math.isclose(float(got), want, rel_tol=rtol, abs_tol=atol) or (
                math.isnan(want) and math.isnan(float(got)))
        else:
            ok = got == want
        return None if ok else f"{where}: {got!r}, PyTorch {want!r}"
    return None if got == want else f"{where}: {got!r}, PyTorch {want!r}"


def compare_arrays(got: np.ndarray, want: np.ndarray, where: str, rtol: float, atol: float) -> str | None:
    if got.shape != want.shape:
        return f"{where}: shape {got.shape}, expected {want.shape}"
    if want.dtype.kind in "biu":
        if np.array_equal(got, want):
            return None
        k = int(np.argmax(got.reshape(-1) != want.reshape(-1)))
        return f"{where}: differs at flat index {k}: {got.reshape(-1)[k]!r} vs PyTorch {want.reshape(-1)[k]!r}"
    if np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        return None
    err = np.abs(got.astype(np.float64) - want)
    err = np.where(np.isnan(err), np.inf, err)
    k = int(np.argmax(err - rtol * np.abs(want)))
    return (f"{where}: max error {float(err.reshape(-1)[k]):.3g} at flat index {k}: "
            f"{got.reshape(-1)[k]!r} vs PyTorch {want.reshape(-1)[k]!r}")
