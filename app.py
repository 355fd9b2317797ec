"""Alliance — the server. ``streamlit run app.py`` serves the dashboard (dashboard.py, run for every
visit). Before it answers its first visitor, it prepares what the therapist's first page opens on
(:func:`ui.state.prepare_at_start`), so that the first visit after a start is as quick as any
other: seconds at a million sessions, spent while the server starts (the terminal says when it is
ready; a browser opened meanwhile waits for it). A larger practice is served after
:data:`READY_WITHIN_S` seconds all the same, while the preparation goes on: a page that needs it
then waits for it, and the others do not.

Before it prepares, the server imports every module the pages use and sets their objects aside
from Python's garbage collector (:func:`_load_the_pages_code`): a first visit then imports
nothing, and Streamlit's collection after each script run no longer walks them.
"""

import asyncio
import gc
import importlib
import pkgutil
import runpy
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

#: The longest the server waits for the preparation before it answers its visitors.
READY_WITHIN_S = 20.0


@asynccontextmanager
async def _prepared_first(_app):
    from ui.state import prepare_at_start, say_serving_meanwhile   # once Streamlit's runtime has started

    loop, prepared = asyncio.get_running_loop(), asyncio.Event()

    def prepare() -> None:
        try:
            _load_the_pages_code()
            prepare_at_start()
        finally:
            loop.call_soon_threadsafe(prepared.set)

    # a daemon thread: stopping the server (Ctrl-C) never waits for a preparation still going on
    threading.Thread(target=prepare, name="alliance-prepare-at-start", daemon=True).start()
    try:
        await asyncio.wait_for(prepared.wait(), READY_WITHIN_S)
    except TimeoutError:
        say_serving_meanwhile(READY_WITHIN_S)
    yield


def _load_the_pages_code() -> None:
    """Import every module of the library (but ``__main__``) and of ``ui/``, which the pages
    import on their first visit otherwise (0.13 s of the library's alone); then freeze the objects
    they hold (:func:`gc.freeze`). They live as long as the server, and Streamlit collects garbage
    after every script run (``runner.postScriptGC``): a full walk over some 140,000 objects with
    pandas, plotly and DuckDB loaded, 40–90 ms of every visit and every click. Frozen before any
    result is computed, so that results dropped when the data change are still collected.

    And Streamlit's warning for a script run without ``streamlit run`` (``_maybe_print_use_warning``,
    on a process's first element) looks for a Python prompt by reading the source of every frame
    on the stack (``inspect.stack``): 0.09 s of the first visit after a start. This server is run
    by ``streamlit run``; there is nothing to warn about, so it is marked as done."""
    import alliance_metrics
    import ui

    for package in (alliance_metrics, ui):
        for module in pkgutil.iter_modules(package.__path__):
            if module.name != "__main__":
                importlib.import_module(f"{package.__name__}.{module.name}")
    gc.freeze()
    import streamlit.delta_generator

    streamlit.delta_generator._use_warning_has_been_displayed = True


if __name__ == "__main__":
    # Run as a Streamlit script rather than imported as the server (AppTest.from_file("app.py"), an
    # older `streamlit run` that does not look for an st.App): the dashboard itself, unprepared.
    runpy.run_path(str(Path(__file__).with_name("dashboard.py")))
else:
    from starlette.middleware import Middleware

    from ui.chart import plotly_route
    from ui.pages import PAGES
    from ui.preload import PageHead, page_head

    # the charts' code (plotly's cartesian bundle) is served by the dashboard itself; a page's first
    # visit connects at once, fetches the charts' code while Streamlit's own code loads, and loads
    # its elements' code while the server runs the page's script (ui/preload.py)
    heads = {page.url_path: page_head(charts=page.charts, elements=page.elements, own_address=True)
             for page in PAGES}
    bare = page_head(charts=PAGES[0].charts, elements=PAGES[0].elements, own_address=False)   # opens the first page
    app = st.App("dashboard.py", lifespan=_prepared_first, routes=[plotly_route(st.get_option("server.baseUrlPath"))],
                 middleware=[Middleware(PageHead, heads=heads, bare=bare)])
