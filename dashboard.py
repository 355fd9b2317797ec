"""Alliance — the dashboard's script, run for every visit (app.py serves it). Sets the page, decides
who is looking, draws the shared sidebar, and lists the pages that viewer may open (each page
checks again: ui/pages.py's guard)."""

import streamlit as st

from alliance_metrics.i18n import _
from ui import access, language, sidebar, state
from ui.pages import ROOT, asked_for, pages_for, routed
from ui.state import store

st.set_page_config(page_title="Alliance", layout="wide")
language.apply()   # before any word is drawn: every page of this run speaks it
viewer = access.viewer()
if viewer.sees_clients:
    sidebar.render(store(), viewer)
else:
    sidebar.signed_in(viewer)   # a supervisor: no caseload to choose, but a way to sign out

allowed = {page.url_path: st.Page(ROOT / page.file, title=_(page.title), url_path=page.url_path)
           for page in pages_for(viewer.role)}
navigation: dict[str, list] = {}
for page in pages_for(viewer.role):
    navigation.setdefault(_(page.section), []).append(allowed[page.url_path])


def landing() -> None:
    """The bare address opens the viewer's first page at its own address, so that every page
    keeps one address (a bookmarked /weekly_review opens the weekly review, not "Page not
    found"); a page file run alone that handed over to this router opens itself."""
    st.switch_page(allowed.get(asked_for.get() or "") or next(iter(allowed.values())))


navigation[""] = [st.Page(landing, title="Alliance", url_path="home", default=True, visibility="hidden")]
token = routed.set(True)
try:
    with state.drawing_a_page():   # the background preparation waits meanwhile (ui/state.py)
        st.navigation(navigation).run()
finally:
    routed.reset(token)
if viewer.sees_clients:   # the page is drawn: compute what the next one will read (ui/state.py)
    state.prepare_in_background(sidebar.next_therapist(store()))
