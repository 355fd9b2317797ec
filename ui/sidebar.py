"""The shared sidebar: which therapist's caseload (when there are several). Rendered by app.py;
pages read the choice with :func:`therapist`."""

from __future__ import annotations

import streamlit as st

from alliance_metrics.inventory import therapists
from alliance_metrics.store import Store

ALL = "All therapists"


def render(store: Store) -> None:
    """Draw the therapist choice when the practice has more than one therapist."""
    names = therapists(store)
    if len(names) > 1:
        st.sidebar.selectbox("Therapist", [ALL, *names], key="therapist",
                             help="Whose caseload the therapist pages show.")
    else:
        st.session_state["therapist"] = names[0] if names else ALL


def therapist() -> str | None:
    """The chosen therapist id, or None for the whole practice."""
    chosen = st.session_state.get("therapist", ALL)
    return None if chosen == ALL else chosen
