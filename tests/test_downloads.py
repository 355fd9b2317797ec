"""Downloads made only when asked (ui/downloads.py; issue 16): nothing is built until Prepare is
pressed, the file is then kept for its data version and rebuilt only when the version changes.
The real-browser half (press Prepare, then download, the file arrives) is
tests/test_downloads_browser.py."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_app import open_app
from ui.downloads import prepare_key


def script() -> None:
    import streamlit as st

    from ui.downloads import download_when_asked

    st.session_state.setdefault("builds", 0)
    version = st.number_input("version", value=1, key="version")
    st.checkbox("another widget", key="other")

    def build() -> str:
        st.session_state["builds"] += 1
        return f"report of version {version}"

    download_when_asked("Download", build, file_name="report.txt", mime="text/plain", key="report",
                        version=version, prepare_label="Prepare the report")


def test_nothing_is_built_until_prepare_is_pressed_then_it_is_kept_for_its_version():
    at = AppTest.from_function(script).run()
    assert not at.exception
    assert at.session_state["builds"] == 0
    assert [b.label for b in at.button] == ["Prepare the report"]
    assert not at.get("download_button")

    at.button(key=prepare_key("report")).click().run()
    assert at.session_state["builds"] == 1
    assert not at.button                                    # the download took the Prepare button's place
    [download] = at.get("download_button")
    assert download.proto.label == "Download"

    at.checkbox(key="other").check().run()                  # another rerun: the kept file, not a new one
    assert at.session_state["builds"] == 1
    assert len(at.get("download_button")) == 1

    at.number_input(key="version").set_value(2).run()       # new data: Prepare again, nothing built yet
    assert at.session_state["builds"] == 1
    assert [b.label for b in at.button] == ["Prepare the report"]
    assert not at.get("download_button")
    at.button(key=prepare_key("report")).click().run()
    assert at.session_state["builds"] == 2


def test_the_weekly_review_builds_its_files_only_when_asked(monkeypatch, tmp_path):
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb")
    assert app.title[0].value == "Weekly review"
    assert not app.get("download_button")
    for key in ("download_review", "download_scores"):
        app.button(key=prepare_key(key)).click().run()
        assert not app.exception, app.exception
        assert any(key in element.proto.id for element in app.get("download_button"))
    assert len(app.get("download_button")) == 2   # the first file is still offered


def test_the_supervisor_view_builds_its_report_only_when_asked(monkeypatch, tmp_path):
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb")
    app.switch_page("pages/supervisor.py").run()
    assert not app.exception, app.exception
    assert not any("download_supervisor_report" in e.proto.id for e in app.get("download_button"))
    app.button(key=prepare_key("download_supervisor_report")).click().run()
    assert not app.exception, app.exception
    assert any("download_supervisor_report" in e.proto.id for e in app.get("download_button"))
