"""The charts' own drawing (ui/chart.py): plotly's cartesian bundle as published, served by the
dashboard, able to draw every chart the pages make, with Streamlit's look, and a chart whose code
cannot load says so."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re

import plotly.io
import plotly.offline
import pytest

from alliance_metrics.charts import plotly_locale
from alliance_metrics.inventory import load_demo_if_empty
from alliance_metrics.store import Store
from tests.browser import CHROMIUM, EXCEPTION, VIEWPORT, chromium, running_app, visit
from tests.conftest import drawn_figures
from tests.test_app import open_app
from ui.chart import PLOTLY_FILE, PLOTLY_PATH, plotly_route
from ui.pages import PAGES

#: sha256 of plotly-cartesian.min.js in npm's plotly.js-cartesian-dist-min-4.1.1.tgz (the tarball's
#: sha512 checked against the registry's "integrity" when it was taken, 2026-12-07).
PUBLISHED_SHA256 = "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a"


def bundle_traces() -> set[str]:
    """The trace types the bundle registers (each module says ``moduleType:"trace",name:"…"``)."""
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', PLOTLY_FILE.read_text(encoding="utf-8")))


def test_the_bundle_is_plotlys_release_unchanged_for_the_plotly_the_figures_are_written_by():
    code = PLOTLY_FILE.read_bytes()
    assert hashlib.sha256(code).hexdigest() == PUBLISHED_SHA256
    assert code.startswith(b"/**\n* plotly.js (cartesian - minified) v4.1.1\n")
    # upgrading the plotly package without the bundle (or the reverse) fails here, not in a browser
    assert plotly.offline.get_plotlyjs_version() == "4.1.1"
    assert bundle_traces() >= {"scatter", "bar", "heatmap"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return tmp_path_factory.mktemp("chart") / "alliance.duckdb"


@pytest.mark.parametrize("page", [page for page in PAGES if page.charts], ids=lambda page: page.url_path)
def test_every_chart_of_the_demo_is_drawn_by_traces_the_bundle_and_its_template_have(page, monkeypatch, demo_db):
    app = open_app(monkeypatch, demo_db)
    app.switch_page(page.file).run()
    drawn = {trace.get("type", "scatter") for chart in drawn_figures(app) for trace in chart["data"]}
    assert drawn, page.url_path
    assert drawn <= bundle_traces(), drawn - bundle_traces()
    # each chart's template is plotly_white's, cut: the defaults of every trace type the chart draws
    # and the cartesian layout are there, each as plotly_white has it; what is left out, nothing draws
    white = plotly.io.templates["plotly_white"].to_plotly_json()
    for chart in drawn_figures(app):
        template = chart["layout"]["template"]
        assert set(template["data"]) >= {trace.get("type", "scatter") for trace in chart["data"]}
        assert set(template["layout"]) >= {"xaxis", "yaxis", "colorway", "font", "paper_bgcolor", "plot_bgcolor"}
        assert all(template["data"][kind] == white["data"][kind] for kind in template["data"])
        assert all(template["layout"][key] == white["layout"][key] for key in template["layout"])
        assert len(json.dumps(template)) < len(json.dumps(white)) / 2


def served(method: str) -> tuple[int, dict, bytes]:
    """The status, headers and body of the bundle's route for a *method* request."""
    sent = []

    async def send(message):
        sent.append(message)

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():   # the request, then nothing until the answer is sent
        if requests:
            return requests.pop()
        await asyncio.Event().wait()

    scope = {"type": "http", "method": method, "path": PLOTLY_PATH, "root_path": "", "query_string": b"",
             "headers": []}
    asyncio.run(plotly_route()(scope, receive, send))
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    return sent[0]["status"], headers, b"".join(message.get("body", b"") for message in sent[1:])


def test_the_dashboard_serves_the_bundle_as_javascript_for_a_browser_to_keep():
    status, headers, body = served("GET")
    assert status == 200 and body == PLOTLY_FILE.read_bytes()
    assert headers["content-type"].startswith("text/javascript")
    assert "immutable" in headers["cache-control"]          # the name carries the version
    status, headers, body = served("HEAD")
    assert status == 200 and body == b"" and headers["content-length"] == str(PLOTLY_FILE.stat().st_size)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)")
