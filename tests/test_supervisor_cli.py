"""`supervisor-export` on the command line: what it refuses, and how it says so (exit 1, no traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_metrics.cli import main
from alliance_metrics.store import Store
from tests.conftest import insert_sessions
from tests.test_anonymise import february_rows


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "practice.duckdb"
    store = Store(path)
    insert_sessions(store, february_rows())
    store.close()
    return path


@pytest.fixture
def key(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "keys" / "practice.key"
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(path))
    return path


def export(db: Path, out: Path, *extra: str) -> int:
    return main(["supervisor-export", "--db", str(db), "--out", str(out), *extra])


def test_an_export_is_written_and_a_new_key_is_announced(db, key, tmp_path, capsys):
    assert export(db, tmp_path / "a.json") == 0
    first = capsys.readouterr()
    assert "every therapist pseudonym in this export differs" in first.err and key.exists()
    assert "Wrote the anonymised aggregates" in first.out and "None" not in first.out
    assert export(db, tmp_path / "b.json") == 0         # the key exists now: no warning
    assert capsys.readouterr().err == ""


def test_an_unknown_therapist_exits_1_and_writes_nothing(db, key, tmp_path, capsys):
    assert export(db, tmp_path / "t.json", "--therapist", "T7") == 1
    assert "No therapist 'T7' in this database" in capsys.readouterr().err
    assert not (tmp_path / "t.json").exists()


def test_an_empty_or_missing_database_exits_1(key, tmp_path, capsys):
    missing = tmp_path / "nowhere.duckdb"
    assert export(missing, tmp_path / "m.json") == 1
    assert "There is no database at" in capsys.readouterr().err
    assert not missing.exists()                          # not created by asking
    empty = tmp_path / "empty.duckdb"
    Store(empty).close()
    assert export(empty, tmp_path / "e.json") == 1
    assert "holds no session" in capsys.readouterr().err
    assert not (tmp_path / "e.json").exists()


def test_a_key_path_that_is_a_folder_or_cannot_be_made_is_a_message(db, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(folder))
    assert export(db, tmp_path / "f.json") == 1
    assert "is a folder" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(blocker / "practice.key"))   # under a file: cannot be made
    assert export(db, tmp_path / "g.json") == 1
    assert "cannot be created or read" in capsys.readouterr().err


def test_an_output_path_that_cannot_be_written_is_a_message(db, key, tmp_path, capsys):
    assert export(db, tmp_path) == 1                     # a folder, not a file
    assert "cannot write" in capsys.readouterr().err


def test_another_grain_than_the_practices_is_refused(db, key, tmp_path, capsys):
    assert export(db, tmp_path / "q.json", "--period", "quarter") == 0
    assert export(db, tmp_path / "m.json", "--period", "month") == 1
    assert "released by quarter" in capsys.readouterr().err
