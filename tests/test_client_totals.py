"""The per-client totals the store keeps (sql/client_totals.sql) never differ from the session log.

All-time scores are read from ``client_totals``, which every write transaction brings up to date
just before it commits: rebuilt whole, or refreshed for the clients an import, undo, deletion or
erasure touched (sql/client_totals_refresh.sql). These tests drive each way of writing — imports
(new, corrected and moved sessions, clients files, rejected files), undos, deletions, erasures,
settings changed and reset, a failed transaction, an older database without the table — and after
each one compare the kept totals with the same SQL computed afresh from the sessions.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given

from alliance_metrics.demo import generate_practice, write_practice
from alliance_metrics.erasure import erase_client
from alliance_metrics.ingest import ImportRejected, import_clients, import_sessions
from alliance_metrics.pseudonym import PracticeSecret
from alliance_metrics.score_queries import client_components, client_scores
from alliance_metrics.store import Store
from alliance_metrics.undo import delete_session, imports_with_undo, undo_import
from tests.conftest import at, insert_sessions
from tests.test_score_properties import PROPERTY, import_rows, session_log


def fresh(store: Store) -> pd.DataFrame:
    """Every client's all-time components computed now from the sessions, not read from the totals."""
    params = {**store.contract_parameters(), "since": None, "until": None, "period": None, "client_id": None}
    return store.query_named("components_in_window", params)


def kept(store: Store) -> pd.DataFrame:
    return store.query_named("components_all_time", {"client_id": None})


def assert_totals_current(store: Store) -> None:
    pd.testing.assert_frame_equal(kept(store), fresh(store))
    pd.testing.assert_frame_equal(client_components(store), fresh(store), check_dtype=False)


def test_all_time_scores_come_from_the_kept_totals(store):
    insert_sessions(store, [dict(session_id="s1", client_id="A", scheduled_start=at("2026-01-05 10:00"),
                                 status="attended", client_late_min=0)])
    store._con.execute("update client_totals set attended = 99")  # noqa: SLF001 — a test's back door
    assert client_scores(store).attended.tolist() == [99]          # read from the totals …
    assert client_scores(store, since="2026-01-01").attended.tolist() == [1]  # … a window from the log


def test_a_setting_changed_or_reset_rebuilds_the_totals_in_the_same_commit(store):
    insert_sessions(store, [dict(session_id="s1", client_id="A", scheduled_start=at("2026-01-05 10:00"),
                                 status="attended", client_late_min=6)])
    assert client_scores(store).punctuality.tolist() == [0.0]      # 6 min late, grace 5: late
    store.set_setting("grace_min", 6)
    assert client_scores(store).punctuality.tolist() == [100.0]    # grace 6: on time
    assert_totals_current(store)
    store.reset_setting("grace_min")
    assert client_scores(store).punctuality.tolist() == [0.0]
    assert_totals_current(store)


def test_a_failed_write_rolls_the_totals_back_with_the_data(store):
    insert_sessions(store, [dict(session_id="s1", client_id="A", scheduled_start=at("2026-01-05 10:00"),
                                 status="attended")])
    with pytest.raises(RuntimeError, match="half-way"):
        with store.transaction() as cursor:
            cursor.execute("delete from sessions")
            raise RuntimeError("failed half-way")
    assert client_scores(store).sessions_scheduled.tolist() == [1]
    assert_totals_current(store)


def test_a_rejected_import_leaves_data_and_totals_as_they_were(store, tmp_path):
    practice = generate_practice(n_clients=4, weeks=6)
    sessions_csv, _ = write_practice(practice, tmp_path)
    import_sessions(store, sessions_csv)
    before = kept(store)
    bad = tmp_path / "bad.csv"
    bad.write_text(sessions_csv.read_text().replace(",attended,", ",attendd,", 1))
    with pytest.raises(ImportRejected):
        import_sessions(store, bad)
    pd.testing.assert_frame_equal(kept(store), before)
    assert_totals_current(store)


def test_a_clients_file_updates_the_goal_baseline_in_the_totals(store, tmp_path):
    insert_sessions(store, [dict(session_id="s1", client_id="A", scheduled_start=at("2026-01-05 10:00"),
                                 status="attended", goal_rating=5)])
    assert client_scores(store).goal_baseline.tolist() == [5.0]   # the first rating, without a file
    clients_csv = tmp_path / "clients.csv"
    clients_csv.write_text("client_id,goal,goal_baseline,goal_target\nA,Sleep through the night,2,10\n")
    import_clients(store, clients_csv)
    assert client_scores(store).goal_baseline.tolist() == [2.0]   # the file's baseline wins
    assert_totals_current(store)


