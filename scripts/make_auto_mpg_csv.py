"""Produce ``src/torchlean/examples/data/auto_mpg.csv`` once, offline, from ``vega_datasets``.

The runner's ``mlp`` example (the seed's) trains on UCI Auto MPG. The copy used here is the one
the ``vega_datasets`` package ships as ``cars.json`` (the UCI "auto-mpg.data-original" table,
406 cars). Run, from the repository root::

    pip download --no-deps vega_datasets -d /tmp/vega          # one wheel, no install needed
    python scripts/make_auto_mpg_csv.py /tmp/vega/vega_datasets-*.whl

Preparation (the seed's ``download_example_data.py --auto-mpg``): drop the cars without mpg
(406 -> 398, UCI's ``auto-mpg.data``) and those without horsepower (398 -> 392); the 7
predictors (cylinders, displacement, horsepower, weight, acceleration, model year as 70..82,
origin as UCI's 1 = USA, 2 = Europe, 3 = Japan) and the target mpg are each min-max normalised
to [0, 1] over the 392 rows; header ``x1,...,x7,y``; values written with ``%.8f``.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import numpy as np

ORIGIN = {"USA": 1, "Europe": 2, "Japan": 3}
COLUMNS = ("Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Year", "Origin")
OUT = Path(__file__).resolve().parent.parent / "src" / "torchlean" / "examples" / "data" / "auto_mpg.csv"


def rows_from(wheel: str) -> list[dict]:
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read("vega_datasets/_data/cars.json"))


def table(cars: list[dict]) -> np.ndarray:
    out = []
    for car in cars:
        if car["Miles_per_Gallon"] is None or car["Horsepower"] is None:
            continue
        x = [float(car[c]) for c in COLUMNS[:5]]
        x += [float(int(car["Year"][:4]) - 1900), float(ORIGIN[car["Origin"]])]
        out.append([*x, float(car["Miles_per_Gallon"])])
    return np.array(out)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/make_auto_mpg_csv.py PATH/vega_datasets-*.whl", file=sys.stderr)
        return 2
    data = table(rows_from(argv[0]))
    assert data.shape == (392, 8), data.shape
    lo, hi = data.min(axis=0), data.max(axis=0)
    scaled = (data - lo) / (hi - lo)
    header = ",".join([f"x{i}" for i in range(1, 8)] + ["y"])
    np.savetxt(OUT, scaled, fmt="%.8f", delimiter=",", header=header, comments="")
    print(f"wrote {OUT} ({len(scaled)} rows); column minima {lo.tolist()} maxima {hi.tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
