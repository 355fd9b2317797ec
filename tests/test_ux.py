"""The Monday-morning experience (issue 15, items 1–3): Needs attention first with full reasons
and a way into each client, small-multiple trend charts, and the rough surfaces — each fixed
here with a hand-worked expectation."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from alliance_metrics.attention import RULES
from alliance_metrics.charts import (
    alliance_chart,
    alliance_range,
    period_grid,
    period_trend,
    score_months,
    score_trend,
)
from alliance_metrics.i18n import use_language
from alliance_metrics.inventory import DEMO_REPLACED
from alliance_metrics.report import signed_points
from alliance_metrics.review import most_urgent_first
from alliance_metrics.scores import SCORES
from alliance_metrics.settings import SETTINGS
from alliance_metrics.store import Store
from tests.conftest import at, insert_sessions
from tests.test_app import open_app, small_practice, texts  # noqa: F401 (small_practice: a fixture)
from ui.pages import PAGES
from ui.widgets import EMPTY_CELL


def axes(figure: dict, letter: str) -> list[str]:
    """The names of a figure's x or y axes (xaxis, xaxis2, …): one per subplot panel."""
    return sorted(name for name in figure["layout"] if name.startswith(f"{letter}axis"))


# -- 1. Needs attention first ---------------------------------------------------------------------

def test_most_urgent_first_orders_by_reasons_then_name():
    table = pd.DataFrame({"client_id": ["z1", "a1", "m1", "b1"],
                          "display_name": ["Zoé", "Ana", "Max", "Ana"],
                          "n_reasons": [2, 1, 3, 1]})
    # 3 reasons, then 2, then the two with 1 by name; the two Anas by code
    assert most_urgent_first(table).client_id.tolist() == ["m1", "z1", "a1", "b1"]


def test_needs_attention_comes_first_and_opens_the_client(monkeypatch, small_practice):
    app = open_app(monkeypatch, small_practice, demo=False)
    assert [s.value for s in app.subheader][:2] == ["Needs attention", "The week in figures"]
    assert not any("reasons" in frame.value.columns for frame in app.dataframe)   # not a cut column
    # the whole reason, in words, in the client's block
    assert any("\n- Late cancellation on 4 Mar 2026" in block.value for block in app.markdown)
    # headline figures in HEADLINES order, the same on every run
    assert [m.label for m in app.metric][:3] == ["Sessions held", "Missed sessions", "Attendance"]
    app.button(key="open_client_cleo").click().run()
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Client"]
    assert app.selectbox(key="client").value == "cleo"
    # c1 attended, c2 a late cancellation: the client page shows Cléo's figures
    assert {m.label: m.value for m in app.metric}["Attendance"] == "50%"


def test_a_long_list_is_drawn_ten_at_a_time(monkeypatch, tmp_path):
    # 12 clients, each a no-show on Monday 2 March 2026: 12 need attention, one reason each
    path = tmp_path / "many.duckdb"
    store = Store(path)
    insert_sessions(store, [dict(session_id=f"n{i}", client_id=f"k{i:02d}", status="no_show",
                                 scheduled_start=at("2026-03-02 10:00")) for i in range(12)])
    store.close()
    app = open_app(monkeypatch, path, demo=False)
    opens = lambda: [b.key for b in app.button if b.key.startswith("open_client_")]
    assert opens() == [f"open_client_k{i:02d}" for i in range(10)]       # by code (no names)
    assert "The 10 with the most reasons are shown; 2 more need attention." in texts(app)
    assert [b.label for b in app.button if b.key == "attention_more"] == ["Show 2 more"]
    app.button(key="attention_more").click().run()
    assert opens() == [f"open_client_k{i:02d}" for i in range(12)]
    assert not any(b.key == "attention_more" for b in app.button)


# -- 2. Readable charts ---------------------------------------------------------------------------

TREND = pd.DataFrame({"period_start": pd.to_datetime(["2026-03-02", "2026-03-09"]),
                      **{score.name: [80.0, 90.0] for score in SCORES}})