def test_a_database_without_totals_gets_them_when_opened(tmp_path):
    path = tmp_path / "older.duckdb"
    store = Store(path)
    insert_sessions(store, [dict(session_id="s1", client_id="A", scheduled_start=at("2026-01-05 10:00"),
                                 status="no_show")])
    store.close()
    with duckdb.connect(str(path)) as older:  # as a release before the totals left it
        older.execute("drop table client_totals")
    reopened = Store(path)
    assert client_scores(reopened).no_shows.tolist() == [1]
    assert_totals_current(reopened)


def test_all_time_rows_come_in_client_order_whatever_the_order_of_writes(store):
    # clients written in the reverse of their order, then corrected, then one more that sorts first
    insert_sessions(store, [dict(session_id=f"s{n}", client_id=f"C{n:02}", status="attended",
                                 scheduled_start=at("2026-01-05 10:00")) for n in range(30, 0, -1)])
    with store.transaction() as cursor:
        cursor.execute("update sessions set status = 'no_show' where client_id in ('C05', 'C17')")
    insert_sessions(store, [dict(session_id="s0", client_id="B99", scheduled_start=at("2026-01-06 10:00"),
                                 status="attended")])
    expected = ["B99", *(f"C{n:02}" for n in range(1, 31))]
    assert client_scores(store).client_id.tolist() == expected
    assert client_components(store).client_id.tolist() == expected


def punctuality(store: Store) -> list:
    """Every client's punctuality, comparable with == (undefined as None)."""
    return [None if value != value else value for value in client_scores(store).punctuality]


def test_readers_are_never_disturbed_by_the_rebuild_of_a_concurrent_write(store, tmp_path):
    """The dashboard's threads share one store: a page reading scores while another's settings
    change replaces the totals must read the old totals or the new ones, never fail."""
    sessions_csv, _ = write_practice(generate_practice(n_clients=12, weeks=20), tmp_path)
    import_sessions(store, sessions_csv)
    expected = []                       # punctuality with a grace of 0 minutes, then of 30
    for grace in (0, 30):
        store.set_setting("grace_min", grace)
        expected.append(punctuality(store))
    assert expected[0] != expected[1]   # so a read tells which totals it saw
    writing, failures, seen = threading.Event(), [], []

    def read() -> None:
        while writing.is_set():
            try:
                seen.append(punctuality(store))
            except Exception as error:  # noqa: BLE001 — any failure is the finding
                failures.append(repr(error))

    writing.set()
    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    for change in range(20):
        store.set_setting("grace_min", 30 * (change % 2))
    writing.clear()
    for reader in readers:
        reader.join()
    assert failures == []
    assert seen and all(read in expected for read in seen)


def test_one_clients_all_time_row_is_their_row_of_the_whole_table(store, tmp_path):
    sessions_csv, _ = write_practice(generate_practice(n_clients=5, weeks=8), tmp_path)
    import_sessions(store, sessions_csv)
    everyone = client_components(store).set_index("client_id")
    one = client_components(store, client_id="C003").set_index("client_id")
    pd.testing.assert_frame_equal(one, everyone.loc[["C003"]])


def test_the_arrow_read_gives_the_frame_duckdb_gives(store, tmp_path):
    sessions_csv, clients_csv = write_practice(generate_practice(n_clients=12, weeks=20), tmp_path)
    import_sessions(store, sessions_csv)
    import_clients(store, clients_csv)
    params = {"client_id": None}
    pd.testing.assert_frame_equal(store.query_wide("components_all_time", params),
                                  store.query_named("components_all_time", params))


CONTRACT = st.sampled_from(["grace_min", "late_cancel_hours", "payment_grace_days"])
SETTING_CHANGES = st.lists(st.tuples(CONTRACT, st.integers(0, 48)), max_size=2)


