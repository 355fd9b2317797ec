"""Canaries: a practice whose client ids, names, goals and therapist ids are unique marked strings.
Every supervisor page — as AppTest sees it and as a real browser's DOM has it — is searched:
no canary appears, and no exact date."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from alliance_metrics.demo import generate_practice
from alliance_metrics.ingest import import_clients, import_sessions
from alliance_metrics.store import Store
from tests.browser import CHROMIUM, MAIN, chromium, running_app, visit
from tests.test_roles import APP, AUTH
from ui.pages import PAGES

CANARY = "CANARY"
EXACT_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{4}\b")
SUPERVISOR_PAGES = [page for page in PAGES if "supervisor" in page.roles]


@pytest.fixture(scope="module")
def canary_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("canary")
    practice = generate_practice(seed=7, n_clients=80)
    ids = {client: f"{CANARY}ID{number:03d}x" for number, client in enumerate(practice.clients.client_id)}
    therapists = {t: f"{CANARY}TH{n}" for n, t in enumerate(sorted(practice.clients.therapist_id.unique()))}
    clients = practice.clients.assign(
        client_id=practice.clients.client_id.map(ids),
        therapist_id=practice.clients.therapist_id.map(therapists),
        display_name=[f"{CANARY}NAME{n}" for n in range(len(practice.clients))],
        goal=[f"{CANARY}GOAL{n} wants to sleep" for n in range(len(practice.clients))],
    )
    sessions = practice.sessions.assign(client_id=practice.sessions.client_id.map(ids),
                                        therapist_id=practice.sessions.therapist_id.map(therapists),
                                        session_id=practice.sessions.session_id.radd(CANARY + "S"))
    for frame, name in ((sessions, "sessions.csv"), (clients, "clients.csv")):
        frame.to_csv(folder / name, index=False, date_format="%Y-%m-%d %H:%M")
    # two copies: the AppTest tests keep theirs open in this process, the browser's server
    # (another process) needs its own file
    for db in (folder / "apptest.duckdb", folder / "browser.duckdb"):
        store = Store(db)
        import_clients(store, folder / "clients.csv")
        import_sessions(store, folder / "sessions.csv")
        store.close()
    return folder


def everything_shown(app: AppTest) -> str:
    """Every text, table cell and chart specification the page rendered."""
    parts = [str(getattr(e, "value", "")) for kind in ("title", "header", "subheader", "markdown", "caption",
                                                       "info", "warning", "error", "success", "text")
             for e in getattr(app, kind)]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    parts += [metric.label + str(metric.value) for metric in app.metric]
    parts += [component.proto.json for component in app.get("bidi_component")]   # the charts, all they carry
    parts += [json.dumps(list(box.options)) for box in app.selectbox]
    return "\n".join(parts)


def test_the_canary_practice_really_has_canaries(canary_db):
    store = Store(canary_db / "browser.duckdb")
    assert store.scalar("select count(*) from clients where display_name like 'CANARYNAME%'") == 80
    store.close()


@pytest.mark.parametrize("page", SUPERVISOR_PAGES, ids=lambda page: page.url_path)
def test_supervisor_pages_in_apptest_show_no_canary_and_no_date(page, canary_db, monkeypatch):
    monkeypatch.setenv("ALLIANCE_DB", str(canary_db / "apptest.duckdb"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "alliance_role": "supervisor"}
    app.run()
    app.switch_page(page.file).run()
    assert not app.exception, app.exception
    shown = everything_shown(app)
    assert page.title in shown
    assert CANARY not in shown
    assert EXACT_DATE.findall(shown) == []


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}")
def test_supervisor_pages_in_the_browser_dom_show_no_canary_and_no_date(canary_db):
    with running_app(canary_db / "browser.duckdb") as base_url, chromium() as browser:
        tab = browser.new_page()
        for page in SUPERVISOR_PAGES:
            shown = visit(tab, base_url, page.url_path, title=page.title, charts=page.url_path == "supervisor")
            assert shown.exceptions == 0 and page.title in shown.heading
            main_html = tab.locator(MAIN).inner_html()
            assert CANARY not in shown.text and CANARY not in main_html, page.url_path
            assert EXACT_DATE.findall(shown.text) == [], page.url_path
        # the control: a therapist page of the same server does show the canaries
        therapist_page = visit(tab, base_url, "client", title="Client")
        assert CANARY in therapist_page.text
