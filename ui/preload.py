"""What a page's HTML answer adds so that a browser's first visit draws sooner (issue 16).

On a first visit, Streamlit's browser code starts in three steps: its own code (the scripts
index.html loads); then the connection, once it has found the server's address; then, while the
server runs the page's script, the code of each element it draws that is loaded only when the
element's message arrives (a table, a select box, a date, a chart's component), chunk after chunk,
before it draws any of them. The answer to a page's address (:class:`PageHead`) moves that work
earlier, page by page (:attr:`ui.pages.PageSpec.charts` and :attr:`~ui.pages.PageSpec.elements`):

1. **The server's address** (:func:`server_address_script`). At ``/weekly_review`` Streamlit first
   asks ``/weekly_review/_stcore/health``, is told "not found", waits, then asks the parent
   address: 0.1 s before the connection opens. At a page's own address the answer says that the
   server is at the parent address (``window.__streamlit.BACKEND_BASE_URL``, Streamlit's setting
   for a page served apart from its server), worked out in the browser from the address it
   shows, as Streamlit's second try does: a proxy's prefix is kept.
2. **The charts' code fetched at once** (:func:`link_header`). The chart component's chunks
   (``modulepreload``) and plotly's bundle (``preload``) are named in a ``Link`` header: the browser
   fetches them in the first quarter-second, while it loads the rest of Streamlit's code.
3. **Code loaded while the server runs the script** (:func:`while_the_script_runs`). As soon as
   Streamlit says the page's script has started (its ``data-test-script-state`` turns to
   ``running``), the page's elements' chunks are loaded (``modulepreload``: fetched and compiled,
   all at once instead of each after the one that imports it) and plotly's bundle is run
   (ui/chart.py's ``LOAD_PLOTLY``, which the charts then find started). Not sooner: run while
   Streamlit's own code starts up, either held the connection back by as long (the elements'
   chunks named in the ``Link`` header measured no faster).

Measured in interleaved cold visits of the demo's weekly review, eight each (bench/README.md):
2.38 s with the charts' code only, 2.30 s with the server's address too, 2.01 s with the
elements' chunks too.

The chunks' names carry a hash that changes with each Streamlit release, so they are found in the
installed Streamlit's static folder (:func:`component_chunks`): the chunk named after the element
or component, with every chunk it imports, less those index.html's scripts load anyway. Should a
release rename one, it is not preloaded and the page works as before (tests/test_preload.py then
fails, so that someone looks); should Streamlit drop the script-state attribute, the code loads as
the elements arrive, as it would without this module.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


@functools.cache
def _imports_of(chunk: Path) -> tuple[str, ...]:
    """:func:`static_imports` of the chunk file *chunk*, read once (the pages' heads share many)."""
    return tuple(static_imports(chunk.read_text(encoding="utf-8", errors="replace")))


def imported_chunks(first: Iterable[str], folder: Path) -> set[str]:
    """The chunk files *first* and every chunk they import statically, directly or not."""
    found, waiting = set(), list(first)
    while waiting:
        chunk = waiting.pop()
        if chunk not in found and (folder / chunk).is_file():
            found.add(chunk)
            waiting += _imports_of(folder / chunk)
    return found


@functools.cache
def page_script_chunks(static: Path = STATIC) -> frozenset[str]:
    """The chunks index.html's own scripts load, and every chunk they import: what any page has
    fetched before its elements arrive (read once per folder: some 60 files)."""
    index = static / "index.html"
    page_scripts = _PAGE_SCRIPT.findall(index.read_text(encoding="utf-8")) if index.is_file() else []
    return frozenset(imported_chunks(page_scripts, static / "static" / "js"))


def component_chunks(component: str = CHART_COMPONENT, static: Path = STATIC) -> list[str]:
    """The chunks a page fetches for *component* (an element's name, as Streamlit names its chunk:
    ``DataFrame``, ``Selectbox``…) beyond those its own scripts load, in name order.

    The component's chunk is ``<component>.<hash>.js`` in ``static/js``; none found (a release that
    renamed it), no chunk.
    """
    folder = static / "static" / "js"
    named = re.compile(rf"{re.escape(component)}\.[\w\-]+\.js")
    own = [path.name for path in folder.glob(f"{component}.*.js") if named.fullmatch(path.name)]
    return sorted(imported_chunks(own, folder) - page_script_chunks(static))


def link_header(chunks: Iterable[str]) -> str:
    """The ``Link`` header that preloads *chunks* as index.html preloads its own (relative to the
    page, ``crossorigin`` so that the browser's later import of the chunk finds it), and the
    charts' bundle as the classic script it is."""
    return ", ".join([*(f"<./static/js/{chunk}>; rel=modulepreload; crossorigin" for chunk in chunks),
                      f"<{PLOTLY_SRC}>; rel=preload; as=script"])


def server_address_script() -> str:
    """The ``<script>`` that tells Streamlit's browser code the server is at the parent of the
    page's address (``/base/weekly_review/`` → ``/base/``), keeping any other setting of a host's.
    A classic script, so that it runs before Streamlit's module reads ``window.__streamlit``."""
    return ("<script>"
            "/* Alliance, ui/preload.py: the server is at the parent of this page's address */"
            "(() => { const server = new URL(location.href);"
            ' server.pathname = server.pathname.replace(/\\/+$/, "").replace(/[^/]*$/, "");'
            ' server.search = ""; server.hash = "";'
            " window.__streamlit = {BACKEND_BASE_URL: server.href, ...window.__streamlit}; })();"
            "</script>")


def while_the_script_runs(chunks: Iterable[str], *, charts: bool) -> str:
    """The ``<script>`` that, once the page's script has started running on the server, loads
    *chunks* (``modulepreload``, ``crossorigin`` as Streamlit's own imports, so that they find them)
    and, for a page with *charts*, starts running the charts' bundle.

    A module script: it watches Streamlit's app element for its script state, then lets go. The
    bundle loads once per page load (a page's later runs, and its charts, find it loading or
    loaded)."""
    chunks = list(chunks)
    plotly = f" {LOAD_PLOTLY} window.alliancePlotly.catch(() => {{}});" if charts else ""
    return ('<script type="module">'
            "/* Alliance, ui/preload.py: load the page's code while the server runs its script */"
            f"const chunks = {json.dumps(chunks)};"
            "new MutationObserver((changes, watching) => {"
            ' if (changes.some(change => change.target.getAttribute("data-test-script-state") === "running")) {'
            "  watching.disconnect();"
            "  for (const chunk of chunks) {"
            '   const link = Object.assign(document.createElement("link"),'
            '                              {rel: "modulepreload", crossOrigin: "", href: "./static/js/" + chunk});'
            "   document.head.append(link);"
            f"  }}{plotly}"
            " }"
            '}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-test-script-state"]});'
            "</script>")


@dataclass(frozen=True)
class Head:
    """What the HTML answer for one address adds: a ``Link`` header (none: empty) and scripts
    for the end of its head."""

    link: str = ""
    scripts: str = ""


def page_head(*, charts: bool, elements: Iterable[str], own_address: bool, static: Path = STATIC) -> Head:
    """The :class:`Head` of a page that draws *charts* (or not) and *elements* (Streamlit's names
    of the elements whose code loads on demand), answered at its *own_address* (``/weekly_review``)
    or at the bare address (which opens it)."""
    elements_chunks = set().union(*(component_chunks(element, static) for element in elements))
    chart_chunks = component_chunks(CHART_COMPONENT, static) if charts else []
    return Head(link=link_header(chart_chunks) if charts else "",
                scripts=(server_address_script() if own_address else "")
                + while_the_script_runs(sorted(elements_chunks - set(chart_chunks)), charts=charts))


#: The answers' encodings the script can be added to (none, or Streamlit's gzip), and how to
#: undo each; an answer encoded otherwise keeps its body (and gets the header only).
_UNCOMPRESSED_BY = {"": bytes, "identity": bytes, "gzip": gzip.decompress}


def with_script(body: bytes, encoding: str, script: str) -> bytes:
    """The HTML *body* (encoded as *encoding* says: one of :data:`_UNCOMPRESSED_BY`) uncompressed,
    *script* at the end of its head; a body without ``</head>`` unchanged but uncompressed."""
    html = _UNCOMPRESSED_BY[encoding](body)
    at = html.find(b"</head>")
    return html if at < 0 else html[:at] + script.encode() + html[at:]


class PageHead:
    """ASGI middleware: the HTML answer for an address whose last part is a page's (*heads*, by
    ``url_path``) gets that page's :class:`Head`; any other HTML answer (the bare address, which
    opens the first page; a prefix of Streamlit's ``server.baseUrlPath``) gets *bare*'s.

    The scripts go in the body, which is 8 kB: the answer is held until its last part, and sent
    uncompressed (Streamlit compresses a page's HTML, not the bare address's) with its new length.
    """

    def __init__(self, app, *, heads: Mapping[str, Head], bare: Head) -> None:
        self.app = app
        self.heads = dict(heads)
        self.bare = bare

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = self.heads.get(scope["path"].rstrip("/").rpartition("/")[2], self.bare)
        held: dict = {}      # the HTML answer's start, until its body is whole
        parts: list[bytes] = []

        async def send_with_head(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    if head.link:
                        headers.append("Link", head.link)
                    if (head.scripts and scope["method"] != "HEAD" and message.get("status") == 200
                            and headers.get("content-encoding", "") in _UNCOMPRESSED_BY):
                        held["start"] = message
                        return
            elif message["type"] == "http.response.body" and held:
                parts.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                start = held.pop("start")
                headers = MutableHeaders(scope=start)
                body = with_script(b"".join(parts), headers.get("content-encoding", ""), head.scripts)
                if "content-encoding" in headers:
                    del headers["content-encoding"]
                headers["content-length"] = str(len(body))
                await send(start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await self.app(scope, receive, send_with_head)
