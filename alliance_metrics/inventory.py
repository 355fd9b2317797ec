"""What the store holds: counts, date range, the clients file — and the demo practice.

The demo practice (``data/demo/``, written by :mod:`alliance_metrics.demo`) is loaded into an
empty store so that a newcomer sees a working dashboard; its imports are recorded under the file
names ``demo/sessions.csv`` and ``demo/clients.csv``, which is how the app knows to say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, TypeVar

import pandas as pd

from alliance_metrics import sql
from alliance_metrics.i18n import N_
from alliance_metrics.store import Store

T = TypeVar("T")
DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_FILE_NAMES = ("demo/sessions.csv", "demo/clients.csv")
#: What happens to the demo practice, in the words of every page that mentions it (see replacing_demo).
DEMO_REPLACED = N_("Your first import replaces the demo practice (if your file is rejected, the demo stays).")


@dataclass(frozen=True)
class Holdings:
    """A summary of the store's contents."""

    clients: int
    sessions: int
    therapists: int
    first_session: datetime | None
    last_session: datetime | None
    is_demo: bool

    @property
    def is_empty(self) -> bool:
        return self.sessions == 0


def holdings(store: Store) -> Holdings:
    """Count what the store holds."""
    row = store.query_named("holdings_sessions").iloc[0]
    imports = store.query_named("holdings_imports")
    return Holdings(
        clients=int(row.clients), sessions=int(row.sessions), therapists=int(row.therapists),
        first_session=None if pd.isna(row.first_session) else row.first_session.to_pydatetime(),
        last_session=None if pd.isna(row.last_session) else row.last_session.to_pydatetime(),
        is_demo=not imports.empty and set(imports.file_name) <= set(DEMO_FILE_NAMES),
    )


def therapists(store: Store) -> list[str]:
    """The therapist ids in the session log, sorted."""
    return store.query_named("therapist_ids").therapist_id.tolist()


def session_count(store: Store) -> int:
    """How many sessions the store holds."""
    return int(store.scalar(sql.load("session_count")))


def load_demo_if_empty(store: Store) -> bool:
    """Import the committed demo practice when the store holds no session. True if it did."""
    if session_count(store):
        return False
    from alliance_metrics.ingest import import_clients, import_sessions

    import_clients(store, DEMO_DIR / "clients.csv", file_name=DEMO_FILE_NAMES[1])
    import_sessions(store, DEMO_DIR / "sessions.csv", file_name=DEMO_FILE_NAMES[0])
    return True


def client_directory(store: Store) -> pd.DataFrame:
    """The clients file (identifying: display_name and goal — for therapist pages only)."""
    return store.query_named("client_directory")


def replacing_demo(store: Store, load: Callable[[], T]) -> T:
    """Run *load* (an import) on a store emptied of the demo practice.

    Only when the store holds nothing but the demo. If *load* raises (a rejected import), the
    demo practice is loaded again, so the store is never left empty nor half-demo.
    """
    if not holdings(store).is_demo:
        return load()
    with store.transaction() as cursor:
        cursor.execute(sql.load("demo_remove"))
    try:
        return load()
    except BaseException:
        load_demo_if_empty(store)
        raise
