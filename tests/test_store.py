"""The store's schema: migrations from older databases, and the invariants no constraint enforces."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given

from alliance_metrics import ledger
from alliance_metrics.score_queries import client_scores
from alliance_metrics.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError, sql
from tests.test_score_properties import PROPERTY, import_rows, session_log


def write_version_1(path: Path) -> None:
    """A database as release 1 left it: schema version 1, one attended and one no-show session."""
    with duckdb.connect(str(path)) as older:
        older.execute("create table meta (key varchar primary key, value varchar)")
        older.execute(sql("schema_v1"))
        older.execute("insert into meta values ('schema_version', '1')")
        older.execute("""
            insert into sessions (session_id, client_id, scheduled_start, status, client_late_min, import_id)
            values ('s1', 'A', timestamp '2026-01-05 10:00', 'attended', 2, 1),
                   ('s2', 'A', timestamp '2026-01-12 10:00', 'no_show', null, 1)
        """)


def test_a_version_1_database_is_migrated_with_its_sessions_and_constraints(tmp_path):
    path = tmp_path / "release1.duckdb"
    write_version_1(path)
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    scores = client_scores(store)
    assert (scores.attended.tolist(), scores.no_shows.tolist()) == ([1], [1])
    assert scores.attendance.tolist() == [50.0]  # 1 attended of 2 owed
    assert scores.punctuality.tolist() == [100.0]  # 2 minutes late, within the 5 of grace
    with pytest.raises(duckdb.ConstraintException, match="CHECK"):
        with store.transaction() as cursor:  # version 1's checks hold in version 2
            cursor.execute("insert into sessions (session_id, client_id, scheduled_start, status, import_id) "
                           "values ('s3', 'A', timestamp '2026-01-19 10:00', 'maybe', 1)")
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
        with store.transaction() as cursor:
            cursor.execute("insert into sessions (session_id, client_id, scheduled_start, status, import_id) "
                           "values (null, 'A', timestamp '2026-01-19 10:00', 'attended', 1)")
    assert store.scalar("select count(*) from sessions") == 2  # both attempts rolled back


def test_a_database_of_a_newer_release_is_refused_untouched(tmp_path):
    path = tmp_path / "newer.duckdb"
    Store(path).close()
    with duckdb.connect(str(path)) as newer:
        newer.execute("update meta set value = '99' where key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99, newer than this release understands"):
        Store(path)
    with duckdb.connect(str(path)) as untouched:
        assert untouched.execute("select value from meta where key = 'schema_version'").fetchone() == ("99",)


def test_a_version_6_ledger_keeps_its_released_rows_without_its_key(tmp_path):
    """Version 7 drops the ledger's primary key (0.3 s of a million-session practice's first
    release); the rows it held stay, and a (table, period) it holds is still never written again."""
    path = tmp_path / "release6.duckdb"
    with duckdb.connect(str(path)) as older:
        older.execute("create table meta (key varchar primary key, value varchar)")
        for name in MIGRATIONS[:6]:
            older.execute(sql(name))
        older.execute("insert into meta values ('schema_version', '6')")
        older.execute("insert into release_ledger values ('scores', '2026-01', 'practice', 'attendance', "
                      "'{\"n_clients\": 12}', timestamp '2026-02-01 09:00')")
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION == 7
    assert store.scalar("select count(*) from duckdb_constraints() where table_name = 'release_ledger' "
                        "and constraint_type = 'PRIMARY KEY'") == 0
    again = pd.DataFrame({"table_name": ["scores", "scores"], "period": ["2026-01", "2026-02"],
                          "scope": ["practice"] * 2, "row_key": ["attendance"] * 2,
                          "figures": ['{"n_clients": 99}', '{"n_clients": 20}']})
    ledger.record_rows(store, again)   # January is held: only February is written
    assert store.query("select period, figures from release_ledger order by period").values.tolist() == [
        ["2026-01", '{"n_clients": 12}'], ["2026-02", '{"n_clients": 20}']]
    store.close()


@PROPERTY
@given(session_log().filter(len), st.integers(1, 14))
def test_session_ids_stay_unique_through_imports_in_pieces_with_corrections(rows, cut):
    """What the primary key of schema version 1 enforced, the importer keeps by construction."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(":memory:")
        import_rows(store, rows[:cut], Path(folder) / "first.csv")
        corrected = [row | {"status": "no_show"} if row["status"] == "attended" else row for row in rows]
        import_rows(store, [*corrected, *corrected[:2]], Path(folder) / "second.csv")  # repeats too
        assert store.scalar("select count(*) - count(distinct session_id) from sessions") == 0
        assert store.scalar("select count(*) from sessions") == len(rows)


def file_state(path: Path) -> tuple:
    """What a write would change: the file's bytes and times, and whether a write-ahead log exists."""
    stat = path.stat()
    return path.read_bytes(), stat.st_mtime_ns, stat.st_size, Path(f"{path}.wal").exists()


def test_opening_an_up_to_date_store_writes_nothing(tmp_path):
    path = tmp_path / "a.duckdb"
    store = Store(path)
    import_rows(store, [dict(session_id="s1", client_id="A", scheduled_start="2026-01-05 10:00",
                             status="attended")], tmp_path / "log.csv")
    store.close()
    before = file_state(path)
    for read_only in (False, True):
        opened = Store(path, read_only=read_only)
        assert client_scores(opened).attended.tolist() == [1]
        opened.close()
        assert file_state(path) == before


def test_a_read_only_store_refuses_writes(tmp_path):
    path = tmp_path / "a.duckdb"
    Store(path).close()
    before = file_state(path)
    store = Store(path, read_only=True)
    with pytest.raises(duckdb.InvalidInputException, match="read-only"):
        store.set_setting("grace_min", 10)
    store.close()
    assert file_state(path) == before


def test_a_read_only_opening_never_creates_a_database(tmp_path):
    with pytest.raises(StoreError, match="There is no database"):
        Store(tmp_path / "missing.duckdb", read_only=True)
    assert list(tmp_path.iterdir()) == []


def test_a_store_of_an_older_release_is_brought_up_to_date_once_even_when_opened_read_only(tmp_path):
    path = tmp_path / "a.duckdb"
    Store(path).close()
    with duckdb.connect(str(path)) as older:   # as a release with other macros left it
        older.execute("update meta set value = 'older' where key = 'derived_fingerprint'")
        older.execute("drop macro table client_components")
    store = Store(path, read_only=True)
    assert client_scores(store).empty and store.read_only
    store.close()
    before = file_state(path)
    Store(path).close()
    assert file_state(path) == before
