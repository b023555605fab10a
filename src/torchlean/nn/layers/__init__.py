"""The layers of ``torchlean.nn``: PyTorch's names, constructor arguments, parameter layouts and
default initialisations (drawn from ``torchlean.manual_seed``'s stream); each calls
``torchlean.nn.functional``."""
