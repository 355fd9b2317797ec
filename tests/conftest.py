"""Shared fixtures: a fresh real DuckDB file per test, and a way to put hand-written sessions in it."""

from __future__ import annotations

import json
import os
from datetime import date, datetime

import pytest
from hypothesis import settings

from alliance_metrics.store import Store

# The property tests draw the same examples on every run, so that a run of the suite speaks of the
# change under test, not of the draw. `HYPOTHESIS_PROFILE=explore` draws new ones: run it after
# changing what a property test guards, and pin what it finds with @example.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

SESSION_COLUMNS = (
    "session_id", "client_id", "therapist_id", "scheduled_start", "duration_min", "status",
    "cancelled_by", "cancelled_at", "client_late_min", "therapist_late_min", "homework_done",
    "engagement", "alliance_rating", "goal_rating", "fee", "paid_on", "import_id",
)
CLIENT_COLUMNS = (
    "client_id", "display_name", "goal", "goal_baseline", "goal_target", "intake_date",
    "contract_signed_on", "therapist_id", "import_id",
)


def at(text: str) -> datetime:
    """'2026-01-05 10:00' → datetime."""
    return datetime.fromisoformat(text)


def day(text: str) -> date:
    return date.fromisoformat(text)


def drawn_figures(app) -> list[dict]:
    """The plotly figures an ``AppTest`` page drew (ui/chart.py), as plotly's JSON, in page order."""
    from ui.chart import COMPONENT_NAME
    return [json.loads(json.loads(element.proto.json)["figure"]) for element in app.get("bidi_component")
            if element.proto.component_name == COMPONENT_NAME]


def insert_sessions(store: Store, rows: list[dict]) -> None:
    """Insert session rows straight into the store (bypassing the importer), defaults filled in."""
    defaults = {"therapist_id": "T1", "duration_min": 60, "import_id": 0}
    with store.transaction() as cursor:
        for number, row in enumerate(rows):
            values = {column: None for column in SESSION_COLUMNS} | defaults | row
            if values["session_id"] is None:
                values["session_id"] = f"{values['client_id']}-{number}"
            if values["status"] == "cancelled" and values["cancelled_by"] is None:
                values["cancelled_by"] = "client"
            cursor.execute(
                f"insert into sessions ({', '.join(SESSION_COLUMNS)}) "
                f"values ({', '.join('$' + column for column in SESSION_COLUMNS)})",
                values,
            )


def insert_clients(store: Store, rows: list[dict]) -> None:
    with store.transaction() as cursor:
        for row in rows:
            values = {column: None for column in CLIENT_COLUMNS} | {"import_id": 0} | row
            cursor.execute(
                f"insert into clients ({', '.join(CLIENT_COLUMNS)}) "
                f"values ({', '.join('$' + column for column in CLIENT_COLUMNS)})",
                values,
            )


@pytest.fixture(autouse=True, scope="session")
def practice_secret_outside_home(tmp_path_factory):
    """Pseudonym keys of the tests live in a temporary folder, never in the user's ~/.config."""
    folder = tmp_path_factory.mktemp("secret")
    folder.chmod(0o700)
    previous = os.environ.get("ALLIANCE_SECRET_FILE")
    os.environ["ALLIANCE_SECRET_FILE"] = str(folder / "practice.key")
    yield
    if previous is None:
        os.environ.pop("ALLIANCE_SECRET_FILE", None)
    else:
        os.environ["ALLIANCE_SECRET_FILE"] = previous


@pytest.fixture(autouse=True)
def english_unless_a_test_says(monkeypatch):
    """The tests read words and formats in English whatever the machine's locale (LANG=fr_FR would
    turn the dashboard French): no language chosen, a neutral system locale. A test of French sets
    ALLIANCE_LANG or LANG itself."""
    for name in ("ALLIANCE_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def no_background_preparation(monkeypatch):
    """The dashboard prepares the next pages in a background thread after each page (ui/state.py);
    the tests keep each run's work to the page itself. tests/test_prepare.py turns it on."""
    monkeypatch.setenv("ALLIANCE_PREPARE", "off")


@pytest.fixture
def store(tmp_path):
    """A fresh, empty database file for one test."""
    opened = Store(tmp_path / "alliance.duckdb")
    yield opened
    opened.close()
