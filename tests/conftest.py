"""Test-wide settings: every session checks kernels against shape rules (TORCHLEAN_CHECKS).

Compiled graphs run without numba fusion unless ``TORCHLEAN_FUSION=1`` is set: compiling a
kernel for every distinct region of every sweep case costs about 35 s on a cold cache. The
fusion tests (tests/compiled) switch it on themselves for what they check.
"""

import os

os.environ.setdefault("TORCHLEAN_CHECKS", "1")
os.environ.setdefault("TORCHLEAN_FUSION", "0")
