"""Loading refuses pickles (never unpickling them) and reports truncated or damaged files."""

import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
import torch

import torchlean as tl
from torchlean.checkpoint import CheckpointError, load, save


class Payload:
    """Unpickling this creates a marker file: if tl.load ever unpickled, the test would see it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_pickle_payload_is_refused_and_never_run(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": Payload(str(marker))}, protocol=protocol))
    with pytest.raises(CheckpointError, match=rf"load: .*evil\.pt: a pickle \(protocol {protocol}\).*never unpickles"):
        load(path)
    assert not marker.exists()
    with pytest.raises(tl.TorchLeanError):  # also the base class, and ValueError
        load(path)
    with pytest.raises(ValueError):
        load(path)


def test_a_torch_save_archive_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    assert zipfile.is_zipfile(path)
    with pytest.raises(CheckpointError, match=r"model\.pt: a zip archive \(torch\.save's format.*never unpickles"):
        load(path)
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match=r"legacy\.pt: a pickle"):
        load(legacy)


def checkpoint_bytes(tmp_path):
    path = tmp_path / "good.st"
    save({"w": np.arange(12.0).reshape(3, 4), "b": np.arange(3), "meta": (1, "x", 2.5)}, path)
    return path.read_bytes()


def test_every_truncation_is_reported_naming_the_file(tmp_path):
    data = checkpoint_bytes(tmp_path)
    path = tmp_path / "cut.st"
    for n in range(len(data)):  # every prefix, from the empty file on
        path.write_bytes(data[:n])
        with pytest.raises(CheckpointError, match=r"load: .*cut\.st: ") as e:
            load(path)
        assert "truncated" in str(e.value) or "too short" in str(e.value) or "not a safetensors" in str(e.value) \
            or "corrupt" in str(e.value), (n, str(e.value))


def test_a_flipped_byte_anywhere_is_reported(tmp_path):
    data = checkpoint_bytes(tmp_path)
    path = tmp_path / "flip.st"
    n = int.from_bytes(data[:8], "little")
    tail = sorted(set(range(8 + n, len(data), 7)) | {len(data) - 1})
    for i in [*range(0, 8), *range(8, 8 + n, 5), *tail]:
        damaged = bytearray(data)
        damaged[i] ^= 0x01
        path.write_bytes(bytes(damaged))
        try:
            out = load(path)
        except CheckpointError as e:
            assert "flip.st" in str(e)
            continue
        # A flip inside the header's padding or a JSON string that still parses can only pass
        # if the loaded object is still exactly right.
        assert out["meta"] == (1, "x", 2.5), i
        np.testing.assert_array_equal(out["w"], np.arange(12.0).reshape(3, 4))


def test_damaged_tensor_data_fails_its_checksum(tmp_path):
    data = bytearray(checkpoint_bytes(tmp_path))
    data[-3] ^= 0xFF
    path = tmp_path / "bad.st"
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"bad\.st: tensor '\w+' is corrupt \(its bytes do not match"):
        load(path)


def rewrite_header(data, edit):
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    edit(header)
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data[8 + n:]


@pytest.mark.parametrize("edit, msg", [
    (lambda h: h["w"].update(shape=[4, 4]), r"tensor 'w' \(F64\[4, 4\]\) needs 128 bytes"),
    (lambda h: h["w"].update(data_offsets=[0, 10**9]), "needs|truncated"),
    (lambda h: h["w"].update(dtype=7), "corrupt header entry for tensor 'w'"),
    (lambda h: h.update(x="y"), "corrupt header entry for tensor 'x'"),
    (lambda h: h["__metadata__"].update({"torchlean": "99"}), "format '99'"),
    (lambda h: h["__metadata__"].pop("torchlean.crc32"), "checksums are missing"),
    (lambda h: h["__metadata__"].update({"torchlean.tree": '{"tensor":"w"}'}), "does not match its checksum"),
    (lambda h: h["__metadata__"].update({"x": 3}), "__metadata__ is not a dict of strings"),
])
def test_inconsistent_headers_are_reported(tmp_path, edit, msg):
    path = tmp_path / "h.st"
    path.write_bytes(rewrite_header(checkpoint_bytes(tmp_path), edit))
    with pytest.raises(CheckpointError, match=msg):
        load(path)


def test_garbage_and_foreign_files_are_reported(tmp_path):
    path = tmp_path / "g.bin"
    for data, msg in [(b"", "0 bytes long"), (b"\x00" * 4, "too short"), (os.urandom(64), "safetensors|truncated"),
                      (struct.pack("<Q", 10) + b"[1,2,3]   ", "not a JSON object"),
                      (struct.pack("<Q", 4) + b"{no}", "not valid JSON"),
                      (struct.pack("<Q", 2) + b"{}" + b"extra", "5 bytes after the last tensor")]:
        path.write_bytes(data)
        with pytest.raises(CheckpointError, match=msg):
            load(path)
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(CheckpointError, match=r"a\.npy"):
        load(tmp_path / "a.npy")
