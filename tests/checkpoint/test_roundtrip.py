"""tl.save / tl.load round trips: every supported type comes back with its type and its bits."""

import io
import math
import os
import struct
from collections import OrderedDict

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.checkpoint import CheckpointError, load, save

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
          np.float16, np.float32, np.float64]


def bits(x: float) -> bytes:
    return struct.pack(">d", x)


def assert_same(a, b, path="obj"):
    """Same types all the way down, arrays with the same dtype, shape and bytes."""
    assert type(a) is type(b), f"{path}: {type(a)} vs {type(b)}"
    if isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), path
        for (ka, va), kb in zip(a.items(), b.keys()):
            assert type(ka) is type(kb), f"{path}: key {ka!r}"
            assert_same(va, b[kb], f"{path}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert a.tobytes() == b.tobytes(), path
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), path
    elif isinstance(a, float):
        assert bits(a) == bits(b), f"{path}: {a!r} vs {b!r}"
    else:
        assert a == b, path


def roundtrip(obj, tmp_path):
    """Save and load; the reference reader (the safetensors library) must read the same tensors."""
    from safetensors.numpy import load_file

    from torchlean.checkpoint.files import Reader

    path = tmp_path / "ckpt.safetensors"
    save(obj, path)
    reference = load_file(str(path))
    with open(path, "rb") as f:
        ours = Reader(f, str(path), AssertionError)
        assert sorted(ours.names()) == sorted(reference)
        for name, arr in reference.items():
            mine = ours.tensor(name)
            assert mine.dtype == arr.dtype and mine.shape == arr.shape and mine.tobytes() == arr.tobytes()
    return load(path)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 4), (2, 3, 4)])
def test_arrays_of_every_dtype_and_shape_come_back_bit_exact(tmp_path, dtype, shape):
    rng = np.random.default_rng(0)
    a = np.asarray((rng.standard_normal(shape) * 100) if np.dtype(dtype).kind == "f" else
                   rng.integers(0, 2 if dtype is np.bool_ else 100, size=shape), dtype=dtype)
    assert type(a) is np.ndarray
    out = roundtrip({"a": a}, tmp_path)
    assert_same({"a": a}, out)
    assert out["a"].flags.writeable and out["a"].flags.c_contiguous


def test_special_floats_keep_their_bits(tmp_path):
    nan_payload = struct.unpack(">d", bytes.fromhex("7ff80000deadbeef"))[0]
    values = [0.0, -0.0, 0.1, 1e-310, -5e-324, 1.7976931348623157e308, math.inf, -math.inf,
              math.nan, -math.nan, nan_payload, 1 / 3]
    out = roundtrip(values, tmp_path)
    assert [bits(v) for v in out] == [bits(v) for v in values]
    f32 = np.array([np.nan, -0.0, np.inf, 1e-45], np.float32)
    f32[0] = np.frombuffer(bytes.fromhex("7fc00123"), ">f4")[0]  # a NaN with a payload
    assert roundtrip({"x": f32}, tmp_path)["x"].tobytes() == f32.tobytes()


def test_nested_containers_scalars_and_key_types_survive(tmp_path):
    obj = {
        "model": OrderedDict([("fc1.weight", np.ones((3, 2), np.float32)), ("fc1.bias", np.zeros(3))]),
        "optimizer": {
            "state": {0: {"step": 7, "exp_avg": np.full(3, 0.5)}, 1: {"step": 7, "exp_avg": np.ones(2)}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                              "params": [0, 1], "name": None}],
        },
        "scheduler": {"last_epoch": 3, "base_lrs": [0.1], "_get_lr_called_within_step": False},
        "mixed": {1: "one", "1": "string one", -5: (), "": [], "ünï": {}},
        "big": [2**64 + 1, -(2**70)],
        "np_scalars": (np.float32(1.5), np.float64(-0.0), np.int64(-3), np.uint8(200), np.bool_(True)),
        "nested": ((1, [2, (3.5, None)]), [[["deep"]]]),
        "tuple_of_tensors": (np.arange(4), np.eye(2)),
    }
    out = roundtrip(obj, tmp_path)
    assert_same(obj, out)
    assert 1 in out["mixed"] and "1" in out["mixed"] and out["mixed"][1] == "one"
    assert isinstance(out["model"], OrderedDict) and type(out["optimizer"]) is dict


def test_a_bare_tensor_a_number_and_none_are_checkpoints_too(tmp_path):
    for obj in (np.arange(5.0), 3, 2.5, None, "text", True, [], ()):
        assert_same(obj, roundtrip(obj, tmp_path))


def test_torchlean_and_torch_tensors_load_as_numpy_arrays_of_their_values(tmp_path):
    s = tl.Session(dtype=np.float64)
    p = tl.Param(np.arange(6.0).reshape(2, 3), name="w")
    buf = tl.params.Buffer(np.array([1, 2, 3]), name="num")
    x = s.input(np.array([1.0, 2.0]))
    y = x * 3.0
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # non-contiguous
    g = torch.ones(2, requires_grad=True)
    out = roundtrip({"p": p, "buf": buf, "y": y, "t": t, "g": g, "bf": torch.tensor(True)}, tmp_path)
    assert_same(out["p"], p.value.copy())
    assert_same(out["buf"], np.array([1, 2, 3]))
    assert_same(out["y"], np.array([3.0, 6.0]))
    assert_same(out["t"], t.numpy().copy())
    assert_same(out["g"], np.ones(2, np.float32))
    assert_same(out["bf"], np.array(True))


