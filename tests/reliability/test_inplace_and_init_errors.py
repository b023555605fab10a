"""Bad input to Param's in-place methods, nn.init and requires_grad_: a TorchLeanError naming
the op, raised before anything changes (the value's bytes, the random stream, requires_grad).

The accepted/refused split follows PyTorch (the oracle): each refused case is checked to be
refused by torch too where torch has the same call.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean import nn
from torchlean._core.errors import ArgumentError, DTypeError, ShapeError, TorchLeanError
from torchlean.nn import init

SEED = 1234
NAN, INF = float("nan"), float("inf")


def _param(shape=(2, 3), dtype=np.float32):
    return tl.Param(np.arange(math.prod(shape), dtype=dtype).reshape(shape) + 0.5)


def _fresh_draw():
    """What the default stream gives first after tl.manual_seed(SEED)."""
    tl.manual_seed(SEED)
    return tl.random.default_generator.uniform((7,))


def _expect_refused(call, target, err, op):
    """``call()`` raises ``err`` naming ``op``; ``target``'s bytes and the stream are untouched."""
    before = target.numpy().tobytes()
    tl.manual_seed(SEED)
    with pytest.raises(err) as info:
        call()
    assert isinstance(info.value, TorchLeanError)
    assert re.match(rf"{re.escape(op)}: ", str(info.value)), str(info.value)
    assert target.numpy().tobytes() == before
    after = tl.random.default_generator.uniform((7,))
    assert np.array_equal(after, _fresh_draw())
    return str(info.value)


def _torch_refuses(call):
    with pytest.raises((RuntimeError, TypeError, ValueError, OverflowError, NotImplementedError,
                        ZeroDivisionError)), torch.no_grad():
        call()


# -- 1. a refused random fill has not drawn -------------------------------------------------------

@pytest.mark.parametrize("method", ["normal_", "uniform_"])
def test_random_fill_refused_while_recording_does_not_draw(method):
    p = tl.Param(np.ones(3, np.float32))
    _expect_refused(lambda: getattr(p, method)(), p, ArgumentError, method)
    # the probe's repro: a refused fill, then the same fill under no_grad, is a fresh seed's fill
    tl.manual_seed(0)
    with pytest.raises(ArgumentError, match=f"^{method}: .*no_grad"):
        getattr(p, method)()
    with tl.no_grad():
        getattr(p, method)()
    q = tl.Param(np.ones(3, np.float32))
    tl.manual_seed(0)
    with tl.no_grad():
        getattr(q, method)()
    assert p.numpy().tobytes() == q.numpy().tobytes()


def test_refused_fill_leaves_an_explicit_generator_alone():
    p = _param()
    g = tl.Generator(5)
    with tl.no_grad(), pytest.raises(ArgumentError, match=r"^normal_: "):
        p.normal_(0.0, -1.0, generator=g)
    assert g.get_state() == {"seed": 5, "counter": 0}
    with pytest.raises(ArgumentError, match=r"^uniform_: "):
        init.uniform_(p, 1.0, 0.0, generator=g)
    assert g.get_state() == {"seed": 5, "counter": 0}


# -- 2. random-fill and init arguments ------------------------------------------------------------

