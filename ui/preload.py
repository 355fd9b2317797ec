"""Chart pages have the browser fetch the charts' code at once, and run it while the server runs the
page's script (issue 16).

A chart (ui/chart.py) is a small Streamlit component drawn by plotly's cartesian bundle. Streamlit's
browser code fetches the component's code (its ``BidiComponent`` chunk, and the chunks it imports)
only when a page's first chart reaches the browser, and the component then asks for the bundle:
on a first visit that is after the script has run for a while, when every request waits behind
the page's others while the server is busy with the script.

So the server's HTML answer for a page that draws charts (:attr:`ui.pages.PageSpec.charts`, and the
bare address, which opens a page that does) names them in a ``Link`` header (``modulepreload`` for
the chunks, ``preload`` for the bundle): the browser fetches them in the first quarter-second,
while it loads the rest of Streamlit's code and the server is idle. A page without charts is left
alone: it would only wait for bytes it does not use.

The chunks' names carry a hash that changes with each Streamlit release, so they are found in the
installed Streamlit's static folder: the chunk named after the component, with every chunk it
imports, less those the page's own scripts load anyway. Should a release rename the component,
no chunk is preloaded and the pages work as before (tests/test_preload.py then fails, so that
someone looks).

Fetched is not evaluated: so the same HTML answer also carries a small script
(:func:`evaluation_script`) that starts loading the bundle (ui/chart.py's ``LOAD_PLOTLY``, which
the charts then find started) as soon as Streamlit says the page's script has started (its
``data-test-script-state`` turns to ``running``): the browser evaluates plotly while the server
runs the script, time it otherwise spends waiting. Not sooner: Streamlit's own bundle of plotly
(4.7 MB, drawn by ``st.plotly_chart`` until 2026-12-07), evaluated while Streamlit's own code
started up, held the websocket's opening back by as long. Measured in interleaved cold visits with
that bundle (bench/README.md): at a million sessions the supervisor view 2.58 → 2.47 s and the
client page 2.66 → 2.52 s; the demo's weekly review 2.82 → 2.67 s. Should Streamlit drop that
attribute, the script never starts and the first chart loads the bundle itself
(tests/test_preload.py then fails).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from pathlib import Path

import streamlit
from starlette.datastructures import MutableHeaders

from ui.chart import LOAD_PLOTLY, PLOTLY_SRC

#: Streamlit's built browser code: index.html and its static/js folder.
STATIC = Path(streamlit.__file__).resolve().parent / "static"
#: The chunk that mounts a ``st.components.v2`` component (a chart: ui/chart.py), by its name
#: without the hash.
CHART_COMPONENT = "BidiComponent"

# A chunk's static imports, as Vite writes them: import{a as b}from"./x.js" and import"./x.css.js".
# Dynamic ones (import("./x.js")) load later, only when asked for, and are not followed. The quoted
# name is looked for first (a literal start: 3 ms through Plotly's 4.7 MB, against 86 ms for a
# pattern that starts with the keyword), then the keyword before it.
_QUOTED_CHUNK = re.compile(r'"\./([\w.\-]+\.js)"')
_IMPORTING = ("from", "import")
# The scripts index.html loads itself: <script type="module" src="./static/js/index.X.js">.
_PAGE_SCRIPT = re.compile(r'<script[^>]*\bsrc="\./static/js/([\w.\-]+\.js)"')


def static_imports(code: str) -> list[str]:
    """The chunks a chunk's *code* imports statically, in order."""
    return [quoted.group(1) for quoted in _QUOTED_CHUNK.finditer(code)
            if code[max(0, quoted.start() - 16):quoted.start()].rstrip().endswith(_IMPORTING)]


def imported_chunks(first: Iterable[str], folder: Path) -> set[str]:
    """The chunk files *first* and every chunk they import statically, directly or not."""
    found, waiting = set(), list(first)
    while waiting:
        chunk = waiting.pop()
        if chunk not in found and (folder / chunk).is_file():
            found.add(chunk)
            waiting += static_imports((folder / chunk).read_text(encoding="utf-8", errors="replace"))
    return found


