"""The eager execution path: a session with a hidden tape, and its backward/forward-mode sweeps."""
