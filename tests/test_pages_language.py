"""Every page in French and in English, with nothing of the other language left (issue 14).

AppTest opens each page of ui/pages.py's PAGES — single-user, on the demo practice, so that every
section, table and chart has something to show — with ``ALLIANCE_LANG=fr`` and then ``=en``, and
collects every word a person reads: titles, headers, markdown, captions, alerts, metrics (label,
value, delta, help), widgets' labels, help texts and options, buttons (downloads and Prepare
included), expanders, file uploaders, tables' column headers and their text cells, and the
charts' titles, axis titles, legends, annotations and hover labels. Inline code (`python -m …`),
column codes (``client_id``) and data (names, ids, numbers, dates) are not words of a language.

The check is a stop-list of words that belong to one language only: common English words that
are not French (``the``, ``of``, ``sessions``, ``Weekly``, ``Download``…) must not appear in the
French run, nor common French words (``les``, ``séances``, ``Télécharger``…) in the English run.

The sentences the library writes (attention reasons, readings, the supervisor view's sentences)
are checked the same way: :data:`LIBRARY_STILL_ENGLISH` (patterns reported, not failed) is empty
and must stay so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import drawn_figures
from ui.pages import PAGES

TIMEOUT = 90
APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")

#: Words of English that French does not use (whole words, any case).
ENGLISH_ONLY = frozenset("""
    the of and with is are was were be been this that these those your you from by for at
    not no yet only each every all more less than which what when who how why their them they
    its it has have had to as into over under between within about after before
    week weekly review session sessions needs attention download prepare rating
    ratings progress goal settings data sign open show delete erase undo back up now file files
    upload columns labels therapist therapists missed billable attended cancelled late notice
    paid fee practice mean band suppressed trend trends caseload flow compared relate main
    everything else exploratory kind outcome inserted updated unchanged rejected happened
    scheduled none unknown flagged rule thresholds figures expected median target
    clients' client's drop drop-outs endings new known yes save saved choices
    stored order time times read shown shows chosen
""".split())
#: Words of French that English does not use.
FRENCH_ONLY = frozenset("""
    le la les des du un une est sont avec par sur dans aux au ce cette ces vos votre nos
    séance séances semaine revue réglages indicateur indicateurs télécharger préparer aucun
    aucune tous toutes chaque entre liens données importer honorée honorées annulée annulation
    tardive thérapeute thérapeutes objectif progrès cabinet patientèle masqué connecté
