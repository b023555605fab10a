"""Exception hierarchy. Every error names the public op and the expected and actual values.

Every class derives from ``TorchLeanError`` and from the built-in exception a Python user would
expect (``ShapeError`` is a ``ValueError``, ``DTypeError`` a ``TypeError``...), so both
``except tl.TorchLeanError`` and the usual ``except ValueError`` catch them.
"""

from __future__ import annotations


class TorchLeanError(Exception):
    """Base class of every error torchlean raises on bad input or misuse."""


class ShapeError(TorchLeanError, ValueError):
    """An op got tensors whose shapes its shape rule rejects."""


class DTypeError(TorchLeanError, TypeError):
    """An op got a dtype it does not accept (e.g. float32 mixed with float64, or a string)."""


class ArgumentError(TorchLeanError, TypeError, ValueError):
    """An argument has the wrong kind or value (a wrong keyword, an out-of-range label, a
    scalar that does not fit, ...): neither a shape nor a dtype mismatch."""


class DeviceError(TorchLeanError, RuntimeError):
    """A device is unavailable, an op has no path on it, or devices are mixed."""


class RegistryError(TorchLeanError):
    """A primitive definition is incomplete or registered twice."""


class NotDifferentiableError(TorchLeanError):
    """A gradient was requested for an input that has none (indices, masks, detached values)."""


class InvalidRefError(TorchLeanError):
    """A reference points to no live tape entry (wrong session, or the tape was reset)."""


class IndexRangeError(TorchLeanError, IndexError):
    """An index is out of range (a dataset's sample index...). Also an ``IndexError``, so
    ``except IndexError`` and iteration through ``__getitem__`` (which stops at one) work."""


class FileError(TorchLeanError, OSError):
    """A path an op was given cannot be used (``save``/``load``). Also an ``OSError`` with its
    ``errno`` and ``filename``; the subclasses are the matching built-in ones
    (``FileNotFoundError``...). Its text is the message alone, which names the op."""

    def __str__(self) -> str:
        if self.args and isinstance(self.args[0], str):  # FileError(msg), or a message renamed
            return self.args[0]
        return self.strerror if isinstance(self.strerror, str) else super().__str__()


class MissingFileError(FileError, FileNotFoundError):
    """A file or folder an op needs does not exist."""


class IsAFolderError(FileError, IsADirectoryError):
    """A file path names a folder."""


class NotAFolderError(FileError, NotADirectoryError):
    """A part of a path that must be a folder is a file."""


class FileAccessError(FileError, PermissionError):
    """The file or folder is not readable or writable for this process."""


def shape_error(op: str, what: str, expected: object, got: object) -> ShapeError:
    """Uniform ShapeError text: ``op: what: expected E, got G``."""
    return ShapeError(f"{op}: {what}: expected {expected}, got {got}")