def component_chunks(component: str = CHART_COMPONENT, static: Path = STATIC) -> list[str]:
    """The chunks a page fetches for *component* beyond those its own scripts load, in name order.

    The component's chunk is ``<component>.<hash>.js`` in ``static/js``; none found (a release that
    renamed it), no chunk.
    """
    folder = static / "static" / "js"
    named = re.compile(rf"{re.escape(component)}\.[\w\-]+\.js")
    own = [path.name for path in folder.glob(f"{component}.*.js") if named.fullmatch(path.name)]
    index = static / "index.html"
    page_scripts = _PAGE_SCRIPT.findall(index.read_text(encoding="utf-8")) if index.is_file() else []
    return sorted(imported_chunks(own, folder) - imported_chunks(page_scripts, folder))


def link_header(chunks: Iterable[str]) -> str:
    """The ``Link`` header that preloads *chunks* as index.html preloads its own (relative to the
    page, ``crossorigin`` so that the browser's later import of the chunk finds it), and the
    charts' bundle as the classic script it is."""
    return ", ".join([*(f"<./static/js/{chunk}>; rel=modulepreload; crossorigin" for chunk in chunks),
                      f"<{PLOTLY_SRC}>; rel=preload; as=script"])


def evaluation_script() -> str:
    """The ``<script>`` that starts loading the charts' bundle once the page's script has started
    running on the server.

    A module script: it watches Streamlit's app element for its script state, then lets go. The
    bundle loads once per page load (a page's later runs, and its charts, find it loading or
    loaded)."""
    return ('<script type="module">'
            "/* Alliance, ui/preload.py: run the charts' code while the server runs the page's script */"
            "new MutationObserver((changes, watching) => {"
            ' if (changes.some(change => change.target.getAttribute("data-test-script-state") === "running")) {'
            f"  watching.disconnect(); {LOAD_PLOTLY} window.alliancePlotly.catch(() => {{}});"
            " }"
            '}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-test-script-state"]});'
            "</script>")


#: The answers' encodings the script can be added to (none, or Streamlit's gzip), and how to
#: undo each; an answer encoded otherwise keeps its body (and gets the header only).
_UNCOMPRESSED_BY = {"": bytes, "identity": bytes, "gzip": gzip.decompress}


def with_script(body: bytes, encoding: str, script: str) -> bytes:
    """The HTML *body* (encoded as *encoding* says: one of :data:`_UNCOMPRESSED_BY`) uncompressed,
    *script* at the end of its head; a body without ``</head>`` unchanged but uncompressed."""
    html = _UNCOMPRESSED_BY[encoding](body)
    at = html.find(b"</head>")
    return html if at < 0 else html[:at] + script.encode() + html[at:]


class PreloadChartCode:
    """ASGI middleware: every HTML answer, except the answer for an address whose last part is in
    *without_charts* (the pages that draw no chart), gets the ``Link`` header for *chunks*
    and the bundle (:func:`link_header`), and the script that starts loading the bundle
    (:func:`evaluation_script`).

    The script goes in the body, which is 8 kB: the answer is held until its last part, and sent
    uncompressed (Streamlit compresses a page's HTML, not the bare address's) with its new length.
    """

    def __init__(self, app, *, chunks: Iterable[str], without_charts: Iterable[str]) -> None:
        self.app = app
        chunks = list(chunks)
        self.header = link_header(chunks)
        self.script = evaluation_script()
        self.without_charts = frozenset(without_charts)

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] != "http" or not self.header
                or scope["path"].rstrip("/").rpartition("/")[2] in self.without_charts):
            await self.app(scope, receive, send)
            return
        held: dict = {}      # the HTML answer's start, until its body is whole
        parts: list[bytes] = []

        async def send_with_preload(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.append("Link", self.header)
                    if (self.script and scope["method"] != "HEAD" and message.get("status") == 200
                            and headers.get("content-encoding", "") in _UNCOMPRESSED_BY):
                        held["start"] = message
                        return
            elif message["type"] == "http.response.body" and held:
                parts.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                start = held.pop("start")
                headers = MutableHeaders(scope=start)
                body = with_script(b"".join(parts), headers.get("content-encoding", ""), self.script)
                if "content-encoding" in headers:
                    del headers["content-encoding"]
                headers["content-length"] = str(len(body))
                await send(start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await self.app(scope, receive, send_with_preload)