def test_a_chart_looks_as_streamlits_follows_its_place_goes_full_screen_and_says_when_its_code_cannot_load(
        tmp_path):
    database = tmp_path / "demo.duckdb"
    store = Store(database)
    load_demo_if_empty(store)
    store.close()
    with chromium() as browser, running_app(database) as base_url:
        context = browser.new_context(viewport=VIEWPORT)
        tab = context.new_page()
        shown = visit(tab, base_url, "weekly_review", title="Weekly review", charts=True)
        assert shown.charts >= 1
        look = tab.evaluate("""() => {
            const layout = document.querySelector('.stPlotlyChart .js-plotly-plot')._fullLayout;
            return {font: layout.font.family, title: layout.title.text, grid: layout.yaxis.gridcolor};
        }""")
        context.close()
        assert look == {"font": '"Source Sans", sans-serif', "title": "<b>Scores by week (12 weeks)</b>",
                        "grid": "#e6eaf1"}

        # a laptop's window: folding the sidebar widens the chart's place, the window stays the same
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        tab = context.new_page()
        visit(tab, base_url, "weekly_review", title="Weekly review", charts=True)
        widths = """() => [document.querySelector('.stPlotlyChart').getBoundingClientRect().width,
                           document.querySelector('.stPlotlyChart .main-svg').getBoundingClientRect().width]"""
        place, drawn = tab.evaluate(widths)
        assert drawn == place
        tab.hover('[data-testid="stSidebar"]')
        tab.locator('[aria-label="Collapse sidebar"]').click(force=True)
        tab.wait_for_function(f"() => ({widths})()[0] > {place + 100}")
        tab.wait_for_function(f"() => {{ const [place, drawn] = ({widths})(); return drawn === place; }}",
                              timeout=5_000)
        # the toolbar's full-screen button: the chart fills the screen, then comes back as it was
        height = "() => document.querySelector('.stPlotlyChart .main-svg').getBoundingClientRect().height"
        before = tab.evaluate(height)
        tab.hover(".stPlotlyChart")
        buttons = tab.locator(".stPlotlyChart .modebar-btn").evaluate_all("all => all.map(b => b.dataset.title)")
        assert "Full screen" in buttons and "Download plot as a PNG" in buttons
        assert not [title for title in buttons if "Share" in title or "Chart Studio" in title]  # no upload
        assert "Box Select" not in buttons and "Lasso Select" not in buttons   # they would select nothing
        tab.locator('.stPlotlyChart .modebar-btn[data-title="Full screen"]').click()
        size = "() => document.querySelector('.stPlotlyChart .main-svg').getBoundingClientRect()"
        tab.wait_for_function(f"() => document.fullscreenElement?.classList.contains('stPlotlyChart') "
                              f"&& ({size})().height === window.innerHeight "
                              f"&& ({size})().width === window.innerWidth", timeout=5_000)
        tab.evaluate("() => document.exitFullscreen()")
        tab.wait_for_function(f"() => !document.fullscreenElement && ({height})() === {before}", timeout=5_000)
        context.close()

        # a browser that cannot show an element full screen (an iPhone's Safari): no such button
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script("Object.defineProperty(Document.prototype, 'fullscreenEnabled', {get: () => false})")
        tab = context.new_page()
        visit(tab, base_url, "weekly_review", title="Weekly review", charts=True)
        tab.hover(".stPlotlyChart")
        buttons = tab.locator(".stPlotlyChart .modebar-btn").evaluate_all("all => all.map(b => b.dataset.title)")
        assert "Download plot as a PNG" in buttons and "Full screen" not in buttons
        context.close()

        context = browser.new_context(viewport=VIEWPORT)
        context.route(f"**{PLOTLY_PATH}", lambda route: route.abort())   # as a proxy that drops it would
        tab = context.new_page()
        visit(tab, base_url, "weekly_review", title="Weekly review")
        message = tab.locator(".stPlotlyChart", has_text="could not be drawn")
        message.first.wait_for(state="visible", timeout=10_000)
        assert "Reload the page" in message.first.inner_text()
        assert tab.locator(EXCEPTION).count() == 0
        context.close()


def test_plotlys_locale_in_french_and_in_english():
    french = plotly_locale("fr")
    assert french["name"] == "alliance-fr" and french["moduleType"] == "locale"
    assert french["format"]["days"][:2] == ["dimanche", "lundi"]              # plotly counts from Sunday
    assert french["format"]["shortMonths"][:3] == ["janv.", "févr.", "mars"]
    assert (french["format"]["decimal"], french["format"]["thousands"]) == (",", "\u202f")
    assert (french["format"]["month"], french["format"]["dayMonth"], french["format"]["dayMonthYear"]) == (
        "%b %Y", "%-d %b", "%-d %b %Y")
    assert french["dictionary"]["Pan"] == "Déplacer"
    english = plotly_locale("en")                                              # British, as the dashboard
    assert english["format"]["days"][0] == "Sunday" and english["format"]["dayMonth"] == "%-d %b"
    assert (english["format"]["decimal"], english["format"]["thousands"]) == (".", ",")
    assert english["dictionary"]["Pan"] == "Pan"
