"""The Client page's picker past PICKER_LIMIT clients: a search box, a capped list (issue 16).

At a million sessions the picker listed 57,526 clients: 1.2 MB sent on every visit and seconds of
drawing. The demo practice (60 clients) stands in for a large one with the limit lowered to 5.
"""

from __future__ import annotations

import pandas as pd
import pytest

from alliance_metrics.caseload import client_choices
from alliance_metrics.demo import generate_practice
from tests.test_app import open_app, texts

LIMIT = 5


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return tmp_path_factory.mktemp("picker") / "alliance.duckdb"


@pytest.fixture()
def client_page(monkeypatch, demo_db):
    monkeypatch.setattr("alliance_metrics.caseload.PICKER_LIMIT", LIMIT)
    app = open_app(monkeypatch, demo_db)
    app.switch_page("pages/client.py").run()
    assert not app.exception, app.exception
    return app


def test_a_large_caseload_lists_the_most_recently_seen_and_says_how_many_are_not(client_page):
    options = client_page.selectbox(key="client").options
    assert len(options) == LIMIT
    assert "The 5 most recently seen of 60 clients" in texts(client_page)


def test_typing_part_of_a_name_without_its_accent_finds_the_client(client_page):
    # Zoé F. (C004) is not among the five seen last (their label holds "(C004)" otherwise)
    client_page.text_input(key="client_search").input("zoe").run()
    assert not client_page.exception
    assert client_page.selectbox(key="client").options == ["Zoé F. (C004)"]
    assert client_page.selectbox(key="client").value == "C004"
    assert "most recently seen" not in texts(client_page)   # one match: nothing left out


def test_a_search_that_matches_nobody_says_so_instead_of_an_empty_picker(client_page):
    client_page.text_input(key="client_search").input("nobody-by-this-name").run()
    assert not client_page.exception
    assert "No client's name or id contains “nobody-by-this-name”." in [info.value for info in client_page.info]
    assert "client" not in [box.key for box in client_page.selectbox]   # no picker, no client shown


def test_the_weekly_reviews_open_button_reaches_a_client_outside_the_list(monkeypatch, demo_db, client_page):
    shown = {option.rsplit("(", 1)[-1].rstrip(")") for option in client_page.selectbox(key="client").options}
    outside = next(cid for cid in generate_practice().clients.client_id if cid not in shown)
    client_page.session_state["open_client"] = outside
    client_page.run()
    assert client_page.selectbox(key="client").value == outside
    assert len(client_page.selectbox(key="client").options) == LIMIT   # the one open took a place


def test_client_choices_by_hand():
    table = pd.DataFrame({
        "client_id": ["a1", "a2", "b1", "b2"],
        "display_name": ["Anaïs", "Ana", "Bob", "a2"],     # b2's name is its id: no name
        "last_session": pd.to_datetime(["2026-01-05", None, "2026-03-02", "2026-02-02"]),
    })
    assert client_choices(table, "ANA", limit=10) == (["a1", "a2"], 2)
    assert client_choices(table, "  b  ", limit=10) == (["b1", "b2"], 2)          # spaces ignored
    # two of four: the latest two sessions (b1, b2); a client never seen comes last
    assert client_choices(table, "", limit=2) == (["b1", "b2"], 4)
    assert client_choices(table, "", limit=3) == (["a1", "b1", "b2"], 4)
    # the client open now takes the place of the least recent of the listed
    assert client_choices(table, "", limit=2, keep="a2") == (["a2", "b1"], 4)
    assert client_choices(table, "", limit=2, keep="zz") == (["b1", "b2"], 4)   # not a client: ignored


def test_a_search_matching_more_than_the_limit_says_so(client_page):
    client_page.text_input(key="client_search").input("C0").run()      # every demo id: C001 … C060
    assert len(client_page.selectbox(key="client").options) == LIMIT
    assert "The 5 most recently seen of the 60 clients who match" in texts(client_page)
