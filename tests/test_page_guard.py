"""Every page file guards itself (ui/pages.py's ``guard``): run alone — as Streamlit does on a
fresh server for a direct link, before dashboard.py has ever run — a page is exactly as safe as through
the router, for every role. The browser side of this is tests/test_browser.py's direct links."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_roles import A_DEMO_NAME, AUTH, shown_text
from ui.pages import PAGES, ROOT, PageSpec

SUPERVISOR = {"is_logged_in": True, "alliance_role": "supervisor"}
THERAPIST_T02 = {"is_logged_in": True, "alliance_role": "therapist", "alliance_therapist_id": "T02"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return tmp_path_factory.mktemp("guard") / "alliance.duckdb"


def run_alone(monkeypatch, db: Path, page: PageSpec, user: dict | None) -> AppTest:
    """The page file as the main script, as Streamlit runs it for a direct link on a fresh server."""
    monkeypatch.setenv("ALLIANCE_DB", str(db))
    monkeypatch.setenv("ALLIANCE_DEMO", "on")
    app = AppTest.from_file(str(ROOT / page.file), default_timeout=60)
    if user is not None:
        app.secrets["auth"] = AUTH
        app.user = user
    app.run()
    assert not app.exception, app.exception
    return app


def test_each_page_file_is_named_after_its_address():
    # The router finds the page a direct link asked for by its address (Streamlit hashes a
    # pages/ file by its name and an st.Page by its url_path): the two must be the same.
    assert [Path(page.file).stem for page in PAGES] == [page.url_path for page in PAGES]
    assert sorted(p.name for p in (ROOT / "pages").glob("*.py")) == sorted(Path(p.file).name for p in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_the_guard_is_the_first_thing_each_page_does(page):
    tree = ast.parse((ROOT / page.file).read_text("utf-8"))
    calls = [node.value for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    first = ast.unparse(calls[0])
    assert first == "guard(__file__)", f"{page.file}: the first call is {first}"
    before = tree.body[:tree.body.index(next(n for n in tree.body if isinstance(n, ast.Expr)
                                             and n.value is calls[0]))]
    assert all(isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.Expr)) for node in before)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_a_page_run_alone_shows_only_the_sign_in_to_nobody(monkeypatch, demo_db, page):
    app = run_alone(monkeypatch, demo_db, page, {"is_logged_in": False})
    assert [button.label for button in app.button] == ["Sign in"]
    assert [title.value for title in app.title] == ["Alliance"]
    assert A_DEMO_NAME not in shown_text(app)


@pytest.mark.parametrize("page", [p for p in PAGES if "supervisor" not in p.roles], ids=lambda p: p.url_path)
def test_a_therapist_page_run_alone_refuses_a_supervisor(monkeypatch, demo_db, page):
    app = run_alone(monkeypatch, demo_db, page, SUPERVISOR)
    assert "This page is not open to you" in app.error[0].value
    assert not app.title and not app.dataframe and not app.selectbox
    assert A_DEMO_NAME not in shown_text(app) and "C001" not in shown_text(app)


@pytest.mark.parametrize("page", [p for p in PAGES if "supervisor" in p.roles], ids=lambda p: p.url_path)
def test_a_supervisor_page_run_alone_opens_for_a_supervisor(monkeypatch, demo_db, page):
    app = run_alone(monkeypatch, demo_db, page, SUPERVISOR)
    assert [title.value for title in app.title] == [page.title]
    assert A_DEMO_NAME not in shown_text(app)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_a_page_run_alone_opens_through_the_router_for_its_users(monkeypatch, demo_db, page):
    app = run_alone(monkeypatch, demo_db, page, None)   # single-user
    assert [title.value for title in app.title] == [page.title]
    # drawn by dashboard.py: the page ran through the router, with the shared sidebar
    assert "Single-user mode" in "\n".join(caption.value for caption in app.sidebar.caption)


def test_a_therapist_page_run_alone_shows_the_therapists_own_clients_only(monkeypatch, demo_db):
    from alliance_metrics.demo import generate_practice

    app = run_alone(monkeypatch, demo_db, next(p for p in PAGES if p.url_path == "client"), THERAPIST_T02)
    clients = generate_practice().clients
    own = set(clients.loc[clients.therapist_id == "T02", "client_id"])
    options = app.selectbox(key="client").options
    assert options and all(option.rsplit("(", 1)[-1].rstrip(")") in own for option in options)
