"""``tl.save`` / ``tl.load``: checkpoints as safetensors files with a JSON tree, never pickle.

A checkpoint is one safetensors file: the tensors of the saved object under path-like names,
and in the header's ``__metadata__`` (a dict of strings, which safetensors keeps as it is):

* ``"torchlean"``: the format version (``"1"``);
* ``"torchlean.tree"``: the object as JSON (``checkpoint/tree.py``: containers, numbers, strings
  and references to the tensors), so tuples stay tuples, int keys stay ints, floats are bit-exact;
* ``"torchlean.crc32"``: CRC-32 checksums of the tree and of every tensor's bytes, so a file
  damaged after it was written is reported instead of loaded;
* ``"format": "pt"``, which tools that load safetensors state dicts for PyTorch look for.

A flat ``{str: tensor}`` dict (a model's state dict) is stored under its own keys, so
``safetensors.torch.load_file(path)`` reads it as a torch state dict; a file written by
``safetensors.torch.save_file`` (no tree) loads as a flat ``{name: np.ndarray}`` dict.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Any

import numpy as np

from .._core.errors import ArgumentError, TorchLeanError
from .._core.guard import guard
from .files import Reader, file_error, write_atomic, write_safetensors
from .tree import MAX_DEPTH, Packer, Unpacker

FORMAT = "1"


class CheckpointError(TorchLeanError, ValueError):
    """A file that is not a readable torchlean/safetensors checkpoint: truncated, corrupt,
    a pickle (never loaded), or holding data NumPy cannot represent. The message names the file."""


def _crc(data: Any) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def _array_crc(arr: np.ndarray) -> int:
    return _crc(arr.reshape(-1).view(np.uint8))


@guard("save")
def save(obj: Any, f: Any) -> None:
    """Save ``obj`` to ``f`` (a path, or a binary file object) as a safetensors checkpoint.

    ``obj`` is any nesting of dicts (str or int keys; ``OrderedDict`` too), lists and tuples
    whose leaves are tensors (NumPy arrays and scalars, ``Param``/``Buffer``, ``TensorRef``,
    torch and CuPy tensors), ints, floats, bools, strings and None: what model, optimizer and
    scheduler state dicts and ``s.rng_state()`` hold. Everything is checked before anything is
    written. To a path the write is crash-safe: a temporary file beside it, fsynced and renamed
    over it (the previous checkpoint stays intact until then); a file object is written in
    place. Unlike ``torch.save`` there are no pickle arguments: nothing is pickled. Containers
    nest at most ``MAX_DEPTH`` (200) deep. File system errors raise ``FileError``s, which are
    also the usual ``OSError`` subclasses (``FileNotFoundError`` for a missing folder,
    ``IsADirectoryError`` for a folder as ``f``...), naming ``save`` and the path.
    """
    packer = Packer()
    try:
        tree_json = json.dumps(packer.pack(obj), separators=(",", ":"), allow_nan=False)
    except RecursionError:  # only when save itself is called from very deep in the stack
        raise ArgumentError(f"save: obj is nested too deeply to walk from this call stack (a "
                            f"checkpoint holds at most {MAX_DEPTH} levels of containers)") from None
    tensors = packer.tensors
    sums = {"tree": _crc(tree_json.encode()), "tensors": {k: _array_crc(v) for k, v in tensors.items()}}
    meta = {"format": "pt", "torchlean": FORMAT, "torchlean.tree": tree_json,
            "torchlean.crc32": json.dumps(sums, separators=(",", ":"))}
    if isinstance(f, (str, os.PathLike)):
        write_atomic(os.fspath(f), lambda fh: write_safetensors(fh, tensors, meta))
    elif callable(getattr(f, "write", None)):
        write_safetensors(f, tensors, meta)
    else:
        raise ArgumentError(f"save: f must be a path or a binary file object, got {type(f).__name__}")


@guard("load")
def load(f: Any, map_location: Any = None, *, weights_only: bool | None = None) -> Any:
    """Load a checkpoint written by ``save`` (or any safetensors file) from a path or a binary
    file object. Tensors come back as NumPy arrays (same dtype and shape), everything else with
    its saved type. A safetensors file without a torchlean tree gives ``{name: array}``.

    ``map_location`` may only be None or ``"cpu"`` (data loads on the host; ``Param`` and
    ``load_state_dict`` move it to the device), ``weights_only`` only None or True: torchlean
    never unpickles, and a pickle file raises ``CheckpointError``. A truncated or corrupt file
    raises ``CheckpointError`` naming the file; a missing file, a folder, an unreadable file
    raise ``FileError``s naming ``load`` and the path, which are also the usual ``OSError``
    subclasses (``FileNotFoundError``, ``IsADirectoryError``, ``PermissionError``).
    """
    if map_location is not None and str(map_location) != "cpu":
        raise ArgumentError(f"load: map_location must be None or 'cpu', got {map_location!r}: "
                            "checkpoints load as host arrays; parameters move them to their device")
    if weights_only is False:
        raise ArgumentError("load: weights_only=False would mean unpickling; torchlean never unpickles")
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        try:
            fh = open(name, "rb")  # noqa: SIM115  (closed by the with below)
        except OSError as e:
            what = {FileNotFoundError: "no such file", IsADirectoryError: "it is a folder, not a "
                    "checkpoint file"}.get(type(e), e.strerror or str(e))
            raise file_error(e, f"load: cannot read {name!r}: {what}", name) from e
        with fh:
            return _load(fh, name)
    if callable(getattr(f, "read", None)):
        if not (callable(getattr(f, "seekable", None)) and f.seekable()):
            import io

            f = io.BytesIO(f.read())
        return _load(f, str(getattr(f, "name", "<file object>")))
    raise ArgumentError(f"load: f must be a path or a binary file object, got {type(f).__name__}")


def _load(fh: Any, name: str) -> Any:
    def bad(msg: str) -> CheckpointError:
        return CheckpointError(f"load: {name}: {msg}")

    reader = Reader(fh, name, bad)
    meta = reader.metadata
    version = meta.get("torchlean")
    if version is None and ("torchlean.tree" in meta or "torchlean.crc32" in meta):
        raise bad("corrupt metadata (the torchlean format version is missing)")
    if version is None:  # a plain safetensors file
        return {k: reader.tensor(k) for k in sorted(reader.names())}
    if version != FORMAT:
        raise bad(f"written in checkpoint format {version!r}; this torchlean reads format {FORMAT!r}")
    tree_json, sums_json = meta.get("torchlean.tree"), meta.get("torchlean.crc32")
    if tree_json is None or sums_json is None:
        raise bad("corrupt metadata (the torchlean tree or its checksums are missing)")
    try:
        sums = json.loads(sums_json)
        tree_sum, tensor_sums = sums["tree"], sums["tensors"]
        if not isinstance(tensor_sums, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):
        raise bad("corrupt metadata (unreadable checksums)") from None
    if _crc(tree_json.encode()) != tree_sum:
        raise bad("corrupt metadata (the tree does not match its checksum)")
    try:
        tree = json.loads(tree_json)
    except (ValueError, RecursionError) as e:
        raise bad(f"corrupt metadata (the tree is not JSON: {e})") from None

    def fetch(tensor: str) -> np.ndarray:
        arr = reader.tensor(tensor)
        if tensor_sums.get(tensor) != _array_crc(arr):
            raise bad(f"tensor {tensor!r} is corrupt (its bytes do not match the checksum)")
        return arr

    return Unpacker(fetch, bad).unpack(tree)
