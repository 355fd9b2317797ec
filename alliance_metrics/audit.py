"""The audit log: who changed or took what, when, and how many rows — append-only and hash-chained.

A health-data controller keeps a record of processing (GDPR art. 30) and logs access and changes
(art. 32; the CNIL's guidance on logging). Each row says when, who (the signed-in user, else the
operating-system user, else ``local``), the action and its counts; never clinical content, never a
client's id or name (an erasure records only how many rows went).

Every row is written by :func:`record` on the cursor of the transaction that makes the change, so
the change and its row commit, or roll back, together. Rows are chained:

.. math:: h_n = \\operatorname{SHA256}(h_{n-1} \\,\\|\\, \\text{seq}_n \\,\\|\\, \\text{at}_n
          \\,\\|\\, \\text{actor}_n \\,\\|\\, \\text{action}_n \\,\\|\\, \\text{details}_n),
          \\qquad h_0 = 64 \\text{ zeros}

so altering, inserting or deleting a row before the last breaks every later hash, which
:func:`verify` recomputes. (Deleting the last rows leaves a shorter valid chain: compare the count
with a backup's to see that.)
"""

from __future__ import annotations

import getpass
import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import duckdb
import pandas as pd

from alliance_metrics import sql

#: The actions the log knows; :func:`record` refuses any other.
ACTIONS = (
    "import", "undo_import", "delete_session", "erase_client", "settings",
    "export", "backup", "restore",
)
GENESIS = "0" * 64

_actor: ContextVar[str | None] = ContextVar("audit_actor", default=None)


def current_actor() -> str:
    """Who acts now: the name set by :func:`acting_as`, else the operating-system user, else ``local``."""
    named = _actor.get()
    if named:
        return named
    try:
        return getpass.getuser() or "local"
    except (KeyError, OSError):
        return "local"


def set_actor(actor: str | None) -> None:
    """Record what this thread does from now on as done by *actor* (None: the OS user).
    The dashboard calls it at each run of a page, with the signed-in user."""
    _actor.set(actor)


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Record what happens inside the block as done by *actor* (e.g. the signed-in user's e-mail)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def row_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, details: str) -> str:
    """The chain hash of one row (formula in the module docstring)."""
    fields = json.dumps([prev_hash, seq, at.isoformat(), actor, action, details], ensure_ascii=False)
    return hashlib.sha256(fields.encode("utf-8")).hexdigest()


def record(cursor: duckdb.DuckDBPyConnection, action: str, **counts: int | float | str) -> None:
    """Append one row to the audit log, on *cursor* (inside the transaction of the change it records).

    *counts* are the numbers that describe the change (rows inserted, settings' new values…):
    never a client's id, name, goal or any session value.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}; the known actions are {', '.join(ACTIONS)}.")
    last = cursor.execute(sql.load("audit_last")).fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = datetime.now().replace(tzinfo=None)
    actor = current_actor()
    details = json.dumps(counts, sort_keys=True, ensure_ascii=False)
    cursor.execute(
        sql.load("audit_append"),
        {"seq": seq, "at": at, "actor": actor, "action": action, "details": details, "prev": prev,
         "hash": row_hash(prev, seq, at, actor, action, details)},
    )


def entries(store) -> pd.DataFrame:
    """The audit log, oldest first: seq, logged_at, actor, action, details, prev_hash, row_hash."""
    return store.query_named("audit_entries")


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: how many rows were checked and the first broken one, if any."""

    rows: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(store) -> Verdict:
    """Recompute the chain; the first row whose hash or link does not match breaks it."""
    prev, expected_seq = GENESIS, 1
    rows = store.query_named("audit_entries").itertuples(index=False)
    count = 0
    for count, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            return Verdict(count, int(row.seq), f"row {row.seq} follows row {expected_seq - 1}: a row is missing")
        if row.prev_hash != prev:
            return Verdict(count, int(row.seq), f"row {row.seq} does not link to the row before it")
        if row_hash(prev, int(row.seq), row.logged_at.to_pydatetime(), row.actor, row.action, row.details) != row.row_hash:
            return Verdict(count, int(row.seq), f"row {row.seq} was altered after it was written")
        prev, expected_seq = row.row_hash, expected_seq + 1
    return Verdict(count)