_P = (2, 3)
_FILL_CASES = [
    # (id, torchlean call on p, torch call on t or None, error, op)
    ("normal_neg_std", lambda p: p.normal_(0, -1.0), lambda t: t.normal_(0, -1.0), ArgumentError, "normal_"),
    ("normal_nan_std", lambda p: p.normal_(0, NAN), lambda t: t.normal_(0, NAN), ArgumentError, "normal_"),
    ("normal_str_mean", lambda p: p.normal_("a"), lambda t: t.normal_("a"), ArgumentError, "normal_"),
    ("uniform_reversed", lambda p: p.uniform_(1.0, 0.0), lambda t: t.uniform_(1.0, 0.0), ArgumentError,
     "uniform_"),
    ("uniform_nan", lambda p: p.uniform_(NAN, 1.0), lambda t: t.uniform_(NAN, 1.0), ArgumentError, "uniform_"),
    ("uniform_inf", lambda p: p.uniform_(0.0, INF), lambda t: t.uniform_(0.0, INF), ArgumentError, "uniform_"),
    ("uniform_wide", lambda p: p.uniform_(-3e38, 3e38), lambda t: t.uniform_(-3e38, 3e38), ArgumentError,
     "uniform_"),
    ("uniform_str", lambda p: p.uniform_("a", 1.0), lambda t: t.uniform_("a", 1.0), ArgumentError, "uniform_"),
    ("normal_bad_generator", lambda p: p.normal_(generator=5), lambda t: t.normal_(generator=5), ArgumentError,
     "normal_"),
    ("init_uniform_reversed", lambda p: init.uniform_(p, 1.0, 0.0), lambda t: torch.nn.init.uniform_(t, 1.0, 0.0),
     ArgumentError, "uniform_"),
    ("init_normal_neg", lambda p: init.normal_(p, 0.0, -1.0), lambda t: torch.nn.init.normal_(t, 0.0, -1.0),
     ArgumentError, "normal_"),
    ("init_normal_nan", lambda p: init.normal_(p, 0.0, NAN), lambda t: torch.nn.init.normal_(t, 0.0, NAN),
     ArgumentError, "normal_"),
    ("init_uniform_generator", lambda p: init.uniform_(p, generator="g"),
     lambda t: torch.nn.init.uniform_(t, generator="g"), ArgumentError, "uniform_"),
    ("trunc_reversed", lambda p: init.trunc_normal_(p, a=2.0, b=-2.0),
     lambda t: torch.nn.init.trunc_normal_(t, a=2.0, b=-2.0), ArgumentError, "trunc_normal_"),
    ("trunc_nan_std", lambda p: init.trunc_normal_(p, std=NAN), None, ArgumentError, "trunc_normal_"),
    ("trunc_str_a", lambda p: init.trunc_normal_(p, a="x"), lambda t: torch.nn.init.trunc_normal_(t, a="x"),
     ArgumentError, "trunc_normal_"),
    ("kaiming_mode", lambda p: init.kaiming_uniform_(p, mode="x"),
     lambda t: torch.nn.init.kaiming_uniform_(t, mode="x"), ArgumentError, "kaiming_uniform_"),
    ("kaiming_nonlinearity", lambda p: init.kaiming_normal_(p, nonlinearity="x"),
     lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="x"), ArgumentError, "kaiming_normal_"),
    ("kaiming_slope_str", lambda p: init.kaiming_uniform_(p, a="x"),
     lambda t: torch.nn.init.kaiming_uniform_(t, a="x"), ArgumentError, "kaiming_uniform_"),
    ("kaiming_slope_nan", lambda p: init.kaiming_uniform_(p, a=NAN),
     lambda t: torch.nn.init.kaiming_uniform_(t, a=NAN), ArgumentError, "kaiming_uniform_"),
    ("xavier_gain_str", lambda p: init.xavier_uniform_(p, gain="x"),
     lambda t: torch.nn.init.xavier_uniform_(t, gain="x"), ArgumentError, "xavier_uniform_"),
    ("xavier_gain_neg", lambda p: init.xavier_uniform_(p, gain=-1.0),
     lambda t: torch.nn.init.xavier_uniform_(t, gain=-1.0), ArgumentError, "xavier_uniform_"),
    ("xavier_normal_gain_neg", lambda p: init.xavier_normal_(p, gain=-1.0),
     lambda t: torch.nn.init.xavier_normal_(t, gain=-1.0), ArgumentError, "xavier_normal_"),
    ("orthogonal_gain_str", lambda p: init.orthogonal_(p, gain="x"),
     lambda t: torch.nn.init.orthogonal_(t, gain="x"), ArgumentError, "orthogonal_"),
    ("constant_str", lambda p: init.constant_(p, "a"), lambda t: torch.nn.init.constant_(t, "a"), ArgumentError,
     "constant_"),
    ("constant_none", lambda p: init.constant_(p, None), lambda t: torch.nn.init.constant_(t, None),
     ArgumentError, "constant_"),
    ("constant_overflow", lambda p: init.constant_(p, 1e300), lambda t: torch.nn.init.constant_(t, 1e300),
     ArgumentError, "constant_"),
    ("constant_array", lambda p: init.constant_(p, np.ones(3)), None, ShapeError, "constant_"),
]


