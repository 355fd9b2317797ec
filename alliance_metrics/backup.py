"""Backing up and restoring the database while nothing is lost from the write-ahead log.

A plain copy of the ``.duckdb`` file while the dashboard runs misses what is still in its ``.wal``
(STACK.md). :func:`backup` copies through the open database instead
(:meth:`~alliance_metrics.store.Store.copy_to`: one consistent read, every table, sequence, view
and macro, checked). :func:`restore` checks a backup (an Alliance database of this release or an
older one, its audit chain intact), refuses to overwrite a database without ``force``, and swaps
the restored file in atomically.

A restore brings back the data of the backup, never an undoing of what must stay done. When it
replaces a database, the restored file keeps that database's

* **release ledger** (SPEC §6): every row of it is kept, with its figures where the backup has
  the same row, so a period released after the backup is never released again from other data;
* **audit log**, whole (its chain, and any break in it, as it was), the restore appended to it;
* **erasures**: its list of erased clients' keys is added to the backup's, and every client of
  the backup on that list is erased again (one transaction, then the file is rewritten so that no
  byte of them remains). Without the practice key file the keys cannot be recognised: the
  restore is then refused rather than bring an erased client back.

A restore onto a path where no database exists keeps the backup's own log, ledger and list.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from alliance_metrics import audit
from alliance_metrics.erasure import erase_again, tables_with_clients
from alliance_metrics.pseudonym import PracticeSecret, SecretFileError, practice_secret, secret_path
from alliance_metrics.store import Store, StoreError, _sync_folder
from alliance_metrics.i18n import _, ngettext

#: What the restored file takes from the database it replaces: its ledger's (table, period) pairs,
#: each whole, win over the backup's (a pair is released once, for every scope: ledger.py).
_CARRY_OVER = (
    "delete from release_ledger where (table_name, period) in "
    "(select (table_name, period) from replaced.release_ledger)",
    "insert into release_ledger by name select * from replaced.release_ledger",
    "delete from audit_log",
    "insert into audit_log by name select * from replaced.audit_log",
    "insert or ignore into erased_clients by name select * from replaced.erased_clients",
)


def backup(store: Store, target: str | os.PathLike) -> dict[str, int]:
    """Write a complete, checked copy of *store* to the new file *target*; return rows per table."""
    target = Path(target)
    if not target.parent.is_dir():
        raise StoreError(_("The folder {folder} does not exist. Create it, or give another path.").format(
            folder=target.parent))
    counts = store.copy_to(target)
    with store.transaction(totals="none") as cursor:
        audit.record(cursor, "backup", sessions=counts.get("sessions", 0), clients=counts.get("clients", 0))
    return counts


def restore(source: str | os.PathLike, database: str | os.PathLike, *, force: bool = False) -> dict[str, int]:
    """Replace *database* with the backup *source*, after checking it, keeping what must stay done
    (module docstring); return the rows restored (``sessions``, ``clients``) and
    ``clients_erased_again``.

    Raises StoreError when *source* is not a readable Alliance backup, when its audit log does not
    verify, when *database* exists and *force* is not set, when another process holds *database*
    open, or when erased clients must be recognised and the practice key file is missing or unusable.
    """
    source, database = Path(source), Path(database)
    if not source.is_file():
        raise StoreError(_("No backup file at {path}. Give the path of a file `backup` wrote.").format(path=source))
    if not database.parent.is_dir():
        raise StoreError(_("The folder {folder} does not exist. Create it, or give another --db.").format(
            folder=database.parent))
    if database.exists() and not force:
        raise StoreError(_("{database} already exists. Restoring replaces everything it holds: pass --force "
                           "to do so (make a backup of it first if in doubt).").format(database=database))
    replacing = database.exists()
    if replacing:
        Store(database).close()   # refuses while another process holds it; merges its log
    staging = Path(str(database) + ".restore")
    staging.unlink(missing_ok=True)
    Path(str(staging) + ".wal").unlink(missing_ok=True)
    shutil.copyfile(source, staging)
    try:
        restored = Store(staging)   # refuses a file that is not a database or is of a newer release
        try:
            if not restored.scalar("select count(*) from duckdb_tables() where table_name = 'sessions' "
                                   "and database_name = current_database()"):
                raise StoreError(_("{path} is a DuckDB file but not an Alliance database.").format(path=source))
            verdict = audit.verify(restored)
            if not verdict.ok:
                raise StoreError(_("{path} was not restored: its audit log fails its check ({reason}).").format(
                    path=source, reason=verdict.reason))
            counts = _keep_what_stays_done(restored, database if replacing else None)
        finally:
            restored.close()
        Path(str(database) + ".wal").unlink(missing_ok=True)
        os.replace(staging, database)
        _sync_folder(database.parent)
    except BaseException:
        staging.unlink(missing_ok=True)
        Path(str(staging) + ".wal").unlink(missing_ok=True)
        Path(str(staging) + ".rewrite").unlink(missing_ok=True)
        raise
    return counts


def _keep_what_stays_done(restored: Store, replaced: Path | None) -> dict[str, int]:
    """In one transaction on *restored*: carry over the ledger, audit log and erasures of the
    database *replaced* (None: there is none), erase again, audit the restore; then rewrite the
    file if anyone was erased again. Return the restore's counts."""
    tables = tables_with_clients(restored)
    with restored.transaction() as cursor:
        if replaced is not None:   # (a failure leaves it attached: the caller closes the store)
            cursor.execute("attach $path as replaced (read_only)", {"path": str(replaced)})
            for statement in _CARRY_OVER:
                cursor.execute(statement)
            cursor.execute("detach replaced")
        erased = cursor.execute("select count(*) from erased_clients").fetchone()[0]
        again = erase_again(cursor, tables, _secret_for(erased)) if erased else 0
        counts = {table: cursor.execute(f'select count(*) from "{table}"').fetchone()[0]
                  for table in ("sessions", "clients")} | {"clients_erased_again": again}
        audit.record(cursor, "restore", **counts)
    if again:
        restored.rewrite()
    return counts


def _secret_for(erased: int) -> PracticeSecret:
    """The practice secret, needed to recognise *erased* clients; never created here (a new key
    would recognise nobody)."""
    if not secret_path().exists():
        raise StoreError(ngettext(
            "The database remembers {count} erased client, recognised by the practice key file, but there "
            "is none at {path}: nothing was restored, so that no erased client comes back. Copy the "
            "practice's key file there (or set ALLIANCE_SECRET_FILE to its path) and restore again.",
            "The database remembers {count} erased clients, recognised by the practice key file, but there "
            "is none at {path}: nothing was restored, so that no erased client comes back. Copy the "
            "practice's key file there (or set ALLIANCE_SECRET_FILE to its path) and restore again.",
            erased).format(count=erased, path=secret_path()))
    try:
        return practice_secret()
    except SecretFileError as error:
        raise StoreError(_("{error} Nothing was restored.").format(error=error)) from None
