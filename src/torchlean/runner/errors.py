"""The runner's two kinds of user error, each one line on stderr and exit code 2."""

from __future__ import annotations

from .._core.errors import TorchLeanError


class UsageError(Exception):
    """A bad command line: an unknown flag, a missing or bad value, a flag the example does not
    take. The message names the flag, what was expected and what was given."""


class InputError(TorchLeanError, ValueError):
    """A bad input file named by a flag (``--csv``, ``--npy``, ``--resume``): the message names
    the file and, where there is one, the row."""
