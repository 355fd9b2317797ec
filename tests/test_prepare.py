"""The next pages prepared in the background (issue 16): computed once, shared with the page that
asks while they are being computed, and the same result the page would compute itself."""

from __future__ import annotations

import threading
import time

import pytest

from alliance_metrics import caseload, progress
from alliance_metrics.store import per_data_version
from tests.test_app import open_app


def count_calls(monkeypatch, *targets) -> dict[str, int]:
    """Count the calls of each (module, function name) in *targets* — the real function still runs;
    returns the counts by name, kept up to date."""
    counted = dict.fromkeys((name for _, name in targets), 0)
    for module, name in targets:
        def counting(*args, _real=getattr(module, name), _name=name, **kwargs):
            counted[_name] += 1
            return _real(*args, **kwargs)
        monkeypatch.setattr(module, name, counting)
    return counted


def test_a_result_being_computed_is_waited_for_not_computed_twice(store):
    calls = []
    release = threading.Event()

    @per_data_version
    def slow(opened, x):
        calls.append(x)
        release.wait(10)
        return x * 2

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(slow(store, 21))) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)          # all three are in: one computing, two waiting
    release.set()
    for thread in threads:
        thread.join(10)
    assert calls == [21] and answers == [42, 42, 42]


def test_a_failed_computation_lets_the_waiter_compute_it_itself(store):
    attempts = []

    @per_data_version
    def flaky(opened):
        attempts.append(1)
        if len(attempts) == 1:
            time.sleep(0.2)
            raise RuntimeError("first attempt fails")
        return "ok"

    failed = []
    first = threading.Thread(target=lambda: failed.append(pytest.raises(RuntimeError, flaky, store)))
    first.start()
    time.sleep(0.05)
    assert flaky(store) == "ok"          # waited for the first, which failed, then computed
    first.join(5)
    assert len(attempts) == 2


def test_the_preparation_waits_until_no_page_has_been_drawn_for_a_while():
    from ui.state import drawing_a_page, wait_until_idle

    waited = threading.Event()
    with drawing_a_page():
        waiter = threading.Thread(target=lambda: (wait_until_idle(0.2), waited.set()))
        waiter.start()
        assert not waited.wait(0.6)          # a page is being drawn: however long it takes
    began_idle = time.monotonic()
    assert waited.wait(5)
    assert time.monotonic() - began_idle >= 0.15   # then the quiet it asks for, not at once
    waiter.join(5)


def test_after_the_weekly_review_the_client_and_relationships_pages_are_ready(monkeypatch, tmp_path):
    monkeypatch.setenv("ALLIANCE_PREPARE", "on")
    monkeypatch.setattr("ui.state.PREPARE_AFTER_IDLE_S", 0.1)
    counted = count_calls(monkeypatch, (progress, "flag_accuracy"), (caseload, "relationship_family"),
                          (progress, "expected_band"), (caseload, "within_client_values"))
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb")    # the demo practice, weekly review
    assert app.title[0].value == "Weekly review"
    for thread in threading.enumerate():
        if thread.name == "alliance-prepare":
            thread.join(60)
    # prepared once, in the background: the practice's band and the first client's, and the
    # within-client chart's sessions of the first measure
    ready = {"flag_accuracy": 1, "relationship_family": 1, "expected_band": 2, "within_client_values": 1}
    assert counted == ready
    app.switch_page("pages/relationships.py").run()
    app.switch_page("pages/client.py").run()
    assert not app.exception
    assert counted == ready                                      # the pages found them ready
    assert app.title[0].value != "Weekly review"


def test_a_pages_figures_are_built_once_per_data_version_and_client(monkeypatch, tmp_path):
    """The Client page's charts are kept per data version and client (ui/state.figure): a second
    visit to the same client builds none, another client builds its own, a change of data all again."""
    from alliance_metrics import charts

    built = []
    real = charts.session_timeline
    monkeypatch.setattr(charts, "session_timeline", lambda facts: built.append(1) or real(facts))
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb")
    app.switch_page("pages/client.py").run()
    first = app.selectbox(key="client").value
    app.run()
    assert not app.exception and len(built) == 1                 # the rerun drew the same chart, unbuilt
    ids = [option.rsplit("(", 1)[-1].rstrip(")") for option in app.selectbox(key="client").options]
    app.selectbox(key="client").select(next(cid for cid in ids if cid != first)).run()
    assert len(built) == 2                                        # another client: its own chart
    from ui.state import store
    store().set_setting("alliance_concern_below", 29)             # the data version changes
    app.selectbox(key="client").set_value(first).run()
    assert not app.exception and len(built) == 3


