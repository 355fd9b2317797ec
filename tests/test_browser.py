"""The dashboard in a real browser: every page opens, shows its title, draws its charts, and
fetches nothing from outside this machine.

One server (on a fresh database, so the demo practice) and one Chromium serve the whole file;
each page is opened once and what it showed is kept (``Dashboard.visit``) for every check.
Screenshots go to ``tests/artifacts/<url_path>.png`` (git-ignored).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser import CHROMIUM, VIEWPORT, Visit, chromium, running_app, server_log, visit
from ui.pages import PAGES, PageSpec

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# url_paths of the pages that must draw at least one plotly chart on the demo practice
# (tests/test_app.py checks that the others draw none).
PAGES_WITH_CHARTS = frozenset(spec.url_path for spec in PAGES if spec.charts)
DEFAULT_PAGE = PAGES[0]  # single-user: the bare address opens the first page
LANDING = replace(DEFAULT_PAGE, url_path="")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass
class Dashboard:
    """The running app and its log, a browser tab on it, every URL the tab requested, and what
    each page showed (with what the server logged meanwhile: the browser shows errors redacted)."""

    base_url: str
    log: Path
    tab: Page
    requests: list[str] = field(default_factory=list)
    visits: dict[str, Visit] = field(default_factory=dict)
    logged: dict[str, str] = field(default_factory=dict)

    def visit(self, spec: PageSpec) -> Visit:
        """Open the page once (later calls return what it showed then)."""
        if spec.url_path not in self.visits:
            before = self.log.stat().st_size
            self.visits[spec.url_path] = visit(
                self.tab, self.base_url, spec.url_path, title=spec.title,
                charts=spec.url_path in PAGES_WITH_CHARTS,
                screenshot=ARTIFACTS / f"{spec.url_path or 'landing'}.png",
            )
            with open(self.log, "rb") as log:
                log.seek(before)
                self.logged[spec.url_path] = log.read().decode(errors="replace")
        return self.visits[spec.url_path]

    def explain(self, spec: PageSpec) -> str:
        """What the page showed and what the server logged while it was drawn."""
        return (f"/{spec.url_path} showed:\n{self.visits[spec.url_path].text[:1000]}\n"
                f"The server logged:\n{self.logged[spec.url_path][-3000:]}")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    database = tmp_path_factory.mktemp("browser") / "alliance.duckdb"
    with running_app(database) as base_url, chromium() as browser:
        context = browser.new_context(viewport=VIEWPORT)
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        opened = Dashboard(base_url, server_log(database), context.new_page(), requests)
        # The first request to a fresh server is a deep link, as a bookmark would be: until
        # dashboard.py has run once, Streamlit serves the files of pages/ without it (each page's
        # guard hands the run to dashboard.py: tests/test_direct_links.py has every page and role).
        opened.visit(PAGES[-1])
        yield opened
        context.close()


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.url_path)
def test_page_opens_without_error(dashboard, spec):
    shown = dashboard.visit(spec)   # at its own address, the landing page too
    assert not shown.not_found, f"/{spec.url_path}: Streamlit says 'Page not found'"
    assert shown.exceptions == 0, dashboard.explain(spec)
    assert shown.crash_alerts == [], dashboard.explain(spec)
    assert spec.title in shown.heading, f"/{spec.url_path}: heading {shown.heading!r}"
    titles = {page.title for page in PAGES}
    assert set(shown.navigation) <= titles, (
        f"The navigation offers {shown.navigation}, not the titles of ui.pages.PAGES: Streamlit "
        "ran pages/*.py without dashboard.py (its multipage v1 mode, for apps with a pages/ folder)."
    )


@pytest.mark.parametrize("url_path", sorted(PAGES_WITH_CHARTS))
def test_page_draws_its_charts(dashboard, url_path):
    spec = next(spec for spec in PAGES if spec.url_path == url_path)
    assert dashboard.visit(spec).charts >= 1, dashboard.explain(spec)


def test_landing_page_is_the_default_page(dashboard):
    shown = dashboard.visit(LANDING)
    assert shown.exceptions == 0, dashboard.explain(LANDING)
    assert DEFAULT_PAGE.title in shown.heading, shown.heading


def test_nothing_is_fetched_from_outside_this_machine(dashboard):
    for spec in (*PAGES[1:], LANDING):
        dashboard.visit(spec)
    assert dashboard.requests, "no request was recorded"
    outside = [url for url in dashboard.requests
               if urlsplit(url).scheme not in ("data", "blob")
               and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert outside == []
