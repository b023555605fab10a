"""Optional CUDA fast kernels, keyed by primitive name (none registered yet).

Every override must give the same result as the primitive's portable xp kernel; the CUDA test
suite compares each registered override against it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OVERRIDES: dict[str, Callable[..., Any]] = {}
