"""Plotly figures kept in this process between runs of a page.

Building a plotly figure validates every property and its template — 0.1–0.4 s a chart, on every
run of a page. :func:`kept` builds a figure once per key and hands the same one back until it falls
out of a small LRU; ui/chart.py only reads it. It holds whatever it is given and reads
nothing itself, so the supervisor's pages may use it (the key must then name only what the view
was made from: tests/test_roles.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

#: Figures kept at most: a few pages' charts, for a few clients, weeks or views.
KEPT = 32

_figures: OrderedDict = OrderedDict()   # key → plotly figure, least recently used first
_lock = threading.Lock()


def kept(key: Hashable, build: Callable[[], "Figure"]) -> "Figure":
    """The figure kept under *key*, else ``build()``, kept from now on (the :data:`KEPT` most
    recently used). *key* must name everything the figure is drawn from, and its language."""
    with _lock:
        if key in _figures:
            _figures.move_to_end(key)
            return _figures[key]
    built = build()
    with _lock:
        _figures[key] = built
        while len(_figures) > KEPT:
            _figures.popitem(last=False)
    return built
