"""The lifecycle in the pages (AppTest): erase a client and delete a session on the client page,
undo an import and back up on the Your data page, one atomic save and a bad stored value on the
Settings page — and the tables' own CSV export is off."""

from __future__ import annotations

import tomllib
from pathlib import Path

from alliance_metrics import audit
from alliance_metrics.ingest import import_sessions
from alliance_metrics.store import Store
from tests.test_app import open_app, texts

ROOT = Path(__file__).resolve().parent.parent
LOG = """session_id,client_id,scheduled_start,status
a1,ZQX-CANARY-ID,2026-03-02 10:00,attended
a2,ZQX-CANARY-ID,2026-03-09 10:00,no_show
b1,B,2026-03-03 11:00,attended
"""


def practice(tmp_path) -> Path:
    db = tmp_path / "alliance.duckdb"
    (tmp_path / "log.csv").write_text(LOG, encoding="utf-8")
    store = Store(db)
    import_sessions(store, tmp_path / "log.csv")
    store.close()
    return db


def reopened(app, db: Path) -> Store:
    """The app's own store (one connection per process: the test reads through it)."""
    from ui.state import _open_store
    return _open_store(str(db))


def test_erasing_a_client_from_the_client_page(monkeypatch, tmp_path):
    db = practice(tmp_path)
    app = open_app(monkeypatch, db, demo=False)
    app.switch_page("pages/client.py").run()
    app.selectbox(key="client").set_value("ZQX-CANARY-ID").run()
    assert app.button(key="erase_client").disabled          # not before the id is typed
    app.text_input(key="erase_confirm").input("ZQX-CANARY-ID").run()
    app.button(key="erase_client").click().run()
    assert not app.exception, app.exception
    assert "Erased a client: 2 sessions" in texts(app)
    assert b"ZQX-CANARY-ID" not in db.read_bytes()
    assert reopened(app, db).query("select distinct client_id from sessions").client_id.tolist() == ["B"]


def test_deleting_a_session_from_the_client_page(monkeypatch, tmp_path):
    db = practice(tmp_path)
    app = open_app(monkeypatch, db, demo=False)
    app.switch_page("pages/client.py").run()
    app.selectbox(key="client").set_value("ZQX-CANARY-ID").run()
    app.selectbox(key="delete_session_choice").set_value("a2").run()
    app.checkbox(key="delete_session_confirm").check().run()
    app.button(key="delete_session").click().run()
    assert not app.exception, app.exception
    store = reopened(app, db)
    assert store.query("select session_id from sessions order by 1").session_id.tolist() == ["a1", "b1"]
    assert audit.entries(store).action.tolist()[-1] == "delete_session"


def test_undo_and_backup_on_the_your_data_page(monkeypatch, tmp_path):
    db = practice(tmp_path)
    again = tmp_path / "again.csv"
    again.write_text(LOG.replace("a1,", "x1,").replace("a2,", "x2,").replace("b1,", "x3,").replace("2026-03", "2026-04"),
                     encoding="utf-8")
    store = Store(db)
    import_sessions(store, again)
    store.close()
    app = open_app(monkeypatch, db, demo=False)
    app.switch_page("pages/your_data.py").run()
    app.selectbox(key="undo_choice").set_value(2).run()
    app.checkbox(key="undo_confirm").check().run()
    app.button(key="undo_import").click().run()
    assert not app.exception, app.exception
    assert "Import #2 undone: 3 session(s)" in texts(app)
    assert reopened(app, db).scalar("select count(*) from sessions") == 3

    app.button(key="backup").click().run()
    assert not app.exception, app.exception
    [backup] = (tmp_path / "backups").iterdir()
    assert "Backed up 3 sessions" in texts(app)
    assert backup.stat().st_size > 0


def test_settings_saved_in_one_transaction_and_a_bad_stored_value_shown_at_its_field(monkeypatch, tmp_path):
    db = practice(tmp_path)
    store = Store(db)
    with store.transaction() as cursor:
        cursor.execute("insert into settings (name, value) values ('k_anonymity', 3)")
    store.close()
    app = open_app(monkeypatch, db, demo=False)
    app.switch_page("pages/settings.py").run()
    assert not app.exception, app.exception
    assert any("holds 3 for the setting “Minimum clients behind a figure (k)”" in error.value for error in app.error)
    app.number_input(key="setting_grace_min").set_value(10)
    app.number_input(key="setting_late_cancel_hours").set_value(48)
    app.button[0].click().run()   # the form's submit button
    assert not app.exception, app.exception
    store = reopened(app, db)
    assert store.setting_problems() == {}
    assert (store.settings()["grace_min"], store.settings()["late_cancel_hours"]) == (10, 48)
    assert store.settings()["k_anonymity"] == 11
    assert [action for action in audit.entries(store).action if action == "settings"] == ["settings"]


def test_the_tables_own_csv_export_is_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["disableDataExport"] is True


def test_a_signed_in_users_changes_are_audited_under_their_name(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.test_roles import APP, AUTH

    db = practice(tmp_path)
    monkeypatch.setenv("ALLIANCE_DB", str(db))
    monkeypatch.setenv("ALLIANCE_DEMO", "off")
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": "therapist@example.org", "alliance_role": "therapist",
                "alliance_therapist_id": "default"}
    app.run()
    app.switch_page("pages/settings.py").run()
    app.number_input(key="setting_grace_min").set_value(8)
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert audit.entries(reopened(app, db)).actor.iloc[-1] == "therapist@example.org"
