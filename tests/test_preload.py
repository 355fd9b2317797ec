"""A chart page's HTML answer names the chart library's code for the browser to fetch at once
(ui/preload.py): which chunks, which answers, and what the browser does with them."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from starlette.datastructures import Headers

from alliance_metrics.inventory import load_demo_if_empty
from alliance_metrics.store import Store
from tests.browser import CHROMIUM, VIEWPORT, chromium, running_app, visit
from ui.pages import PAGES
from ui.preload import CHART_COMPONENT, STATIC, PreloadChartCode, component_chunks, imported_chunks, link_header

# A built frontend in miniature, as Vite writes one: index.html loads index.A.js, which imports
# shared.B.js; the chart's chunk imports shared.B.js too, and wrap.C.js, which imports tiny.D.js and
# re-exports from re.F.js; it loads big.E.js only when asked (a dynamic import). A ChartTheme chunk
# is another component.
CHUNKS = {
    "index.A.js": 'import{s}from"./shared.B.js";console.log(s)',
    "shared.B.js": "export const s=1",
    "Chart.X1.js": 'import{s}from"./shared.B.js";import{w as v}from "./wrap.C.js";'
                   'const big=()=>import("./big.E.js");export default v+s',
    "wrap.C.js": 'import"./tiny.D.js";export{r}from"./re.F.js";export const w=2',
    "re.F.js": "export const r=6",
    "tiny.D.js": "window.t=3",
    "big.E.js": "export default 4",
    "ChartTheme.Y2.js": "export default 5",
}
INDEX = '<html><head><script type="module" crossorigin src="./static/js/index.A.js"></script></head></html>'


@pytest.fixture
def static(tmp_path):
    folder = tmp_path / "static" / "js"
    folder.mkdir(parents=True)
    for name, text in CHUNKS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    return tmp_path


def test_imported_chunks_follow_static_imports_not_dynamic_ones(static):
    assert imported_chunks(["Chart.X1.js"], static / "static" / "js") == {
        "Chart.X1.js", "shared.B.js", "wrap.C.js", "tiny.D.js", "re.F.js"}


def test_a_component_brings_its_chunks_less_those_the_page_loads_itself(static):
    assert component_chunks("Chart", static) == ["Chart.X1.js", "re.F.js", "tiny.D.js", "wrap.C.js"]


def test_a_renamed_component_preloads_nothing(static):
    assert component_chunks("PlotlyChart", static) == []
    assert link_header([]) == ""


def test_the_installed_streamlit_has_the_chart_chunk():
    """Fails when a Streamlit release renames its chart chunk: then nothing is preloaded."""
    chunks = component_chunks()
    assert any(chunk.startswith(CHART_COMPONENT + ".") for chunk in chunks), chunks
    assert all((STATIC / "static" / "js" / chunk).is_file() for chunk in chunks)


def test_the_link_header_is_relative_and_crossorigin_like_index_html_preloads():
    assert link_header(["a.1.js", "b.2.js"]) == (
        "<./static/js/a.1.js>; rel=modulepreload; crossorigin, <./static/js/b.2.js>; rel=modulepreload; crossorigin")


def headers_of(path: str, content_type: str = "text/html; charset=utf-8") -> Headers:
    """The headers the middleware sends for an answer of *content_type* at *path*."""
    async def answer(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type.encode())]})
        await send({"type": "http.response.body", "body": b""})

    sent = []

    async def send(message):
        sent.append(message)

    middleware = PreloadChartCode(answer, header="<./static/js/c.js>; rel=modulepreload", without_charts=["your_data"])
    asyncio.run(middleware({"type": "http", "method": "GET", "path": path, "headers": []}, None, send))
    return Headers(raw=sent[0]["headers"])


def test_html_answers_get_the_header_except_for_pages_without_charts():
    assert headers_of("/").get("link") == "<./static/js/c.js>; rel=modulepreload"
    assert headers_of("/weekly_review").get("link") == "<./static/js/c.js>; rel=modulepreload"
    assert headers_of("/base/weekly_review/").get("link") == "<./static/js/c.js>; rel=modulepreload"
    assert "link" not in headers_of("/your_data")
    assert "link" not in headers_of("/base/your_data/")
    assert "link" not in headers_of("/static/js/x.js", "text/javascript")
    assert "link" not in headers_of("/_stcore/health", "text/plain")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)")
def test_the_browser_fetches_the_chart_code_with_the_page_once_and_only_for_chart_pages(tmp_path):
    """Without the header the chart chunk is asked for after the page has loaded, once the
    script's first chart reaches the browser; with it, while the page loads. Fetched once: the
    page's own import finds the preloaded module (a mismatched crossorigin would fetch it again)."""
    demo = tmp_path / "demo.duckdb"
    store = Store(demo)
    load_demo_if_empty(store)
    store.close()
    chart_page = next(page for page in PAGES if page.charts)
    plain_page = next(page for page in PAGES if not page.charts)
    with chromium() as browser:
        for page in (chart_page, plain_page):
            database = tmp_path / f"{page.url_path}.duckdb"
            shutil.copyfile(demo, database)
            with running_app(database) as base_url:
                context = browser.new_context(viewport=VIEWPORT)   # an empty cache: a first visit
                tab = context.new_page()
                asked = []
                tab.on("request", lambda request: asked.append(request.url))
                shown = visit(tab, base_url, page.url_path, title=page.title, charts=page.charts)
                fetched = tab.evaluate(f"""() => ({{
                    loaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
                    chart: performance.getEntriesByType('resource')
                        .filter(entry => entry.name.includes('/static/js/{CHART_COMPONENT}.'))
                        .map(entry => entry.startTime)}})""")
                chart_requests = [url for url in asked if f"/static/js/{CHART_COMPONENT}." in url]
                context.close()
            if page.charts:
                assert shown.charts >= 1, shown.text[:500]
                assert len(chart_requests) == 1, chart_requests
                assert fetched["chart"][0] < fetched["loaded"], fetched
            else:
                assert chart_requests == [], chart_requests
