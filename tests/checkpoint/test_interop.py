"""torchlean.interop.to_torch / from_torch: whole state dicts, nested, zero-copy where possible."""

import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.interop import from_torch, to_torch


def test_from_torch_converts_a_model_state_dict_sharing_memory():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    sd = model.state_dict()
    out = from_torch(sd)
    assert type(out) is OrderedDict and list(out) == list(sd)
    for k, v in sd.items():
        assert isinstance(out[k], np.ndarray) and out[k].dtype == v.numpy().dtype, k
        assert out[k].ctypes.data == v.data_ptr(), k  # zero-copy
    assert out["1.num_batches_tracked"].dtype == np.int64 and out["1.num_batches_tracked"].shape == ()


def test_from_torch_walks_optimizer_state_and_keeps_other_values():
    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([p], lr=0.01, betas=(0.8, 0.9))
    p.grad = torch.full((3,), 0.5)
    opt.step()
    sd = opt.state_dict()
    out = from_torch(sd)
    assert list(out["state"]) == [0] and type(next(iter(out["state"]))) is int
    st = out["state"][0]
    assert isinstance(st["exp_avg"], np.ndarray) and st["exp_avg"].ctypes.data == sd["state"][0]["exp_avg"].data_ptr()
    assert isinstance(st["step"], np.ndarray) and st["step"].item() == 1.0
    group = out["param_groups"][0]
    assert group["betas"] == (0.8, 0.9) and type(group["betas"]) is tuple and group["lr"] == 0.01
    assert group["params"] == [0]


def test_from_torch_detaches_parameters_and_downloads_nothing_on_cpu():
    w = torch.nn.Parameter(torch.arange(4.0))
    out = from_torch({"w": w, "n": None, "s": "x", "i": 3, "l": [w, (w,)]})
    assert out["w"].ctypes.data == w.data_ptr() and out["l"][1][0].ctypes.data == w.data_ptr()
    assert out["n"] is None and out["s"] == "x" and out["i"] == 3 and type(out["l"][1]) is tuple
    strided = torch.arange(12.0).reshape(3, 4).t()
    np.testing.assert_array_equal(from_torch([strided])[0], strided.numpy())


@pytest.mark.parametrize("tensor, cls, msg", [
    (torch.ones(2, dtype=torch.bfloat16), tl.DTypeError, r"obj\['w'\] is a torch.bfloat16 tensor"),
    (torch.ones(2, dtype=torch.complex64), tl.DTypeError, "complex64"),
    (torch.ones(2).to_sparse(), tl.ArgumentError, "only dense"),
    (torch.ones(2, device="meta"), tl.ArgumentError, "cannot read"),
])
def test_from_torch_refuses_what_numpy_cannot_hold(tensor, cls, msg):
    with pytest.raises(cls, match=f"from_torch: .*{msg}"):
        from_torch({"w": tensor})


def test_to_torch_shares_memory_with_numpy_and_tensors():
    s = tl.Session(dtype=np.float64)
    a = np.arange(6.0).reshape(2, 3)
    x = s.input(np.ones(2))
    y = x + 1.0
    p = tl.Param(np.zeros(3))
    sd = OrderedDict([("a", a), ("y", y), ("p", p), ("nested", {0: [a, (3, "k")]}), ("t", torch.ones(1))])
    out = to_torch(sd)
    assert type(out) is OrderedDict and list(out) == list(sd)
    assert out["a"].data_ptr() == a.ctypes.data and out["a"].dtype == torch.float64
    assert out["y"].data_ptr() == y._v.ctypes.data and out["y"].tolist() == [2.0, 2.0]
    assert out["p"].data_ptr() == p.value.ctypes.data
    assert out["nested"][0][0].data_ptr() == a.ctypes.data and out["nested"][0][1] == (3, "k")
    assert out["t"] is sd["t"]


def test_to_torch_copies_read_only_arrays_and_refuses_non_numbers():
    a = np.ones(3)
    a.flags.writeable = False
    t = to_torch({"a": a})["a"]
    assert t.data_ptr() != a.ctypes.data and t.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(tl.DTypeError, match=r"to_torch: obj\['s'\] is a NumPy array of str"):
        to_torch({"s": np.array(["x"])})
    loop = []
    loop.append(loop)
    with pytest.raises(tl.ArgumentError, match=r"to_torch: obj\[0\] contains itself"):
        to_torch(loop)


def test_a_torch_model_and_back_through_interop():
    torch.manual_seed(0)
    src = torch.nn.Linear(4, 3)
    dst = torch.nn.Linear(4, 3)
    params = from_torch(src.state_dict())
    dst.load_state_dict(to_torch({k: v.copy() for k, v in params.items()}))
    x = torch.randn(2, 4)
    assert torch.equal(src(x), dst(x))


def test_importing_torchlean_does_not_import_torch():
    code = ("import sys, torchlean, torchlean.interop, torchlean.checkpoint, torchlean.data; "
            "import torchlean.eager.state; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": ":".join(sys.path)})
    assert out.stdout.strip() == "False"
