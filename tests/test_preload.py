"""A page's HTML answer tells the browser where the server is, names the charts' code for it to
fetch at once, and has it load the page's elements' code and run the chart library while the
server runs the page's script (ui/preload.py): which chunks, which answers, and what the browser
does with them."""

from __future__ import annotations

import asyncio
import gzip
import shutil
from urllib.parse import urlsplit

import pytest
from starlette.datastructures import Headers

from alliance_metrics.inventory import load_demo_if_empty
from alliance_metrics.store import Store
from tests.browser import CHROMIUM, VIEWPORT, chromium, running_app, visit
from ui.chart import PLOTLY_PATH, plotly_route
from ui.pages import PAGES
from ui.preload import (CHART_COMPONENT, STATIC, Head, PageHead, component_chunks, imported_chunks, link_header,
                        page_head, page_script_chunks, server_address_script, while_the_script_runs, with_script)

# A built frontend in miniature, as Vite writes one: index.html loads index.A.js, which imports
# shared.B.js; the chart's chunk imports shared.B.js too, and wrap.C.js, which imports tiny.D.js and
# re-exports from re.F.js; it loads big.E.js only when asked (a dynamic import). A ChartTheme chunk
# is another component. The charts' own component (BidiComponent) imports wrap.C.js; a Table
# element imports shared.B.js, wrap.C.js and grid.G.js.
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
    "BidiComponent.K1.js": 'import"./wrap.C.js";export default 7',
    "Table.Z3.js": 'import{s}from"./shared.B.js";import"./wrap.C.js";import{g}from"./grid.G.js";export default s+g',
    "grid.G.js": "export const g=8",
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


def test_index_htmls_own_scripts_and_their_imports_are_the_pages_own_chunks(static):
    assert page_script_chunks(static) == {"index.A.js", "shared.B.js"}


def test_the_charts_bundle_is_served_under_streamlits_prefix():
    assert plotly_route("").path == "/vendor/plotly-cartesian-4.1.1.min.js"
    assert plotly_route("alliance").path == "/alliance/vendor/plotly-cartesian-4.1.1.min.js"
    assert plotly_route("/team/alliance/").path == "/team/alliance/vendor/plotly-cartesian-4.1.1.min.js"


def test_a_renamed_component_preloads_nothing(static):
    assert component_chunks("Renamed", static) == []
    # the charts' bundle is the dashboard's own: still preloaded
    assert link_header([]) == "<./vendor/plotly-cartesian-4.1.1.min.js>; rel=preload; as=script"


def test_a_chart_pages_head_names_the_charts_chunks_and_loads_its_elements_others_while_the_script_runs(static):
    chart = page_head(charts=True, elements=["Table"], own_address=True, static=static)
    assert chart.link == link_header(["BidiComponent.K1.js", "re.F.js", "tiny.D.js", "wrap.C.js"])
    assert chart.scripts == server_address_script() + while_the_script_runs(["Table.Z3.js", "grid.G.js"], charts=True)
    plain = page_head(charts=False, elements=["Table"], own_address=False, static=static)
    assert plain.link == ""          # no chart: nothing fetched before the connection
    assert plain.scripts == while_the_script_runs(["Table.Z3.js", "grid.G.js", "re.F.js", "tiny.D.js", "wrap.C.js"],
                                                  charts=False)


def test_the_script_run_while_the_page_runs_loads_its_chunks_and_the_charts_bundle():
    script = while_the_script_runs(["Table.Z3.js", "grid.G.js"], charts=True)
    assert script.startswith('<script type="module">') and script.endswith("</script>")
    assert 'const chunks = ["Table.Z3.js", "grid.G.js"];' in script
    assert 'rel: "modulepreload", crossOrigin: "", href: "./static/js/" + chunk' in script
    assert "script.src = './vendor/plotly-cartesian-4.1.1.min.js'" in script
    assert "window.alliancePlotly ??= " in script       # the charts find it loading, and load it no more
    assert '"data-test-script-state") === "running"' in script
    assert "alliancePlotly" not in while_the_script_runs(["Table.Z3.js"], charts=False)


