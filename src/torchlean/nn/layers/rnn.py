"""Recurrent layers with PyTorch's names, parameter layouts, gate orders and initialisation:
``RNN`` (tanh or relu), ``LSTM`` (with ``proj_size``), ``GRU`` and the cells ``RNNCell``,
``LSTMCell``, ``GRUCell``.

Parameters are torch's: ``weight_ih_l{k}`` ``(G*H, in)``, ``weight_hh_l{k}`` ``(G*H, H_out)``,
``bias_ih_l{k}``, ``bias_hh_l{k}`` (``G*H``), ``weight_hr_l{k}`` ``(proj_size, H)`` for a projected
LSTM, each with a ``_reverse`` twin when ``bidirectional``; gates in torch's order (LSTM i, f, g,
o; GRU r, z, n with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``); every parameter
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), drawn from the seeded stream.

The time loop is unrolled from tensor ops (the input projection of every step is one ``linear``;
each step adds the hidden projection), so it runs eagerly and traces under ``tl.compile`` (one
graph per sequence length); fine for small models, not cuDNN. A ``PackedSequence`` input runs
each sequence for its own length (``rnn_packed.py``). Dropout between layers (training mode) draws from the
session's random stream, so its masks differ from torch's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from ..._core.errors import ArgumentError, ShapeError
from ...params import Param
from ...pt.shape import cat, stack
from .. import functional as F
from ..module import Module
from ..rnn_utils import PackedSequence
from ._factory import check_flag, check_probability, dtype_of, float_input, framed, positive_int, uniform_param
from .rnn_packed import packed_forward

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# -- one time step of each cell (x_proj = W_ih x + b_ih, computed for all steps at once) ---------
def _rnn_step(act: Callable[[Any], Any]) -> Callable[..., Any]:
    def step(xp: Any, h: Any, c: Any, w_hh: Any, b_hh: Any, w_hr: Any) -> tuple[Any, Any]:
        return act(xp + F.linear(h, w_hh, b_hh)), None

    return step


def _lstm_step(xp: Any, h: Any, c: Any, w_hh: Any, b_hh: Any, w_hr: Any) -> tuple[Any, Any]:
    i, f, g, o = (xp + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else F.linear(h, w_hr)), c


def _gru_step(xp: Any, h: Any, c: Any, w_hh: Any, b_hh: Any, w_hr: Any) -> tuple[Any, Any]:
    xr, xz, xn = xp.chunk(3, -1)
    hr, hz, hn = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (xr + hr).sigmoid()
    z = (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    return n + z * (h - n), None


_STEPS: dict[str, Callable[..., Any]] = {"RNN_TANH": _rnn_step(F.tanh), "RNN_RELU": _rnn_step(F.relu),
                                         "LSTM": _lstm_step, "GRU": _gru_step}


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share (torch's ``RNNBase``): the parameters of every
    layer and direction, their initialisation, the input checks and the unrolled forward."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        op = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        if mode not in _GATES:
            raise ArgumentError(f"RNNBase: unrecognised mode {mode!r} (RNN_TANH, RNN_RELU, LSTM or GRU)")
        dt = dtype_of(op, dtype, device)
        self.mode = mode
        self.input_size = positive_int(op, "input_size", input_size)
        self.hidden_size = positive_int(op, "hidden_size", hidden_size)
        self.num_layers = positive_int(op, "num_layers", num_layers)
        self.bias = check_flag(op, "bias", bias)
        self.batch_first = check_flag(op, "batch_first", batch_first)
        self.dropout = check_probability(op, "dropout", dropout)
        self.bidirectional = check_flag(op, "bidirectional", bidirectional)
        self.proj_size = positive_int(op, "proj_size", proj_size, allow_zero=True)
        if self.proj_size and mode != "LSTM":
            raise ArgumentError(f"{op}: proj_size is only supported for LSTM, not RNN or GRU")
        if self.proj_size >= self.hidden_size:
            raise ArgumentError(f"{op}: proj_size ({proj_size}) has to be smaller than hidden_size ({hidden_size})")
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        gate = _GATES[mode] * self.hidden_size
        out = self.proj_size or self.hidden_size
        dirs = 2 if self.bidirectional else 1
        bound = 1.0 / math.sqrt(self.hidden_size)
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(self.num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}{'_reverse' if d else ''}"
                shapes = [("weight_ih", (gate, self.input_size if layer == 0 else out * dirs)),
                          ("weight_hh", (gate, out))]
                if self.bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                names = []
                for name, shape in shapes:  # drawn in registration order, as torch's reset_parameters
                    setattr(self, name + sfx, uniform_param(shape, bound, dt))
                    names.append(name + sfx)
                self._flat_weights_names += names
                self._all_weights.append(names)

    @property
    def all_weights(self) -> list[list[Param]]:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Accepted for torch compatibility (there is no cuDNN weight buffer to compact)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # -- forward ---------------------------------------------------------------------------
    def _name(self) -> str:
        return type(self).__name__

    def _direction(self, ops: Any, layer: int, d: int, n: int, h0: Any, c0: Any) -> tuple[Any, ...]:
        """Layer ``layer``, direction ``d``: ``(w_ih, b_ih, w_hh, b_hh, w_hr, h, c)``, the initial
        states taken from ``h0``/``c0`` (zeros of batch ``n`` where None; ``c`` None unless LSTM)."""
        idx = layer * (2 if self.bidirectional else 1) + d
        sfx = f"_l{layer}{'_reverse' if d else ''}"
        w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
        b_ih = getattr(self, "bias_ih" + sfx) if self.bias else None
        b_hh = getattr(self, "bias_hh" + sfx) if self.bias else None
        w_hr = getattr(self, "weight_hr" + sfx) if self.proj_size else None
        dt = self.weight_ih_l0.dtype
        h = ops.zeros(n, self.proj_size or self.hidden_size, dtype=dt) if h0 is None else h0[idx]
        c = None
        if self.mode == "LSTM":
            c = ops.zeros(n, self.hidden_size, dtype=dt) if c0 is None else c0[idx]
        return w_ih, b_ih, w_hh, b_hh, w_hr, h, c

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:  # noqa: A002
        """``input`` ``(L, N, input_size)`` (``(N, L, ...)`` with ``batch_first``, ``(L, ...)``
        unbatched) -> ``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``) with torch's shapes:
        output ``(L, N, D * H_out)``, ``h_n`` ``(D * num_layers, N, H_out)``. A ``PackedSequence``
        input gives a ``PackedSequence`` output (see ``rnn_packed.py``)."""
        op = self._name()
        if isinstance(input, PackedSequence):
            return packed_forward(self, input, hx, _STEPS[self.mode])
        x = float_input(op, "input", input, self.weight_ih_l0.dtype)
        return framed(op, x.session, self._forward, x, hx)

    def _hidden(self, op: str, hx: Any, batched: bool, n: int) -> tuple[Any, Any]:
        """The checked initial states ``(h0, c0)`` in ``(D * num_layers, N, .)`` layout (zeros
        when ``hx`` is None; c0 is None except for LSTM)."""
        dt = self.weight_ih_l0.dtype
        lstm = self.mode == "LSTM"
        dirs = 2 if self.bidirectional else 1
        shapes = [(self.num_layers * dirs, n, self.proj_size or self.hidden_size)]
        if lstm:
            shapes.append((self.num_layers * dirs, n, self.hidden_size))
        if hx is None:
            return None, None
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise ArgumentError(f"{op}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            states = [float_input(op, f"hx[{i}]", v, dt) for i, v in enumerate(hx)]
        else:
            states = [float_input(op, "hx", hx, dt)]
        out = []
        for i, (s, shape) in enumerate(zip(states, shapes)):
            want = shape if batched else (shape[0], shape[2])
            what = f"hx[{i}]" if lstm else "hx"
            if tuple(s.shape) != want:
                raise ShapeError(f"{op}: expected {what} of shape {want} for "
                                 f"{'batched 3-D' if batched else 'unbatched 2-D'} input, got {tuple(s.shape)}")
            out.append(s if batched else s.unsqueeze(1))
        return out[0], (out[1] if lstm else None)

    def _forward(self, x: Any, hx: Any) -> tuple[Any, Any]:
        op = self._name()
        if x.ndim not in (2, 3):
            raise ShapeError(f"{op}: expected input to be 2-D (unbatched) or 3-D, got shape {tuple(x.shape)}")
        batched = x.ndim == 3
        if x.shape[-1] != self.input_size:
            raise ShapeError(f"{op}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                             f"got {x.shape[-1]}")
        steps = x.shape[1] if batched and self.batch_first else x.shape[0]
        n = 1 if not batched else x.shape[0 if self.batch_first else 1]
        if steps == 0:
            raise ShapeError(f"{op}: expected a sequence of at least one step, got shape {tuple(x.shape)}")
        h0, c0 = self._hidden(op, hx, batched, n)  # every check before the first op
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        ops = x.session
        dirs = 2 if self.bidirectional else 1
        step = _STEPS[self.mode]
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                w_ih, b_ih, w_hh, b_hh, w_hr, h, c = self._direction(ops, layer, d, n, h0, c0)
                xp = F.linear(x, w_ih, b_ih).unbind(0)
                ys: list[Any] = [None] * steps
                for t in (range(steps - 1, -1, -1) if d else range(steps)):
                    h, c = step(xp[t], h, c, w_hh, b_hh, w_hr)
                    ys[t] = h
                outs.append(stack(ys, 0))
                hs.append(h)
                cs.append(c)
            x = outs[0] if dirs == 1 else cat(outs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h_n = stack(hs, 0)
        c_n = stack(cs, 0) if self.mode == "LSTM" else None
        if not batched:
            x, h_n = x.squeeze(1), h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        return x, ((h_n, c_n) if self.mode == "LSTM" else h_n)


class RNN(RNNBase):
    """``torch.nn.RNN``: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``, ``act`` tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """``torch.nn.LSTM`` (gates i, f, g, o; ``proj_size > 0`` projects each ``h_t`` by
    ``weight_hr``); forward returns ``(output, (h_n, c_n))``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """``torch.nn.GRU`` (gates r, z, n; ``h_t = (1 - z) * n + z * h_{t-1}``)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)


