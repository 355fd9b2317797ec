"""The next pages prepared in the background (issue 16): computed once, shared with the page that
asks while they are being computed, and the same result the page would compute itself."""

from __future__ import annotations

import threading
import time

import pytest

from alliance_metrics import caseload, progress
from alliance_metrics.store import per_data_version
from tests.test_app import open_app


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
    counted = {"flag_accuracy": 0, "relationship_family": 0}

    def counting(module, name):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            counted[name] += 1
            return real(*args, **kwargs)
        monkeypatch.setattr(module, name, wrapper)

    counting(progress, "flag_accuracy")
    counting(caseload, "relationship_family")
    app = open_app(monkeypatch, tmp_path / "alliance.duckdb")    # the demo practice, weekly review
    assert app.title[0].value == "Weekly review"
    for thread in threading.enumerate():
        if thread.name == "alliance-prepare":
            thread.join(60)
    assert counted == {"flag_accuracy": 1, "relationship_family": 1}     # prepared once, in the background
    app.switch_page("pages/relationships.py").run()
    app.switch_page("pages/client.py").run()
    assert not app.exception
    assert counted == {"flag_accuracy": 1, "relationship_family": 1}     # the pages found them ready
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
