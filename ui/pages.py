"""The dashboard's pages, in one list, and the guard every page file passes first.

dashboard.py builds the navigation from :data:`PAGES`; the tests open each one. ``roles`` says who may
open a page (ui/access.py). Supervisor pages read only anonymised aggregates
(alliance_metrics.anonymise); every other page shows identified data.

Each page file's first statement is ``guard(__file__)``, the same check dashboard.py applies
(:func:`may_open`), so a page is as safe run alone as through the router. Streamlit does run
them alone: on a freshly started server, until dashboard.py has run once, it serves the files of
``pages/`` by their own address (its multipage v1 mode), and ``AppTest`` does so on every run.
Run that way, the guard signs the visitor in, checks their role, then runs dashboard.py in the same
run, which draws the sidebar and navigation and runs the page again through the router. A page's
file is named after its address, so the router finds the page the visitor asked for.
"""

from __future__ import annotations

import runpy
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from alliance_metrics.i18n import N_, _
from ui import access
from ui.access import SINGLE_USER, SUPERVISOR, THERAPIST, Viewer

IDENTIFIED = (THERAPIST, SINGLE_USER)
EVERYONE = (THERAPIST, SUPERVISOR, SINGLE_USER)
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    file: str        # path from the repository root
    title: str       # in English, marked with N_: shown through _() in the language of the run
    section: str     # idem
    url_path: str    # the page's address, http://127.0.0.1:PORT/<url_path>: the file's name
    roles: tuple[str, ...] = IDENTIFIED
    charts: bool = False   # draws plotly charts: the browser fetches their code at once (ui/preload.py)
    # The elements it draws whose code Streamlit's browser code loads only when one arrives, by the
    # name of their chunk: loaded while the server runs the page's script (ui/preload.py). One left
    # out loads as it arrives, later (tests/test_preload.py lists what each page loaded).
    elements: tuple[str, ...] = ()


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/weekly_review.py", N_("Weekly review"), N_("Therapist"), "weekly_review", charts=True,
             elements=("Selectbox", "DateInput", "Metric", "Button", "DataFrame")),
    PageSpec("pages/client.py", N_("Client"), N_("Therapist"), "client", charts=True,
             elements=("Selectbox", "Metric", "DataFrame", "Checkbox", "TextInput", "Button")),
    PageSpec("pages/relationships.py", N_("Relationships"), N_("Therapist"), "relationships", charts=True,
             elements=("Selectbox", "Radio", "Metric", "DataFrame", "Checkbox")),
    PageSpec("pages/your_data.py", N_("Your data"), N_("Data"), "your_data",
             elements=("Selectbox", "Metric", "DataFrame", "Button", "DownloadButton", "Checkbox")),
    PageSpec("pages/import_data.py", N_("Import"), N_("Data"), "import_data",
             elements=("Selectbox", "FileUploader", "StreamlitSyntaxHighlighter")),
    PageSpec("pages/settings.py", N_("Settings"), N_("Data"), "settings", elements=("Selectbox", "NumberInput")),
    PageSpec("pages/supervisor.py", N_("Supervisor view"), N_("Supervisor"), "supervisor", EVERYONE, charts=True,
             elements=("Selectbox", "DataFrame", "Button", "DownloadButton")),
    PageSpec("pages/open_exports.py", N_("Open exports"), N_("Supervisor"), "open_exports", EVERYONE,
             elements=("Selectbox", "FileUploader")),
)

# True while dashboard.py's router runs a page (reset when the run ends, however it ends).
routed: ContextVar[bool] = ContextVar("routed", default=False)
# The page a guard handed over to dashboard.py: the router's landing opens it if Streamlit did not
# say which page was asked for (the page file was the main script).
asked_for: ContextVar[str | None] = ContextVar("asked_for", default=None)


def pages_for(role: str) -> list[PageSpec]:
    """The pages *role* may open, the first of them its landing page."""
    return [page for page in PAGES if may_open(role, page)]


def may_open(role: str, page: PageSpec) -> bool:
    """The one access rule, used by dashboard.py's navigation and by every page's guard."""
    return role in page.roles


def spec_of(file: str) -> PageSpec | None:
    """The page whose file is *file* (a path, as in ``__file__``)."""
    path = Path(file).resolve()
    return next((page for page in PAGES if (ROOT / page.file).resolve() == path), None)


def guard(file: str) -> Viewer:
    """Every page's first call: sign in (or stop at the sign-in screen), refuse a role the page is
    not for, pin a signed-in therapist to their own caseload; return the viewer.

    Run outside dashboard.py, the checks pass first, then dashboard.py runs the page through the router
    and this run of the page file ends there.
    """
    viewer = access.viewer()
    page = spec_of(file)
    if page is None or not may_open(viewer.role, page):
        st.error(_("This page is not open to you. Use the pages listed in the menu."))
        st.stop()
    if viewer.therapist_id is not None:
        st.session_state["therapist"] = viewer.therapist_id
    if not routed.get():
        token = asked_for.set(page.url_path)
        try:
            runpy.run_path(str(ROOT / "dashboard.py"))
        finally:
            asked_for.reset(token)
        st.stop()
    return viewer


def switch_to(url_path: str) -> None:
    """Open the page at *url_path* (st.switch_page), whether this run came through dashboard.py's router
    or a page file ran alone: the page is named by its address, not by a path relative to the
    script Streamlit started with."""
    page = next(page for page in PAGES if page.url_path == url_path)
    st.switch_page(st.Page(ROOT / page.file, title=_(page.title), url_path=page.url_path))
