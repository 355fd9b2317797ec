"""The data lifecycle (issue 13): erase, undo, back up, restore, audit — on real database files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from alliance_metrics import audit
from alliance_metrics.backup import backup, restore
from alliance_metrics.erasure import erase_client
from alliance_metrics.export import to_csv
from alliance_metrics.ingest import ImportRejected, import_clients, import_sessions
from alliance_metrics.score_queries import client_scores
from alliance_metrics.store import SettingsRejected, Store, StoreError
from alliance_metrics.undo import delete_session, imports_with_undo, undo_import

SESSIONS = """session_id,client_id,scheduled_start,status,alliance_rating,goal_rating
s1,ZQX-CANARY-ID,2026-03-02 10:00,attended,30,4
s2,ZQX-CANARY-ID,2026-03-09 10:00,no_show,,
s3,B,2026-03-03 11:00,attended,40,6
s4,B,2026-03-10 11:00,attended,20,7
"""
CLIENTS = """client_id,display_name,goal
ZQX-CANARY-ID,Perpetua Canaryname,Overcome the canary-goal phobia
B,Bob Keeper,Sleep better
"""
CANARIES = (b"ZQX-CANARY-ID", b"Perpetua Canaryname", b"canary-goal phobia")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def practice(store, tmp_path):
    """The store with the clients file (import 1) and the four sessions (import 2)."""
    import_clients(store, write(tmp_path, "clients.csv", CLIENTS))
    import_sessions(store, write(tmp_path, "sessions.csv", SESSIONS))
    return store


def scores_text(store: Store) -> str:
    return to_csv(client_scores(store))


def file_bytes(store: Store) -> bytes:
    wal = Path(store.path + ".wal")
    return Path(store.path).read_bytes() + (wal.read_bytes() if wal.exists() else b"")


# -- erase -----------------------------------------------------------------------------------------


def test_erasure_leaves_no_byte_of_the_client_in_the_file_or_its_log(practice):
    practice.rewrite()   # the canaries are in the file's bytes to begin with (this checks the check)
    assert all(canary in Path(practice.path).read_bytes() for canary in CANARIES)

    erasure = erase_client(practice, "ZQX-CANARY-ID")

    assert (erasure.sessions, erasure.rows["clients"]) == (2, 1)
    assert not [canary for canary in CANARIES if canary in file_bytes(practice)]
    practice.close()
    assert not [canary for canary in CANARIES if canary in Path(practice.path).read_bytes()]


def test_erasure_keeps_everyone_else_and_every_other_table(practice):
    # a table, sequence and macro a later release might add (say, a ledger of released figures)
    with practice.transaction() as cursor:
        cursor.execute("create sequence ledger_ids start 1")
        cursor.execute("create table ledger (id integer default nextval('ledger_ids'), figure double)")
        cursor.execute("insert into ledger (figure) values (0.5), (0.25)")
        cursor.execute("create macro twice(x) as 2 * x")
    bob_before = client_scores(practice).query("client_id == 'B'")

    erase_client(practice, "ZQX-CANARY-ID")

    assert client_scores(practice).client_id.tolist() == ["B"]
    assert to_csv(client_scores(practice)) == to_csv(bob_before)
    assert practice.query("select figure from ledger order by id").figure.tolist() == [0.5, 0.25]
    assert practice.scalar("select nextval('ledger_ids')") == 3      # the sequence kept its place
    assert practice.scalar("select twice(21)") == 42
    assert practice.query("select * from imports").shape[0] == 2      # the import history stays


def test_the_audit_row_of_an_erasure_holds_counts_only(practice):
    erase_client(practice, "ZQX-CANARY-ID")
    row = audit.entries(practice).iloc[-1]
    assert row.action == "erase_client"
    # every table with a client_id: the canary's 2 sessions, 1 clients-file row, 1 row of totals,
    # and no row replaced by a later import
    assert json.loads(row.details) == {"client_totals_deleted": 1, "clients_deleted": 1, "sessions_deleted": 2,
                                       "replaced_clients_deleted": 0, "replaced_sessions_deleted": 0}
    assert "CANARY" not in practice.query("select * from audit_log").to_csv()


def test_erasing_an_unknown_client_changes_nothing(practice):
    before = scores_text(practice)
    with pytest.raises(ValueError, match="No client 'nobody'"):
        erase_client(practice, "nobody")
    assert scores_text(practice) == before
    assert "erase_client" not in audit.entries(practice).action.tolist()


def test_an_interrupted_rewrite_is_finished_at_the_next_opening(practice):
    with practice.transaction() as cursor:   # as erase_client leaves it if killed before the rewrite
        cursor.execute("delete from sessions where client_id = 'ZQX-CANARY-ID'")
        cursor.execute("delete from clients where client_id = 'ZQX-CANARY-ID'")
        cursor.execute("insert or replace into meta values ('rewrite_pending', '1')")
    practice.close()
    Path(practice.path + ".rewrite").write_bytes(b"half a file")   # the copy the kill left behind

    reopened = Store(practice.path)
    assert reopened.scalar("select count(*) from meta where key = 'rewrite_pending'") == 0
    reopened.close()
    assert not [canary for canary in CANARIES if canary in Path(practice.path).read_bytes()]
    assert not Path(practice.path + ".rewrite").exists()


# -- backup and restore ------------------------------------------------------------------------------


def test_backup_then_restore_gives_identical_scores(practice, tmp_path):
    practice.set_setting("grace_min", 10)
    before = scores_text(practice)
    backup(practice, tmp_path / "backup.duckdb")
    import_sessions(practice, write(tmp_path, "more.csv", SESSIONS.replace("s1,", "s9,").replace("s3,", "s8,")
                                    .replace("2026-03-02", "2026-04-02").replace("2026-03-03", "2026-04-03")))
    assert scores_text(practice) != before
    practice.close()

    counts = restore(tmp_path / "backup.duckdb", practice.path, force=True)

    assert counts == {"sessions": 4, "clients": 2, "clients_erased_again": 0}
    restored = Store(practice.path)
    assert scores_text(restored) == before
    assert restored.settings()["grace_min"] == 10
    assert audit.entries(restored).action.tolist()[-1] == "restore"
    assert audit.verify(restored).ok
    restored.close()


def test_backup_holds_what_is_still_in_the_write_ahead_log(practice, tmp_path):
    assert Path(practice.path + ".wal").exists()   # the last import is not checkpointed yet
    backup(practice, tmp_path / "backup.duckdb")
    with duckdb.connect(str(tmp_path / "backup.duckdb"), read_only=True) as copy:
        assert copy.execute("select count(*) from sessions").fetchone()[0] == 4
    assert not Path(str(tmp_path / "backup.duckdb") + ".wal").exists()


def test_backup_refuses_to_overwrite(practice, tmp_path):
    (tmp_path / "taken.duckdb").write_bytes(b"keep me")
    with pytest.raises(StoreError, match="already exists"):
        backup(practice, tmp_path / "taken.duckdb")
    assert (tmp_path / "taken.duckdb").read_bytes() == b"keep me"


def test_restore_refuses_to_overwrite_without_force_and_checks_the_file(practice, tmp_path):
    backup(practice, tmp_path / "backup.duckdb")
    practice.close()
    with pytest.raises(StoreError, match="--force"):
        restore(tmp_path / "backup.duckdb", practice.path)
    (tmp_path / "junk.duckdb").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError):
        restore(tmp_path / "junk.duckdb", practice.path, force=True)
    with duckdb.connect(str(tmp_path / "backup.duckdb")) as tampered:
        tampered.execute("update audit_log set actor = 'someone else' where seq = 1")
    with pytest.raises(StoreError, match="audit log"):
        restore(tmp_path / "backup.duckdb", practice.path, force=True)
    reopened = Store(practice.path)   # still the database it was
    assert reopened.scalar("select count(*) from sessions") == 4
    reopened.close()


# -- audit ---------------------------------------------------------------------------------------------


def test_every_change_is_audited_in_order(practice, tmp_path):
    practice.save_settings({"grace_min": 7, "late_cancel_hours": 48})
    delete_session(practice, "s4")
    backup(practice, tmp_path / "b.duckdb")
    log = audit.entries(practice)
    assert log.action.tolist() == ["import", "import", "settings", "delete_session", "backup"]
    assert log.seq.tolist() == [1, 2, 3, 4, 5]
    assert json.loads(log.details[2]) == {"grace_min": 7, "late_cancel_hours": 48}
    assert json.loads(log.details[1]) == {"import_id": 2, "inserted": 4, "kind": "sessions", "updated": 0}
    assert audit.verify(practice).ok and audit.verify(practice).rows == 5


@pytest.mark.parametrize("tampering, first_broken", [
    ("update audit_log set details = '{\"inserted\": 0}' where seq = 2", 2),
    ("update audit_log set logged_at = logged_at + interval 1 second where seq = 1", 1),
    ("delete from audit_log where seq = 2", 3),                     # row 3 follows row 1
    ("update audit_log set actor = 'x', row_hash = 'f' || row_hash where seq = 3", 3),
])
def test_altering_any_audit_row_fails_the_check(practice, tampering, first_broken):
    practice.set_setting("grace_min", 9)
    assert audit.verify(practice).ok
    with practice.transaction() as cursor:
        cursor.execute(tampering)
    verdict = audit.verify(practice)
    assert not verdict.ok
    assert verdict.broken_seq == first_broken


def test_a_rejected_import_writes_no_audit_row(practice, tmp_path):
    with pytest.raises(ImportRejected):
        import_sessions(practice, write(tmp_path, "bad.csv", SESSIONS.replace("no_show", "maybe")))
    assert audit.entries(practice).action.tolist() == ["import", "import"]


def test_the_actor_is_who_acts(practice):
    with audit.acting_as("therapist@example.org"):
        practice.set_setting("grace_min", 9)
    assert audit.entries(practice).actor.iloc[-1] == "therapist@example.org"


# -- undo ----------------------------------------------------------------------------------------------


def test_undoing_an_import_that_only_added_rows_takes_them_back(practice, tmp_path):
    before = scores_text(practice)
    twice = SESSIONS.replace("s1,", "x1,").replace("s2,", "x2,").replace("s3,", "x3,").replace("s4,", "x4,")
    twice = twice.replace("2026-03", "2026-05")   # the log imported again under new ids, new dates
    report = import_sessions(practice, write(tmp_path, "again.csv", twice))
    assert report.inserted == 4 and scores_text(practice) != before

    counts = undo_import(practice, 3)

    assert counts == {"sessions_deleted": 4, "sessions_restored": 0, "clients_deleted": 0, "clients_restored": 0}
    assert scores_text(practice) == before
    table = imports_with_undo(practice).set_index("import_id")
    assert table.why_not_undoable[3] == "undone"
    with pytest.raises(ValueError, match="cannot be undone: undone"):
        undo_import(practice, 3)
    assert audit.entries(practice).action.tolist()[-1] == "undo_import"


def test_undoing_a_correction_puts_the_rows_back_as_they_were(practice, tmp_path):
    before = scores_text(practice)
    stored = practice.query("select * from sessions order by session_id")
    # a "correction" that was wrong: B's first alliance rating 40 → 4, and a new session s5
    wrong = SESSIONS.replace("s3,B,2026-03-03 11:00,attended,40", "s3,B,2026-03-03 11:00,attended,4") + \
        "s5,B,2026-03-17 11:00,attended,30,7\n"
    report = import_sessions(practice, write(tmp_path, "fix.csv", wrong))
    assert (report.inserted, report.updated) == (1, 1)
    table = imports_with_undo(practice).set_index("import_id")
    assert table.why_not_undoable[2] == "a later import changed its rows"   # s3 now belongs to import 3
    with pytest.raises(ValueError, match="cannot be undone: a later import changed its rows"):
        undo_import(practice, 2)

    assert undo_import(practice, 3) == {"sessions_deleted": 2, "sessions_restored": 1,
                                        "clients_deleted": 0, "clients_restored": 0}

    assert scores_text(practice) == before
    assert practice.query("select * from sessions order by session_id").equals(stored)  # import_id 2 again
    assert imports_with_undo(practice).set_index("import_id").undoable[2]       # so 2 can be undone now
    with pytest.raises(ValueError, match="no import #99"):
        undo_import(practice, 99)


def test_an_import_that_changed_nothing_cannot_be_undone(practice, tmp_path):
    import_sessions(practice, write(tmp_path, "same.csv", SESSIONS))
    assert imports_with_undo(practice).set_index("import_id").why_not_undoable[3] == "it changed nothing"
    assert practice.query("select count(*) as n from replaced_sessions").n[0] == 0   # nothing kept


def test_deleting_one_session(practice):
    delete_session(practice, "s2")   # the canary client's no-show: attendance 50 % → 100 %
    canary = client_scores(practice).set_index("client_id").loc["ZQX-CANARY-ID"]
    assert (canary.sessions_scheduled, canary.attendance) == (1, 100.0)
    with pytest.raises(ValueError, match="no session 's2'"):
        delete_session(practice, "s2")


# -- settings ---------------------------------------------------------------------------------------------


def test_a_multi_field_save_is_all_or_nothing(practice):
    with pytest.raises(SettingsRejected) as rejected:
        practice.save_settings({"grace_min": 10, "k_anonymity": 3, "late_cancel_hours": 12})
    assert set(rejected.value.errors) == {"k_anonymity"}
    assert "from 5 to 1000" in rejected.value.errors["k_anonymity"]
    assert practice.settings()["grace_min"] == 5 and practice.settings()["late_cancel_hours"] == 24


def test_a_bad_value_in_the_file_is_reported_and_the_default_applies(practice):
    with practice.transaction() as cursor:   # written by hand, bypassing the checks
        cursor.execute("insert into settings (name, value) values ('k_anonymity', 3)")
    assert practice.settings()["k_anonymity"] == 11
    problems = practice.setting_problems()
    assert list(problems) == ["k_anonymity"]
    assert "holds 3 for the setting “Minimum clients behind a figure (k)”" in problems["k_anonymity"]
    assert "Settings page" in problems["k_anonymity"]
    practice.save_settings({"k_anonymity": 12})
    assert practice.setting_problems() == {} and practice.settings()["k_anonymity"] == 12


# -- scores are byte-identical whatever the order the rows were stored in ------------------------------


def test_sums_do_not_depend_on_row_order(tmp_path):
    # homework 0.1, 0.2, 0.3: in doubles (0.1 + 0.2) + 0.3 = 0.6000000000000001 but
    # (0.3 + 0.2) + 0.1 = 0.6; engagement = 100 × 0.6 / 3 = 20 either way once summed exactly.
    header = "session_id,client_id,scheduled_start,status,homework_done\n"
    rows = [f"h{n},A,2026-03-0{n} 10:00,attended,0.{n}\n" for n in (1, 2, 3)]
    texts = []
    for name, order in (("up", rows), ("down", rows[::-1])):
        opened = Store(tmp_path / f"{name}.duckdb")
        import_sessions(opened, write(tmp_path, f"{name}.csv", header + "".join(order)))
        texts.append(scores_text(opened))
        assert client_scores(opened).engagement.tolist() == [pytest.approx(20.0)]
        opened.close()
    assert texts[0] == texts[1]