def test_the_same_object_twice_is_stored_once_and_loads_as_one_array(tmp_path):
    w = np.arange(4.0)
    out = roundtrip({"a": w, "b": [w, w.copy()]}, tmp_path)
    assert out["a"] is out["b"][0] and out["a"] is not out["b"][1]
    np.testing.assert_array_equal(out["b"][1], w)


def test_file_objects_work_both_ways():
    buf = io.BytesIO()
    save({"a": np.arange(3), "b": (1.5, "x")}, buf)
    buf.seek(0)
    out = load(buf)
    assert_same({"a": np.arange(3), "b": (1.5, "x")}, out)

    class Stream:  # not seekable: load reads it whole
        def __init__(self, data):
            self.data = data

        def read(self, n=-1):
            return self.data

    assert_same({"a": np.arange(3), "b": (1.5, "x")}, load(Stream(buf.getvalue())))


def test_torch_load_style_arguments(tmp_path):
    path = tmp_path / "c.st"
    save({"w": np.ones(2)}, str(path))
    assert_same({"w": np.ones(2)}, load(str(path), map_location="cpu", weights_only=True))
    assert_same({"w": np.ones(2)}, load(path, map_location=torch.device("cpu")))
    with pytest.raises(tl.ArgumentError, match="load: map_location"):
        load(path, map_location="cuda:0")
    with pytest.raises(tl.ArgumentError, match="never unpickles"):
        load(path, weights_only=False)


@pytest.mark.parametrize("bad, cls, msg", [
    ({"s": {1, 2}}, tl.ArgumentError, r"save: obj\['s'\] is a set"),
    ({(1, 2): 3}, tl.ArgumentError, r"key \(1, 2\) of type tuple"),
    ({True: 3}, tl.ArgumentError, "key True of type bool"),
    ({np.int64(1): 3}, tl.ArgumentError, "of type int64"),
    ({"f": lambda: 0}, tl.ArgumentError, "is a function"),
    ({"o": np.array([object()])}, tl.DTypeError, "array of object"),
    ({"c": np.ones(2, np.complex128)}, tl.DTypeError, "complex128"),
    ({"u": np.array(["a"])}, tl.DTypeError, "<U1"),
    ({"m": np.ma.masked_array([1.0, 2.0], mask=[0, 1])}, tl.DTypeError, "masked array"),
    ({"h": torch.ones(2, dtype=torch.bfloat16)}, tl.DTypeError, "bfloat16"),
    ({"big": 10**5000}, tl.ArgumentError, r"save: obj\['big'\] is an int of 16610 bits"),
])
def test_unsupported_values_raise_before_anything_is_written(tmp_path, bad, cls, msg):
    path = tmp_path / "c.st"
    save({"old": 1}, path)
    before = path.read_bytes()
    with pytest.raises(cls, match=msg):
        save(bad, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.st"]  # no temporary file left


def test_a_cycle_is_refused(tmp_path):
    a = [1]
    a.append(a)
    with pytest.raises(tl.ArgumentError, match="contains itself"):
        save({"a": a}, tmp_path / "c.st")
    shared = [1, 2]
    assert_same({"x": [shared, shared]}, roundtrip({"x": [shared, shared]}, tmp_path))  # a DAG is fine


def test_stale_refs_and_bad_destinations_are_refused(tmp_path):
    s = tl.Session()
    x = s.input([1.0])
    s.reset()
    with pytest.raises(tl.InvalidRefError, match=r"save: .*stale"):
        save({"x": x}, tmp_path / "c.st")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        save({"a": 1}, tmp_path / "missing" / "c.st")
    with pytest.raises(IsADirectoryError):
        save({"a": 1}, tmp_path)
    with pytest.raises(tl.ArgumentError, match="save: f must be a path"):
        save({"a": 1}, 42)
    with pytest.raises(tl.ArgumentError, match="load: f must be a path"):
        load(42)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nothing.st")
    assert os.listdir(tmp_path) == []


def test_a_flat_state_dict_uses_its_keys_as_tensor_names(tmp_path):
    from safetensors import safe_open

    sd = {"fc1.weight": np.ones((2, 2), np.float32), "fc1.bias": np.zeros(2, np.float32)}
    save(sd, tmp_path / "m.st")
    with safe_open(str(tmp_path / "m.st"), framework="np") as f:
        assert sorted(f.keys()) == ["fc1.bias", "fc1.weight"]
        assert f.metadata()["torchlean"] == "1" and f.metadata()["format"] == "pt"
    nested = {"model": sd, "__metadata__": np.ones(1), "model.fc1.bias": np.ones(1)}
    save(nested, tmp_path / "n.st")
    with safe_open(str(tmp_path / "n.st"), framework="np") as f:
        names = sorted(f.keys())
    assert names == ["__metadata__#2", "model.fc1.bias", "model.fc1.bias#2", "model.fc1.weight"]
    assert_same(nested, load(tmp_path / "n.st"))
    with pytest.raises(CheckpointError):
        load(io.BytesIO(b""))
