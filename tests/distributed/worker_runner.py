"""``torchlean <example> ...`` as one rank of an ``mpiexec`` job (the runner's own entry point)."""

import sys

from torchlean.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