def test_prepared_at_start_the_first_pages_find_their_results_ready(monkeypatch, tmp_path):
    """What the server prepares before its first visitor (ui/state.prepare_at_start, app.py): the
    weekly review, the Client and Relationships pages' results, and the supervisor's release —
    computed, not written — with the view it makes, its export and charts, so that no page
    computes them again."""
    from alliance_metrics import anonymise, supervisor_file
    from ui import supervision
    from ui.state import prepare_at_start, store

    monkeypatch.setenv("ALLIANCE_PREPARE", "on")
    monkeypatch.setenv("ALLIANCE_DB", str(tmp_path / "alliance.duckdb"))
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path / "practice.key"))
    counted = count_calls(monkeypatch, (progress, "flag_accuracy"), (caseload, "relationship_family"),
                          (anonymise, "_period_tables"), (anonymise, "_view_of"),
                          (supervisor_file, "export_json"), (supervision, "period_grid"),
                          (supervision, "binned_counts"), (progress, "expected_band"),
                          (caseload, "within_client_values"))
    prepare_at_start()                                           # the demo practice, loaded into the empty store
    prepared = dict(counted)
    assert prepared["flag_accuracy"] == 1 and prepared["relationship_family"] == 1
    assert prepared["expected_band"] == 2 and prepared["within_client_values"] == 1   # what the pages open on
    assert prepared["_period_tables"] >= 1                       # the demo's closed periods
    assert prepared["_view_of"] == prepared["export_json"] == prepared["period_grid"] == 1
    assert prepared["binned_counts"] == 2                        # the opening score's bands, progress by band
    assert store().query("select count(*) as n from release_ledger").n[0] == 0   # nothing released yet
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb")    # the weekly review
    for page in ("pages/client.py", "pages/relationships.py", "pages/supervisor.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
    assert counted == prepared                                   # every page found its results ready
    assert store().query("select count(*) as n from release_ledger").n[0] > 0    # the supervisor's view wrote them


def test_the_server_answers_once_its_first_page_is_prepared(monkeypatch, tmp_path):
    from tests.browser import running_app, server_log

    monkeypatch.setenv("ALLIANCE_PREPARE", "on")
    database = tmp_path / "alliance.duckdb"
    with running_app(database) as base_url:
        said = server_log(database).read_text()                   # read as soon as the server answers
        assert base_url.startswith("http://127.0.0.1:")
    assert "Alliance: preparing the first page (1,284 sessions)…" in said, said   # the demo practice
    assert "Alliance: ready in" in said, said


LOG = (b"client_id,scheduled_start,status,goal_rating,alliance_rating\n"
       b"C1,2026-11-02 09:30,attended,3,30\nC1,2026-11-09 09:30,attended,4,31\n"
       b"C2,2026-11-03 14:00,attended,6,25\nC2,2026-11-10 14:00,no_show,,\n")


def test_after_an_import_the_pages_find_their_results_up_to_date(monkeypatch, tmp_path):
    """The Import page brings what the therapist's pages open on up to date in the run that wrote
    (ui/state.prepare_now): the next pages compute nothing again."""
    monkeypatch.setenv("ALLIANCE_PREPARE", "on")
    monkeypatch.setattr("ui.state.PREPARE_AFTER_IDLE_S", 0.1)
    counted = count_calls(monkeypatch, (progress, "flag_accuracy"), (caseload, "relationship_family"))
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb", demo=False)   # empty: nothing to prepare
    app.switch_page("pages/import_data.py").run()
    app.file_uploader(key="sessions_file").upload("log.csv", LOG, "text/csv")
    app.run()
    app.button(key="import_button").click().run()
    assert not app.exception and "4 rows read — 4 inserted" in app.success[0].value
    assert counted == {"flag_accuracy": 1, "relationship_family": 1}     # in the import's own run
    for thread in threading.enumerate():
        if thread.name == "alliance-prepare":
            thread.join(60)
    for page in ("pages/weekly_review.py", "pages/client.py", "pages/relationships.py"):
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
    assert counted == {"flag_accuracy": 1, "relationship_family": 1}     # no page computed them again


def test_prepared_at_start_for_a_practice_of_one_therapist_their_caseload(monkeypatch, tmp_path):
    """A solo practice: the sidebar shows its only therapist's caseload, so that is what the start
    prepares (the whole practice's results would be keyed for no one the pages ask for)."""
    from alliance_metrics.ingest import import_sessions
    from alliance_metrics.store import Store
    from ui.state import prepare_at_start

    log = tmp_path / "log.csv"
    log.write_bytes(LOG)
    opened = Store(tmp_path / "alliance.duckdb")
    import_sessions(opened, log)                      # one therapist: the importer's default
    opened.close()
    monkeypatch.setenv("ALLIANCE_PREPARE", "on")
    monkeypatch.setenv("ALLIANCE_DB", str(tmp_path / "alliance.duckdb"))
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path / "practice.key"))
    counted = count_calls(monkeypatch, (caseload, "relationship_family"))
    prepare_at_start()
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb", demo=False)
    app.switch_page("pages/relationships.py").run()
    assert not app.exception and counted == {"relationship_family": 1}   # the page found its therapist's family ready


def test_the_terminal_says_so_in_the_practices_language_when_the_server_answers_before_it_is_ready(
        monkeypatch, tmp_path, capsys):
    from alliance_metrics.store import Store
    from ui.state import prepare_at_start, say_serving_meanwhile

    path = tmp_path / "alliance.duckdb"
    french = Store(path)
    french.set_setting("language", "fr")
    french.close()
    monkeypatch.setenv("ALLIANCE_PREPARE", "on")
    monkeypatch.setenv("ALLIANCE_DB", str(path))
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path / "practice.key"))
    prepare_at_start()
    say_serving_meanwhile(20.0)   # what app.py says when the preparation outlasts READY_WITHIN_S
    said = capsys.readouterr().err
    assert "Alliance : prêt en" in said
    assert "Alliance : en service après 20 s ; la préparation continue." in said