@PROPERTY
@given(session_log().filter(len), st.integers(1, 14), SETTING_CHANGES)
def test_totals_match_the_log_after_any_imports_and_settings(rows, cut, changes):
    with tempfile.TemporaryDirectory() as folder:
        store = Store(":memory:")
        import_rows(store, rows[:cut], Path(folder) / "first.csv")
        assert_totals_current(store)
        for name, value in changes:
            store.set_setting(name, value)
            assert_totals_current(store)
        # the second file repeats the first (corrections of the same session_ids) and adds the rest
        corrected = [row | {"status": "no_show"} if row["status"] == "attended" else row for row in rows]
        import_rows(store, corrected, Path(folder) / "second.csv")
        assert_totals_current(store)


def test_a_write_refreshes_only_the_clients_it_names(store):
    insert_sessions(store, [dict(session_id=f"s{n}", client_id=client, status="attended",
                                 scheduled_start=at(f"2026-01-0{n} 10:00"))
                            for n, client in enumerate(["A", "B", "C"], start=1)])
    store._con.execute("update client_totals set attended = 99 where client_id = 'B'")  # noqa: SLF001
    with store.transaction(totals="touched") as cursor:   # a write naming A and C leaves B as it is
        cursor.execute("update sessions set status = 'no_show' where client_id in ('A', 'C')")
        store.touch_clients(cursor, "select client_id from sessions where client_id in ('A', 'C')")
    assert client_scores(store).set_index("client_id").attended.to_dict() == {"A": 0, "B": 99, "C": 0}


def test_a_session_moved_to_another_client_refreshes_both(store, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("session_id,client_id,scheduled_start,status\n"
                   "s1,A,2026-01-05 10:00,attended\ns2,A,2026-01-12 10:00,no_show\n")
    import_sessions(store, log)
    log.write_text("session_id,client_id,scheduled_start,status\ns2,B,2026-01-12 10:00,no_show\n")
    import_sessions(store, log)
    assert client_scores(store).set_index("client_id").no_shows.to_dict() == {"A": 0, "B": 1}
    assert_totals_current(store)


SECRET = PracticeSecret(bytes(range(32)))
#: One step of a random history: an import of part of the log (statuses flipped, sessions moved to
#: another client), a clients file, the undo of an import, the deletion of a session, an erasure.
STEP = st.one_of(
    st.tuples(st.just("import"), st.integers(0, 13), st.integers(1, 14), st.booleans(), st.booleans()),
    st.tuples(st.just("clients"), st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 10)),
    st.tuples(st.just("undo"), st.integers(0, 5)),
    st.tuples(st.just("delete"), st.integers(0, 13)),
    st.tuples(st.just("erase"), st.sampled_from(["a", "b", "c"])),
)
MOVED = {"a": "b", "b": "c", "c": "a"}
#: Histories start with an import of the whole log, so that every later step has something to act on.
HISTORY = st.lists(STEP, min_size=1, max_size=6).map(lambda steps: [("import", 0, 14, False, False), *steps])


@PROPERTY
@given(session_log().filter(len), HISTORY)
def test_refreshed_totals_equal_a_full_rebuild_after_any_history(rows, steps):
    """Imports, undos, deletions and erasures in any order: the totals they refreshed are the
    totals a full rebuild gives, and the components computed afresh from the sessions."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(":memory:")
        for number, (kind, *args) in enumerate(steps):
            if kind == "import":
                first, size, flip, move = args
                part = rows[first:first + size]
                if flip:
                    part = [row | {"status": "no_show"} if row["status"] == "attended" else row for row in part]
                if move:
                    part = [row | {"client_id": MOVED[row["client_id"]]} for row in part]
                if part:
                    import_rows(store, part, Path(folder) / f"{number}.csv")
            elif kind == "clients":
                client, baseline = args
                path = Path(folder) / f"{number}-clients.csv"
                path.write_text(f"client_id,goal_baseline,goal_target\n{client},{baseline},10\n")
                import_clients(store, path)
            elif kind == "undo":
                undoable = imports_with_undo(store).query("undoable").import_id.tolist()
                if undoable:
                    undo_import(store, undoable[args[0] % len(undoable)])
            elif kind == "delete":
                stored = store.query("select session_id from sessions order by session_id").session_id.tolist()
                if stored:
                    delete_session(store, stored[args[0] % len(stored)])
            elif store.scalar("select count(*) from sessions where client_id = $id", {"id": args[0]}):
                erase_client(store, args[0], secret=SECRET)
            assert_totals_current(store)
            refreshed = kept(store)
            with store.transaction():   # rebuilds every client's totals
                pass
            pd.testing.assert_frame_equal(kept(store), refreshed)
