"""Bad input to datasets, checkpoints and DLPack: every error is a TorchLeanError that is also
the built-in class a Python user catches (IndexError for an index out of range, the matching
OSError subclass for a path), names the op, and a failed call changes nothing."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import torchlean as tl
from torchlean.checkpoint import api as ckpt_api
from torchlean.checkpoint.files import write_safetensors
from torchlean.checkpoint.tree import MAX_DEPTH
from torchlean.data import ConcatDataset, DataLoader, Subset, TensorDataset, random_split


def _ds() -> TensorDataset:
    return TensorDataset(np.arange(30.0).reshape(10, 3), np.arange(10))


# -- datasets ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make, index, name, valid", [
    (_ds, 10, "TensorDataset", "-10 to 9"),
    (_ds, -11, "TensorDataset", "-10 to 9"),
    (_ds, [0, 20], "TensorDataset", "-10 to 9"),
    (lambda: ConcatDataset([_ds(), _ds()]), 20, "ConcatDataset", "-20 to 19"),
    (lambda: ConcatDataset([_ds(), _ds()]), -21, "ConcatDataset", "-20 to 19"),
    (lambda: Subset(_ds(), [1, 2]), 2, "Subset", "-2 to 1"),
    (lambda: Subset(_ds(), [1, 2]), [0, 5], "Subset", "-2 to 1"),
])
def test_an_index_out_of_range_is_an_index_error_naming_the_dataset(make, index, name, valid):
    ds = make()
    with pytest.raises(tl.IndexRangeError, match=f"^{name}: index -?[0-9]+ is out of range .*{valid}") as e:
        ds[index]
    assert isinstance(e.value, tl.TorchLeanError) and isinstance(e.value, IndexError)


def test_pytorch_also_raises_index_error_and_iteration_stops_there():
    with pytest.raises(IndexError):
        tud.TensorDataset(torch.zeros(10, 3))[10]
    ds = _ds()
    assert [int(y) for _, y in ds] == list(range(10))  # the iteration protocol: stops at IndexError
    assert [int(y) for _, y in Subset(ds, [3, 1])] == [3, 1]
    assert len(list(ConcatDataset([ds, ds]))) == 20
    caught = False
    try:
        ds[10]
    except IndexError:  # the usual except still catches it
        caught = True
    assert caught


@pytest.mark.parametrize("make, index, name", [
    (_ds, 1.5, "TensorDataset"), (_ds, "a", "TensorDataset"), (_ds, [1.5], "TensorDataset"),
    (_ds, np.float64(2.0), "TensorDataset"),
    (lambda: ConcatDataset([_ds()]), 1.5, "ConcatDataset"), (lambda: ConcatDataset([_ds()]), "a", "ConcatDataset"),
    (lambda: Subset(_ds(), [1, 2]), 1.5, "Subset"), (lambda: Subset(_ds(), [1, 2]), "a", "Subset"),
])
def test_a_non_integer_index_is_an_argument_error(make, index, name):
    ds = make()
    with pytest.raises(tl.ArgumentError, match=f"^{name}: .*int") as e:
        ds[index]
    assert isinstance(e.value, tl.TorchLeanError) and isinstance(e.value, TypeError)


def test_valid_indices_answer_as_before():
    x, y = np.arange(30.0).reshape(10, 3), np.arange(10)
    ds = TensorDataset(x, y)
    ref = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    for index in [0, 9, -1, -10, np.int64(3), torch.tensor(4), slice(2, 5), [1, 7]]:
        ours, theirs = ds[index], ref[index]
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b.numpy())
    assert [int(v[1]) for v in ds.__getitems__([9, -1, 0])] == [9, 9, 0]
    with pytest.raises(tl.IndexRangeError, match=r"TensorDataset: index 12"):
        ds.__getitems__([1, 12])
    sub = Subset(ds, np.array([9, -10]))
    assert int(sub[0][1]) == 9 and int(sub[-1][1]) == 0 and [int(v) for v in sub[0:2][1]] == [9, 0]
    batches = [b[1].tolist() for b in DataLoader(Subset(ds, [4, 5, 6]), batch_size=2)]
    assert batches == [[4, 5], [6]]
    parts = random_split(ds, [3, 7], seed=1)
    assert sorted(int(v[1]) for p in parts for v in p) == list(range(10))
    assert ds.tensors[0] is x and ds.tensors[1] is y  # nothing a failed read touched


@pytest.mark.parametrize("indices, msg", [
    ([0, 20], r"indices\[1\] = 20 is out of range for TensorDataset of 10 samples"),
    ([-11], r"indices\[0\] = -11 is out of range"),
    ([0.5], "1-d sequence of ints, got float64"),
    ([[0, 1]], "1-d sequence of ints"),
    ("ab", "sequence of ints, got str"),
    (5, "sequence of ints, got int"),
])
def test_subset_refuses_bad_indices_at_construction(indices, msg):
    # PyTorch accepts them and fails on the read; torchlean refuses them up front, naming Subset.
    with pytest.raises(tl.ArgumentError, match=f"^Subset: .*{msg}") as e:
        Subset(_ds(), indices)
    assert isinstance(e.value, tl.TorchLeanError) and isinstance(e.value, ValueError)


def test_subset_of_a_dataset_without_len_and_of_no_indices():
    class NoLen:
        def __getitem__(self, i):
            return i * 2

    assert Subset(NoLen(), [100, 3])[0] == 200  # no length: only the kind of the indices is checked
    assert len(Subset(_ds(), [])) == 0


# -- checkpoints ------------------------------------------------------------------------------
def _nested(depth: int, kind: str = "list") -> object:
    obj: object = 1
    for _ in range(depth):
        obj = [obj] if kind == "list" else (obj,) if kind == "tuple" else {"k": obj}
    return obj


def test_a_deeply_nested_object_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "c.st"
    with pytest.raises(tl.ArgumentError, match=f"^save: obj\\[0\\].* nested more than {MAX_DEPTH} deep") as e:
        tl.save(_nested(5000), path)
    assert isinstance(e.value, ValueError) and not isinstance(e.value, RecursionError)
    assert os.listdir(tmp_path) == []
    tl.save({"v": 1}, path)
    before = path.read_bytes()
    with pytest.raises(tl.ArgumentError, match=r"save: .*nested"):
        tl.save({"deep": _nested(5000, "dict")}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["c.st"]


@pytest.mark.parametrize("kind", ["list", "tuple", "dict"])
def test_the_depth_limit_is_exact(tmp_path, kind):
    obj = _nested(MAX_DEPTH, kind)
    tl.save(obj, tmp_path / "c.st")
    assert tl.load(tmp_path / "c.st") == obj
    with pytest.raises(tl.ArgumentError, match=f"more than {MAX_DEPTH} deep"):
        tl.save(_nested(MAX_DEPTH + 1, kind), tmp_path / "d.st")
    assert os.listdir(tmp_path) == ["c.st"]


def _check_file_error(e: BaseException, builtin: type, op: str, path: object, code: int) -> None:
    assert isinstance(e, tl.TorchLeanError) and isinstance(e, tl.FileError) and isinstance(e, builtin)
    assert str(e).startswith(f"{op}: ") and repr(str(path))[1:-1] in str(e)
    assert e.errno == code


def test_save_to_a_folder_a_missing_folder_or_under_a_file(tmp_path):
    (tmp_path / "old.st").write_bytes(b"old")
    with pytest.raises(tl.IsAFolderError) as e:
        tl.save({"a": 1}, tmp_path)
    _check_file_error(e.value, IsADirectoryError, "save", tmp_path, errno.EISDIR)
    missing = tmp_path / "nope" / "c.st"
    with pytest.raises(tl.MissingFileError, match=r"no such folder") as e:
        tl.save({"a": 1}, missing)
    _check_file_error(e.value, FileNotFoundError, "save", missing, errno.ENOENT)
    under = tmp_path / "old.st" / "c.st"
    with pytest.raises(tl.NotAFolderError, match=r"is a file, not a folder") as e:
        tl.save({"a": 1}, under)
    _check_file_error(e.value, NotADirectoryError, "save", under, errno.ENOTDIR)
    assert os.listdir(tmp_path) == ["old.st"] and (tmp_path / "old.st").read_bytes() == b"old"


def test_load_of_a_missing_file_or_a_folder(tmp_path):
    missing = tmp_path / "missing.st"
    with pytest.raises(tl.MissingFileError, match=r"no such file") as e:
        tl.load(missing)
    _check_file_error(e.value, FileNotFoundError, "load", missing, errno.ENOENT)
    assert e.value.filename == str(missing)
    with pytest.raises(tl.IsAFolderError, match=r"is a folder") as e:
        tl.load(tmp_path)
    _check_file_error(e.value, IsADirectoryError, "load", tmp_path, errno.EISDIR)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root bypasses file permissions")
def test_permission_errors_are_file_access_errors(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "c.st").write_bytes(b"x")
    os.chmod(locked / "c.st", 0)
    os.chmod(locked, 0o500)
    try:
        with pytest.raises(tl.FileAccessError, match=r"^save: ") as e:
            tl.save({"a": 1}, locked / "d.st")
        assert isinstance(e.value, PermissionError)
        with pytest.raises(tl.FileAccessError, match=r"^load: ") as e:
            tl.load(locked / "c.st")
        assert isinstance(e.value, PermissionError)
    finally:
        os.chmod(locked, 0o700)
    assert os.listdir(locked) == ["c.st"]


def test_permission_errors_map_to_file_access_errors_even_as_root(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(ckpt_api, "open", denied, raising=False)  # the builtin open load uses
    monkeypatch.setattr(os, "open", denied)  # the temporary file save creates
    calls = [(lambda: tl.load(tmp_path / "c.st"), "load"), (lambda: tl.save({"a": 1}, tmp_path / "c.st"), "save")]
    for call, op in calls:
        with pytest.raises(tl.FileAccessError) as e:
            call()
        _check_file_error(e.value, PermissionError, op, tmp_path / "c.st", errno.EACCES)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_a_failure_while_writing_is_a_file_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "c.st"
    tl.save({"v": 1}, path)
    before = path.read_bytes()

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(tl.FileError, match=r"^save: .*No space left") as e:
        tl.save({"v": 2}, path)
    assert isinstance(e.value, OSError) and e.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["c.st"]


def test_an_outer_op_renames_a_file_error():
    from torchlean._core.guard import guard

    @guard("outer")
    def outer(p):
        return tl.load(p)

    with pytest.raises(tl.MissingFileError, match=r"^outer: cannot read .* \(in load\)$") as e:
        outer("/nonexistent/dir/x.st")
    assert isinstance(e.value, FileNotFoundError) and e.value.errno == errno.ENOENT


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 5000])
def test_a_file_with_a_tree_nested_too_deeply_is_a_checkpoint_error(tmp_path, depth):
    tree = "[" * depth + "]" * depth
    sums = json.dumps({"tree": ckpt_api._crc(tree.encode()), "tensors": {}})
    meta = {"torchlean": ckpt_api.FORMAT, "torchlean.tree": tree, "torchlean.crc32": sums}
    path = tmp_path / "deep.st"
    with open(path, "wb") as fh:
        write_safetensors(fh, {}, meta)
    with pytest.raises(tl.CheckpointError, match=r"^load: .*deep.st: .*(nested|not JSON)"):
        tl.load(path)


# -- DLPack -----------------------------------------------------------------------------------
def _exporters():
    s = tl.Session()
    return [s.input(np.ones(2, np.float32)), tl.Param(np.ones(2, np.float32))]


@pytest.mark.parametrize("which", [0, 1])
def test_dlpack_export_refuses_a_stream_and_another_device(which):
    t = _exporters()[which]
    with pytest.raises(tl.ArgumentError, match=r"^__dlpack__: stream must be None for a host") as e:
        t.__dlpack__(stream=1)
    assert isinstance(e.value, TypeError)
    with pytest.raises(tl.DeviceError, match=r"^__dlpack__: dl_device=\(2, 0\) is not supported.*\(1, 0\)") as e:
        t.__dlpack__(dl_device=(2, 0))
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, tl.TorchLeanError)
    for kw, msg in [({"dl_device": "cuda"}, "dl_device must be"), ({"copy": "yes"}, "copy must be"),
                    ({"max_version": "1.0"}, "max_version must be")]:
        with pytest.raises(tl.ArgumentError, match=f"^__dlpack__: {msg}") as e:
            t.__dlpack__(**kw)
        assert isinstance(e.value, TypeError)  # consumers retry on TypeError (the DLPack protocol)
    # what is supported still works, sharing memory
    assert type(t.__dlpack__(dl_device=(1, 0), max_version=(1, 0))).__name__ == "PyCapsule"
    np.testing.assert_array_equal(torch.from_dlpack(t).numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(np.from_dlpack(t, device="cpu", copy=True), [1.0, 1.0])


@pytest.mark.parametrize("make, bit", [
    (lambda: torch.ones(2)._neg_view(), "negative"),
    (lambda: torch.ones(2, dtype=torch.complex64).conj(), "conjugate"),
])
def test_from_dlpack_refuses_lazy_negative_and_conjugate_views(make, bit):
    s = tl.Session()
    src = make()
    before = len(s)
    with pytest.raises(tl.ArgumentError, match=f"^from_dlpack: .*{bit} bit set") as e:
        s.from_dlpack(src)
    assert isinstance(e.value, TypeError) and len(s) == before
    with pytest.raises(tl.ArgumentError):  # input refuses it too
        s.input(src)
    assert len(s) == before


def test_a_resolved_view_reads_its_values():
    s = tl.Session()
    np.testing.assert_array_equal(s.from_dlpack(torch.ones(2)._neg_view().resolve_neg()).numpy(), [-1.0, -1.0])
    np.testing.assert_array_equal(s.from_dlpack(-torch.ones(2)).numpy(), [-1.0, -1.0])


class _FakeTorchTensor:
    """Duck-typed like a torch tensor (its type's module is torch's) with the negative bit set."""

    def __init__(self, device=(1, 0)):
        self.device = device

    def is_neg(self):
        return True

    def is_conj(self):
        return False

    def __dlpack__(self, **kwargs):
        raise AssertionError("must not be read")

    def __dlpack_device__(self):
        return self.device


_FakeTorchTensor.__module__ = "torch.fake"


def test_the_lazy_bit_check_is_duck_typed():
    s = tl.Session()
    with pytest.raises(tl.ArgumentError, match=r"from_dlpack: .*negative bit"):
        s.from_dlpack(_FakeTorchTensor())
    from torchlean.backends.cupy_backend import CupyBackend

    stub = types.SimpleNamespace(xp=types.SimpleNamespace(ndarray=type(None)))
    with pytest.raises(tl.ArgumentError, match=r"negative bit"):  # a CUDA source on a cuda session
        CupyBackend.asarray(stub, _FakeTorchTensor((2, 0)), np.dtype(np.float32))


def test_from_dlpack_does_not_import_torch():
    code = ("import sys, numpy as np, torchlean as tl; s = tl.Session(); "
            "assert s.from_dlpack(np.ones(2, np.float32)).numpy().tolist() == [1.0, 1.0]; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
