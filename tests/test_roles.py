"""Who sees what (ui/access.py): single-user, a signed-in therapist, a supervisor, a stranger.

Sign-in itself is Streamlit's OpenID Connect (st.login); here AppTest plays the identity
provider's part through ``at.user`` and ``at.secrets``, as Streamlit's testing guide shows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alliance_metrics.demo import generate_practice
from ui.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
A_DEMO_NAME = generate_practice().clients.display_name.iloc[0]   # a client of the demo practice
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "alliance", "client_secret": "test-client-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return tmp_path_factory.mktemp("roles") / "alliance.duckdb"


def app_as(monkeypatch, db, user: dict | None) -> AppTest:
    monkeypatch.setenv("ALLIANCE_DB", str(db))
    monkeypatch.setenv("ALLIANCE_DEMO", "on")
    app = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        app.secrets["auth"] = AUTH
        app.user = user
    app.run()
    assert not app.exception, app.exception
    return app


def shown_text(app: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "error", "success")
             for e in getattr(app, kind)]
    parts += [str(frame.value.to_dict()) for frame in app.dataframe]
    return "\n".join(map(str, parts))


def test_without_identity_one_user_sees_every_page_and_is_told_so(monkeypatch, demo_db):
    app = app_as(monkeypatch, demo_db, None)
    assert app.title[0].value == "Weekly review"
    app.switch_page("pages/client.py").run()
    assert A_DEMO_NAME in shown_text(app) + str(app.selectbox(key="client").options)  # the control
    app.switch_page("pages/weekly_review.py").run()
    assert "Single-user mode" in "\n".join(c.value for c in app.sidebar.caption)
    for page in PAGES:
        app.switch_page(page.file).run()
        assert not app.exception and app.title[0].value == page.title


def test_nobody_signed_in_sees_only_the_sign_in(monkeypatch, demo_db):
    app = app_as(monkeypatch, demo_db, {"is_logged_in": False})
    assert [b.label for b in app.button] == ["Sign in"]
    assert A_DEMO_NAME not in shown_text(app)


def test_a_supervisor_lands_on_the_supervisor_view_and_cannot_open_a_therapist_page(monkeypatch, demo_db):
    app = app_as(monkeypatch, demo_db, {"is_logged_in": True, "alliance_role": "supervisor"})
    assert app.title[0].value == "Supervisor view"
    assert A_DEMO_NAME not in shown_text(app) and "C001" not in shown_text(app)
    for page in PAGES:
        if "supervisor" in page.roles:
            continue
        # the supervisor's navigation does not even register the therapist pages
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(page.file)


def test_a_therapist_sees_only_their_own_clients(monkeypatch, demo_db):
    app = app_as(monkeypatch, demo_db, {"is_logged_in": True, "alliance_role": "therapist",
                                         "alliance_therapist_id": "T02"})
    assert app.title[0].value == "Weekly review"
    assert not app.sidebar.selectbox              # no choice of therapist
    app.switch_page("pages/client.py").run()
    options = app.selectbox(key="client").options
    clients = generate_practice().clients
    own = set(clients.loc[clients.therapist_id == "T02", "client_id"])
    assert options and all(option.rsplit("(", 1)[-1].rstrip(")") in own for option in options)


def test_an_account_without_a_role_is_refused(monkeypatch, demo_db):
    app = app_as(monkeypatch, demo_db, {"is_logged_in": True, "email": "someone@example.org"})
    assert "has no Alliance role" in app.error[0].value
    assert not app.title or app.title[0].value == "Alliance"


SUPERVISOR_CODE = [ROOT / "ui" / "supervision.py",
                   *(ROOT / page.file for page in PAGES if "supervisor" in page.roles)]
ANONYMOUS_MODULES = {"alliance_metrics.anonymise", "alliance_metrics.supervisor_file",
                     "alliance_metrics.pooling", "alliance_metrics.supervisor_report",
                     "alliance_metrics.charts", "ui.supervision", "ui.widgets", "streamlit", "pandas",
                     "__future__", "ui.downloads",   # ui.downloads imports streamlit only
                     "ui.figures",                   # an LRU of figures: holds what it is given, reads nothing
                     "ui.chart",                     # draws the figure it is given: plotly, streamlit, i18n
                     "alliance_metrics.i18n"}        # words and formats: the standard library and Babel only


@pytest.mark.parametrize("path", SUPERVISOR_CODE, ids=lambda path: path.name)
def test_supervisor_code_imports_nothing_that_reaches_client_rows(path):
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if node.module == "ui.state":
                assert names <= {"practice_supervisor_view", "practice_supervisor_export"}, \
                    f"{path.name} imports {names} from ui.state"
            elif node.module == "ui.pages":
                assert names == {"guard"}, f"{path.name} imports {names} from ui.pages"
            elif node.module == "ui":
                assert names == {"supervision"}, f"{path.name} imports {names} from ui"
            else:
                assert node.module in ANONYMOUS_MODULES, f"{path.name} imports {node.module}"
        elif isinstance(node, ast.Import):
            assert {alias.name for alias in node.names} <= ANONYMOUS_MODULES, path.name
