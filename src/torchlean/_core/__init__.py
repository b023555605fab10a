"""Core definitions shared by every part of torchlean: types, shapes, errors and the registry."""
