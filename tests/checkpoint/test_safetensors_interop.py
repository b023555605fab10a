"""Checkpoints are safetensors files: safetensors.torch reads ours, tl.load reads theirs."""

import numpy as np
import pytest
import safetensors.torch as stt
import torch

import torchlean as tl
from torchlean.checkpoint import CheckpointError, load, save


def torch_state_dict():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2))
    model(torch.randn(5, 4))  # updates the running statistics
    return model, model.state_dict()


def test_safetensors_torch_reads_a_flat_state_dict_saved_by_tl_save(tmp_path):
    _, sd = torch_state_dict()
    ours = {k: v.numpy() for k, v in sd.items()}  # NumPy arrays, as torchlean holds them
    save(ours, tmp_path / "m.safetensors")
    theirs = stt.load_file(str(tmp_path / "m.safetensors"))
    assert list(sorted(theirs)) == sorted(sd)
    for k, v in sd.items():
        assert theirs[k].dtype == v.dtype and theirs[k].shape == v.shape, k
        assert torch.equal(theirs[k], v), k
    assert theirs["1.num_batches_tracked"].dtype == torch.int64
    model2, _ = torch_state_dict()
    model2.load_state_dict(theirs)  # a torch model takes it directly


def test_a_torch_state_dict_saved_by_tl_save_loads_in_both(tmp_path):
    _, sd = torch_state_dict()
    save(sd, tmp_path / "t.safetensors")  # torch tensors are accepted on save
    back = load(tmp_path / "t.safetensors")
    assert type(back) is type(sd) and list(back) == list(sd)  # an OrderedDict, same order
    for k, v in sd.items():
        assert isinstance(back[k], np.ndarray) and back[k].dtype == v.numpy().dtype
        np.testing.assert_array_equal(back[k], v.numpy())
    theirs = stt.load_file(str(tmp_path / "t.safetensors"))
    assert all(torch.equal(theirs[k], v) for k, v in sd.items())


@pytest.mark.parametrize("metadata", [None, {"format": "pt", "note": "written by torch"}])
def test_tl_load_reads_a_file_written_by_safetensors_torch(tmp_path, metadata):
    _, sd = torch_state_dict()
    sd = dict(sd)
    sd["flag"] = torch.tensor([True, False])
    sd["scalar"] = torch.tensor(3.5, dtype=torch.float64)
    stt.save_file(sd, str(tmp_path / "w.safetensors"), metadata=metadata)
    back = load(tmp_path / "w.safetensors")
    assert type(back) is dict and list(back) == sorted(sd)  # a plain file: a flat dict, by name
    for k, v in sd.items():
        assert back[k].dtype == v.numpy().dtype and back[k].shape == tuple(v.shape), k
        np.testing.assert_array_equal(back[k], v.numpy())
        assert back[k].flags.writeable


def test_bfloat16_in_a_foreign_file_is_refused_clearly(tmp_path):
    stt.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(tmp_path / "b.safetensors"))
    with pytest.raises(CheckpointError, match=r"b\.safetensors: tensor 'w' is BF16, which NumPy cannot hold"):
        load(tmp_path / "b.safetensors")


def test_a_torchlean_state_loads_into_params(tmp_path):
    w = tl.Param(np.random.default_rng(1).standard_normal((3, 2)), name="w")
    save({"w": w}, tmp_path / "p.st")
    w2 = tl.Param(np.zeros((3, 2)))
    w2.set_value(load(tmp_path / "p.st")["w"])
    np.testing.assert_array_equal(w2.value, w.value)
