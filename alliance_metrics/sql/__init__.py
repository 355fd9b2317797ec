"""The library's SQL, one query per ``.sql`` file in this folder, loaded by name.

Values always reach these queries as bound parameters (``$name``); the only text ever put
around a query is a list of column names, from an allow-list the calling module owns.

>>> load("goal_ratings").lstrip().startswith("--")
True
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@cache
def load(name: str) -> str:
    """The text of ``alliance_metrics/sql/<name>.sql``."""
    return resources.files(__name__).joinpath(f"{name}.sql").read_text("utf-8")


def select(name: str, columns: tuple[str, ...]) -> str:
    """The query of ``<name>.sql`` narrowed to *columns* (so DuckDB computes only those).

    *columns* must be plain lower-case identifiers, taken from the caller's own list of the
    query's columns — never from outside.

    >>> select("sessions_in_window", ("client_id", "outcome")).startswith("select client_id, outcome from (")
    True
    """
    bad = [column for column in columns if not _IDENTIFIER.match(column)]
    if bad or not columns:
        raise ValueError(f"select() takes a non-empty tuple of plain column names; you provided {columns!r}.")
    return f"select {', '.join(columns)} from ({load(name).rstrip().rstrip(';')})"
