"""Where each group begins and ends in rows sorted by their keys.

The library groups up to a million rows (sessions, goal ratings, flags) by client or by band cell.
A pandas groupby that builds Python objects per group takes seconds there; sorting once and
cutting the sorted rows at the boundaries this module finds takes milliseconds. Every such cut
in the library goes through :func:`group_bounds`.
"""

from __future__ import annotations

import numpy as np


def group_bounds(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, ends)``: each group's first row and the row after its last, in rows sorted by
    *keys* (arrays of one length; a group is a run of rows whose keys are all equal).

    >>> starts, ends = group_bounds(np.array([1, 1, 2, 2, 2]), np.array([0, 1, 1, 1, 3]))
    >>> starts.tolist(), ends.tolist()
    ([0, 1, 2, 4], [1, 2, 4, 5])
    >>> [bound.tolist() for bound in group_bounds(np.array([], dtype="int64"))]
    [[], []]
    """
    if not keys:
        raise ValueError("group_bounds needs at least one key.")
    size = len(keys[0])
    first = np.zeros(size, dtype=bool)
    first[:1] = True
    for key in keys:
        key = np.asarray(key)
        first[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    return starts, np.append(starts[1:], size)[:len(starts)].astype(starts.dtype)   # no rows: no group


def group_first_row(*keys: np.ndarray) -> np.ndarray:
    """For each row of rows sorted by *keys*, the position of the first row of its group.

    >>> group_first_row(np.array([0, 0, 0, 1, 1])).tolist()
    [0, 0, 0, 3, 3]
    """
    starts, ends = group_bounds(*keys)
    return np.repeat(starts, ends - starts)
