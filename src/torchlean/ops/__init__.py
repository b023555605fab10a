"""Primitive definitions by family. Importing this package registers every primitive."""

from . import (  # noqa: F401
    activation,
    attention,
    compare,
    conv,
    elementwise,
    elementwise_extra,
    indexing,
    linalg,
    loss,
    mathops,
    movement,
    norm,
    pool,
    random,
    reduce,
    reductions,
    shape,
    shapeops,
    sorting,
    special,
)
