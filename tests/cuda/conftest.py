"""CUDA tests run only where CuPy sees a GPU; elsewhere every test here skips with the reason."""

import pytest


def _cuda_reason():
    try:
        import cupy
    except ImportError:
        return "no CUDA: CuPy is not installed (pip install 'torchlean[cuda]')"
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return "no CUDA device visible"
    except Exception as e:  # no driver
        return f"no CUDA device: {e}"
    return None


REASON = _cuda_reason()


def pytest_collection_modifyitems(config, items):
    if REASON is None:
        return
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if "tests/cuda/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(skip)
