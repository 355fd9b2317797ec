"""The guided Import page (issue 10): upload, see what was understood, change it, import."""

from __future__ import annotations

import re
from datetime import datetime

from alliance_metrics.store import Store
from tests.test_app import open_app, texts

# SimplePractice-like: "Seen" is no label Alliance knows; 11/17/2026 settles month first
EXPORT = (b"Client,Date of Service,Time,Status,Fee,Clinician Notes\n"
          b"C1,11/02/2026,9:30 AM,Show,90,fine\n"
          b"C1,11/09/2026,9:30 AM,No Show,90,\n"
          b"C2,11/17/2026,2:00 PM,Seen,90,\n")


def labelled(widgets, label):
    [widget] = [widget for widget in widgets if widget.label == label]
    return widget


def frames(app, *columns):
    return [frame.value for frame in app.dataframe if list(frame.value.columns)[:len(columns)] == list(columns)]


def test_upload_choose_preview_import_and_the_choices_come_back(monkeypatch, tmp_path):
    database = tmp_path / "page.duckdb"
    app = open_app(monkeypatch, database, demo=False)
    app.switch_page("pages/import_data.py").run()
    app.file_uploader(key="sessions_file").upload("export.csv", EXPORT, "text/csv")
    app.run()
    assert not app.exception
    # what was understood: the date and the time columns joined, the fee, the labels
    assert labelled(app.selectbox, "scheduled_start").value == "Date of Service"
    assert labelled(app.selectbox, "scheduled_start: time, when in its own column").value == "Time"
    assert labelled(app.selectbox, "fee").value == "Fee"
    assert "Headers not used: `Clinician Notes`" in texts(app)
    assert "month first" in texts(app)
    assert labelled(app.selectbox, "“Seen” (1 row)").value == "(unknown)"
    assert "cannot be imported" in texts(app)                  # Seen is unknown: refused as is

    # change a label's meaning and a column choice: the preview follows
    labelled(app.selectbox, "“Seen” (1 row)").set_value("attended")
    labelled(app.selectbox, "fee").set_value("(none)")
    app.run()
    assert not app.exception and "cannot be imported" not in texts(app)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert (metrics["Sessions"], metrics["Clients"], metrics["New"]) == ("3", "2", "3")
    [rows] = frames(app, "session_id", "client_id")
    assert rows["scheduled_start"].tolist() == ["Mon 2 Nov 2026, 09:30", "Mon 9 Nov 2026, 09:30",
                                                "Tue 17 Nov 2026, 14:00"]
    assert rows["fee"].isna().all()                              # no column feeds fee now
    assert Store(database).scalar("select count(*) from sessions") == 0   # nothing written yet
    assert app.get("download_button"), "the choices can be downloaded as TOML"

    app.button(key="import_button").click().run()
    assert not app.exception
    assert "3 rows read — 3 inserted" in app.success[0].value   # shown open, not in a box
    app.run()                                                     # a rerun (a download) keeps it
    assert "3 rows read — 3 inserted" in app.success[0].value

    # the same headers again, in a new session: the saved choices are offered
    again = open_app(monkeypatch, database, demo=False)
    again.switch_page("pages/import_data.py").run()
    again.file_uploader(key="sessions_file").upload("export-december.csv", EXPORT, "text/csv")
    again.run()
    assert "the choices saved as “export” are used" in texts(again)
    assert labelled(again.selectbox, "“Seen” (1 row)").value == "attended"
    assert labelled(again.selectbox, "fee").value == "(none)"
    metrics = {metric.label: metric.value for metric in again.metric}
    assert (metrics["New"], metrics["Unchanged"]) == ("0", "3")
    store = Store(database)
    assert store.scalar("select max(scheduled_start) from sessions") == datetime(2026, 11, 17, 14, 0)


def test_undecided_dates_are_refused_until_an_order_is_chosen(monkeypatch, tmp_path):
    app = open_app(monkeypatch, tmp_path / "page.duckdb", demo=False)
    app.switch_page("pages/import_data.py").run()
    app.file_uploader(key="sessions_file").upload(
        "log.csv", b"client,date,status\nC1,11/02/2026 09:30,attended\n", "text/csv")
    app.run()
    assert "can be read two ways" in texts(app)
    labelled(app.radio, "Date order").set_value("dmy")
    app.run()
    [rows] = frames(app, "session_id", "client_id")
    assert rows["scheduled_start"].tolist() == ["Wed 11 Feb 2026, 09:30"]


def test_a_problem_of_the_whole_file_reads_as_a_paragraph(monkeypatch, tmp_path):
    """A problem with no line to point at (here: a title above the headers) is a sentence, which a
    table cell would cut: before the import and after it. Headers show as typed."""
    app = open_app(monkeypatch, tmp_path / "page.duckdb", demo=False)
    app.switch_page("pages/import_data.py").run()
    app.file_uploader(key="sessions_file").upload(
        "report.csv", b"Sessions report,2026-12-01\nclient,date,status\nC1,2026-11-02 09:30,attended\n", "text/csv")
    app.run()
    assert not app.exception
    assert "Headers not used: `Sessions report`, `2026-12-01`" in texts(app)   # no backslash shown
    said = ("report.csv: the column headers must come first, but the file starts with 'Sessions report, "
            "2026-12-01'; the headers are on line 2 (client, date, status).")
    unescaped = lambda: re.sub(r"\\(.)", r"\1", texts(app))   # noqa: E731 (plain's escapes undone)
    assert said in unescaped()
    assert frames(app, "column", "count") == []

    app.button(key="import_button").click().run()
    assert not app.exception
    assert any("nothing was imported" in error.value for error in app.error)
    assert said in unescaped()
    assert frames(app, "column", "count") == [] and frames(app, "line", "column") == []
    assert app.get("download_button"), "every problem can still be downloaded"