def test_the_server_address_is_the_parent_of_the_pages_and_a_hosts_own_setting_wins():
    script = server_address_script()
    assert script.startswith("<script>") and 'type="module"' not in script   # runs before Streamlit's module
    assert 'server.pathname.replace(/\\/+$/, "").replace(/[^/]*$/, "")' in script
    assert "window.__streamlit = {BACKEND_BASE_URL: server.href, ...window.__streamlit};" in script


PAGE = b"<html><head><title>t</title></head><body></body></html>"


def test_the_script_goes_at_the_end_of_the_head_of_a_plain_or_compressed_page():
    expected = b"<html><head><title>t</title><script>s</script></head><body></body></html>"
    assert with_script(PAGE, "", "<script>s</script>") == expected
    assert with_script(gzip.compress(PAGE), "gzip", "<script>s</script>") == expected
    assert with_script(b"<p>no head</p>", "", "<script>s</script>") == b"<p>no head</p>"


def test_the_installed_streamlit_has_the_chart_chunk():
    """Fails when a Streamlit release renames its chart chunk: then nothing is preloaded."""
    chunks = component_chunks()
    assert any(chunk.startswith(CHART_COMPONENT + ".") for chunk in chunks), chunks
    assert all((STATIC / "static" / "js" / chunk).is_file() for chunk in chunks)


def test_the_link_header_is_relative_and_crossorigin_like_index_html_preloads():
    assert link_header(["a.1.js", "b.2.js"]) == (
        "<./static/js/a.1.js>; rel=modulepreload; crossorigin, <./static/js/b.2.js>; rel=modulepreload; crossorigin, "
        "<./vendor/plotly-cartesian-4.1.1.min.js>; rel=preload; as=script")


CHUNKS_OF_PAGE = ["BidiComponent.P1.js", "tiny.D.js"]
HEADER = ("<./static/js/BidiComponent.P1.js>; rel=modulepreload; crossorigin, <./static/js/tiny.D.js>; rel=modulepreload; "
          "crossorigin, <./vendor/plotly-cartesian-4.1.1.min.js>; rel=preload; as=script")
CHART_PAGE = Head(HEADER, "<script>w</script>")
PLAIN_PAGE = Head("", "<script>y</script>")
BARE = Head(HEADER, "<script>b</script>")


def answered(path: str, content_type: str = "text/html; charset=utf-8", *, bodies=(PAGE,), method: str = "GET",
             status: int = 200, encoding: str | None = None) -> tuple[Headers, bytes]:
    """The headers and body the middleware sends for an answer of *content_type* at *path*, which
    the app sends in the parts *bodies* (compressed with *encoding*), with its length."""
    async def answer(scope, receive, send):
        headers = [(b"content-type", content_type.encode()),
                   (b"content-length", str(sum(map(len, bodies))).encode())]
        headers += [(b"content-encoding", encoding.encode())] if encoding else []
        await send({"type": "http.response.start", "status": status, "headers": headers})
        for number, body in enumerate(bodies, 1):
            await send({"type": "http.response.body", "body": body, "more_body": number < len(bodies)})

    sent = []

    async def send(message):
        sent.append(message)

    middleware = PageHead(answer, heads={"weekly_review": CHART_PAGE, "your_data": PLAIN_PAGE}, bare=BARE)
    asyncio.run(middleware({"type": "http", "method": method, "path": path, "headers": []}, None, send))
    assert [message["type"] for message in sent[:1]] == ["http.response.start"]
    return Headers(raw=sent[0]["headers"]), b"".join(message.get("body", b"") for message in sent[1:])


def test_html_answers_get_the_header_except_for_pages_without_charts():
    assert answered("/")[0].get("link") == HEADER
    assert answered("/weekly_review")[0].get("link") == HEADER
    assert answered("/base/weekly_review/")[0].get("link") == HEADER
    assert "link" not in answered("/your_data")[0]
    assert "link" not in answered("/base/your_data/")[0]
    assert "link" not in answered("/static/js/x.js", "text/javascript")[0]
    assert "link" not in answered("/_stcore/health", "text/plain")[0]


