"""The Settings page in French (AppTest): labels and explanations in plain French words, no code
name, no spec reference; the language setting switches the dashboard's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alliance_metrics.i18n import use_language
from alliance_metrics.settings import SETTINGS
from alliance_metrics.store import Store
from tests.conftest import at, insert_sessions

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
CODE_NAMES = [setting.name for setting in SETTINGS]


@pytest.fixture
def practice(tmp_path, monkeypatch):
    path = tmp_path / "fr.duckdb"
    store = Store(path)
    insert_sessions(store, [dict(client_id="ana", scheduled_start=at("2026-03-02 10:00"), status="attended",
                                 client_late_min=0)])
    store.close()
    monkeypatch.setenv("ALLIANCE_DB", str(path))
    monkeypatch.setenv("ALLIANCE_DEMO", "off")
    for name in ("ALLIANCE_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return path


def settings_page() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("pages/settings.py").run()
    assert not app.exception, app.exception
    return app


def widgets(app: AppTest) -> list:
    return [*app.number_input, *app.selectbox]


def test_settings_page_in_french(practice, monkeypatch):
    monkeypatch.setenv("ALLIANCE_LANG", "fr")
    app = settings_page()
    assert app.title[0].value == "Réglages"
    assert [header.value for header in app.subheader] == [
        "Le contrat", "Règles d'attention (revue de la semaine)", "Progrès attendus",
        "Vue du superviseur (confidentialité)", "Import de fichiers", "Langue et monnaie"]
    labels = {widget.key.removeprefix("setting_"): widget.label for widget in widgets(app)}
    assert labels["grace_min"] == "Tolérance de retard (minutes)"
    assert labels["k_anonymity"] == "Nombre minimal de clients derrière un chiffre (k)"
    assert labels["currency"] == "Devise" and labels["language"] == "Langue"
    with use_language("fr"):
        assert labels == {setting.name: setting.title() for setting in SETTINGS}
    shown = " ".join([*labels.values(), *(widget.help for widget in widgets(app)),
                      *(element.value for element in app.caption), *(h.value for h in app.subheader)])
    assert "SPEC" not in shown
    for code in CODE_NAMES:
        assert code not in shown, code
    help_of = {widget.key: widget.help for widget in widgets(app)}
    assert help_of["setting_grace_min"] == ("Minutes après l'heure prévue qui comptent encore comme à "
                                            "l'heure, pour le client comme pour vous. Par défaut : 5.")
    assert help_of["setting_involvement_drop_points"].endswith("Par défaut : 0.")
    assert help_of["setting_currency"].endswith("Par défaut : non réglé.")

    app.number_input(key="setting_grace_min").set_value(10)
    app.button[0].click()
    app.run()
    assert not app.exception
    assert [success.value for success in app.success] == ["Enregistré : Tolérance de retard (minutes)."]


def test_the_language_setting_switches_the_dashboard(practice):
    app = settings_page()
    assert app.title[0].value == "Settings"                         # English by default
    assert app.selectbox(key="setting_language").options == ["not set", "English", "Français"]
    app.selectbox(key="setting_language").select("fr")
    app.button[0].click()
    app.run()
    # Save runs before the page is drawn again (its callback), so the page that says so is French
    assert [success.value for success in app.success] == ["Enregistré : Langue."]
    assert app.title[0].value == "Réglages"
    reopened = settings_page()                                        # the next visit speaks French
    assert reopened.title[0].value == "Réglages"
    assert reopened.selectbox(key="setting_language").value == "fr"


def test_the_browsers_language_decides_when_nothing_else_does(practice):
    app = AppTest.from_file(APP, default_timeout=60)
    app.context["locale"] = "fr-FR"                                   # st.context.locale
    app.run()
    app.switch_page("pages/settings.py").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Réglages"
    english = AppTest.from_file(APP, default_timeout=60)
    english.context["locale"] = "en-GB"
    english.run()
    english.switch_page("pages/settings.py").run()
    assert english.title[0].value == "Settings"
