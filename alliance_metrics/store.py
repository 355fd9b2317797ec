"""The store: one embedded DuckDB file holding the session log, clients, import history and settings.

One connection per process, a fresh cursor per query (DuckDB connections are not safe to share
between threads; cursors are — see STACK.md). Every value reaches SQL as a bound parameter; SQL
text lives in ``alliance_metrics/sql/``. Every write goes through :meth:`Store.transaction`, which
also rebuilds what is kept derived from the data (each client's all-time totals) before it commits.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import OrderedDict
from contextlib import closing, contextmanager
from functools import cache, wraps
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import duckdb
import pandas as pd

from alliance_metrics.settings import DEFAULTS, setting

#: Each schema version's SQL file (``sql/<name>.sql``), in order: version N is ``MIGRATIONS[N - 1]``.
#: A new version appends one file; applying the files after a database's version brings it up to date.
MIGRATIONS: tuple[str, ...] = ("schema_v1", "schema_v2", "schema_v3_import")
SCHEMA_VERSION = len(MIGRATIONS)
#: Macros and views that are code, not data: recreated at every open so they match this release.
DERIVED = ("session_facts", "client_components")
#: Data derived from the rest, rebuilt by every write transaction just before it commits.
KEPT = ("client_totals",)

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "alliance.duckdb"
CONTRACT_PARAMETERS = ("grace_min", "late_cancel_hours", "payment_grace_days")


@cache
def sql(name: str) -> str:
    """Return the text of ``alliance_metrics/sql/<name>.sql``."""
    return resources.files("alliance_metrics.sql").joinpath(f"{name}.sql").read_text("utf-8")


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """Where the database is: *explicit* (``--db``), else ``$ALLIANCE_DB``, else ``data/alliance.duckdb``."""
    if explicit:
        return Path(explicit)
    if os.environ.get("ALLIANCE_DB"):
        return Path(os.environ["ALLIANCE_DB"])
    return DEFAULT_DB


Result = TypeVar("Result")


def per_data_version(function: Callable[..., Result], maxsize: int = 16) -> Callable[..., Result]:
    """Memoise ``function(store, *args)`` until the store's data or settings change.

    For the expensive whole-practice reads the pages repeat on every rerun (expected progress,
    the weekly review). The key is the store's opening number (two stores, even two in-memory
    ones, never share), :meth:`Store.data_version` and the arguments; the result is shared, so
    callers must not modify it (pages only read).
    Identified results stay in this process's memory, as the store itself does; access control
    happens before a page asks (ui/access.py).
    """
    results: OrderedDict = OrderedDict()
    lock = threading.Lock()

    @wraps(function)
    def memoised(store: "Store", *args, **kwargs):
        key = (store.opened, store.data_version(), args, tuple(sorted(kwargs.items())))
        with lock:
            if key in results:
                results.move_to_end(key)
                return results[key]
        value = function(store, *args, **kwargs)
        with lock:
            results[key] = value
            while len(results) > maxsize:
                results.popitem(last=False)
        return value

    memoised.cache_clear = results.clear
    return memoised


class StoreError(RuntimeError):
    """The database cannot be opened or is of a newer release than this code."""


class Store:
    """An open Alliance database.

    >>> store = Store(":memory:")
    >>> store.scalar("select count(*) from sessions")
    0
    """

    _openings = itertools.count()

    def __init__(self, path: str | os.PathLike = DEFAULT_DB):
        self.path = str(path)
        self.opened = next(Store._openings)  # this opening's number, for per_data_version
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path)
        except duckdb.IOException as error:
            raise StoreError(
                f"Cannot open the database {self.path}: {error}. If the dashboard is running, "
                "stop it or use the dashboard's Import page; otherwise pass --db with another path."
            ) from None
        self._write_lock = threading.Lock()
        self._migrate()

    # -- queries -------------------------------------------------------------------------------

    def query(self, text: str, params: dict[str, Any] | list | None = None) -> pd.DataFrame:
        """Run a read query with bound *params* on its own cursor; return a DataFrame."""
        cursor = self._con.cursor()
        try:
            return cursor.execute(text, params).df()
        finally:
            cursor.close()

    def query_named(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the query in ``sql/<name>.sql``."""
        return self.query(sql(name), params)

    def query_wide(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the query in ``sql/<name>.sql`` and convert its result through Arrow.

        Same frame as :meth:`query_named`, about 2× faster for wide results (29 columns of 49,000
        rows: 10–12 ms against 21 ms), but only for results made of strings, doubles, timestamps and
        integers that are never NULL: Arrow turns NULL integers into floats, and dates and
        booleans into objects, where DuckDB's own conversion keeps them. (An empty result's text
        columns come out as ``str``, where DuckDB's own gives ``object``.)
        """
        with closing(self._con.cursor()) as cursor:
            return cursor.sql(sql(name), params=params).to_arrow_table().to_pandas()

    def scalar(self, text: str, params: dict[str, Any] | list | None = None) -> Any:
        """Run a query that returns one value and return it."""
        cursor = self._con.cursor()
        try:
            row = cursor.execute(text, params).fetchone()
            return None if row is None else row[0]
        finally:
            cursor.close()

    def data_version(self) -> tuple:
        """Changes whenever the sessions, clients or settings change: a key for caches."""
        cursor = self._con.cursor()
        try:
            return cursor.execute(
                "select (select count(*) from sessions), (select count(*) from clients), "
                "(select max(import_id) from imports), "
                "(select string_agg(name || '=' || coalesce(text_value, value::varchar), ',' order by name) "
                "from settings), "
                "(select max(updated_at) from settings)"
            ).fetchone()
        finally:
            cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN … COMMIT; any exception rolls everything back.

        Just before COMMIT the kept tables (``KEPT``: each client's all-time totals) are rebuilt
        from what the transaction leaves, so they commit, or roll back, with the data they are
        made of and a reader never sees them out of date. That costs about 0.1 s per write at a
        million sessions, and spares every reader of all-time scores a pass over the session log.
        DuckDB's COMMIT after a failed statement commits nothing yet raises nothing, so the
        rollback is explicit here rather than left to COMMIT.
        """
        with self._write_lock:
            cursor = self._con.cursor()
            cursor.execute("begin transaction")
            try:
                yield cursor
                parameters = self._contract_parameters(cursor)
                for name in KEPT:
                    cursor.execute(sql(name), parameters)
            except BaseException:
                cursor.execute("rollback")
                cursor.close()
                raise
            cursor.execute("commit")
            cursor.close()

    def close(self) -> None:
        self._con.close()

    # -- settings ------------------------------------------------------------------------------

    def settings(self) -> dict[str, float | str | None]:
        """Every setting's value: the practice's own where it set one, else the default."""
        with closing(self._con.cursor()) as cursor:
            return self._settings(cursor)

    def contract_parameters(self) -> dict[str, float]:
        """The three parameters of SPEC §4, as bound parameters for ``session_facts``."""
        with closing(self._con.cursor()) as cursor:
            return self._contract_parameters(cursor)

    @staticmethod
    def _settings(cursor: duckdb.DuckDBPyConnection) -> dict[str, float | str | None]:
        """The settings as *cursor* sees them (inside a transaction: with its own changes)."""
        values = dict(DEFAULTS)
        for name, value, text in cursor.execute(
                "select name, value, text_value from settings").fetchall():
            if name in values:
                values[name] = setting(name).check(text if setting(name).is_text else value)
        return values

    @classmethod
    def _contract_parameters(cls, cursor: duckdb.DuckDBPyConnection) -> dict[str, float]:
        values = cls._settings(cursor)
        return {name: values[name] for name in CONTRACT_PARAMETERS}

    def set_setting(self, name: str, value: float | str) -> None:
        """Store a practice's own value for setting *name* (checked against its range or choices)."""
        checked = setting(name).check(value)
        text = isinstance(checked, str)
        with self.transaction() as cursor:
            cursor.execute(
                "insert or replace into settings (name, value, text_value, updated_at) "
                "values ($name, $value, $text, current_localtimestamp())",
                {"name": name, "value": None if text else checked, "text": checked if text else None},
            )

    def reset_setting(self, name: str) -> None:
        """Forget the practice's own value: the default applies again."""
        setting(name)
        with self.transaction() as cursor:
            cursor.execute("delete from settings where name = $name", {"name": name})

    # -- schema --------------------------------------------------------------------------------

    def schema_version(self) -> int:
        return int(self.scalar("select value from meta where key = 'schema_version'"))

    def _migrate(self) -> None:
        with self.transaction() as cursor:
            cursor.execute("create table if not exists meta (key varchar primary key, value varchar)")
            row = cursor.execute("select value from meta where key = 'schema_version'").fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"The database {self.path} has schema version {current}, newer than this "
                    f"release understands ({SCHEMA_VERSION}). Update Alliance to open it."
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                cursor.execute(sql(MIGRATIONS[version - 1]))
            cursor.execute(
                "insert or replace into meta values ('schema_version', $version)",
                {"version": str(SCHEMA_VERSION)},
            )
            for name in DERIVED:
                cursor.execute(sql(name))