def test_each_pages_html_carries_its_scripts_whole_uncompressed_and_with_its_new_length():
    for path, scripts in (("/weekly_review", b"<script>w</script>"), ("/base/your_data/", b"<script>y</script>"),
                          ("/", b"<script>b</script>"), ("/base/", b"<script>b</script>")):
        expected = PAGE.replace(b"</head>", scripts + b"</head>")
        for bodies, encoding in (([PAGE], None), ([PAGE[:20], PAGE[20:40], PAGE[40:]], None),
                                 ([gzip.compress(PAGE)], "gzip")):
            headers, body = answered(path, bodies=bodies, encoding=encoding)
            assert body == expected, (path, bodies, encoding)
            assert headers["content-length"] == str(len(expected))
            assert "content-encoding" not in headers


def test_an_answer_encoded_otherwise_keeps_its_body_and_encoding():
    headers, body = answered("/weekly_review", bodies=[b"\x1b\x00compressed"], encoding="br")
    assert body == b"\x1b\x00compressed"
    assert headers["content-encoding"] == "br" and headers["link"] == HEADER


def test_other_answers_keep_their_body():
    for path, kind, method, status in (("/static/js/x.js", "text/javascript", "GET", 200),
                                       ("/weekly_review", "text/html", "HEAD", 200),
                                       ("/weekly_review", "text/html", "GET", 304)):
        headers, body = answered(path, kind, bodies=[PAGE[:20], PAGE[20:]], method=method, status=status)
        assert body == PAGE, (path, method, status)
        assert headers["content-length"] == str(len(PAGE))


def test_the_installed_streamlit_has_every_pages_elements():
    """Fails when a Streamlit release renames an element's chunk that a page names: then its code
    loads only when the element arrives, as before."""
    for page in PAGES:
        for element in page.elements:
            assert component_chunks(element), f"{page.url_path}: no chunk named {element}.*.js in {STATIC}"


