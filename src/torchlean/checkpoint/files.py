"""The file side of checkpoints: crash-safe writes and a strict safetensors reader.

Writing (``write_atomic`` around ``write_safetensors``, which streams the safetensors format
from the arrays, with no second copy in memory): the bytes go to a new temporary file in the
target's folder (``.<name>.<pid>.<random>.tmp``, created with the usual permissions, or the old
file's), which is fsynced, renamed over the target (``os.replace``, atomic on POSIX and Windows) and the
folder fsynced. A crash at any point leaves either the previous file or the new one, never a
mix; a killed writer may leave its temporary file behind, which no reader ever opens.

Reading (``Reader``): the 8-byte header length, the JSON header and every tensor's dtype, shape
and byte range are checked against the file's size before any data is read, and all of it is
read through one open file (a concurrent ``save`` that replaces the file cannot mix two
checkpoints). A pickle (``torch.save``'s zip archives, legacy pickles) is recognised and refused
without being parsed: torchlean never unpickles.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import secrets
import sys
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from .._core.errors import (
    FileAccessError,
    FileError,
    IsAFolderError,
    MissingFileError,
    NotAFolderError,
)
from .tree import NP_DTYPES, RESERVED, ST_DTYPES

MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header


def fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (skipped where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some file systems refuse fsync on a folder
            os.fsync(fd)
    finally:
        os.close(fd)


def write_safetensors(f: IO[bytes], tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Stream a safetensors file to ``f``: the 8-byte little-endian header length, the JSON
    header (``__metadata__`` first, then each tensor's dtype, shape and byte range), padded with
    spaces to a multiple of 8, then the tensors' little-endian bytes back to back, widest dtype
    first so that each tensor is aligned to its item size. ``tensors`` are C-contiguous."""
    order = sorted(tensors, key=lambda k: (-tensors[k].dtype.itemsize, k))
    header: dict[str, Any] = {RESERVED: metadata}
    offset = 0
    for k in order:
        a = tensors[k]
        header[k] = {"dtype": ST_DTYPES[a.dtype.name], "shape": list(a.shape),
                     "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-(8 + len(raw)) % 8)
    f.write(len(raw).to_bytes(8, "little"))
    f.write(raw)
    for k in order:
        a = tensors[k]
        if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
            a = a.astype(a.dtype.newbyteorder("<"))
        if a.nbytes:
            f.write(memoryview(a.reshape(-1).view(np.uint8)))


_FILE_ERRORS: tuple[tuple[type[OSError], type[FileError]], ...] = (
    (FileNotFoundError, MissingFileError), (IsADirectoryError, IsAFolderError),
    (NotADirectoryError, NotAFolderError), (PermissionError, FileAccessError),
)


def file_error(e: OSError, msg: str, filename: str) -> FileError:
    """``e`` (an ``OSError``) as the ``FileError`` of the same built-in class, with the text
    ``msg`` (which names the op and the path), ``e``'s errno and ``filename``."""
    if isinstance(e, FileError):
        return e
    cls = next((ours for theirs, ours in _FILE_ERRORS if isinstance(e, theirs)), FileError)
    new = cls(e.errno if e.errno is not None else errno.EIO, msg, filename)
    new.__cause__ = e
    return new


def write_atomic(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Run ``write(file)`` on a fresh temporary file beside ``path``, then fsync it and rename
    it over ``path`` (see the module docstring); on any error the temporary is removed and
    ``path`` is untouched. File system errors raise ``FileError``s naming ``save`` and ``path``
    (a missing folder ``MissingFileError``, a folder as ``path`` ``IsAFolderError``...)."""
    target = os.path.realpath(path)  # through a symlink, to the file it names
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            raise NotAFolderError(errno.ENOTDIR, f"save: cannot write {path!r}: {folder!r} is a file, "
                                  "not a folder", folder)
        raise MissingFileError(errno.ENOENT, f"save: cannot write {path!r}: no such folder {folder!r} "
                               "(create it first, e.g. os.makedirs)", folder)
    if os.path.isdir(target):
        raise IsAFolderError(errno.EISDIR, f"save: cannot write {path!r}: the path is a folder; give "
                             "a file path in it (e.g. .../checkpoint.safetensors)", path)
    mode = None
    with contextlib.suppress(OSError):
        mode = os.stat(target).st_mode & 0o7777
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0o666 & ~umask
    except OSError as e:
        raise file_error(e, f"save: cannot write {path!r}: cannot create a file in {folder!r} "
                         f"({e.strerror or e})", path) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.chmod(tmp, mode)
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, FileError):
            raise file_error(e, f"save: cannot write {path!r}: {e.strerror or e}", path) from e
        raise
    fsync_folder(folder)


class Reader:
    """One open safetensors file: its validated header, metadata and tensors."""

    def __init__(self, f: IO[bytes], name: str, bad: Callable[[str], Exception]) -> None:
        self.f, self.name, self._bad = f, name, bad
        f.seek(0, io.SEEK_END)
        size = f.tell()
        f.seek(0)
        head = f.read(8)
        _refuse_pickle(head, bad)
        if len(head) < 8:
            raise bad(f"the file is {size} bytes long, too short for a safetensors checkpoint "
                      "(truncated or empty)")
        n = int.from_bytes(head, "little")
        if n > MAX_HEADER:
            raise bad(f"not a safetensors checkpoint (its first 8 bytes give a header of {n} bytes)")
        if 8 + n > size:
            raise bad(f"truncated: the header says {n} bytes but the file holds {size - 8} after "
                      "the length")
        raw = f.read(n)
        if not raw.lstrip(b" ").startswith(b"{"):
            raise bad("not a safetensors checkpoint (the header is not a JSON object)")
        try:
            header = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise bad(f"corrupt header (not valid JSON: {e})") from None
        if not isinstance(header, dict):
            raise bad("corrupt header (not a JSON object)")
        meta = header.pop(RESERVED, None)
        if meta is not None and (not isinstance(meta, dict)
                                 or not all(isinstance(v, str) for v in meta.values())):
            raise bad("corrupt header (__metadata__ is not a dict of strings)")
        self.metadata: dict[str, str] = meta or {}
        self.data_start, self.data_len = 8 + n, size - 8 - n
        self.entries = {k: self._entry(k, v) for k, v in header.items()}
        end = max((e[2][1] for e in self.entries.values()), default=0)
        if end > self.data_len:
            raise bad(f"truncated: the tensors need {end} bytes of data but the file holds "
                      f"{self.data_len}")
        if end < self.data_len:
            raise bad(f"corrupt: {self.data_len - end} bytes after the last tensor")

    def _entry(self, name: str, e: Any) -> tuple[str, tuple[int, ...], tuple[int, int]]:
        bad = self._bad
        if not isinstance(e, dict) or not {"dtype", "shape", "data_offsets"} <= set(e):
            raise bad(f"corrupt header entry for tensor {name!r}")
        dtype, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        ints = lambda xs: isinstance(xs, list) and all(type(x) is int and x >= 0 for x in xs)
        if not isinstance(dtype, str) or not ints(shape) or not ints(offs) or len(offs) != 2:
            raise bad(f"corrupt header entry for tensor {name!r}: {str(e)[:80]}")
        begin, end = offs
        if dtype in NP_DTYPES:
            nbytes = int(np.prod(shape, dtype=object)) * NP_DTYPES[dtype].itemsize
            if end - begin != nbytes:
                raise bad(f"corrupt header: tensor {name!r} ({dtype}{shape}) needs {nbytes} bytes, "
                          f"its offsets give {end - begin}")
        elif end < begin:
            raise bad(f"corrupt header: tensor {name!r} has offsets {offs}")
        return dtype, tuple(shape), (begin, end)

    def names(self) -> list[str]:
        return list(self.entries)

    def tensor(self, name: str) -> np.ndarray:
        """A fresh, writable NumPy array of the tensor ``name``."""
        entry = self.entries.get(name)
        if entry is None:
            raise self._bad(f"the tree names a tensor {name!r} the file does not hold")
        dtype, shape, (begin, end) = entry
        if dtype not in NP_DTYPES:
            raise self._bad(f"tensor {name!r} is {dtype}, which NumPy cannot hold (convert it to "
                            "float32 before saving, e.g. tensor.float())")
        out = np.empty(shape, NP_DTYPES[dtype].newbyteorder("<"))
        self.f.seek(self.data_start + begin)
        if _read_into(self.f, memoryview(out.reshape(-1).view(np.uint8))) != end - begin:
            raise self._bad(f"truncated while reading tensor {name!r}")
        return out if out.dtype.isnative else out.astype(out.dtype.newbyteorder("="))


def _read_into(f: IO[bytes], buf: memoryview) -> int:
    """Fill ``buf`` from ``f`` (several reads if the stream returns short ones); bytes read."""
    got = 0
    while got < len(buf):
        n = f.readinto(buf[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def _refuse_pickle(head: bytes, bad: Callable[[str], Exception]) -> None:
    if head[:4] == b"PK\x03\x04":
        raise bad("a zip archive (torch.save's format, which holds a pickle): torchlean never "
                  "unpickles. Convert it once where you trust the file (state = torch.load(path, "
                  "weights_only=True); safetensors.torch.save_file(state, new_path)) or save with tl.save")
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        raise bad(f"a pickle (protocol {head[1]}), which can run arbitrary code when loaded: "
                  "torchlean never unpickles. Save checkpoints with tl.save (safetensors + JSON)")
