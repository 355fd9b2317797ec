"""The store: one embedded DuckDB file holding the session log, clients, import history and settings.

One connection per process, a fresh cursor per query (DuckDB connections are not safe to share
between threads; cursors are — see STACK.md). Every value reaches SQL as a bound parameter; SQL
text lives in ``alliance_metrics/sql/``. Every write goes through :meth:`Store.transaction`, which
also brings what is kept derived from the data (each client's all-time totals) up to date before it
commits: rebuilt, or refreshed for the clients the write names. Opening writes nothing unless a
migration is due; ``Store(path, read_only=True)`` opens the file read-only for commands that read.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections import OrderedDict
from contextlib import closing, contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from alliance_metrics import audit
from alliance_metrics.i18n import _, current_language, use_language
from alliance_metrics.settings import DEFAULTS, setting
from alliance_metrics.sql import load as sql   # the one SQL loader; store.sql(name) for the modules that import it here

#: Each schema version's SQL file (``sql/<name>.sql``), in order: version N is ``MIGRATIONS[N - 1]``.
#: A new version appends one file; applying the files after a database's version brings it up to date.
MIGRATIONS: tuple[str, ...] = (
    "schema_v1", "schema_v2", "schema_v3_lifecycle", "schema_v4_release_ledger", "schema_v5_import",
    "schema_v6_erasures", "schema_v7_ledger_unkeyed")
SCHEMA_VERSION = len(MIGRATIONS)
#: Macros and views that are code, not data: recreated at every open so they match this release.
DERIVED = ("session_facts", "client_components")
#: Data derived from the rest, kept current by every write transaction just before it commits:
#: rebuilt whole (``sql/<name>.sql``) or, for the clients a write names, refreshed
#: (``sql/<name>_refresh.sql``).
KEPT = ("client_totals",)
#: What :meth:`Store.transaction` does to the kept totals before it commits (see there).
TOTALS = ("rebuild", "touched", "none")

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "alliance.duckdb"
CONTRACT_PARAMETERS = ("grace_min", "late_cancel_hours", "payment_grace_days")


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
    ones, never share), :meth:`Store.data_version`, the current language and the arguments; the result is shared, so
    callers must not modify it (pages only read). A result being computed by another thread (another
    browser session, :mod:`alliance_metrics.prepare` in the background) is waited for, not computed twice.
    Identified results stay in this process's memory, as the store itself does; access control
    happens before a page asks (ui/access.py).
    """
    results: OrderedDict = OrderedDict()
    computing: dict[tuple, threading.Event] = {}   # keys being computed now, by any thread
    lock = threading.Lock()

    def key_of(store: "Store", args: tuple, kwargs: dict) -> tuple:
        # the language too: the results hold sentences (needs-attention reasons, readings)
        return store.opened, store.data_version(), current_language(), args, tuple(sorted(kwargs.items()))

    def keep(key: tuple, value) -> None:
        with lock:
            results[key] = value
            while len(results) > maxsize:
                results.popitem(last=False)

    @wraps(function)
    def memoised(store: "Store", *args, **kwargs):
        key = key_of(store, args, kwargs)
        language = key[2]   # the computation speaks the language it is keyed by
        while True:
            with lock:
                if key in results:
                    results.move_to_end(key)
                    return results[key]
                running = computing.get(key)
                if running is None:      # nobody is computing it: this thread does
                    computing[key] = done = threading.Event()
                    break
            running.wait()   # another thread (a page, the background preparation) is: share its result
        try:
            with use_language(language):   # resolved once for the whole computation, as keyed
                value = function(store, *args, **kwargs)
            keep(key, value)
            return value
        finally:
            with lock:
                del computing[key]
            done.set()   # waiters find the result, or (after a failure) compute it themselves

    def remember(store: "Store", *args, result: Result, **kwargs) -> None:
        """Keep *result* as ``function(store, *args, **kwargs)`` for the store's data as it is now:
        computed ahead, another way, by a caller that knows it equal (anonymise.prepare_release)."""
        keep(key_of(store, args, kwargs), result)

    memoised.cache_clear = results.clear
    memoised.remember = remember
    return memoised


#: Arrow types DuckDB's own conversion gives as pandas' nullable dtypes when a NULL is present.
_NULLABLE = {pa.bool_(): pd.BooleanDtype(), pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(),
             pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype()}


class StoreError(RuntimeError):
    """The database cannot be opened or is of a newer release than this code."""


