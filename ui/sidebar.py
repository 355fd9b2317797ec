"""The shared sidebar: whose caseload (when there are several therapists) and who is signed in.
Rendered by dashboard.py; pages read the choice with :func:`therapist`."""

from __future__ import annotations

import streamlit as st

from alliance_metrics.i18n import _
from alliance_metrics.inventory import therapists
from alliance_metrics.store import Store
from ui.access import SINGLE_USER, SUPERVISOR, Viewer

ALL = "All therapists"   # the choice of no one therapist: shown through _() in the language of the run
_LISTED = "therapists_listed"   # how many therapists this run's sidebar found (for next_therapist)


def render(store: Store, viewer: Viewer) -> None:
    """Draw the therapist choice and say how the dashboard is reached."""
    if viewer.therapist_id is not None:       # a signed-in therapist sees their own caseload only
        st.session_state["therapist"] = viewer.therapist_id
        st.sidebar.caption(_("Signed in as therapist {therapist}.").format(therapist=viewer.therapist_id))
        st.sidebar.button(_("Sign out"), on_click=st.logout, key="sign_out")
        return
    names = therapists(store)
    st.session_state[_LISTED] = len(names)
    if len(names) > 1:
        st.sidebar.selectbox(_("Therapist"), [ALL, *names], key="therapist",
                             format_func=lambda name: _("All therapists") if name == ALL else name,
                             help=_("Whose caseload the therapist pages show."))
    else:
        st.session_state["therapist"] = names[0] if names else ALL
    if viewer.role == SINGLE_USER:
        st.sidebar.caption(_("Single-user mode: the dashboard listens on 127.0.0.1 only, so only this "
                             "machine can open it. See the README to set up sign-in for a practice."))


def signed_in(viewer: Viewer) -> None:
    """For a viewer who sees no client (a supervisor): who is signed in, and the way out."""
    st.sidebar.caption(_("Signed in as supervisor.") if viewer.role == SUPERVISOR else
                       _("Signed in as {role}.").format(role=viewer.role))
    st.sidebar.button(_("Sign out"), on_click=st.logout, key="sign_out")


def therapist() -> str | None:
    """The chosen therapist id, or None for the whole practice."""
    chosen = st.session_state.get("therapist", ALL)
    return None if chosen == ALL else chosen


def next_therapist(store: Store) -> str | None:
    """Whose caseload the next page will show: the choice, unless the sidebar found no therapist and
    the store now holds one, whom :func:`render` will pick (an import into an empty store in this
    run brought them): what to prepare for the next page. Asks the store only in that case."""
    chosen = therapist()
    if chosen is not None or st.session_state.get(_LISTED, 0) > 0:
        return chosen
    names = therapists(store)
    return names[0] if len(names) == 1 else None
