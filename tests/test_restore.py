"""A restore never undoes what must stay done (issues 12 and 13): the release ledger, the audit log
and erasures of the database being replaced survive the restore of an older backup."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from alliance_metrics import audit
from alliance_metrics.anonymise import supervisor_view
from alliance_metrics.backup import backup, restore
from alliance_metrics.cli import main
from alliance_metrics.erasure import erase_client
from alliance_metrics.pseudonym import PracticeSecret
from alliance_metrics.store import Store, StoreError
from alliance_metrics.ingest import import_clients, import_sessions
from tests.conftest import insert_sessions
from tests.test_lifecycle import CANARIES, CLIENTS, SESSIONS, write

SECRET = PracticeSecret(bytes(range(32)))


def visits(client: str, therapist: str) -> list[dict]:
    """Two attended sessions a month, January–April 2026, alliance 32/40 → 80 %."""
    return [dict(session_id=f"{client}-{month}-{day}", client_id=client, therapist_id=therapist,
                 scheduled_start=datetime(2026, month, day, 10), status="attended", alliance_rating=32)
            for month in range(1, 5) for day in (5, 19)]


def released(store: Store) -> pd.DataFrame:
    view = supervisor_view(store, k=11, as_of=date(2026, 5, 10), secret=SECRET, granularity="month")
    return view.trends.reset_index(drop=True)


def test_figures_released_after_the_backup_stay_released_after_the_restore(store, tmp_path):
    # The backup holds 12 clients of T1 and 12 of T2. Then 3 late clients of T1 are entered and the
    # supervisor's view releases January–April: 27 clients a month. Restoring the backup brings back
    # the data of 24 clients; were the ledger rolled back too, a new release would say 24, and
    # 27 − 24 = 3 < k clients would be isolated by the difference.
    insert_sessions(store, [row for n in range(12) for row in visits(f"a{n}", "T1") + visits(f"b{n}", "T2")])
    backup(store, tmp_path / "backup.duckdb")
    insert_sessions(store, [row for n in range(3) for row in visits(f"late{n}", "T1")])
    before = released(store)
    assert set(before.loc[before.measure == before.measure.iloc[0], "n_clients"]) == {27}
    store.close()

    restore(tmp_path / "backup.duckdb", store.path, force=True)

    restored = Store(store.path)
    assert restored.scalar("select count(distinct client_id) from sessions") == 24
    pd.testing.assert_frame_equal(released(restored), before)
    restored.close()


def test_the_audit_log_after_a_restore_is_the_current_log_and_one_restore_row(store, tmp_path):
    import_clients(store, write(tmp_path, "clients.csv", CLIENTS))
    backup(store, tmp_path / "backup.duckdb")
    import_sessions(store, write(tmp_path, "sessions.csv", SESSIONS))
    store.save_settings({"grace_min": 10})
    log_before = audit.entries(store)
    assert log_before.action.tolist() == ["import", "backup", "import", "settings"]
    store.close()

    restore(tmp_path / "backup.duckdb", store.path, force=True)

    restored = Store(store.path)
    log_after = audit.entries(restored)
    restored.close()
    pd.testing.assert_frame_equal(log_after.iloc[:-1], log_before)
    assert log_after.action.iloc[-1] == "restore"
    assert main(["audit", "--verify", "--db", store.path]) == 0


def test_a_restore_onto_a_new_path_keeps_the_backups_own_log(store, tmp_path):
    import_clients(store, write(tmp_path, "clients.csv", CLIENTS))
    backup(store, tmp_path / "backup.duckdb")
    restore(tmp_path / "backup.duckdb", tmp_path / "new.duckdb")
    fresh = Store(tmp_path / "new.duckdb")
    assert audit.entries(fresh).action.tolist() == ["import", "restore"]   # the backup's import, then this
    fresh.close()


def test_a_client_erased_after_the_backup_is_erased_again_by_the_restore(store, tmp_path):
    import_clients(store, write(tmp_path, "clients.csv", CLIENTS))
    import_sessions(store, write(tmp_path, "sessions.csv", SESSIONS))
    backup(store, tmp_path / "backup.duckdb")
    assert all(canary in (tmp_path / "backup.duckdb").read_bytes() for canary in CANARIES)  # the check can fail
    erase_client(store, "ZQX-CANARY-ID")
    store.close()

    counts = restore(tmp_path / "backup.duckdb", store.path, force=True)

    # The backup held the canary (2 sessions, 1 clients-file row) and B (2 sessions, 1 row).
    assert counts == {"sessions": 2, "clients": 1, "clients_erased_again": 1}
    assert not [canary for canary in CANARIES if canary in Path(store.path).read_bytes()]
    assert not Path(store.path + ".wal").exists()
    restored = Store(store.path)
    assert restored.query("select client_id from sessions order by session_id").client_id.tolist() == ["B", "B"]
    assert audit.entries(restored).details.iloc[-1] == '{"clients": 1, "clients_erased_again": 1, "sessions": 2}'
    restored.close()


def test_the_list_of_erased_clients_holds_no_id_in_clear(store, tmp_path):
    from alliance_metrics.erasure import client_key

    import_clients(store, write(tmp_path, "clients.csv", CLIENTS))
    erase_client(store, "ZQX-CANARY-ID")
    keys = store.query("select client_key from erased_clients").client_key.tolist()
    assert len(keys) == 1 and len(keys[0]) == 64 and "ZQX" not in keys[0]
    assert not [canary for canary in CANARIES if canary in Path(store.path).read_bytes()]
    # keyed: another practice's secret gives another key for the same id
    assert client_key("ZQX-CANARY-ID", SECRET) != client_key("ZQX-CANARY-ID", PracticeSecret(bytes(32)))


def test_a_restore_that_cannot_erase_again_without_the_key_is_refused(store, tmp_path, monkeypatch):
    import_clients(store, write(tmp_path, "clients.csv", CLIENTS))
    backup(store, tmp_path / "backup.duckdb")
    erase_client(store, "ZQX-CANARY-ID")
    store.close()
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path / "elsewhere" / "missing.key"))
    with pytest.raises(StoreError, match="practice key"):
        restore(tmp_path / "backup.duckdb", store.path, force=True)
    assert not (tmp_path / "elsewhere" / "missing.key").exists()
    kept = Store(store.path)
    assert kept.scalar("select count(*) from clients where client_id = 'ZQX-CANARY-ID'") == 0
    kept.close()


def test_a_restore_onto_a_database_held_open_is_refused(store, tmp_path):
    import_clients(store, write(tmp_path, "clients.csv", CLIENTS))
    backup(store, tmp_path / "backup.duckdb")
    store.close()
    holder = subprocess.Popen(   # another process holds the database open, as the dashboard does
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", store.path], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="If the dashboard is running, stop it"):
            restore(tmp_path / "backup.duckdb", store.path, force=True)
    finally:
        holder.kill()
        holder.wait()
    assert not Path(store.path + ".restore").exists()


def test_a_ledger_row_in_both_files_keeps_the_replaced_databases_figures(store, tmp_path):
    insert_sessions(store, [row for n in range(12) for row in visits(f"a{n}", "T1")])
    before = released(store)
    backup(store, tmp_path / "backup.duckdb")
    store.close()
    with duckdb.connect(str(tmp_path / "backup.duckdb")) as altered:   # the backup says otherwise
        altered.execute("update release_ledger set figures = '{\"n_clients\": 99}'")
    restore(tmp_path / "backup.duckdb", store.path, force=True)
    restored = Store(store.path)
    pd.testing.assert_frame_equal(released(restored), before)
    assert "99" not in "".join(restored.query("select figures from release_ledger").figures)
    restored.close()