""".split())
WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
INLINE_CODE = re.compile(r"`[^`]*`")
#: Words in a string that are not words of a language: codes (client_id), ISO codes (ALL, the
#: Albanian lek), placeholders of plotly (%{x}), tags (<br>), paths, escapes of st.markdown (\-),
#: values quoted as code ('therapist', None: the claim an account lacks).
NOT_WORDS = re.compile(r"%\{[^}]*\}|<[^>]*>|\S*[/_]\S*|\b[A-Z]{2,}\b|\\|(?<!\w)'[^'\s]+'|\bNone\b")
#: Names that are the same in both languages (instruments, authors, methods).
PROPER_NOUNS = re.compile(r"Session Rating Scale|Working Alliance Inventory|Holm|Spearman|Pearson|"
                          r"Flückiger|Falkenström|Curran|Bauer|Bakdash|Marusich|Kiresuk|Sherman")

#: Library sentences still written in English (translated by the library's own change, not the
#: pages'): a French string matching one of these is reported, not failed. Each names its source.
#: The lead empties this once the library speaks French (issue 14).
LIBRARY_STILL_ENGLISH: dict[str, str] = {}


def _strings_of_figure(spec: dict) -> list[str]:
    """The words of a plotly figure: title, axis titles, trace names and hover labels, annotations."""
    layout = spec.get("layout", {})
    found = []

    def text_of(title) -> str | None:
        return title.get("text") if isinstance(title, dict) else title

    found.append(text_of(layout.get("title")))
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            found.append(text_of(axis.get("title")))
            if isinstance(axis.get("categoryarray"), list) and axis.get("type") != "date":
                found += [str(value) for value in axis["categoryarray"]]
    found += [annotation.get("text") for annotation in layout.get("annotations", [])]
    for trace in spec.get("data", []):
        found += [trace.get("name"), trace.get("hovertemplate")]
        colorbar = trace.get("colorbar", {})
        found.append(text_of(colorbar.get("title")) if colorbar else None)
        if trace.get("type") in ("scatter", "scattergl") and isinstance(trace.get("y"), list) \
                and all(isinstance(value, str) for value in trace["y"]):
            found += trace["y"]            # a category axis of words (the session timeline)
    return [text for text in found if isinstance(text, str) and text]


def shown_strings(app: AppTest) -> list[tuple[str, str]]:
    """(where, text) for every string the page shows, main area and sidebar."""
    found: list[tuple[str, str]] = []

    def add(where: str, *texts) -> None:
        found.extend((where, str(text)) for text in texts if isinstance(text, str) and text)

    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        for element in getattr(app, kind):
            add(kind, element.value)
    for code in app.code:                       # code is code; its comments are words
        add("code comment", *re.findall(r"#\s*(.+)", code.value))
    for metric in app.metric:
        add("metric", metric.label, metric.value, metric.proto.body, metric.proto.help)
    for kind in ("selectbox", "radio", "multiselect"):
        for widget in getattr(app, kind):
            add(kind, widget.label, widget.help, *[str(option) for option in widget.options])
    for kind in ("checkbox", "text_input", "number_input", "date_input", "button", "toggle"):
        for widget in getattr(app, kind):
            add(kind, widget.label, widget.help)
    for expander in app.expander:
        add("expander", expander.label)
    for kind in ("download_button", "file_uploader"):
        for element in app.get(kind):
            add(kind, element.proto.label, element.proto.help)
    for table in app.dataframe:
        config = json.loads(table.proto.columns or "{}")
        frame = table.value
        if not str(frame.index.dtype).startswith(("int", "uint", "range")):
            add("row header", *[str(name) for name in frame.index])
        for column in frame.columns:
            label = config.get(f"name:{column}", config.get(str(column), {})).get("label")
            add("column header", label or str(column))
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
                add("table cell", *frame[column].dropna().astype(str).unique()[:50])
    for chart in drawn_figures(app):
        add("chart", *_strings_of_figure(chart))
    return found


def words(text: str) -> set[str]:
    """The words of *text* that belong to a language (code, paths and plotly placeholders removed)."""
    text = NOT_WORDS.sub(" ", PROPER_NOUNS.sub(" ", INLINE_CODE.sub(" ", text)))
    return {word.lower().strip("'’-") for word in WORD.findall(text)}


def library_source(text: str) -> str | None:
    return next((source for pattern, source in LIBRARY_STILL_ENGLISH.items() if re.search(pattern, text)), None)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return tmp_path_factory.mktemp("languages") / "alliance.duckdb"


def open_page(monkeypatch, db, language: str, page_file: str) -> AppTest:
    monkeypatch.setenv("ALLIANCE_DB", str(db))
    monkeypatch.setenv("ALLIANCE_DEMO", "on")
    monkeypatch.setenv("ALLIANCE_LANG", language)
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    app.switch_page(page_file).run()
    assert not app.exception, app.exception
    return app


def leftovers(app: AppTest, foreign: frozenset[str]) -> list[tuple[str, str, list[str]]]:
    """(where, text, foreign words) for each shown string holding a word of the other language."""
    return [(where, text, sorted(words(text) & foreign)) for where, text in shown_strings(app)
            if words(text) & foreign]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_no_english_is_left_on_a_french_page(page, monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "fr", page.file)
    assert len(shown_strings(app)) > 3
    english = leftovers(app, ENGLISH_ONLY)
    from_library = [(where, text) for where, text, _ in english if library_source(text)]
    pages_own = [item for item in english if not library_source(item[1])]
    if from_library:
        print(f"\n{page.url_path}: library sentences still in English:")
        for where, text in from_library:
            print(f"  [{where}] {text[:160]!r}")
    assert pages_own == [], "\n".join(f"[{where}] {words_!r}: {text[:200]!r}" for where, text, words_ in pages_own)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_no_french_is_left_on_an_english_page(page, monkeypatch, demo_db):
    app = open_page(monkeypatch, demo_db, "en", page.file)
    assert len(shown_strings(app)) > 3
    french = leftovers(app, FRENCH_ONLY)
    assert french == [], "\n".join(f"[{where}] {words_!r}: {text[:200]!r}" for where, text, words_ in french)


# --- signed in: the sign-in screen, a supervisor's pages, a refused account -------------------------

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "alliance", "client_secret": "test-client-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
SIGNED_IN = {
    "signed out": {"is_logged_in": False},
    "supervisor": {"is_logged_in": True, "alliance_role": "supervisor"},
    "no role": {"is_logged_in": True, "email": "someone@example.org"},
}


def signed_in_app(monkeypatch, db, language: str, user: dict) -> AppTest:
    monkeypatch.setenv("ALLIANCE_DB", str(db))
    monkeypatch.setenv("ALLIANCE_DEMO", "on")
    monkeypatch.setenv("ALLIANCE_LANG", language)
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.secrets["auth"] = AUTH
    app.user = user
    app.run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("who", SIGNED_IN)
@pytest.mark.parametrize("language, foreign", [("fr", ENGLISH_ONLY), ("en", FRENCH_ONLY)], ids=["fr", "en"])
def test_signed_in_screens_speak_one_language(who, language, foreign, monkeypatch, demo_db):
    app = signed_in_app(monkeypatch, demo_db, language, SIGNED_IN[who])
    pages = [page for page in PAGES if "supervisor" in page.roles] if who == "supervisor" else [None]
    for page in pages:
        if page is not None:
            app.switch_page(page.file).run()
            assert not app.exception, app.exception
        found = leftovers(app, foreign)
        assert [(where, text) for where, text, _ in found if not library_source(text)] == [], found
    sidebar = " ".join(caption.value for caption in app.sidebar.caption)
    buttons = [button.label for button in app.button]
    if who == "signed out":
        assert buttons == [{"fr": "Se connecter", "en": "Sign in"}[language]]
    elif who == "supervisor":
        assert sidebar == {"fr": "Connecté en tant que superviseur.", "en": "Signed in as supervisor."}[language]
    else:
        assert app.error and {"fr": "Votre compte", "en": "Your account"}[language] in app.error[0].value


# --- the guided Import page, a file uploaded (what the page shows only once a file is chosen) ------

# a SimplePractice-like export with one bad date and one blank client: refused, the report grouped
EXPORT = (b"Client,Date of Service,Time,Status,Fee,Clinician Notes\n"
          b"C1,11/02/2026,9:30 AM,Show,90,fine\n"
          b"C1,11/31/2026,9:30 AM,No Show,90,\n"
          b",11/17/2026,2:00 PM,Show,90,\n")


@pytest.mark.parametrize("language, foreign", [("fr", ENGLISH_ONLY), ("en", FRENCH_ONLY)])
def test_the_import_page_with_a_file_and_its_refusal_speak_one_language(language, foreign, monkeypatch, tmp_path):
    app = open_page(monkeypatch, tmp_path / "alliance.duckdb", language, "pages/import_data.py")
    app.file_uploader(key="sessions_file").upload("export.csv", EXPORT, "text/csv")
    app.run()
    assert not app.exception, app.exception
    understood = shown_strings(app)
    assert len(understood) > 20          # the columns, labels, dates and preview are shown
    [import_button] = [button for button in app.button if button.key == "import_button"]
    import_button.click().run()
    assert not app.exception, app.exception
    refused = [where for where, _ in shown_strings(app) if where.startswith("error")]
    assert refused, "the bad file was not refused"
    # Not words of a language: the file's own headers and cells (its data), the canonical column
    # names and status codes the page pairs them with (the mapping file's vocabulary, SPEC §3), and
    # the mapping line a hint quotes.
    from alliance_metrics.columns import CLIENT_COLUMNS, SESSION_COLUMNS
    from alliance_metrics.labels import STATUS_LABELS, STATUS_MEANING
    codes = words(EXPORT.decode().replace("\n", " ").replace(",", " "))
    codes |= {column.name for column in (*SESSION_COLUMNS, *CLIENT_COLUMNS)} | {*STATUS_LABELS, *STATUS_MEANING}
    mapping_line = re.compile(r'\[dates\] \w+ = "[^"]*"')
    left = [(where, text, sorted(words(mapping_line.sub(" ", text)) & foreign - codes))
            for where, text in understood + shown_strings(app)]
    left = [item for item in left if item[2]]
    assert left == [], "\n".join(f"[{where}] {words_!r}: {text[:200]!r}" for where, text, words_ in left)
