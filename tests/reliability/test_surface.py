"""Every public ``torchlean.nn.functional`` function, given a bad first argument (a string,
None, a nested list, a NumPy array, a ref made stale by ``reset``, a tensor of another
session beside tensors of this one), raises a torchlean error (never a raw Python one, never a
silent result) and records nothing on either session. Driven by the namespace itself, so a new
function is covered the day it is exported."""

from __future__ import annotations

import contextlib
import inspect

import numpy as np
import pytest

import torchlean as tl
import torchlean.nn.functional as F
from torchlean._core.errors import TorchLeanError

# Plausible values for the other required parameters, so that the first one is what fails.
_NUMBERS = {"kernel_size", "size", "groups", "num_classes", "output_size", "upscale_factor", "downscale_factor",
            "pad", "normalized_shape", "norm_type", "p", "dim", "k", "num_groups", "stride", "padding",
            "output_padding", "dilation", "scale_factor", "tau", "lower", "upper", "alpha", "beta", "margin",
            "lambd", "threshold", "value", "eps", "n"}


def _functions() -> list[str]:
    out = []
    for name in sorted(n for n in dir(F) if not n.startswith("_")):
        fn = getattr(F, name)
        if not callable(fn) or inspect.isclass(fn) or inspect.ismodule(fn):
            continue
        try:
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            continue
        if params:
            out.append(name)
    return out


BAD = ["str", "none", "nested-list", "ndarray", "stale", "other-session"]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("name", _functions())
def test_a_bad_first_argument_raises_a_torchlean_error_and_records_nothing(name, bad):
    fn = getattr(F, name)
    s = tl.Session(dtype=np.float64)
    other = tl.Session(dtype=np.float64)
    value = {"str": "abc", "none": None, "nested-list": [[1.0, 2.0]], "ndarray": np.ones((2, 3)),
             "other-session": other.input(np.ones((2, 3)))}.get(bad)
    if bad == "stale":
        value = s.input(np.ones((2, 3)))
        s.reset()
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    rest = [2 if p.name in _NUMBERS else s.input(np.ones((2, 3))) for p in params[1:]]
    before, before_other = len(s), len(other)
    if bad == "other-session" and not any(hasattr(r, "session") for r in rest):
        with contextlib.suppress(TorchLeanError):  # one tensor, of the other session: valid there
            fn(value, *rest)
        assert len(s) == before
        return
    with pytest.raises(TorchLeanError):
        fn(value, *rest)
    assert (len(s), len(other)) == (before, before_other)