# -- cells -----------------------------------------------------------------------------------
class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` ``(G*H, input_size)``, ``weight_hh`` ``(G*H, H)``,
    ``bias_ih``/``bias_hh`` ``(G*H,)``, all U(-1/sqrt(H), 1/sqrt(H))."""

    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        op = type(self).__name__
        dt = dtype_of(op, dtype, device)
        self.input_size = positive_int(op, "input_size", input_size)
        self.hidden_size = positive_int(op, "hidden_size", hidden_size)
        self.bias = check_flag(op, "bias", bias)
        g = positive_int(op, "num_chunks", num_chunks) * self.hidden_size
        bound = 1.0 / math.sqrt(self.hidden_size)
        self.weight_ih = uniform_param((g, self.input_size), bound, dt)
        self.weight_hh = uniform_param((g, self.hidden_size), bound, dt)
        if self.bias:
            self.bias_ih = uniform_param((g,), bound, dt)
            self.bias_hh = uniform_param((g,), bound, dt)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def forward(self, input: Any, hx: Any = None) -> Any:  # noqa: A002
        """``input`` ``(N, input_size)`` or ``(input_size,)``; ``hx`` ``(N, H)`` or ``(H,)``
        (LSTMCell: a tuple ``(h, c)``), zeros by default. Returns the new state, same layout."""
        op = type(self).__name__
        x = float_input(op, "input", input, self.weight_ih.dtype)
        return framed(op, x.session, self._forward, x, hx)

    def _forward(self, x: Any, hx: Any) -> Any:
        op = type(self).__name__
        dt = self.weight_ih.dtype
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(f"{op}: expected input of shape (N, {self.input_size}) or ({self.input_size},), "
                             f"got {tuple(x.shape)}")
        batched = x.ndim == 2
        n = x.shape[0] if batched else 1
        lstm = self._mode == "LSTM"
        want = (n, self.hidden_size) if batched else (self.hidden_size,)
        if hx is None:
            states = []
        elif lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise ArgumentError(f"{op}: hx must be a tuple (h, c), got {type(hx).__name__}")
            states = [float_input(op, f"hx[{i}]", v, dt) for i, v in enumerate(hx)]
        else:
            states = [float_input(op, "hx", hx, dt)]
        for i, s in enumerate(states):
            if tuple(s.shape) != want:
                raise ShapeError(f"{op}: expected {f'hx[{i}]' if lstm else 'hx'} of shape {want}, got "
                                 f"{tuple(s.shape)}")
        if not batched:
            x = x.unsqueeze(0)
            states = [s.unsqueeze(0) for s in states]
        if not states:
            zeros = x.session.zeros(n, self.hidden_size, dtype=dt)
            states = [zeros, zeros] if lstm else [zeros]
        h, c = _STEPS[self._mode](F.linear(x, self.weight_ih, self.bias_ih), states[0],
                                  states[1] if lstm else None, self.weight_hh, self.bias_hh, None)
        if lstm:
            return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
        return h if batched else h.squeeze(0)


class RNNCell(RNNCellBase):
    """``torch.nn.RNNCell``: ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``, ``act`` tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


class LSTMCell(RNNCellBase):
    """``torch.nn.LSTMCell``: returns ``(h', c')``."""

    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)


class GRUCell(RNNCellBase):
    """``torch.nn.GRUCell``: gates r, z, n as ``GRU``."""

    _mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)