def test_score_trend_is_one_panel_per_score_on_shared_axes():
    figure = json.loads(score_trend(TREND, [s.name for s in SCORES]).to_json())
    assert len(figure["data"]) == 6
    assert len(axes(figure, "x")) == 6 and len(axes(figure, "y")) == 6
    assert [trace["xaxis"] for trace in figure["data"]] == ["x", "x2", "x3", "x4", "x5", "x6"]
    # shared: every x axis but one follows that one (plotly picks the bottom-left), every y axis too
    for letter in "xy":
        follows = [figure["layout"][name].get("matches") for name in axes(figure, letter)]
        assert follows.count(None) == 1 and len(set(follows) - {None}) == 1, follows
    titles = [note["text"] for note in figure["layout"]["annotations"]]
    assert titles == [score.label for score in SCORES]


@pytest.mark.parametrize("language, sign", [("en", "%"), ("fr", "\u00a0%")])
def test_a_charts_percentages_are_written_as_the_pages_figures(language, sign):
    # 87% on the page in English, 87 % (a no-break space) in French: the chart's axis and tips alike
    with use_language(language):
        trend = score_trend(TREND, ["attendance"])
        months = score_months(pd.DataFrame({"period_start": pd.to_datetime(["2026-01-01"]), "attendance": [75.0]}),
                              ["attendance"], "Scores by month")
    assert trend.layout.yaxis.ticksuffix == sign
    assert trend.data[0].hovertemplate.count("%{y:.0f}" + sign) == 1
    assert months.data[0].hovertemplate.count("%{z:.0f}" + sign) == 1


def test_score_months_is_one_grid_with_a_column_for_every_month_between_the_first_and_the_last():
    # January and March scored, February without a session: three columns, February's empty
    by_month = pd.DataFrame({"period_start": pd.to_datetime(["2026-01-01", "2026-03-01"]),
                             "attendance": [75.0, 100.0], "payment": [None, 50.0]})
    figure = score_months(by_month, ["attendance", "payment"], "Scores by month")
    assert len(figure.data) == 1 and len(axes(json.loads(figure.to_json()), "y")) == 1
    grid = figure.data[0]
    assert grid.type == "heatmap"
    assert list(grid.x) == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert list(grid.y) == ["Attendance", "Payment"]
    assert grid.z.tolist()[0][0::2] == [75.0, 100.0] and grid.z[1][2] == 50.0
    assert pd.isna([grid.z[0][1], grid.z[1][0], grid.z[1][1]]).all(), grid.z   # NaN: no cell drawn
    assert (grid.zmin, grid.zmax) == (0, 100) and grid.texttemplate == "%{z:.0f}"
    assert list(score_months(by_month.head(0), ["attendance"], "Scores by month").data[0].x) == []


def test_period_grid_is_a_row_per_score_with_suppressed_cells_marked_and_cells_without_clients_empty():
    trends = pd.DataFrame({
        "period": ["2026-01", "2026-02", "2026-01", "2026-02"],
        "measure": ["attendance", "attendance", "therapist_punctuality", "therapist_punctuality"],
        "mean": [90.0, None, None, 85.0], "n_clients": [12, None, 0, 13],
        "suppressed": [False, True, False, False]})
    figure = period_grid(trends, ["attendance", "therapist_punctuality"],
                         {"attendance": "Attendance", "therapist_punctuality": "Therapist punctuality"}, "T")
    values, withheld = figure.data
    assert list(values.x) == ["2026-01", "2026-02"]
    assert list(values.y) == ["Attendance", "Therapist<br>punctuality"]
    # rows as tall as a two-line name (17 px a line + 6): 110 + 2 × 40; the periods' labels under
    # the grid, where turning them on end on a phone cannot run them into the title
    assert figure.layout.height == 190 and figure.layout.xaxis.side != "top" and figure.layout.xaxis.automargin
    assert values.z[0][0] == 90.0 and values.z[1][1] == 85.0
    assert pd.isna([values.z[0][1], values.z[1][0]]).all()   # suppressed, and no clients: no value drawn
    assert values.customdata.tolist() == [["12", ""], ["0", "13"]]   # a withheld count is not sent
    # the one suppressed cell, February's attendance, is marked; the cell without clients is not
    assert withheld.z[0][1] == 0 and pd.isna([withheld.z[0][0], withheld.z[1][0], withheld.z[1][1]]).all()
    assert withheld.text.tolist() == [["", "—"], ["", ""]] and "suppressed" in withheld.hovertemplate
    nothing_withheld = trends.assign(suppressed=False, mean=trends["mean"].fillna(50.0))
    assert len(period_grid(nothing_withheld, ["attendance"], {}, "T").data) == 1


