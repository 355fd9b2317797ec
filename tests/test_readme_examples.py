"""Every mapping file and command example of the README works as the README says (issue 10)."""

from __future__ import annotations

import re
import shlex
from datetime import datetime
from pathlib import Path

import pytest

from alliance_metrics.cli import main
from alliance_metrics.demo import generate_practice, write_practice
from alliance_metrics.ingest import import_sessions
from alliance_metrics.labels import read_mapping
from alliance_metrics.store import Store

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.DOTALL)
MAPPINGS = [text for language, text in BLOCKS
            if language == "toml" and re.search(r"^\[(columns|status|dates)\]", text, re.MULTILINE)]
COMMANDS = [line.strip() for language, text in BLOCKS if language == "sh"
            for line in text.splitlines() if line.strip().startswith("python -m alliance_metrics")]

# A file each mapping example fits: the README's first maps a practice-software export with
# the labels Show, No Show, Late Cancelled and Clinician Canceled
EXPORT = ("Client,Date,Status\n"
          "C1,2026-03-02 14:00,Show\n"
          "C1,2026-03-09 14:00,No Show\n"
          "C2,2026-03-03 10:00,Late Cancelled\n"
          "C2,2026-03-10 10:00,Clinician Canceled\n")
TWO_COLUMNS = ("Client,Date of Service,Time,Status,Fee\n"
               "C1,11/02/2026,9:30 AM,attended,90\n")


def test_the_readme_has_mapping_and_command_examples():
    assert len(MAPPINGS) >= 2 and len(COMMANDS) >= 3


def test_first_mapping_example_imports_a_practice_software_export(tmp_path):
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    store = Store(tmp_path / "a.duckdb")
    import_sessions(store, tmp_path / "export.csv", mapping=read_mapping(MAPPINGS[0]))
    assert store.query("select status, coalesce(cancelled_by, '-') from sessions order by client_id, "
                       "scheduled_start").values.tolist() == [
        ["attended", "-"], ["no_show", "-"], ["late_cancel", "client"], ["cancelled", "therapist"]]


def test_dates_mapping_example_joins_two_columns_in_its_zone(tmp_path):
    (tmp_path / "export.csv").write_text(TWO_COLUMNS, encoding="utf-8")
    store = Store(tmp_path / "a.duckdb")
    store.set_setting("timezone", "Europe/Paris")
    import_sessions(store, tmp_path / "export.csv", mapping=read_mapping(MAPPINGS[1]))
    # 11/02/2026 9:30 AM month first is 2 November, 09:30 in New York (UTC-5 once summer time
    # ended on 1 November) = 14:30 UTC = 15:30 in Paris (UTC+1); fee = "" reads no fee
    assert store.scalar("select scheduled_start from sessions") == datetime(2026, 11, 2, 15, 30)
    assert store.scalar("select count(fee) from sessions") == 0


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_example_runs(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    sessions, clients = write_practice(generate_practice(), tmp_path)
    assert (sessions.name, clients.name) == ("sessions.csv", "clients.csv")   # the README's names
    Path("export.csv").write_text(EXPORT, encoding="utf-8")
    Path("mapping.toml").write_text(MAPPINGS[0], encoding="utf-8")
    argv = shlex.split(command)[3:] + ["--db", str(tmp_path / "example.duckdb")]
    assert main(argv) == 0, command
    if "--problems" in argv:
        written = Path(argv[argv.index("--problems") + 1]).read_text("utf-8")
        assert written.splitlines() == ["line,column,value,reason,code"]   # nothing was wrong
