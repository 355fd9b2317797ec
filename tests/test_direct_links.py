"""A direct link as the first request a freshly started server gets — a bookmark opened the
morning after a restart — for every page, and for each kind of visitor.

Until dashboard.py has run once, Streamlit serves the files of ``pages/`` by their own address
without it. Every page file guards itself (ui/pages.py's ``guard``), so such a visit is as safe
as one through the router: nobody signed in sees the sign-in screen only, a supervisor cannot
open a therapist page, and the person at the machine gets the page, in the dashboard's own
navigation. Each case starts its own server, since only the first request is at stake.
"""

from __future__ import annotations

import shutil

import pytest

from alliance_metrics.inventory import load_demo_if_empty
from alliance_metrics.store import Store

from tests.browser import CHROMIUM, DRAW_TIMEOUT_MS, VIEWPORT, chromium, running_app, server_log, visit
from tests.test_sign_in import ACCOUNTS, DEMO_NAMES, SECRETS, SUPERVISOR_SUB, mock_provider, sign_in, SignIn
from ui.pages import PAGES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]
TITLES = {page.title for page in PAGES}


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """One demo practice's database, copied for each fresh server (loading it is not at stake)."""
    path = tmp_path_factory.mktemp("demo") / "alliance.duckdb"
    store = Store(path)
    load_demo_if_empty(store)
    store.close()
    return path


@pytest.fixture
def database(tmp_path, demo_database):
    copy = tmp_path / "alliance.duckdb"
    shutil.copyfile(demo_database, copy)
    return copy


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def provider():
    with mock_provider(ACCOUNTS) as issuer:
        yield issuer


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_the_person_at_the_machine_gets_the_page_in_the_dashboards_navigation(database, browser, page):
    with running_app(database) as base_url:
        tab = browser.new_page(viewport=VIEWPORT)
        shown = visit(tab, base_url, page.url_path, title=page.title)
        assert not shown.not_found and shown.exceptions == 0, shown.text[:1000]
        assert page.title in shown.heading, shown.heading
        assert tab.url.rstrip("/").endswith("/" + page.url_path)
        assert shown.navigation and set(shown.navigation) <= TITLES, shown.navigation
        tab.close()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_with_sign_in_a_direct_link_shows_nobody_anything_but_the_sign_in(tmp_path, database, browser, provider, page):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS.format(issuer=provider), encoding="utf-8")
    with running_app(database, secrets=secrets) as base_url:
        context = browser.new_context(viewport=VIEWPORT)
        tab = context.new_page()
        shown = visit(tab, base_url, page.url_path)
        assert shown.exceptions == 0, shown.text[:1000]
        # a button is drawn once its code has loaded, which may be after the script has finished
        tab.get_by_role("button", name="Sign in").first.wait_for(timeout=DRAW_TIMEOUT_MS)
        assert tab.get_by_role("button", name="Sign in").count() == 1, shown.text[:1000]
        body = tab.locator("body").inner_text()
        assert not any(name in body for name in DEMO_NAMES)
        assert not set(shown.navigation) & TITLES, shown.navigation
        if "supervisor" not in page.roles:   # then a supervisor signs in and follows the link again
            sign_in(tab, SignIn(base_url, provider, server_log(database), browser), SUPERVISOR_SUB)
            again = visit(tab, base_url, page.url_path)
            body = tab.locator("body").inner_text()
            assert page.title not in again.heading
            assert not any(name in body for name in DEMO_NAMES), body[:1000]
        context.close()
