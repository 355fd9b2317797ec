"""The one store of this process, opened once and shared by every browser session.

``st.cache_resource`` keeps one DuckDB connection per process; the store gives each query its
own cursor (STACK.md). Nothing identified is put in ``st.cache_data``, which every user shares.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from alliance_metrics.i18n import _, current_language, format_decimal, use_language
from alliance_metrics.inventory import load_demo_if_empty, session_count, therapists
from alliance_metrics.store import Store, StoreError, database_path
from ui.figures import kept

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from alliance_metrics.anonymise import SupervisorView


# A cache's own spinner is fixed when the module is imported, in no one's language: the callers show
# theirs (st.spinner waits half a second before it appears, so a cached answer shows none).
@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    store = Store(path)
    if os.environ.get("ALLIANCE_DEMO", "on") != "off":
        load_demo_if_empty(store)
    return store


_opened: set[str] = set()   # the database paths this process has opened once


def store() -> Store:
    """The process's store (``$ALLIANCE_DB`` or ``data/alliance.duckdb``); an empty store gets the
    demo practice unless ``ALLIANCE_DEMO=off``."""
    path = str(database_path())
    try:
        if path in _opened:          # a page calls store() many times: one spinner, the first time
            return _open_store(path)
        with st.spinner(_("Opening the database…")):
            opened = _open_store(path)
        _opened.add(path)
        return opened
    except StoreError as error:
        st.error(str(error))
        st.stop()


def practice_setting(name: str):
    """One setting of the practice (None while unset), or None when the database cannot be opened
    (the page that needs it says why): for choices made before any page draws, such as the language."""
    try:
        return _open_store(str(database_path())).settings().get(name)
    except StoreError:
        return None


def practice_supervisor_view(today: date | None = None) -> "SupervisorView | None":
    """This practice's SupervisorView as of *today* (default: the machine's date), None while the
    store is empty. The library keeps it per data version, month and release
    (:func:`alliance_metrics.anonymise.supervisor_view`: a run that finds it released asks the
    ledger which periods it holds, 0.02 s at a million sessions), and made it ahead when the server
    started (:func:`prepare_at_start`). An unusable practice key file stops the page with its message."""
    opened = store()
    if not session_count(opened):
        return None
    from alliance_metrics.anonymise import supervisor_view
    from alliance_metrics.pseudonym import SecretFileError

    try:
        with st.spinner(_("Computing the anonymised aggregates…")):
            # The month is the view's as_of: a new month closes a period (the view is a release,
            # see ledger.py), so a server running across a month boundary makes a new view.
            return supervisor_view(opened, as_of=(today or date.today()).replace(day=1))
    except (SecretFileError, ValueError) as error:   # an unusable key file, a setting out of range
        st.error(str(error))
        st.stop()


@functools.lru_cache(maxsize=4)
def practice_supervisor_export(view: "SupervisorView") -> str:
    """The supervisor export (JSON text) of *view*, made once per view (the library hands the same
    view back while nothing changed): 0.1 s of JSON at a million sessions, needed on every run by
    the download button and as the version the charts and the report are kept by. Anonymised,
    like the view: shared by every browser session."""
    from alliance_metrics.supervisor_file import export_json

    return export_json(view)


def figure(name: str, build: Callable[[], "Figure"], *key: Hashable) -> "Figure":
    """``build()``, kept in this process (ui/figures.py) until the store's data or settings change,
    per language and *key* (what else the figure is drawn from: a client, a week). Shared by every
    browser session like the results it is drawn from (``per_data_version``): ui/chart.py
    only reads it."""
    opened = store()
    return kept((name, opened.opened, opened.data_version(), current_language(), key), build)


_prepared: set[tuple] = set()   # (store, data version, language, therapist) prepared or being prepared
_prepared_lock = threading.Lock()


def prepare_now(therapist_id: str | None) -> None:
    """Compute, in this run, what the therapist's pages open on (:func:`alliance_metrics.prepare.prepare`)
    for the store's data as it is now: the Import page calls it after a write, under a spinner
    below its verdict, so that the first page opened after an import finds its results up to date
    (the weekly review's inputs kept current at write time, issue 16) instead of computing them —
    seconds at a million sessions. ``ALLIANCE_PREPARE=off`` turns it off."""
    if os.environ.get("ALLIANCE_PREPARE", "on") == "off":
        return
    from alliance_metrics.prepare import prepare

    opened = store()
    key = (opened.opened, opened.data_version(), current_language(), therapist_id)
    try:
        prepare(opened, therapist_id)
    except Exception:   # the page that needs it computes it again and shows any error itself
        logging.getLogger(__name__).debug("preparation after a write failed", exc_info=True)
        return
    with _prepared_lock:
        _prepared.add(key)


def prepare_in_background(therapist_id: str | None) -> None:
    """Once per data version, language and caseload: compute in a background thread what the
    therapist's pages open on (:func:`alliance_metrics.prepare.prepare`), so that the next page
    opened finds it ready. Called after a page has been drawn; each step waits until no page has
    been drawn for :data:`PREPARE_AFTER_IDLE_S` (while the reader reads), so that it does not slow
    the page on screen: one Python process runs one thread at a time. ``ALLIANCE_PREPARE=off``
    turns it off (the test suite does, for repeatable timings)."""
    if os.environ.get("ALLIANCE_PREPARE", "on") == "off":
        return
    try:
        opened = _open_store(str(database_path()))
    except StoreError:   # the page has said why already
        return
    language = current_language()
    key = (opened.opened, opened.data_version(), language, therapist_id)
    with _prepared_lock:
        if key in _prepared:
            return
        _prepared.add(key)
    threading.Thread(target=_prepare, args=(opened, therapist_id, language), daemon=True,
                     name="alliance-prepare").start()


#: The preparing thread's niceness: the pages being drawn for someone come first.
_PREPARE_NICENESS = 19
#: Seconds without a page being drawn, in any browser session, before each step of the preparation
#: starts. Python runs one thread at a time: a step computed beside a page being drawn (seconds at a
#: million sessions) would halve that page's speed, so it waits for the reader to be reading.
PREPARE_AFTER_IDLE_S = 3.0

_drawing = 0                       # page runs in progress, in every browser session
_last_drawn = time.monotonic()     # when the last one started or ended
_drawing_changed = threading.Condition()


@contextmanager
def drawing_a_page() -> Iterator[None]:
    """Around a page's run (dashboard.py): the preparation waits while any page is being drawn."""
    global _drawing, _last_drawn
    with _drawing_changed:
        _drawing += 1
        _last_drawn = time.monotonic()
    try:
        yield
    finally:
        with _drawing_changed:
            _drawing -= 1
            _last_drawn = time.monotonic()
            _drawing_changed.notify_all()


def wait_until_idle(idle_s: float | None = None) -> None:
    """Return once no page has been drawn for *idle_s* seconds (default :data:`PREPARE_AFTER_IDLE_S`)."""
    idle_s = PREPARE_AFTER_IDLE_S if idle_s is None else idle_s
    with _drawing_changed:
        while True:
            quiet_for = time.monotonic() - _last_drawn
            if _drawing == 0 and quiet_for >= idle_s:
                return
            _drawing_changed.wait(timeout=max(idle_s - quiet_for, 0.05) if _drawing == 0 else None)


def prepare_at_start() -> None:
    """Before the server takes its first visitor (app.py): open the store (loading the demo
    practice into an empty one), import what the pages draw with, and compute what the therapist's
    first page opens on (:func:`alliance_metrics.prepare.prepare`) for the caseload the sidebar
    shows first — the whole practice, or its only therapist — in the practice's language (a
    browser asking for another one has it computed on its first visit), and what the supervisor
    page's view would release (:func:`~alliance_metrics.anonymise.prepare_release`: computed, not
    written) with that view, its export and its charts. Seconds at a million sessions, said on the
    terminal; without it the first visit after every start paid them. ``ALLIANCE_PREPARE=off``
    turns it off, as the background preparation. A store that cannot be opened, or any failure,
    is left for the first page to say."""
    if os.environ.get("ALLIANCE_PREPARE", "on") == "off":
        return
    started = time.perf_counter()
    try:
        import alliance_metrics.charts  # noqa: F401  (plotly and the charts: the pages' first import)
        from alliance_metrics.anonymise import prepare_release
        from alliance_metrics.i18n import choose_language
        from alliance_metrics.prepare import prepare

        opened = _open_store(str(database_path()))
        language = _start_language[0] = choose_language(setting=opened.settings().get("language"))
        with use_language(language):
            sessions = session_count(opened)
            _say(_("Alliance: preparing the first page ({n} sessions)…").format(n=format_decimal(sessions, 0)))
            names = therapists(opened)
            therapist_id = names[0] if len(names) == 1 else None   # whom the sidebar shows (ui/sidebar.py)
            prepare(opened, therapist_id)
            if sessions:   # the supervisor page's view, and what it will release (not written)
                _prepare_supervisor_page(prepare_release(opened))
            with _prepared_lock:
                _prepared.add((opened.opened, opened.data_version(), language, therapist_id))
            _say(_("Alliance: ready in {seconds} s.").format(
                seconds=format_decimal(time.perf_counter() - started, 1)))
    except Exception as error:   # the first page computes it again and shows any error itself
        _say(_("Alliance: nothing prepared ({error}); the first page will compute it.").format(
            error=f"{type(error).__name__}: {error}"))


def _prepare_supervisor_page(view: "SupervisorView") -> None:
    """What the supervisor page draws *view* with, made ahead: its export, and its charts (kept
    by the export's digest, ui/supervision.py). Anonymised, as the view."""
    from alliance_metrics.supervisor_file import exports_digest
    from ui import supervision

    supervision.prepare(view, exports_digest(practice_supervisor_export(view)))


_start_language = ["en"]   # the practice's, once prepare_at_start has read it


def say_serving_meanwhile(seconds: float) -> None:
    """Say on the terminal that the server answers while :func:`prepare_at_start` goes on (app.py),
    in the language it prepares in."""
    with use_language(_start_language[0]):
        _say(_("Alliance: serving after {seconds} s; the preparation goes on.").format(
            seconds=format_decimal(seconds, 0)))


def _say(line: str) -> None:
    """A line on the server's terminal."""
    print(line, file=sys.stderr, flush=True)


def _prepare(opened: Store, therapist_id: str | None, language: str) -> None:
    from alliance_metrics.prepare import prepare

    try:   # Linux schedules threads one by one: lower this one's priority only
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _PREPARE_NICENESS)
    except (AttributeError, OSError):   # not on this system: prepare at the same priority
        pass
    try:
        with use_language(language):
            prepare(opened, therapist_id, before_each=wait_until_idle)
    except Exception:   # the page that needs it computes it again and shows any error itself
        logging.getLogger(__name__).debug("background preparation failed", exc_info=True)
