"""The supervisor page and its export for a solo therapist's 17 clients and for the demo practice:
every section shows released figures or a sentence saying why not — in AppTest and in a real browser.

SOLO: one therapist, 17 clients over the eleven months before this one; client i starts in month
i // 2 (two new clients a month), comes every other week for five months, rates the alliance
28–40 and their goal 2 → 2 + (i mod 6); clients 0, 5 and 10 drop out (their last session
missed). The page is made today, so the months are relative to today's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from alliance_metrics.anonymise import MEASURE_LABELS, SCORE_NAMES, TABLE_SCHEMAS, add_months, month_start
from alliance_metrics.store import Store
from alliance_metrics.supervisor_file import export_json, loads_export
from alliance_metrics.supervisor_report import what_it_shows
from tests.browser import CHROMIUM, chromium, running_app, visit
from tests.conftest import drawn_figures, insert_sessions
from tests.test_roles import APP, AUTH
from tests.test_supervisor_canaries import everything_shown
from tests.test_supervisor_export import resign
from ui.state import practice_supervisor_view

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SECTIONS = ("Trends by", "Caseload flow", "How the scores relate to progress", "Therapists compared")
NOT_A_NUMBER = re.compile(r"\bnan\b|\bNone\b|<NA>", re.IGNORECASE)


def solo_rows(today: date) -> list[dict]:
    first = add_months(month_start(today), -11)
    rows = []
    for client in range(17):
        start = datetime.combine(add_months(first, client // 2), datetime.min.time()) + timedelta(days=3, hours=9)
        sessions = 10
        for number in range(sessions):
            missed = client in (0, 5, 10) and number == sessions - 1
            rows.append(dict(
                session_id=f"s{client}-{number}", client_id=f"k{client}", therapist_id="solo",
                scheduled_start=start + timedelta(days=14 * number),
                status="no_show" if missed else "attended",
                client_late_min=None if missed else float((client + number) % 9),
                engagement=None if missed else 1 + (client + number) % 5,
                alliance_rating=None if missed else float(28 + (client * 3 + number) % 13),
                goal_rating=None if missed else float(min(10, 2 + (client % 6) * number / (sessions - 1))),
                fee=60.0, paid_on=None if missed else (start + timedelta(days=14 * number)).date(),
            ))
    return [row for row in rows if row["scheduled_start"].date() < today]


@pytest.fixture(scope="module")
def solo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("solo")
    for name in ("apptest.duckdb", "browser.duckdb"):
        store = Store(folder / name)
        insert_sessions(store, solo_rows(date.today()))
        store.close()
    return folder


@pytest.fixture(autouse=True)
def _key(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path_factory.getbasetemp() / "practice.key"))


def supervisor_page(monkeypatch, db, demo: bool) -> AppTest:
    monkeypatch.setenv("ALLIANCE_DB", str(db))
    monkeypatch.setenv("ALLIANCE_DEMO", "on" if demo else "off")
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "alliance_role": "supervisor"}
    app.run()
    app.switch_page("pages/supervisor.py").run()
    assert not app.exception, app.exception
    return app


def check_every_section_speaks(app: AppTest) -> str:
    shown = everything_shown(app)
    headers = [header.value for header in app.header]
    for section in SECTIONS:
        assert any(header.startswith(section) for header in headers), (section, headers)
    assert NOT_A_NUMBER.findall(shown) == []
    assert "at least k = 11 distinct clients" in app.info[0].value      # what can and cannot be seen
    assert len(drawn_figures(app)) >= 3                     # scores, progress, caseload
    for frame in app.dataframe:
        assert not frame.value.isna().any().any(), frame.value          # words, never blanks
    return shown


def test_a_solo_caseload_of_17_clients(monkeypatch, solo_db):
    app = supervisor_page(monkeypatch, solo_db / "apptest.duckdb", demo=False)
    shown = check_every_section_speaks(app)
    therapists = app.dataframe[-1].value   # one column per therapist, one row per measure
    assert len(therapists.columns) == 1 and "Total" not in set(therapists.columns)   # no repeated Total
    assert "no one to compare with" in shown
    # 17 clients: bands of 11 leave one band — said, not drawn as a single "0 to 100" bar
    assert "one band only" in shown or "single band" in shown
    # suppressed cells are named in the charts (never blank, never 0)
    caseload = drawn_figures(app)[2]
    notes = [note["text"] for note in caseload["layout"].get("annotations", [])]
    assert all(text.startswith(("suppressed", "not yet known")) for text in notes) and notes
    # the export holds what the page shows (the same cached release), and says the same sentences
    export = loads_export(export_json(practice_supervisor_view()))
    assert what_it_shows(export) == [line.removeprefix("- ") for line in app.info[0].value.splitlines()]
    assert export.therapists.equals(loads_export(export_json(practice_supervisor_view())).therapists)


def test_the_demo_practice(monkeypatch, tmp_path):
    app = supervisor_page(monkeypatch, tmp_path / "demo.duckdb", demo=True)
    shown = check_every_section_speaks(app)
    therapists = app.dataframe[-1].value
    # therapists side by side, the total last; one row per measure, in the page's order of measures
    assert list(therapists.columns)[-1] == "Total" and len(therapists.columns) >= 3
    assert all(name.startswith("Therapist ") for name in list(therapists.columns)[:-1])
    assert list(therapists.index) == [label for label in MEASURE_LABELS.values() if label in set(therapists.index)]
    assert list(therapists.index)[:len(SCORE_NAMES)] == [MEASURE_LABELS[name] for name in SCORE_NAMES]
    assert "Therapist " in shown


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}")
def test_the_solo_caseload_in_the_browser(solo_db):
    ARTIFACTS.mkdir(exist_ok=True)
    with running_app(solo_db / "browser.duckdb") as base_url, chromium() as browser:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        shown = visit(tab, base_url, "supervisor", title="Supervisor view", charts=True,
                      screenshot=ARTIFACTS / "supervisor-solo.png")
    assert shown.exceptions == 0 and shown.crash_alerts == []
    assert shown.charts >= 3
    assert "suppressed" in shown.text or "not yet known" in shown.text
    assert NOT_A_NUMBER.findall(shown.text) == []
    for section in SECTIONS:
        assert section in shown.text


def test_a_key_path_that_is_a_folder_is_an_error_on_the_page(monkeypatch, solo_db, tmp_path):
    st.cache_data.clear()   # the view the tests above cached would be shown without reading the key
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path))
    monkeypatch.setenv("ALLIANCE_DB", str(solo_db / "apptest.duckdb"))
    monkeypatch.setenv("ALLIANCE_DEMO", "off")
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "alliance_role": "supervisor"}
    app.run()
    app.switch_page("pages/supervisor.py").run()
    assert not app.exception, app.exception
    assert "is a folder" in app.error[0].value


@pytest.mark.parametrize("crafted, message", [
    (b"[" * 100_000 + b"]" * 100_000, "nested far deeper"),
    (None, "no 'Total' row"),
])
def test_the_open_exports_page_refuses_crafted_files_with_a_sentence(monkeypatch, solo_db, crafted, message):
    if crafted is None:   # a valid checksum over a therapist table of two therapists without its Total
        body = {"format": "alliance-supervisor-export", "version": 2, "k": 11, "granularity": "month",
                "first_period": None, "last_period": None, "ending_gap_days": 56,
                "sources": [{"practice": "Practice 0123abcd", "scope": "All therapists", "as_of": "2026-03"}],
                "tables": {name: {"columns": list(schema), "rows": []} for name, schema in TABLE_SCHEMAS.items()}}
        body["tables"]["therapists"]["rows"] = [
            [f"Therapist {code}", "attendance", 12, 80.0, 100.0, False] for code in ("0000aaaa", "1111bbbb")]
        crafted = resign(body).encode()
    monkeypatch.setenv("ALLIANCE_DB", str(solo_db / "apptest.duckdb"))
    monkeypatch.setenv("ALLIANCE_DEMO", "off")
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "alliance_role": "supervisor"}
    app.run()
    app.switch_page("pages/open_exports.py").run()
    app.file_uploader(key="export_files").upload("export.json", crafted, "application/json").run()
    assert not app.exception, app.exception
    assert message in app.error[0].value


def test_a_network_of_many_therapists_gets_one_row_per_therapist_the_total_first():
    import pandas as pd

    from alliance_metrics.anonymise import TOTAL
    from ui.supervision import MAX_THERAPIST_COLUMNS, therapists_table

    names = [f"p{n:02d}" for n in range(MAX_THERAPIST_COLUMNS)] + [TOTAL]     # 12 therapists and the total
    rows = pd.DataFrame({"therapist": names * 2, "measure": ["attendance"] * 13 + ["payment"] * 13,
                         "mean": [float(n) for n in range(26)], "suppressed": [False] * 26})
    table = therapists_table(rows)
    assert list(table.index) == ["Total", *names[:-1]]                # turned: a row per therapist
    assert list(table.columns) == [MEASURE_LABELS["attendance"], MEASURE_LABELS["payment"]]
    assert table.loc["Total"].tolist() == ["12.0", "25.0"] and table.loc["p00"].tolist() == ["0.0", "13.0"]
    few = therapists_table(rows[rows.therapist.isin(["p00", "p01", TOTAL])])
    assert list(few.columns) == ["p00", "p01", "Total"]                # a practice's few: side by side


def test_the_band_charts_open_on_the_first_score_that_has_two_bands():
    import dataclasses

    import pandas as pd

    from alliance_metrics.anonymise import SupervisorView, table_frame
    from ui.supervision import opening_score

    empty = {name: table_frame(name, []) for name in TABLE_SCHEMAS}
    view = SupervisorView(k=11, granularity="month", first_period="2026-10", last_period="2026-10",
                          ending_gap_days=56, sources=(), **empty)

    def with_bands(*measures: str) -> SupervisorView:
        return dataclasses.replace(view, distributions=pd.DataFrame({"measure": list(measures)}))

    # attendance has one band (nothing to draw), punctuality none, engagement two
    assert opening_score(with_bands("attendance", "engagement", "engagement")) == "engagement"
    assert opening_score(with_bands("payment", "payment", "attendance", "attendance")) == "attendance"
    assert opening_score(with_bands("attendance", "punctuality")) == "attendance"   # none has two: the first


def test_the_charts_are_built_once_per_view(monkeypatch, tmp_path):
    """The supervisor's charts are kept per view, keyed by the digest of the export it is, and
    language (ui/figures.py): a rerun of the page draws the same charts unbuilt; the same view in
    another language builds its own."""
    from collections import OrderedDict

    from ui import figures, supervision

    monkeypatch.setattr(figures, "_figures", OrderedDict())   # none kept by the tests before
    built = []
    for builder in ("period_grid", "period_trend"):   # the scores' grid, the progress chart
        real = getattr(supervision, builder)
        monkeypatch.setattr(supervision, builder,
                            lambda *args, real=real, **kwargs: built.append(1) or real(*args, **kwargs))
    app = supervisor_page(monkeypatch, tmp_path / "alliance.duckdb", demo=True)
    first = len(built)
    assert first >= 2                            # scores and progress
    app.run()
    assert not app.exception and len(built) == first   # the rerun built none
    monkeypatch.setenv("ALLIANCE_LANG", "fr")       # the same view in French: its own charts
    app.run()
    assert not app.exception and len(built) == first + 2
    assert app.header[0].value.startswith("Tendances")
