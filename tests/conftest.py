"""Test-wide settings: every session checks kernels against shape rules (TORCHLEAN_CHECKS)."""

import os

os.environ.setdefault("TORCHLEAN_CHECKS", "1")
