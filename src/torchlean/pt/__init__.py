"""The PyTorch-shaped layer: functions with ``torch``'s names, signatures, defaults and semantics.

Everything here is a thin composite over the ``Ops`` front end (the seed's ops and the
primitives behind them): no kernels, no rules. A function finds its binder from its tensor
arguments (``x.session``: the eager session or the graph builder), so the same code runs
eagerly and traced, and runs inside a public-op frame (``frontend/frame.py``): it records all
its nodes or none, and its errors name the PyTorch function the user called.

Users reach this layer through ``torchlean.nn.functional`` (``F.conv2d``...), the tensor methods
(``x.sum(dim=1, keepdim=True)``, ``x[:, 0]``...) and the top-level functions (``tl.cat``,
``tl.where``...). One module per family; each also holds its tensor-method mixin.
"""
