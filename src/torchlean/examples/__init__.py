"""The runner's examples: ``torchlean <name>`` runs ``torchlean/examples/<name>.py``.

Each example is one file that reads like a PyTorch training script (``torchlean.nn`` modules,
``torchlean.optim``, ``torchlean.data.DataLoader``, ``F.*``, ``tl.compile`` under
``--backend compiled``) and declares ``SUMMARY``, ``GROUP``, ``DEFAULTS``, ``SMOKE``,
``RESULT``, ``CHECKS`` and ``run(cfg)``; ``torchlean.runner.registry`` describes the
declarations and ``docs/examples.md`` how to add one. Modules whose names start with ``_`` are
helpers, not examples; ``data/`` holds the shipped data files (with their provenance).
"""