def test_period_trend_panels_say_suppressed_where_their_cell_is():
    trends = pd.DataFrame({
        "period": ["2026-01", "2026-02", "2026-01", "2026-02"],
        "measure": ["attendance", "attendance", "payment", "payment"],
        "mean": [90.0, None, 80.0, 85.0], "n_clients": [12, None, 12, 13],
        "suppressed": [False, True, False, False]})
    figure = json.loads(period_trend(trends, ["attendance", "payment"], {"attendance": "Attendance",
                                                                       "payment": "Payment"}, "T").to_json())
    assert len(axes(figure, "y")) == 2
    notes = [(n["text"], n.get("xref")) for n in figure["layout"]["annotations"]]
    # two panel titles, one note: February's attendance, over the attendance panel only
    assert notes == [("Attendance", "paper"), ("Payment", "paper"), ("suppressed", "x")]


def test_alliance_chart_fits_the_ratings_and_draws_the_setting():
    facts = pd.DataFrame({"scheduled_start": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-16"]),
                          "alliance_rating": [37.0, None, 39.5]})
    figure = json.loads(alliance_chart(facts, 34).to_json())
    # ratings 37–39.5 and the line at 34, a point of margin each side
    assert figure["layout"]["yaxis"]["range"] == [33.0, 40.5]
    [line] = figure["layout"]["shapes"]
    assert line["y0"] == line["y1"] == 34
    assert alliance_range(pd.Series([20.0, 25.0]), 36) == [19.0, 37.0]


# -- 3. Rough surfaces ----------------------------------------------------------------------------

def test_signed_points_says_point_for_one():
    assert [signed_points(v) for v in (1, -1, 2, 0, 0.6)] == ["+1 point", "-1 point", "+2 points", "+0 points",
                                                             "+1 point"]
    assert signed_points(float("nan")) == "—"


def test_client_progress_of_one_point_is_singular(monkeypatch, tmp_path):
    path = tmp_path / "one.duckdb"
    store = Store(path)
    insert_sessions(store, [   # goal 4 then 5: baseline 4 (first rating), latest 5 → +1 point
        dict(session_id="p1", client_id="pia", scheduled_start=at("2026-03-02 10:00"), status="attended",
             goal_rating=4),
        dict(session_id="p2", client_id="pia", scheduled_start=at("2026-03-09 10:00"), status="attended",
             goal_rating=5)])
    store.close()
    app = open_app(monkeypatch, path, demo=False)
    app.switch_page("pages/client.py").run()
    assert {m.label: m.value for m in app.metric}["Progress toward the goal"] == "+1 point"


@pytest.fixture(scope="module")
def demo_app_db(tmp_path_factory):
    return tmp_path_factory.mktemp("ux_demo") / "alliance.duckdb"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_every_table_shows_a_dash_for_an_empty_cell(page, monkeypatch, demo_app_db):
    app = open_app(monkeypatch, demo_app_db)
    app.switch_page(page.file).run()
    for frame in app.dataframe:
        assert frame.proto.placeholder == EMPTY_CELL, (page.file, frame.key)


