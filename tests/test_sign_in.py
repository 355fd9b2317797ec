"""Sign-in for real: the roles of ui/access.py hold through OpenID Connect, not only in AppTest.

tests/test_roles.py checks who sees what with AppTest's ``at.user`` standing in for the identity
provider. Here nothing is mocked inside the app: ``streamlit run app.py`` is started with a
temporary secrets file (``--secrets.files``; ``.streamlit/secrets.toml`` is never written) whose
``[auth]`` section points at the mock OpenID provider ``oidc-provider-mock``, running in a thread
on 127.0.0.1. Headless Chromium clicks "Sign in" (st.login), is redirected to the provider's
authorization form, types the account's subject and authorizes; the provider redirects to
``/oauth2callback``, Streamlit exchanges the code for the ID token (whose claims
``alliance_role`` and ``alliance_therapist_id`` the provider's accounts carry) and sets its signed
HttpOnly cookie; the dashboard is then reopened with nothing but that cookie.

One provider, one server (on a fresh database, so the demo practice of ``data/demo/``) and one
Chromium serve the whole file; each test has its own browser context, so its own cookies. The
browser may reach 127.0.0.1 only: anything else (the provider's page asks for a stylesheet on a
CDN) is aborted.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import oidc_provider_mock
import pytest
import werkzeug.serving
from oidc_provider_mock import User
from playwright.sync_api import Browser, Page, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import (
    CHROMIUM, DRAW_TIMEOUT_MS, MAIN, NAV_LINK, VIEWPORT, chromium, running_app, server_log, visit,
    wait_until_finished,
)
from ui.access import ROLE_CLAIM, SUPERVISOR, THERAPIST, THERAPIST_CLAIM
from ui.pages import pages_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]

ROOT = Path(__file__).resolve().parent.parent
CLIENTS_CSV = ROOT / "data" / "demo" / "clients.csv"
with open(CLIENTS_CSV, encoding="utf-8", newline="") as _file:
    DEMO_CLIENTS = list(csv.DictReader(_file))   # the demo practice the fresh database loads
DEMO_NAMES = sorted({client["display_name"] for client in DEMO_CLIENTS})
CLIENT_CODE = re.compile(r"\bC\d{3}\b")          # the demo's client ids: C001 ... C060

# The provider's accounts: subject → claims of its ID token.
SUPERVISOR_SUB = "supervisor@alliance.test"
THERAPIST_SUB = "therapist-t01@alliance.test"
NO_ROLE_SUB = "no-role@alliance.test"
THERAPIST_ID = "T01"
OWN_NAMES = {client["display_name"] for client in DEMO_CLIENTS
             if client["therapist_id"] == THERAPIST_ID}
ACCOUNTS = {
    SUPERVISOR_SUB: {"email": SUPERVISOR_SUB, ROLE_CLAIM: SUPERVISOR},
    THERAPIST_SUB: {"email": THERAPIST_SUB, ROLE_CLAIM: THERAPIST, THERAPIST_CLAIM: THERAPIST_ID},
    NO_ROLE_SUB: {"email": NO_ROLE_SUB},
}
# Hand-picked from data/demo/clients.csv. T01's own clients: Inès A. (C002), Emily C. (C005).
# Other therapists' clients, with names no T01 client shares: Harry P. (C001, T03),
# Megan G. (C003, T03), Zoé F. (C004, T02).
OWN_CLIENTS = ("Inès A. (C002)", "Emily C. (C005)")
OTHERS_CLIENTS = ("Harry P.", "Megan G.", "Zoé F.")
CLIENT_PAGE = "client"    # ui/pages.py: the Client page's url_path, a therapist page

# The temporary secrets file. Streamlit puts its own server.port in place of {port}
# (streamlit/auth_util.py, get_redirect_uri); the provider accepts any client id and secret.
SECRETS = """\
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "sign-in-test-cookie-secret"
client_id = "alliance"
client_secret = "sign-in-test-client-secret"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
"""


@contextmanager
def mock_provider(accounts: dict[str, dict]) -> Iterator[str]:
    """Run oidc-provider-mock on 127.0.0.1 and a free port in a thread; yield its issuer URL.

    (Its own ``run_server_in_thread`` listens on "localhost", which may be ::1.)
    """
    app = oidc_provider_mock.app(user_claims=[User(sub=sub, claims=claims)
                                              for sub, claims in accounts.items()])
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@dataclass
class SignIn:
    base_url: str
    issuer: str
    log: Path
    browser: Browser


@pytest.fixture(scope="module")
def signin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sign_in")
    database = folder / "alliance.duckdb"
    with mock_provider(ACCOUNTS) as issuer:
        secrets = folder / "secrets.toml"
        secrets.write_text(SECRETS.format(issuer=issuer), encoding="utf-8")
        with running_app(database, secrets=secrets) as base_url, chromium() as browser:
            yield SignIn(base_url, issuer, server_log(database), browser)


def _local_only(route: Route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def tab(signin) -> Iterator[Page]:
    """A tab in a fresh browser context: no cookie, nobody signed in."""
    context = signin.browser.new_context(viewport=VIEWPORT)
    context.route("**/*", _local_only)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(tab: Page, signin: SignIn, sub: str) -> None:
    """Sign in as *sub*: click "Sign in", authorize *sub* on the provider's form, come back with
    the sign-in cookie."""
    visit(tab, signin.base_url, "")
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{signin.issuer}/oauth2/authorize?**")
    asked = parse_qs(urlsplit(tab.url).query)
    assert asked["client_id"] == ["alliance"], asked
    assert asked["redirect_uri"] == [f"{signin.base_url}/oauth2callback"], asked
    tab.locator('input[name="sub"]').fill(sub)
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(f"{signin.base_url}/**")
    wait_until_finished(tab)
    cookies = {cookie["name"]: cookie for cookie in tab.context.cookies(signin.base_url)}
    assert "_streamlit_user" in cookies, (
        f"no sign-in cookie after the callback; cookies: {sorted(cookies)}. The server logged:\n"
        + signin.log.read_text(errors="replace")[-3000:])
    assert cookies["_streamlit_user"]["httpOnly"]


def reopen(tab: Page, signin: SignIn, url_path: str = "") -> str:
    """Load ``base_url/url_path`` anew (the cookie is all that is left of the sign-in) and return
    the main area's text once the script has finished; for pages without a heading, which
    :func:`tests.browser.visit` would wait for."""
    tab.goto(f"{signin.base_url}/{url_path}", wait_until="domcontentloaded")
    wait_until_finished(tab)
    return tab.locator(MAIN).inner_text()


def whole_page(tab: Page) -> str:
    """Everything readable on the page, sidebar included."""
    return tab.locator("body").inner_text()


def assert_no_client_data(tab: Page) -> None:
    text = whole_page(tab)
    assert [name for name in DEMO_NAMES if name in text] == []
    assert CLIENT_CODE.findall(text) == []


def test_nobody_signed_in_sees_only_the_sign_in(signin, tab):
    for url_path in ("", CLIENT_PAGE):   # the landing page, and a deep link to a therapist page
        shown = visit(tab, signin.base_url, url_path)
        assert shown.heading == "Alliance", (url_path, shown.text)
        assert "Sign in to see your dashboard." in shown.text
        tab.locator(MAIN).get_by_role("button", name="Sign in").wait_for(timeout=DRAW_TIMEOUT_MS)
        assert tab.locator(MAIN).get_by_role("button").all_inner_texts() == ["Sign in"]
        assert shown.navigation == []     # not even the names of the files in pages/
        assert not shown.not_found, url_path
        assert shown.exceptions == 0 and shown.crash_alerts == []
        assert_no_client_data(tab)
    assert "_streamlit_user" not in {cookie["name"] for cookie in tab.context.cookies()}


def test_a_supervisor_signs_in_and_sees_the_supervisor_pages_only(signin, tab):
    sign_in(tab, signin, SUPERVISOR_SUB)
    shown = visit(tab, signin.base_url, "", title="Supervisor view")   # a new load: the cookie
    assert shown.heading == "Supervisor view", shown.text[:1000]
    assert shown.exceptions == 0 and shown.crash_alerts == [], shown.text[:1000]
    assert shown.navigation == [page.title for page in pages_for(SUPERVISOR)]
    assert shown.navigation == ["Supervisor view", "Open exports"]
    assert_no_client_data(tab)

    # A direct link to a therapist page: not registered in a supervisor's navigation.
    shown = visit(tab, signin.base_url, CLIENT_PAGE)
    assert shown.not_found, f"/{CLIENT_PAGE} as a supervisor showed:\n{shown.text[:1000]}"
    assert shown.heading == "Supervisor view"
    assert not tab.locator(MAIN).get_by_text("Both sides of the contract").count()
    assert_no_client_data(tab)


def click_to_download(tab, label: str):
    """Click the download button *label* once the page is idle; click again if a rerun swallowed it.

    Under a loaded CI machine one click in a few hundred gave no download event within 30 s (the
    button was clicked while the page was still redrawing); a person would click again too.
    """
    for attempt in range(2):
        wait_until_finished(tab)
        try:
            with tab.expect_download(timeout=45_000) as download:
                tab.get_by_role("button", name=label).click()
            return download
        except PlaywrightTimeout:
            if attempt:
                raise
    raise AssertionError("unreachable")


def test_a_therapist_signs_in_and_sees_only_their_own_clients(signin, tab):
    sign_in(tab, signin, THERAPIST_SUB)
    shown = visit(tab, signin.base_url, "", title="Weekly review")     # a new load: the cookie
    assert shown.heading == "Weekly review", shown.text[:1000]
    assert shown.exceptions == 0 and shown.crash_alerts == [], shown.text[:1000]
    assert shown.navigation == [page.title for page in pages_for(THERAPIST)]
    assert "Client" in shown.navigation
    sidebar = tab.get_by_test_id("stSidebar")
    assert f"Signed in as therapist {THERAPIST_ID}." in sidebar.inner_text()
    assert not sidebar.get_by_test_id("stSelectbox").count()   # no choice of another caseload
    # The review's tables are drawn on a canvas: read its scores file instead.
    download = click_to_download(tab, "Download all scores (CSV)")
    with open(download.value.path(), encoding="utf-8-sig", newline="") as scores:
        in_review = {row["display_name"] for row in csv.DictReader(scores)}
    assert in_review and in_review <= OWN_NAMES, in_review - OWN_NAMES
    assert {"Inès A.", "Emily C."} <= in_review
    assert not in_review & set(OTHERS_CLIENTS)

    shown = visit(tab, signin.base_url, CLIENT_PAGE, title="Client")
    assert shown.heading == "Client" and shown.exceptions == 0, shown.text[:1000]
    picker = tab.get_by_test_id("stSelectbox").filter(has=tab.get_by_text("Client", exact=True))
    picker.locator("input").click()
    options = tab.get_by_role("option")
    options.first.wait_for()
    offered = options.all_inner_texts()
    # Every option of the picker is one of T01's clients of data/demo/clients.csv, and all are.
    assert sorted(offered) == sorted(f"{client['display_name']} ({client['client_id']})"
                                     for client in DEMO_CLIENTS
                                     if client["therapist_id"] == THERAPIST_ID)
    assert set(OWN_CLIENTS) <= set(offered)
    text = whole_page(tab)
    assert [name for name in OTHERS_CLIENTS if name in text or name in "\n".join(offered)] == []


def test_an_account_without_a_role_is_refused(signin, tab):
    sign_in(tab, signin, NO_ROLE_SUB)
    for url_path in ("", CLIENT_PAGE):   # signed in without a role, a deep link is refused too
        text = reopen(tab, signin, url_path)
        assert "Your account has no Alliance role" in text, (url_path, text[:1000])
        tab.locator(MAIN).get_by_role("button", name="Sign out").wait_for(timeout=DRAW_TIMEOUT_MS)
        assert f"claim '{ROLE_CLAIM}' = None" in text
        assert tab.locator(MAIN).get_by_role("button").all_inner_texts() == ["Sign out"]
        assert not tab.locator(NAV_LINK).count()
        assert not tab.locator(MAIN).locator("h1").count()
        assert_no_client_data(tab)