class SettingsRejected(ValueError):
    """Values a settings save refused, by setting name; nothing of that save was stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def _identifier(name: str) -> str:
    """*name* (from the database's own catalog) quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class Store:
    """An open Alliance database.

    >>> store = Store(":memory:")
    >>> store.scalar("select count(*) from sessions")
    0
    """

    _openings = itertools.count()

    def __init__(self, path: str | os.PathLike = DEFAULT_DB, *, create: bool = True,
                 read_only: bool = False):
        """Open the database at *path*; with ``create=False`` (read-only commands) a missing
        file is an error instead of a new, empty database.

        Opening writes nothing unless something is due: a schema migration, macros or totals of
        an older release (:meth:`_up_to_date` tells, from ``meta``), or the file rewrite of an
        interrupted erasure. With ``read_only=True`` (commands that only read) the file is opened
        by DuckDB in read-only mode, so any write fails; when something is due, the file is first
        brought up to date by a short read-write opening, then opened read-only.
        """
        self.path = str(path)
        self.read_only = read_only and self.path != ":memory:"
        self.opened = next(Store._openings)  # this opening's number, for per_data_version
        if self.path != ":memory:":
            if (not create or read_only) and not Path(self.path).is_file():
                raise StoreError(_(
                    "There is no database at {path}. Check the path given with --db or $ALLIANCE_DB, "
                    "or import a session log first.").format(path=self.path))
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.RLock()
        self._con = self._connect()
        if self._up_to_date():
            return
        if self.read_only:   # bring the file up to date once, then read it read-only
            self._con.close()
            Store(self.path).close()
            self._con = self._connect()
            return
        self._migrate()
        if self.scalar("select count(*) from meta where key = 'rewrite_pending'"):
            self.rewrite()   # an erasure was committed but its file rewrite was interrupted

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(self.path, read_only=self.read_only)
        except duckdb.Error as error:
            raise StoreError(_(
                "Cannot open the database {path}: {error}. If the dashboard is running, stop it or use "
                "the dashboard's pages; otherwise pass --db with the path of an Alliance database.").format(
                path=self.path, error=str(error).splitlines()[0])) from None

    # -- queries -------------------------------------------------------------------------------

    def query(self, text: str, params: dict[str, Any] | list | None = None) -> pd.DataFrame:
        """Run a read query with bound *params* on its own cursor; return a DataFrame."""
        cursor = self._con.cursor()
        try:
            return cursor.execute(text, params).df()
        finally:
            cursor.close()

    def query_through_arrow(self, text: str, params: dict[str, Any] | list | None = None) -> pd.DataFrame:
        """:meth:`query`'s frame, converted through Arrow: the same columns and dtypes (a boolean or
        integer column is nullable only when the result holds a NULL in it, dates are
        ``datetime64[us]``), about 2× faster for long results — every session's facts at a million
        sessions: 3.0 s → 1.5 s."""
        with closing(self._con.cursor()) as cursor:
            table = cursor.sql(text, params=params).to_arrow_table()
        if table.num_rows == 0:   # DuckDB's empty text columns are object, Arrow's str: ask DuckDB
            return self.query(text, params)
        frame = table.to_pandas(types_mapper=_NULLABLE.get, date_as_object=False)
        for name, kind, column in zip(table.column_names, table.schema.types, table.columns):
            if pa.types.is_date(kind):
                frame[name] = frame[name].astype("datetime64[us]")
            elif kind in _NULLABLE and column.null_count == 0:
                frame[name] = frame[name].astype(_NULLABLE[kind].numpy_dtype)
        return frame

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
    def transaction(self, totals: str = "rebuild") -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN … COMMIT; any exception rolls everything back.

        Just before COMMIT the kept tables (``KEPT``: each client's all-time totals) are brought up
        to date with what the transaction leaves, so they commit, or roll back, with the data they
        are made of and a reader never sees them out of date. *totals* says how:

        - ``"rebuild"`` (the default, right for any write): every client's totals are rebuilt from
          the whole session log — about 0.1 s per write at a million sessions, 1–2 s at ten million.
          Settings changes of the contract parameters need it: they change every client's totals.
        - ``"touched"``: only the clients the writer names are refreshed, so the cost follows what
          the write touched, not the store's history. The writer inserts, on the cursor, the id of
          every client whose sessions or clients-file row it inserts, changes or deletes — before
          and after the change — into the temporary table ``touched_clients`` (see
          :meth:`touch_clients`). A client left out keeps stale totals: imports, undo, deletions
          and erasures name theirs; tests/test_client_totals.py checks them against a rebuild.
        - ``"none"``: the transaction changes no session, client or contract setting (an audit
          row, the release ledger, a saved mapping).

        DuckDB's COMMIT after a failed statement commits nothing yet raises nothing, so the
        rollback is explicit here rather than left to COMMIT.
        """
        if totals not in TOTALS:
            raise ValueError(f"totals must be one of {TOTALS}; you provided totals={totals!r}.")
        with self._write_lock:
            cursor = self._con.cursor()
            cursor.execute("begin transaction")
            try:
                if totals != "none":   # a rebuild ignores it, but code that names clients works in both
                    cursor.execute("create or replace temp table touched_clients (client_id varchar)")
                yield cursor
                if totals != "none":
                    parameters = self._contract_parameters(cursor)
                    for name in KEPT:
                        cursor.execute(sql(name if totals == "rebuild" else f"{name}_refresh"), parameters)
                if totals == "touched":
                    cursor.execute("drop view touched_sessions")
                if totals != "none":
                    cursor.execute("drop table touched_clients")
            except BaseException:
                cursor.execute("rollback")
                cursor.close()
                raise
            cursor.execute("commit")
            cursor.close()

    @staticmethod
    def touch_clients(cursor: duckdb.DuckDBPyConnection, query: str,
                      params: dict[str, Any] | None = None) -> None:
        """In a ``transaction(totals="touched")``: name the clients whose totals need refreshing,
        as the ``client_id`` column of *query* (SQL the code owns, values bound in *params*)."""
        cursor.execute(f"insert into touched_clients select distinct client_id from ({query})", params)

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

    def setting_problems(self) -> dict[str, str]:
        """By setting name, a sentence for each stored value outside its allowed range (written into
        the file by other means than this code): its default applies until a value is saved again."""
        problems = {}
        stored = self.query("select name, value, text_value from settings order by name")
        for name, value, text in stored.itertuples(index=False):
            if name in DEFAULTS:
                raw = text if setting(name).is_text else value
                try:
                    setting(name).check(raw)
                except ValueError as error:
                    shown = lambda value: f"{value:g}" if isinstance(value, float | int) else repr(value)
                    problems[name] = _(
                        "The database holds {value} for the setting “{setting}”, which is not allowed "
                        "({error}) The default, {default}, applies instead: open the Settings page and "
                        "save a value to repair it.").format(
                        value=shown(raw), setting=setting(name).title(), error=error,
                        default=setting(name).default_text())
        return problems

    @staticmethod
    def _settings(cursor: duckdb.DuckDBPyConnection) -> dict[str, float | str | None]:
        """The settings as *cursor* sees them (inside a transaction: with its own changes).
        A stored value outside its range is ignored: the default applies (see setting_problems)."""
        values = dict(DEFAULTS)
        for name, value, text in cursor.execute(
                "select name, value, text_value from settings").fetchall():
            if name in values:
                try:
                    values[name] = setting(name).check(text if setting(name).is_text else value)
                except ValueError:
                    pass
        return values

    @classmethod
    def _contract_parameters(cls, cursor: duckdb.DuckDBPyConnection) -> dict[str, float]:
        values = cls._settings(cursor)
        return {name: values[name] for name in CONTRACT_PARAMETERS}

    def save_settings(self, values: dict[str, float | str | None]) -> None:
        """Store several settings at once, all or none, audited in the same transaction.

        A value equal to the default, or None, forgets the practice's own value. When any value is
        outside its range (or not one of its choices) nothing is stored: :class:`SettingsRejected`
        gives each one's reason.
        """
        errors, checked = {}, {}
        for name, value in values.items():
            try:
                checked[name] = None if value is None else setting(name).check(value)
            except ValueError as error:
                errors[name] = str(error)
        if errors:
            raise SettingsRejected(errors)
        # the contract parameters change every client's totals; other settings none
        totals = "rebuild" if set(checked) & set(CONTRACT_PARAMETERS) else "none"
        with self.transaction(totals) as cursor:
            for name, value in checked.items():
                cursor.execute("delete from settings where name = $name", {"name": name})
                if value is not None and value != DEFAULTS[name]:
                    text = isinstance(value, str)
                    cursor.execute(
                        "insert into settings (name, value, text_value, updated_at) "
                        "values ($name, $value, $text, current_localtimestamp())",
                        {"name": name, "value": None if text else value, "text": value if text else None},
                    )
            audit.record(cursor, "settings", **{
                name: DEFAULTS[name] if value is None else value for name, value in checked.items()})

    def save_valid_settings(self, values: dict[str, float | str | None]) -> dict[str, str]:
        """Store those of *values* that are allowed (all together, as :meth:`save_settings`) and
        return, by setting name, the reason each of the others was not stored.

        What the Settings page's Save does: one field out of range must not lose the others.
        """
        errors = {}
        for name, value in values.items():
            try:
                None if value is None else setting(name).check(value)
            except ValueError as error:
                errors[name] = str(error)
        valid = {name: value for name, value in values.items() if name not in errors}
        if valid:
            self.save_settings(valid)
        return errors

    def set_setting(self, name: str, value: float | str) -> None:
        """Store a practice's own value for setting *name* (checked against its range or choices)."""
        self.save_settings({name: value})

    def reset_setting(self, name: str) -> None:
        """Forget the practice's own value: the default applies again."""
        self.save_settings({name: None})

    # -- the file ------------------------------------------------------------------------------

    def copy_to(self, target: str | os.PathLike) -> dict[str, int]:
        """Copy the whole database into the new file *target*, checked; return rows per table.

        Generic, from the catalog: every sequence (at its current value), table, view and macro,
        whatever later schema versions add. One transaction reads a consistent state, including
        what is still in the write-ahead log. The copy is checked (each table's row count and the
        schema version) and checkpointed, so *target* alone is complete. Raises StoreError when
        *target* exists or the copy does not match.
        """
        target = Path(target)
        if target.exists():
            raise StoreError(_("{target} already exists. Give the name of a new file.").format(target=target))
        with self._write_lock, closing(self._con.cursor()) as cursor:
            source = cursor.execute("select current_database()").fetchone()[0]
            cursor.execute("attach $path as alliance_copy", {"path": str(target)})
            try:
                counts = self._copy_catalog(cursor, source)
            except BaseException:
                cursor.execute(f"use {_identifier(source)}")
                cursor.execute("detach alliance_copy")
                target.unlink(missing_ok=True)
                raise
            cursor.execute("detach alliance_copy")
        return counts

    @staticmethod
    def _copy_catalog(cursor: duckdb.DuckDBPyConnection, source: str) -> dict[str, int]:
        catalog = {"source": source}
        sequences = cursor.execute(
            "select sql from duckdb_sequences() where database_name = $source and not temporary "
            "order by sequence_oid",
            catalog).fetchall()
        tables = [name for (name,) in cursor.execute(
            "select table_name from duckdb_tables() where database_name = $source and not temporary "
            "and schema_name = 'main' order by table_name", catalog).fetchall()]
        table_sql = cursor.execute(
            "select sql from duckdb_tables() where database_name = $source and not temporary "
            "and schema_name = 'main' order by table_name", catalog).fetchall()
        views = cursor.execute(
            "select sql from duckdb_views() where database_name = $source and not internal "
            "and not temporary and schema_name = 'main' order by view_oid", catalog).fetchall()
        macros = cursor.execute(
            "select function_name, function_type, parameters, macro_definition from duckdb_functions() "
            "where database_name = $source and not internal and schema_name = 'main' "
            "and function_type in ('macro', 'table_macro') order by function_oid", catalog).fetchall()
        cursor.execute("begin transaction")
        try:
            cursor.execute("use alliance_copy")
            for (statement,) in [*sequences, *table_sql]:
                cursor.execute(statement)
            for name in DERIVED:   # code: from this release's SQL, in order (the catalog omits defaults)
                cursor.execute(sql(name))
            for name, kind, parameters, body in macros:
                if name in DERIVED:
                    continue
                cursor.execute(
                    f"create macro {_identifier(name)}({', '.join(map(_identifier, parameters))}) as "
                    f"{'table ' if kind == 'table_macro' else ''}{body}")
            for (statement,) in views:
                cursor.execute(statement)
            cursor.execute(f"use {_identifier(source)}")
            counts = {}
            for table in tables:
                cursor.execute(f"insert into alliance_copy.main.{_identifier(table)} "
                               f"select * from {_identifier(source)}.main.{_identifier(table)}")
                original = cursor.execute(
                    f"select count(*) from {_identifier(source)}.main.{_identifier(table)}").fetchone()[0]
                copied = cursor.execute(
                    f"select count(*) from alliance_copy.main.{_identifier(table)}").fetchone()[0]
                if copied != original:
                    raise StoreError(_("The copy of table {table} holds {copied} rows, not {original}.").format(
                        table=table, copied=copied, original=original))
                counts[table] = copied
            versions = cursor.execute(
                f"select (select value from {_identifier(source)}.main.meta where key = 'schema_version'), "
                "(select value from alliance_copy.main.meta where key = 'schema_version')").fetchone()
            if versions[0] != versions[1]:
                raise StoreError(_("The copy has schema version {copied}, not {original}.").format(
                    copied=versions[1], original=versions[0]))
            cursor.execute("commit")
        except BaseException:
            cursor.execute("rollback")
            raise
        cursor.execute("checkpoint alliance_copy")
        return counts

    def rewrite(self) -> dict[str, int]:
        """Rewrite the database file from its live content: no byte of a deleted row survives.

        Deleting rows, even with CHECKPOINT and VACUUM, leaves their bytes in DuckDB's file
        (STACK.md), so an erasure ends here: the content is copied into a new file, checked
        (:meth:`copy_to`), then swapped in with an atomic rename; the old file's write-ahead log
        is merged on close and gone before the swap. A crash before the rename leaves the old
        file whole (with the erasure committed and ``rewrite_pending`` set in ``meta``, so the
        next opening rewrites again); after it, the new one. Other threads' queries fail while the
        file is swapped (a fraction of a second).
        """
        if self.path == ":memory:":
            return {}
        fresh = Path(self.path + ".rewrite")
        with self._write_lock:
            fresh.unlink(missing_ok=True)   # left by an interrupted rewrite: the old file is whole
            Path(str(fresh) + ".wal").unlink(missing_ok=True)
            counts = self.copy_to(fresh)
            with duckdb.connect(str(fresh)) as copy:
                copy.execute("delete from meta where key = 'rewrite_pending'")
                copy.execute("checkpoint")
            self._con.close()
            wal = Path(self.path + ".wal")
            if wal.exists():  # closing merges the log; if it did not, do not pair it with the new file
                self._con = self._connect()
                raise StoreError(_("The write-ahead log {wal} could not be merged; the database was not "
                                   "rewritten.").format(wal=wal))
            os.replace(fresh, self.path)
            _sync_folder(Path(self.path).parent)
            self._con = self._connect()
            if not self._up_to_date():
                self._migrate()
        return counts

    # -- schema --------------------------------------------------------------------------------

    def schema_version(self) -> int:
        return int(self.scalar("select value from meta where key = 'schema_version'"))

    def _fingerprint(self) -> str:
        """SHA-256 of the SQL that defines the macros and kept tables: when this release's differs
        from the one a file was last opened with, they are recreated and the totals rebuilt."""
        text = "\n".join(sql(name) for name in (*DERIVED, *KEPT))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _up_to_date(self) -> bool:
        """True when opening needs to write nothing: the schema is this release's, the macros and
        totals were made by this release's SQL (the fingerprint in ``meta``), the totals exist and
        no erasure's rewrite is pending. Reads only."""
        if self.path == ":memory:":
            return False
        with closing(self._con.cursor()) as cursor:
            if not cursor.execute(
                    "select count(*) from duckdb_tables() where database_name = current_database() "
                    "and schema_name = 'main' and table_name in ('meta', 'client_totals')").fetchone()[0] == 2:
                return False
            found = dict(cursor.execute(
                "select key, value from meta where key in "
                "('schema_version', 'derived_fingerprint', 'rewrite_pending')").fetchall())
        return (found.get("schema_version") == str(SCHEMA_VERSION)
                and found.get("derived_fingerprint") == self._fingerprint()
                and "rewrite_pending" not in found)

    def _migrate(self) -> None:
        """Apply the schema versions the file lacks, recreate the macros and rebuild the totals,
        recording this release's fingerprint: only called when :meth:`_up_to_date` says it is due."""
        with self.transaction() as cursor:
            cursor.execute("create table if not exists meta (key varchar primary key, value varchar)")
            row = cursor.execute("select value from meta where key = 'schema_version'").fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise StoreError(_(
                    "The database {path} has schema version {current}, newer than this release "
                    "understands ({supported}). Update Alliance to open it.").format(
                    path=self.path, current=current, supported=SCHEMA_VERSION))
            for version in range(current + 1, SCHEMA_VERSION + 1):
                cursor.execute(sql(MIGRATIONS[version - 1]))
            cursor.execute(
                "insert or replace into meta values ('schema_version', $version)",
                {"version": str(SCHEMA_VERSION)},
            )
            cursor.execute("insert or replace into meta values ('derived_fingerprint', $fingerprint)",
                           {"fingerprint": self._fingerprint()})
            for name in DERIVED:
                cursor.execute(sql(name))


def _sync_folder(folder: Path) -> None:
    """Make a rename in *folder* durable (POSIX: fsync the directory)."""
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
