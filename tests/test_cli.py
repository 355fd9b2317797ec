"""The command line of SPEC §5, run as users run it: a real process, a real database file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from alliance_metrics.scores import SCORE_COLUMNS
from alliance_metrics.store import Store
from tests.conftest import at, insert_sessions

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, env_db: Path | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    if env_db is not None:
        env["ALLIANCE_DB"] = str(env_db)
    return subprocess.run([sys.executable, "-m", "alliance_metrics", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def two_clients(path: Path) -> None:
    store = Store(path)
    insert_sessions(store, [
        dict(client_id="=cmd", scheduled_start=at("2026-01-05 10:00"), status="attended", client_late_min=0),
        dict(client_id="=cmd", scheduled_start=at("2026-02-05 10:00"), status="no_show"),
        dict(client_id="zoe", scheduled_start=at("2026-01-06 10:00"), status="cancelled"),
    ])
    store.close()


def test_scores_csv_has_the_spec_columns_and_blank_undefined(tmp_path):
    db = tmp_path / "a.duckdb"
    two_clients(db)
    result = cli("scores", "--db", str(db))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == SCORE_COLUMNS
    by_client = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert set(by_client) == {"'=cmd", "zoe"}            # a formula-like id is neutralised
    assert by_client["'=cmd"]["attendance"] == "50.0"     # 1 attended, 1 no-show
    assert by_client["zoe"]["attendance"] == ""           # only a timely cancellation: undefined


def test_scores_json_window_and_nulls(tmp_path):
    db = tmp_path / "a.duckdb"
    two_clients(db)
    result = cli("scores", "--since", "2026-01-01", "--until", "2026-02-01", "--format", "json", env_db=db)
    assert result.returncode == 0, result.stderr
    records = {record["client_id"]: record for record in json.loads(result.stdout)}
    assert list(records["=cmd"]) == list(SCORE_COLUMNS)
    assert records["=cmd"]["attendance"] == 100.0       # the February no-show is outside the window
    assert records["zoe"]["punctuality"] is None


def test_usage_errors_exit_2(tmp_path):
    assert cli("scores", "--format", "xml").returncode == 2
    assert cli("scores", "--since", "yesterday").returncode == 2
    missing = cli("import", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "x.duckdb"))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    assert cli().returncode == 2


def test_demo_then_import_then_supervisor_export(tmp_path):
    out, db = tmp_path / "demo", tmp_path / "x.duckdb"
    made = cli("demo", "--out", str(out))
    assert made.returncode == 0, made.stderr
    sessions_rows = sum(1 for _ in open(out / "sessions.csv", encoding="utf-8")) - 1
    clients_rows = sum(1 for _ in open(out / "clients.csv", encoding="utf-8")) - 1
    env_secret = {"ALLIANCE_SECRET_FILE": str(tmp_path / "secret" / "practice.key")}

    loaded = cli("import", str(out / "sessions.csv"), "--clients", str(out / "clients.csv"), "--db", str(db))
    assert loaded.returncode == 0, loaded.stderr
    assert f"{sessions_rows} sessions rows read — {sessions_rows} inserted" in loaded.stdout
    assert f"{clients_rows} clients rows read — {clients_rows} inserted" in loaded.stdout
    store = Store(db)
    assert store.scalar("select count(*) from sessions") == sessions_rows
    store.close()

    export = tmp_path / "for-supervisor.json"
    result = subprocess.run(
        [sys.executable, "-m", "alliance_metrics", "supervisor-export", "--db", str(db), "--out", str(export),
         "--html", str(tmp_path / "report.html")],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env_secret},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = export.read_text("utf-8") + (tmp_path / "report.html").read_text("utf-8")
    import re
    assert re.findall(r"\bC\d{3}\b", text) == []                 # no demo client id
    from alliance_metrics.demo import generate_practice
    names = generate_practice().clients.display_name
    assert not any(name in text for name in names)              # no demo client name
    from alliance_metrics.supervisor_file import read_export
    assert read_export(export).k == 11


def test_a_rejected_import_exits_1_and_reports_the_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("client_id,scheduled_start,status,goal_rating\n"
                   "a,2026-03-02 14:00,attended,7\n"
                   "a,2026-03-09 14:00,attended,14\n", encoding="utf-8")
    result = cli("import", str(bad), "--db", str(tmp_path / "x.duckdb"))
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "goal_rating: 1 line (line 3), e.g. '14'" in result.stderr


HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR", "plain", "a,b",
           'q"q', "é=", " =spaced", "'=already"]


def test_scores_csv_written_by_copy_neutralises_as_the_python_rule_does(tmp_path):
    """cli `scores` writes through DuckDB's COPY (export.write_csv): every cell is what
    export.to_csv writes — the same neutralising rule — but a carriage return inside a cell,
    which COPY quotes."""
    import pandas as pd

    from alliance_metrics.export import neutralise, to_csv, write_csv

    frame = pd.DataFrame({"client_id": [*HOSTILE, None], "attended": range(len(HOSTILE) + 1),
                          "attendance": [50.0, float("nan"), 100.0, 66.66666666666667, 0.1, 1e-20,
                                         3.0, 2.0, 1 / 3, -0.0, 12345678.9, 0.0, 7.5]})
    written = tmp_path / "scores.csv"
    write_csv(frame, written)
    text = written.read_bytes().decode("utf-8")
    assert text.replace('"\'\rCR"', "'\rCR") == to_csv(frame)   # the same bytes but that quoting
    copied = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[0] for row in copied[1:]] == [neutralise(cell) or "" for cell in [*HOSTILE, None]]


def test_scores_neutralises_hostile_ids_and_control_characters(tmp_path):
    db = tmp_path / "a.duckdb"
    store = Store(db)
    insert_sessions(store, [dict(client_id=client, scheduled_start=at("2026-01-05 10:00"), status="attended")
                            for client in ["=cmd", "@x", "C1\x1b[2J"]])
    store.close()
    result = cli("scores", "--db", str(db))
    assert result.returncode == 0, result.stderr
    ids = [row[0] for row in csv.reader(io.StringIO(result.stdout))][1:]
    assert ids == ["'=cmd", "'@x", "C1\\x1b[2J"]   # formula cells quoted, escapes shown, not run


def test_the_command_line_imports_files_over_the_upload_limit(tmp_path, monkeypatch):
    """The 200 MB limit is the browser upload's: the command line passes no limit."""
    from alliance_metrics import cli as command_line
    from alliance_metrics import ingest

    log = tmp_path / "log.csv"
    log.write_text("client_id,scheduled_start,status\nA,2026-01-05 10:00,attended\n")
    with pytest.raises(ingest.ImportRejected, match="over the import limit"):
        ingest.import_files(Store(":memory:"), log, max_bytes=10)
    limits = []
    real = ingest.import_files
    monkeypatch.setattr(ingest, "import_files",
                        lambda *args, **kwargs: limits.append(kwargs["max_bytes"]) or real(*args, **kwargs))
    assert command_line.main(["import", str(log), "--db", str(tmp_path / "a.duckdb")]) == 0
    assert limits == [None]
