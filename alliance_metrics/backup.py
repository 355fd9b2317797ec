"""Backing up and restoring the database while nothing is lost from the write-ahead log.

A plain copy of the ``.duckdb`` file while the dashboard runs misses what is still in its ``.wal``
(STACK.md). :func:`backup` copies through the open database instead
(:meth:`~alliance_metrics.store.Store.copy_to`: one consistent read, every table, sequence, view
and macro, checked). :func:`restore` checks a backup (an Alliance database of this release or an
older one, its audit chain intact), refuses to overwrite a database without ``force``, and swaps
the restored file in atomically.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from alliance_metrics import audit
from alliance_metrics.store import Store, StoreError, _sync_folder


def backup(store: Store, target: str | os.PathLike) -> dict[str, int]:
    """Write a complete, checked copy of *store* to the new file *target*; return rows per table."""
    target = Path(target)
    if not target.parent.is_dir():
        raise StoreError(f"The folder {target.parent} does not exist. Create it, or give another path.")
    counts = store.copy_to(target)
    with store.transaction() as cursor:
        audit.record(cursor, "backup", sessions=counts.get("sessions", 0), clients=counts.get("clients", 0))
    return counts


def restore(source: str | os.PathLike, database: str | os.PathLike, *, force: bool = False) -> dict[str, int]:
    """Replace *database* with the backup *source*, after checking it; return its rows per table.

    Raises StoreError when *source* is not a readable Alliance backup, when its audit log does not
    verify, or when *database* exists and *force* is not set.
    """
    source, database = Path(source), Path(database)
    if not source.is_file():
        raise StoreError(f"No backup file at {source}. Give the path of a file `backup` wrote.")
    if not database.parent.is_dir():
        raise StoreError(f"The folder {database.parent} does not exist. Create it, or give another --db.")
    if database.exists() and not force:
        raise StoreError(f"{database} already exists. Restoring replaces everything it holds: "
                         "pass --force to do so (make a backup of it first if in doubt).")
    staging = Path(str(database) + ".restore")
    staging.unlink(missing_ok=True)
    Path(str(staging) + ".wal").unlink(missing_ok=True)
    shutil.copyfile(source, staging)
    try:
        restored = Store(staging)   # refuses a file that is not a database or is of a newer release
        try:
            if not restored.scalar("select count(*) from duckdb_tables() where table_name = 'sessions' "
                                   "and database_name = current_database()"):
                raise StoreError(f"{source} is a DuckDB file but not an Alliance database.")
            verdict = audit.verify(restored)
            if not verdict.ok:
                raise StoreError(f"{source} was not restored: its audit log fails its check ({verdict.reason}).")
            counts = {table: int(restored.scalar(f'select count(*) from "{table}"'))
                      for table in ("sessions", "clients")}
            with restored.transaction() as cursor:
                audit.record(cursor, "restore", **counts)
        finally:
            restored.close()
        if database.exists():
            Store(database).close()   # refuses while another process holds it; merges its log
        Path(str(database) + ".wal").unlink(missing_ok=True)
        os.replace(staging, database)
        _sync_folder(database.parent)
    except BaseException:
        staging.unlink(missing_ok=True)
        Path(str(staging) + ".wal").unlink(missing_ok=True)
        raise
    return counts