@pytest.mark.parametrize("call,tcall,err,op", [c[1:] for c in _FILL_CASES], ids=[c[0] for c in _FILL_CASES])
def test_bad_random_fill_and_init_arguments_are_refused(call, tcall, err, op):
    p = _param(_P)
    with tl.no_grad():
        _expect_refused(lambda: call(p), p, err, op)
    if tcall is not None:
        _torch_refuses(lambda: tcall(torch.ones(_P)))


def test_bad_dirac_groups_and_zero_fans():
    w = _param((2, 2, 3))
    for groups in (0, -1, "2", 1.0):
        _expect_refused(lambda g=groups: init.dirac_(w, g), w, ArgumentError, "dirac_")
    _torch_refuses(lambda: torch.nn.init.dirac_(torch.ones(2, 2, 3), 0))
    e = tl.Param(np.zeros((0, 0), np.float32))
    _expect_refused(lambda: init.xavier_uniform_(e), e, ShapeError, "xavier_uniform_")


def test_random_fills_refuse_integer_buffers():
    b = nn.Buffer(np.arange(3, dtype=np.int64))
    for name, call in (("normal_", lambda: b.normal_()), ("uniform_", lambda: b.uniform_()),
                       ("normal_", lambda: init.normal_(b)), ("kaiming_uniform_", lambda: init.kaiming_uniform_(b))):
        with tl.no_grad():
            _expect_refused(call, b, DTypeError, name)
    _torch_refuses(lambda: torch.arange(3).normal_())
    _torch_refuses(lambda: torch.arange(3).uniform_())


def test_boundary_fills_torch_accepts_still_work():
    p = _param()
    with tl.no_grad():
        p.uniform_(1.0, 1.0)  # torch: an empty [from, to) range fills with from
        assert (p.numpy() == 1.0).all()
        p.normal_(2.0, 0.0)
        assert (p.numpy() == 2.0).all()
        init.trunc_normal_(p, a=0.5, b=0.5)
        assert (p.numpy() == 0.5).all()
        p.fill_(INF)
        assert np.isinf(p.numpy()).all()
        init.constant_(p, np.float32(3.0))
        assert (p.numpy() == 3.0).all()
    t = torch.ones(_P)
    torch.nn.init.trunc_normal_(t, a=0.5, b=0.5)
    assert (t == 0.5).all()


# -- 3. in-place arithmetic and scalar fills --------------------------------------------------------

_SHAPE_CASES = [
    ("add_", lambda p: p.add_(np.ones(4)), (4,)),
    ("mul_", lambda p: p.mul_(np.ones((3, 3))), (3, 3)),
    ("div_", lambda p: p.div_(np.ones(4)), (4,)),
    ("sub_", lambda p: p.sub_(np.ones((2, 2, 3))), (2, 2, 3)),
    ("clamp_", lambda p: p.clamp_(0.0, np.ones(4)), (4,)),
]


def _isub(p):
    p -= np.ones(4)


def _iadd(p):
    p += np.ones((2, 4))


def _imul(p):
    p *= np.ones(5)


@pytest.mark.parametrize("op,call,shape", [*_SHAPE_CASES, ("-=", _isub, (4,)), ("+=", _iadd, (2, 4)),
                                               ("*=", _imul, (5,))])
def test_wrong_shaped_operand_is_a_shape_error_naming_both_shapes(op, call, shape):
    p = _param(_P)
    with tl.no_grad():
        msg = _expect_refused(lambda: call(p), p, ShapeError, op)
    assert str(_P) in msg and str(shape) in msg
    _torch_refuses(lambda: torch.ones(_P).add_(torch.ones(shape)))


_ARG_CASES = [
    ("add_", lambda p: p.add_(np.ones(3), alpha="x"), lambda t: t.add_(torch.ones(3), alpha="x")),
    ("sub_", lambda p: p.sub_(np.ones(3), alpha=1e300), lambda t: t.sub_(torch.ones(3), alpha=1e300)),
    ("fill_", lambda p: p.fill_(2 ** 2000), lambda t: t.fill_(2 ** 2000)),
    ("fill_", lambda p: p.fill_(1e300), lambda t: t.fill_(1e300)),
    ("fill_", lambda p: p.fill_(np.float64(-1e300)), lambda t: t.fill_(np.float64(-1e300))),
    ("fill_", lambda p: p.fill_("a"), lambda t: t.fill_("a")),
    ("copy_", lambda p: p.copy_(1e300), None),
    ("add_", lambda p: p.add_(2 ** 2000), lambda t: t.add_(2 ** 2000)),
    ("Param.data", lambda p: setattr(p, "data", 1e300), None),
]