def test_the_session_rating_is_called_the_engagement_rating():
    rule = next(rule for rule in RULES if rule.code == "involvement_falling")
    assert rule.title == "Engagement rating falling"
    for text in [r.title for r in RULES] + [s.help for s in SETTINGS]:
        assert "involvement rating" not in text.lower() and not text.startswith("Involvement"), text


def test_settings_save_keeps_the_valid_fields_and_marks_the_other(monkeypatch, small_practice):
    app = open_app(monkeypatch, small_practice, demo=False)
    app.switch_page("pages/settings.py").run()
    app.number_input(key="setting_grace_min").set_value(10)
    app.number_input(key="setting_late_cancel_hours").set_value(500)    # allowed: 0 to 168
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert [s.value for s in app.success] == ["Saved: Grace for lateness (minutes)."], ([s.value for s in app.success], [e.value for e in app.error])
    errors = [error.value for error in app.error]
    assert errors[0] == ("Not saved: Notice for a timely cancellation (hours) takes a number from 0 "
                         "to 168; you provided 500.")
    assert "Not saved: Notice for a timely cancellation (hours) — each" in errors[-1]
    # the error is drawn right after its field, not at the top
    assert app.number_input(key="setting_late_cancel_hours").value == 500   # what was typed stays
    store = Store(small_practice, create=False)
    try:
        assert store.settings()["grace_min"] == 10 and store.settings()["late_cancel_hours"] == 24
    finally:
        store.close()


def test_save_valid_settings_saves_the_rest(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    errors = store.save_valid_settings({"grace_min": 12, "payment_grace_days": -1})
    assert list(errors) == ["payment_grace_days"]
    assert store.settings()["grace_min"] == 12 and store.settings()["payment_grace_days"] == 7


def test_your_data_and_import_say_the_same_about_the_demo(monkeypatch, tmp_path):
    app = open_app(monkeypatch, tmp_path / "demo.duckdb")
    for page in ("pages/your_data.py", "pages/import_data.py"):
        app.switch_page(page).run()
        shown = texts(app)
        assert DEMO_REPLACED in shown, page
        assert "stay until" not in shown, page


def test_supervisor_view_is_made_again_in_a_new_month(monkeypatch, tmp_path):
    # 12 clients, one attended session a week from September to November 2026: as of 30
    # November the last closed month is October; from 1 December it is November — the same
    # data version, a new view.
    path = tmp_path / "sup.duckdb"
    store = Store(path)
    rows = [dict(session_id=f"c{c}-{w}", client_id=f"c{c}", scheduled_start=datetime(2026, 9, 1, 9) +
                 timedelta(weeks=w), status="attended", alliance_rating=30 + c % 10, goal_rating=3 + w % 5)
            for c in range(12) for w in range(13)]
    insert_sessions(store, rows)
    store.close()
    monkeypatch.setenv("ALLIANCE_DB", str(path))
    monkeypatch.setenv("ALLIANCE_DEMO", "off")
    from ui.state import practice_supervisor_view

    import alliance_metrics.anonymise as anonymise

    made = []
    original = anonymise._view_of
    monkeypatch.setattr(anonymise, "_view_of", lambda frozen, of: made.append(of.this_month) or original(frozen, of))
    november = practice_supervisor_view(today=date(2026, 11, 30))
    again = practice_supervisor_view(today=date(2026, 11, 2))       # the same month: the same view, kept
    december = practice_supervisor_view(today=date(2026, 12, 1))
    assert made == [date(2026, 11, 1), date(2026, 12, 1)]
    assert again is november
    assert (november.last_period, again.last_period, december.last_period) == ("2026-10", "2026-10", "2026-11")


def test_a_supervisor_can_sign_out(monkeypatch, tmp_path):
    from tests.test_roles import AUTH

    monkeypatch.setenv("ALLIANCE_DB", str(tmp_path / "s.duckdb"))
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=60)
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "alliance_role": "supervisor"}
    app.run()
    assert not app.exception, app.exception
    assert [b.label for b in app.sidebar.button] == ["Sign out"]
    assert [c.value for c in app.sidebar.caption] == ["Signed in as supervisor."]
