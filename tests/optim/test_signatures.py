"""torch's names take torch's signatures: the same parameters in the same order, of the same
kinds, with the same defaults (torchlean's Adam family adds only the seed-style ``beta1``/``beta2``
keywords, after torch's)."""

import inspect

import pytest
import torch

import torchlean as tl
import torchlean.nn.utils as tl_utils

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop",
              "ASGD", "LBFGS"]
SCHEDULERS = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "LambdaLR", "OneCycleLR",
              "ReduceLROnPlateau", "SequentialLR", "LRScheduler", "PolynomialLR", "CosineAnnealingWarmRestarts",
              "CyclicLR"]


def _shape(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_signature_is_torchs(name):
    ours, theirs = _shape(getattr(tl.optim, name)), _shape(getattr(torch.optim, name))
    extra = ours[len(theirs):]
    assert ours[:len(theirs)] == theirs
    assert extra == ([] if name in ("SGD", "RMSprop", "Adagrad", "Adadelta", "Rprop", "ASGD", "LBFGS") else
                     [("beta1", inspect.Parameter.KEYWORD_ONLY, None), ("beta2", inspect.Parameter.KEYWORD_ONLY, None)])


@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_signature_is_torchs(name):
    assert _shape(getattr(tl.optim.lr_scheduler, name)) == _shape(getattr(torch.optim.lr_scheduler, name))


@pytest.mark.parametrize("name", ["clip_grad_norm_", "clip_grad_value_"])
def test_clip_signature_is_torchs(name):
    assert _shape(getattr(tl_utils, name)) == _shape(getattr(torch.nn.utils, name))


@pytest.mark.parametrize("method", ["step", "zero_grad", "state_dict", "load_state_dict", "add_param_group"])
def test_optimizer_methods_take_torchs_arguments(method):
    ours = _shape(getattr(tl.optim.Optimizer, method))
    assert ours == _shape(getattr(torch.optim.Optimizer, method))


def test_seed_names_keep_their_seed_signatures():
    assert list(inspect.signature(tl.MomentumSGD).parameters) == ["params", "lr", "momentum"]
    assert inspect.signature(tl.MomentumSGD).parameters["lr"].default is inspect.Parameter.empty
    assert tl.SGD is tl.optim.SGD and tl.Adam is tl.optim.Adam and tl.AdamW is tl.optim.AdamW


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_group_key_is_required_or_has_torchs_default(name):
    """A loaded group must carry the numeric hyperparameters; each flag missing from an older
    state dict takes the constructor's default (torch's ``__setstate__`` defaults)."""
    cls = getattr(tl.optim, name)
    assert set(cls._required) | set(cls._flag_defaults) == set(cls._hyper)
    assert not set(cls._required) & set(cls._flag_defaults)
    params = inspect.signature(cls).parameters
    for k, v in cls._flag_defaults.items():
        if k in params:
            assert params[k].default == v, k
    assert set(cls._hyper) == set(getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults)
