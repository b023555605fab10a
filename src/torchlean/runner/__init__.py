"""The runner: ``torchlean <example> [flags]`` with the seed's conventions (``flags.py``), the
examples of ``torchlean.examples`` (``registry.py``), what their ``run(cfg)`` is given
(``config.py``), and the bookkeeping of a long run: progress, ``--log`` JSON and PNG,
``--save``/``--resume`` (``track.py``, ``progress.py``, ``trainlog.py``) and the
``--distributed`` hook (``distributed.py``). ``docs/examples.md`` says how to add an example."""

from .config import RunConfig
from .distributed import DistributedHook
from .errors import InputError, UsageError
from .main import main
from .registry import Check, Example, ExampleError
from .track import Tracker

__all__ = ["Check", "DistributedHook", "Example", "ExampleError", "InputError", "RunConfig", "Tracker",
           "UsageError", "main"]
