"""The one store of this process, opened once and shared by every browser session.

``st.cache_resource`` keeps one DuckDB connection per process; the store gives each query its
own cursor (STACK.md). Nothing identified is put in ``st.cache_data``, which every user shares.
"""

from __future__ import annotations

import os

import streamlit as st

from alliance_metrics import audit
from alliance_metrics.inventory import load_demo_if_empty, session_count
from alliance_metrics.store import Store, StoreError, database_path
from ui.access import identity_configured


@st.cache_resource(show_spinner="Opening the database…")
def _open_store(path: str) -> Store:
    store = Store(path)
    if os.environ.get("ALLIANCE_DEMO", "on") != "off":
        load_demo_if_empty(store)
    return store


def store() -> Store:
    """The process's store (``$ALLIANCE_DB`` or ``data/alliance.duckdb``); an empty store gets the
    demo practice unless ``ALLIANCE_DEMO=off``. What this run changes is audited as done by the
    signed-in user (else the OS user)."""
    audit.set_actor(_signed_in_user())
    try:
        return _open_store(str(database_path()))
    except StoreError as error:
        st.error(str(error))
        st.stop()


def _signed_in_user() -> str | None:
    """The signed-in user's e-mail (or subject) for the audit log; None when nobody signs in."""
    if not identity_configured() or not st.user.is_logged_in:
        return None
    return str(st.user.get("email") or st.user.get("sub") or "signed-in user")


@st.cache_data(show_spinner="Computing the anonymised aggregates…", max_entries=8)
def _supervisor_view(path: str, version: tuple):
    # cache_data is shared by every user: it may hold this anonymised view, never identified data
    from alliance_metrics.anonymise import supervisor_view

    return supervisor_view(_open_store(path))


def practice_supervisor_view():
    """This practice's SupervisorView (None while the store is empty), cached per data version."""
    opened = store()
    if not session_count(opened):
        return None
    return _supervisor_view(opened.path, opened.data_version())