# Run in the page before Streamlit's code: when plotly's bundle runs (it ends by setting
# window.Plotly), note whether the page's first chart (its element, class st-key-<key>) was there.
PLOTLY_RAN_HOOK = """
Object.defineProperty(window, 'Plotly', {configurable: true, get() { return undefined; }, set(value) {
  Object.defineProperty(window, 'Plotly', {configurable: true, writable: true, value});
  window.plotlyRan = {chartThere: !!document.querySelector('.st-key-CHART_KEY')};
}});
"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)")
def test_the_browser_fetches_and_runs_the_chart_code_early_once_and_only_for_chart_pages(tmp_path):
    """Without the header the chart component's chunk and plotly's bundle are asked for after the
    page has loaded, once the script's first chart reaches the browser; with it, while the page
    loads. Fetched once each: the page's own import finds the preloaded module (a mismatched
    crossorigin would fetch it again), and the charts find the bundle loading. Without the script,
    plotly's code runs when the first chart reaches the browser; with it, before (the weekly
    review draws its chart after some fifty other elements)."""
    demo = tmp_path / "demo.duckdb"
    store = Store(demo)
    load_demo_if_empty(store)
    store.close()
    chart_page, chart_key = next(page for page in PAGES if page.url_path == "weekly_review"), "weekly_trend"
    plain_page = next(page for page in PAGES if not page.charts)
    with chromium() as browser:
        for page in (chart_page, plain_page):
            database = tmp_path / f"{page.url_path}.duckdb"
            shutil.copyfile(demo, database)
            with running_app(database) as base_url:
                context = browser.new_context(viewport=VIEWPORT)   # an empty cache: a first visit
                context.add_init_script(PLOTLY_RAN_HOOK.replace("CHART_KEY", chart_key))
                tab = context.new_page()
                asked = []
                tab.on("request", lambda request: asked.append(request.url))
                shown = visit(tab, base_url, page.url_path, title=page.title, charts=page.charts)
                fetched = tab.evaluate(f"""() => ({{
                    loaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
                    chart: performance.getEntriesByType('resource')
                        .filter(entry => entry.name.includes('/static/js/{CHART_COMPONENT}.')
                                         || entry.name.endsWith('{PLOTLY_PATH}'))
                        .map(entry => entry.startTime),
                    ran: window.plotlyRan ?? null,
                    chartThere: !!document.querySelector('.st-key-{chart_key}')}})""")
                chart_requests = [url for url in asked
                                  if f"/static/js/{CHART_COMPONENT}." in url or url.endswith(PLOTLY_PATH)]
                context.close()
            if page.charts:
                assert shown.charts >= 1, shown.text[:500]
                assert len(chart_requests) == 2, chart_requests                       # the chunk, the bundle
                assert len(fetched["chart"]) == 2 and max(fetched["chart"]) < fetched["loaded"], fetched
                assert fetched["chartThere"], "the weekly review's chart has another key: the check below would be void"
                assert fetched["ran"] == {"chartThere": False}, fetched
            else:
                assert chart_requests == [], chart_requests
                assert fetched["ran"] is None, fetched


#: Elements drawn only when a step is slow (a spinner waits half a second before it shows): a
#: page's code may load them later, as it did before.
SHOWN_WHEN_SLOW = ("Spinner",)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)")
def test_each_page_connects_at_once_and_loads_no_element_code_it_does_not_name(tmp_path):
    """A first visit (an empty cache) to each page at its own address: Streamlit asks for the
    server's health at the server's address only (not first at the page's, which is not found);
    every chunk the page loaded is one of index.html's, the charts' or the page's named elements'
    (:attr:`ui.pages.PageSpec.elements`: one a page draws without naming it would load only when it
    arrives), and none is fetched twice (a preload the import does not find would be)."""
    own = page_script_chunks()
    database = tmp_path / "alliance.duckdb"
    with chromium() as browser, running_app(database) as base_url:
        for page in PAGES:
            context = browser.new_context(viewport=VIEWPORT)
            tab = context.new_page()
            asked: list[str] = []
            tab.on("request", lambda request: asked.append(urlsplit(request.url).path))
            shown = visit(tab, base_url, page.url_path, title=page.title, charts=page.charts)
            context.close()
            assert shown.exceptions == 0 and page.title in shown.heading, (page.url_path, shown.text[:300])
            health = [path for path in asked if path.endswith("/_stcore/health")]
            assert health and set(health) == {"/_stcore/health"}, (page.url_path, health)
            chunks = [path.rpartition("/")[2] for path in asked if path.startswith("/static/js/")]
            assert len(chunks) == len(set(chunks)), (page.url_path, sorted(c for c in chunks if chunks.count(c) > 1))
            named = set().union(*(component_chunks(name) for name in (*page.elements, *SHOWN_WHEN_SLOW)))
            charts = set(component_chunks(CHART_COMPONENT)) if page.charts else set()
            unnamed = set(chunks) - own - named - charts
            assert unnamed == set(), (f"/{page.url_path} loaded code of elements ui.pages.PAGES does not name for "
                                      f"it: {sorted(unnamed)}")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)")
def test_under_a_prefix_a_page_finds_the_server_at_its_parent_address(tmp_path):
    """Served under a prefix, as behind a proxy (``--server.baseUrlPath``): the page at
    ``/alliance/client`` is told the server is at ``/alliance/``, not ``/``."""
    page = next(page for page in PAGES if page.url_path == "client")
    with chromium() as browser, running_app(tmp_path / "alliance.duckdb", base_path="alliance") as base_url:
        tab = browser.new_context(viewport=VIEWPORT).new_page()
        asked: list[str] = []
        tab.on("request", lambda request: asked.append(urlsplit(request.url).path))
        shown = visit(tab, base_url, page.url_path, title=page.title, charts=page.charts)
    assert shown.exceptions == 0 and page.title in shown.heading and shown.charts >= 1, shown.text[:300]
    assert {path for path in asked if path.endswith("/_stcore/health")} == {"/alliance/_stcore/health"}