@pytest.mark.parametrize("op,call,tcall", _ARG_CASES)
def test_bad_scalars_are_argument_errors(op, call, tcall):
    p = _param(_P)
    with tl.no_grad():
        _expect_refused(lambda: call(p), p, ArgumentError, op)
    if tcall is not None:
        _torch_refuses(lambda: tcall(torch.ones(_P)))


def test_overflow_rules_follow_torch_where_it_accepts():
    p, t = _param(), torch.ones(_P)
    with tl.no_grad(), torch.no_grad():
        p.copy_(np.full(3, 1e300))  # an array that overflows gives inf, as torch's copy_
        t.copy_(torch.full((3,), 1e300, dtype=torch.float64))
        assert np.array_equal(p.numpy(), t.numpy())
        p.add_(1e300)  # a scalar operand: the result overflows, as in torch
        t.add_(1e300)
        assert np.array_equal(p.numpy(), t.numpy())
    d = _param(dtype=np.float64)
    with tl.no_grad():
        d.fill_(1e300)  # fits float64
    assert (d.numpy() == 1e300).all()


def test_integer_buffer_arithmetic_keeps_its_kind():
    b = nn.Buffer(np.arange(3, dtype=np.int64))
    with tl.no_grad():
        for op, call, err in (("add_", lambda: b.add_(0.5), DTypeError), ("div_", lambda: b.div_(2), DTypeError),
                              ("add_", lambda: b.add_(np.ones(3, np.int64), alpha=0.5), ArgumentError),
                              ("fill_", lambda: b.fill_(2 ** 70), ArgumentError),
                              ("fill_", lambda: b.fill_(NAN), ArgumentError)):
            _expect_refused(call, b, err, op)
        b.add_(1)
        b.clamp_(max=2)
    assert b.dtype == np.int64 and b.numpy().tolist() == [1, 2, 2]
    tb = torch.arange(3)
    _torch_refuses(lambda: tb.add_(0.5))
    _torch_refuses(lambda: tb.div_(2))
    _torch_refuses(lambda: tb.fill_(2 ** 70))
    assert tb.add_(1).clamp_(max=2).tolist() == [1, 2, 2]


# -- 4. requires_grad_ -----------------------------------------------------------------------------

_FLAGS = ["no", np.ones(3), 1, 0, None, np.bool_(True), 1.0]


@pytest.mark.parametrize("flag", _FLAGS, ids=[type(f).__name__ + str(i) for i, f in enumerate(_FLAGS)])
def test_requires_grad_takes_only_a_bool(flag):
    p = _param()
    with pytest.raises(ArgumentError, match=r"^requires_grad_: .*bool"):
        p.requires_grad_(flag)
    assert p.requires_grad is True
    b = nn.Buffer(np.zeros(2, np.float32))
    with pytest.raises(ArgumentError, match=r"^requires_grad_: .*bool"):
        b.requires_grad_(flag)
    assert b.requires_grad is False
    s = tl.Session()
    x = s.input(np.ones(3, np.float32))
    with pytest.raises(ArgumentError, match=r"^requires_grad_: .*bool"):
        x.requires_grad_(flag)
    assert x.requires_grad is False and s.tape.grad_leaves == []
    with pytest.raises(TypeError):
        torch.ones(2).requires_grad_(flag)


def test_requires_grad_with_bools_still_works():
    p = _param()
    assert p.requires_grad_(False).requires_grad is False
    assert p.requires_grad_(True).requires_grad is True
    s = tl.Session()
    x = s.input(np.ones(3, np.float32))
    assert x.requires_grad_().requires_grad is True and len(s.tape.grad_leaves) == 1
    with pytest.raises(ArgumentError, match=r"^requires_grad_: "):
        nn.Buffer(np.zeros(2, np.float32)).requires_grad_(True)


@pytest.mark.parametrize("bad", ["no", np.ones(3), 1, None])
def test_module_requires_grad_takes_a_bool_only(bad):
    m = tl.nn.Linear(2, 2)
    with pytest.raises(tl.ArgumentError, match=r"Linear\.requires_grad_: requires_grad must be a bool"):
        m.requires_grad_(bad)
    assert all(p.requires_grad for p in m.parameters())
