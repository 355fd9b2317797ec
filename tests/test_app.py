"""Every page opened by Streamlit's AppTest: on the demo practice, on an empty store, and on a
small hand-made practice whose figures are checked against the library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alliance_metrics.store import Store
from tests.conftest import at, day, drawn_figures, insert_clients, insert_sessions
from ui.pages import PAGES

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def open_app(monkeypatch, db_path, demo: bool = True) -> AppTest:
    monkeypatch.setenv("ALLIANCE_DB", str(db_path))
    monkeypatch.setenv("ALLIANCE_DEMO", "on" if demo else "off")
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    """All the text the page shows (markdown, captions, alerts, metrics)."""
    parts = [element.value for kind in ("markdown", "caption", "info", "warning", "success", "error", "title", "subheader", "header")
             for element in getattr(app, kind)]
    parts += [f"{metric.label}: {metric.value}" for metric in app.metric]
    return "\n".join(str(part) for part in parts)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return tmp_path_factory.mktemp("demo") / "alliance.duckdb"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_every_page_opens_on_the_demo_practice(page, monkeypatch, demo_db):
    app = open_app(monkeypatch, demo_db)
    app.switch_page(page.file).run()
    assert not app.exception, app.exception
    assert [title.value for title in app.title] == [page.title]
    # PageSpec.charts says which pages the browser fetches the chart code for ahead (ui/preload.py)
    assert bool(drawn_figures(app)) == page.charts, f"{page.url_path} draws {len(drawn_figures(app))} charts"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_every_page_opens_on_an_empty_store(page, monkeypatch, tmp_path):
    app = open_app(monkeypatch, tmp_path / "empty.duckdb", demo=False)
    app.switch_page(page.file).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_weekly_review_on_the_demo_draws_a_chart_and_says_it_is_demo(monkeypatch, demo_db):
    app = open_app(monkeypatch, demo_db)
    assert app.title[0].value == "Weekly review"
    assert "demo practice" in texts(app)
    drawn = drawn_figures(app)
    assert drawn, "the weekly trend chart is missing"
    figure = drawn[0]
    assert {trace["name"] for trace in figure["data"]} >= {"Attendance", "Punctuality", "Engagement"}


# A hand-made practice, reviewed for the week of Monday 2 March 2026.
#   ana: no-show this week (fee 60)                → missed session, billable 60
#   ben: attended on time, practice done          → nothing to flag
#   cleo: late cancellation this week (fee 50)    → missed session, billable 50
WEEK = [
    dict(session_id="a1", client_id="ana", scheduled_start=at("2026-02-23 10:00"), status="attended",
         client_late_min=0, fee=60, paid_on=day("2026-02-23")),
    dict(session_id="a2", client_id="ana", scheduled_start=at("2026-03-02 10:00"), status="no_show", fee=60,
         paid_on=day("2026-03-03")),
    dict(session_id="a3", client_id="ana", scheduled_start=at("2026-03-09 10:00"), status="booked"),
    dict(session_id="b1", client_id="ben", scheduled_start=at("2026-02-24 11:00"), status="attended",
         client_late_min=0, homework_done=1, fee=60, paid_on=day("2026-02-24")),
    dict(session_id="b2", client_id="ben", scheduled_start=at("2026-03-03 11:00"), status="attended",
         client_late_min=0, homework_done=1, fee=60, paid_on=day("2026-03-03")),
    dict(session_id="b3", client_id="ben", scheduled_start=at("2026-03-10 11:00"), status="booked"),
    dict(session_id="c1", client_id="cleo", scheduled_start=at("2026-02-25 09:00"), status="attended",
         client_late_min=0, fee=50, paid_on=day("2026-02-25")),
    dict(session_id="c2", client_id="cleo", scheduled_start=at("2026-03-04 09:00"), status="late_cancel",
         fee=50, paid_on=day("2026-03-04")),
    dict(session_id="c3", client_id="cleo", scheduled_start=at("2026-03-11 09:00"), status="booked"),
]


@pytest.fixture
def small_practice(tmp_path):
    path = tmp_path / "small.duckdb"
    store = Store(path)
    insert_sessions(store, WEEK)
    insert_clients(store, [dict(client_id="ana", display_name="Ana P."),
                           dict(client_id="ben", display_name="Ben R."),
                           dict(client_id="cleo", display_name="Cléo M.")])
    store.close()
    return path


def test_weekly_review_lists_exactly_who_needs_attention(monkeypatch, small_practice):
    app = open_app(monkeypatch, small_practice, demo=False)
    shown = texts(app)
    # the most recent week with a held session is the week of Monday 2 March
    assert "From Monday, 2 March 2026 to Sunday, 8 March 2026." in shown
    # one block per client, each with its button (most reasons first, then by name)
    opens = [button.key for button in app.button if button.key.startswith("open_client_")]
    assert opens == ["open_client_ana", "open_client_cleo"]              # not Ben, who came on time
    # each block one element: the name, then the reasons
    blocks = [element.value for element in app.markdown]
    ana = next(block for block in blocks if block.startswith("**Ana P\\.** · ana\n"))
    assert ana.split("\n")[2].startswith("- No\\-show on 2 Mar 2026")
    cleo = next(block for block in blocks if block.startswith("**Cléo M\\.** · cleo\n"))
    assert cleo.split("\n")[2].startswith("- Late cancellation on 4 Mar 2026")
    # headline figures, worked by hand: 1 attended of 3 owed this week → 33 %; 3 of 3 the weeks before
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Sessions held"] == "1"
    assert metrics["Attendance"] == "33%"                 # English (en_GB) writes no space
    assert metrics["Billable (missed)"] == "€110.00"
    assert "Total billable: **€110.00**" in shown


def test_client_page_explains_a_score_by_its_sessions(monkeypatch, small_practice):
    app = open_app(monkeypatch, small_practice, demo=False)
    app.switch_page("pages/client.py").run()
    assert not app.exception
    app.selectbox(key="client").select("cleo").run()
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Attendance"] == "50%"         # c1 attended, c2 late cancellation; c3 only booked
    assert metrics["Payment"] == "100%"           # both fees paid the same day (en_GB: no space)
    app.selectbox(key="explain_score").select("attendance").run()
    table = app.dataframe[0].value
    assert len(table) == 2
    assert "from these 2 sessions" in texts(app)


def test_settings_page_saves_a_setting_that_changes_the_scores(monkeypatch, small_practice):
    app = open_app(monkeypatch, small_practice, demo=False)
    app.switch_page("pages/settings.py").run()
    app.number_input(key="setting_grace_min").set_value(10)
    app.button[0].click()  # the form's submit button: a form sends its values with the click
    app.run()
    assert not app.exception
    assert "Saved: Grace for lateness (minutes)." in texts(app)   # its label, not its code name
    reopened = open_app(monkeypatch, small_practice, demo=False)   # a new browser session
    reopened.switch_page("pages/settings.py").run()
    assert reopened.number_input(key="setting_grace_min").value == 10


BAD_LOG = (b"client_id,scheduled_start,status,goal_rating\n"
           b"zed,2026-03-02 14:00,attended,7\n"
           b"zed,2026-03-09 14:00,attended,14\n")


def test_import_page_rejects_a_bad_file_keeps_the_demo_then_replaces_it(monkeypatch, tmp_path):
    app = open_app(monkeypatch, tmp_path / "import.duckdb")
    app.switch_page("pages/import_data.py").run()
    assert "demo practice" in texts(app)
    app.file_uploader(key="sessions_file").upload("log.csv", BAD_LOG, "text/csv")
    app.run()
    app.button(key="import_button").click().run()
    assert not app.exception
    assert any("nothing was imported" in error.value for error in app.error)
    [problems] = [frame.value for frame in app.dataframe
                  if list(frame.value.columns) == ["line", "column", "value", "reason", "code"]]
    assert problems.to_dict("records") == [
        {"line": 3, "column": "goal_rating", "value": "14", "reason": "goal_rating must be a number from 0 to 10",
         "code": "out_of_range"}]
    assert app.get("download_button"), "the rejected rows can be downloaded"
    app.switch_page("pages/your_data.py").run()
    assert "demo practice" in texts(app)                 # the rejected file changed nothing

    app.switch_page("pages/import_data.py").run()
    app.file_uploader(key="sessions_file").upload("log.csv", BAD_LOG.replace(b",14\n", b",8\n"), "text/csv")
    app.run()
    app.button(key="import_button").click().run()
    assert not app.exception and not app.error
    assert "2 rows read — 2 inserted" in app.success[0].value
    app.switch_page("pages/your_data.py").run()
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Clients"] == "1" and metrics["Sessions"] == "2"   # the demo was replaced
    assert "demo practice" not in texts(app)


def test_edge_states_say_so_instead_of_failing(monkeypatch, tmp_path):
    path = tmp_path / "edges.duckdb"
    store = Store(path)
    insert_sessions(store, WEEK + [dict(session_id="d1", client_id="dan", therapist_id="T2",
                                        scheduled_start=at("2026-03-03 15:00"), status="attended")])
    store.close()
    app = open_app(monkeypatch, path, demo=False)

    app.date_input(key="week").set_value(day("2026-04-08")).run()          # a week with no session
    assert not app.exception
    assert "No session was scheduled this week." in texts(app)

    app.sidebar.selectbox(key="therapist").select("T2").run()              # a therapist with one client
    for page in PAGES:
        app.switch_page(page.file).run()
        assert not app.exception, (page.file, app.exception)
    app.switch_page("pages/client.py").run()
    assert "No goal ratings yet for this client" in texts(app)             # a client with no ratings
    app.switch_page("pages/relationships.py").run()
    assert "No estimate:" in texts(app)                                    # one client: no correlation


def test_relationships_charts_follow_the_choices_and_are_kept_between_runs(monkeypatch, demo_db):
    from alliance_metrics import charts
    from ui import figures

    monkeypatch.setattr(figures, "_figures", type(figures._figures)())   # none kept by the tests before
    built = []
    real = charts.relation_scatter
    monkeypatch.setattr(charts, "relation_scatter", lambda *args, **kwargs: built.append(args[1]) or real(*args, **kwargs))
    app = open_app(monkeypatch, demo_db)
    app.switch_page("pages/relationships.py").run()
    assert not app.exception

    def x_titles():
        return [chart["layout"]["xaxis"]["title"]["text"] for chart in drawn_figures(app)]

    first = x_titles()
    assert len(built) == 2 and first[0].startswith("Alliance")        # between clients, within clients
    app.run()
    assert not app.exception and len(built) == 2 and x_titles() == first   # a rerun builds none
    app.selectbox(key="relationship_score").select("attendance").run()
    assert not app.exception and len(built) == 3 and x_titles()[0].startswith("Attendance")
    assert x_titles()[1] == first[1]                                   # the within-client chart is kept


def test_app_py_run_as_a_script_is_the_dashboard(monkeypatch, tmp_path):
    """``streamlit run app.py`` serves the st.App of app.py (tests/test_prepare.py starts it); run as
    a Streamlit script instead (AppTest, an older Streamlit), app.py is the dashboard itself."""
    monkeypatch.setenv("ALLIANCE_DB", str(tmp_path / "alliance.duckdb"))
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=TIMEOUT).run()
    assert not app.exception and app.title[0].value == "Weekly review"
    app.switch_page("pages/client.py").run()
    assert not app.exception and app.title[0].value == "Client"


def test_the_server_loads_the_pages_code_then_freezes_it_before_preparing():
    """app.py, imported as the server: every module of the library and of ui/ is imported, then
    frozen out of the garbage collector's walks (run in a process of its own: freezing is for good)."""
    check = ("import gc, sys, app, streamlit.delta_generator as dg; "
             "assert 'alliance_metrics.erasure' not in sys.modules and gc.get_freeze_count() == 0; "
             "app._load_the_pages_code(); "
             "print(gc.get_freeze_count() > 100_000, 'alliance_metrics.erasure' in sys.modules, "
             "'ui.widgets' in sys.modules, dg._use_warning_has_been_displayed)")
    done = subprocess.run([sys.executable, "-c", check], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True", "True", "True"]
