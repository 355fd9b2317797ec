"""Drive the running dashboard in a real headless Chromium: the harness of the browser tests.

Three pieces, each usable on its own (STACK.md, "A real browser in tests"):

- :func:`running_app` starts ``streamlit run app.py`` as a subprocess on 127.0.0.1 and a free
  port, with its own database file, waits until ``/_stcore/health`` answers ``ok``, yields the
  base URL and stops the server (terminate, then kill).
- :func:`chromium` launches Debian's ``/usr/bin/chromium`` through Playwright (never
  ``playwright install``: nothing is downloaded).
- :func:`visit` opens one page, waits until Streamlit has finished running the script, and
  reports what a person would see: the text, exceptions, error alerts, drawn charts.

:func:`screenshot_page` puts the three together for a one-off picture (README screenshots).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
VIEWPORT = {"width": 1280, "height": 900}
# Once the script has finished, what it sent is drawn well within this (a plotly chart about
# 3.5 s cold, STACK.md); it bounds the wait for a heading or a chart that never comes.
DRAW_TIMEOUT_MS = 10_000
#: A window made taller for a full-page picture: the time its newly shown elements take to draw.
SETTLE_MS = 1_000

# Streamlit's own end-to-end tests wait on this attribute: "initial" before the first run,
# "running" while the script runs, "notRunning" once it has finished.
SCRIPT_FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
MAIN = '[data-testid="stMain"]'
EXCEPTION = '[data-testid="stException"]'
ALERT = ".stAlert"
DRAWN_CHART = ".js-plotly-plot .main-svg"
NAV_LINK = '[data-testid="stSidebarNavLink"], [data-testid="stTopNavLink"]'
# An alert that reports a crash rather than a message written for the user.
CRASH_WORDS = re.compile(r"Traceback|Error:")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _health(base_url: str) -> str:
    """The body of ``/_stcore/health``, or '' while the server does not answer."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with no_proxy.open(f"{base_url}/_stcore/health", timeout=1) as response:
            return response.read().decode()
    except OSError:
        return ""


def server_log(database: str | os.PathLike) -> Path:
    """Where :func:`running_app` writes the server's output: beside the database."""
    return Path(f"{database}.log")


@contextmanager
def running_app(database: str | os.PathLike, *, timeout_s: float = 60,
                secrets: str | os.PathLike | None = None, script: str = "app.py",
                port: int | None = None, base_path: str = "") -> Iterator[str]:
    """Run the dashboard on 127.0.0.1 with *database* as ``$ALLIANCE_DB``; yield its base URL.

    The server's output goes to :func:`server_log`; its last lines are in the error raised
    when the server exits or is not healthy within *timeout_s* seconds.
    With *secrets*, the server reads that TOML file as its only secrets file
    (``--secrets.files``) instead of ``.streamlit/secrets.toml``: an ``[auth]`` section there
    turns sign-in on (ui/access.py). *script* (from the repository root) is the Streamlit script
    to serve instead of the dashboard (the benchmark's probe app). *port* (default: a free one)
    gives a server the address of an earlier one, whose pages a browser has in its cache.
    *base_path* serves the dashboard under that prefix (``--server.baseUrlPath``, as behind a
    proxy): the URL yielded ends with it.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}" + (f"/{base_path}" if base_path else "")
    log_path = server_log(database)
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    if secrets is not None:
        command += ["--secrets.files", str(secrets)]
    if base_path:
        command += ["--server.baseUrlPath", base_path]
    env = os.environ | {"ALLIANCE_DB": str(database), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while _health(base_url) != "ok":
            if server.poll() is not None or time.monotonic() > deadline:
                what = (f"exited with code {server.returncode}" if server.poll() is not None
                        else f"was not healthy after {timeout_s:g} s")
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"The dashboard {what}. Its output:\n{tail}")
            time.sleep(0.1)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class Visit:
    """What one page showed once its script had finished."""

    url_path: str
    heading: str              # the first h1 of the main area
    text: str                 # everything readable in the main area
    exceptions: int           # st.exception boxes (an uncaught error shows one, even redacted)
    crash_alerts: list[str]   # alerts whose text looks like a crash ("Traceback", "Error:")
    not_found: bool           # Streamlit's "Page not found" dialog is showing
    charts: int               # plotly charts drawn (an <svg class="main-svg"> inside)
    navigation: list[str]     # the titles the navigation offers (sidebar or top)


def wait_until_finished(page: Page, *, timeout_ms: float = 30_000) -> None:
    """Wait until Streamlit has run the page's script to its end."""
    try:
        page.wait_for_selector(SCRIPT_FINISHED, state="attached", timeout=timeout_ms)
    except PlaywrightTimeout:
        shown = page.locator("body").inner_text()[:1000]
        raise AssertionError(
            f"{page.url}: the script had not finished after {timeout_ms / 1000:g} s. "
            f"The page showed:\n{shown}"
        ) from None


def visit(page: Page, base_url: str, url_path: str = "", *, title: str | None = None,
          charts: bool = False, screenshot: str | os.PathLike | None = None,
          timeout_ms: float = 30_000) -> Visit:
    """Open ``base_url/url_path`` and report what it shows once the script has finished.

    The script must finish within *timeout_ms* (else AssertionError). Then, with *title*, wait
    for an h1 containing it, and with *charts* for a drawn plotly chart, each at most
    ``DRAW_TIMEOUT_MS`` — not an error here: the report says what is missing.
    With *screenshot*, save a full-page PNG there.
    """
    page.goto(f"{base_url}/{url_path}", wait_until="domcontentloaded")
    wait_until_finished(page, timeout_ms=timeout_ms)
    main = page.locator(MAIN)
    headings = main.locator("h1")
    awaited = [headings.filter(has_text=title) if title else headings]
    if charts:
        awaited.append(page.locator(DRAWN_CHART))
    for target in awaited:
        if page.locator(EXCEPTION).count():
            break  # it will not get better
        try:
            target.first.wait_for(state="visible", timeout=DRAW_TIMEOUT_MS)
        except PlaywrightTimeout:
            pass  # the report says what is missing: the heading or the chart
    if screenshot is not None:
        full_page_screenshot(page, screenshot)
    return Visit(
        url_path=url_path,
        heading=headings.first.inner_text().strip() if headings.count() else "",
        text=main.inner_text(),
        exceptions=page.locator(EXCEPTION).count(),
        crash_alerts=[alert for alert in page.locator(ALERT).all_inner_texts()
                      if CRASH_WORDS.search(alert)],
        charts=page.locator(DRAWN_CHART).count(),
        not_found=page.get_by_text("Page not found").count() > 0,
        navigation=[link.strip() for link in page.locator(NAV_LINK).all_text_contents()],
    )


def full_page_screenshot(page: Page, path: str | os.PathLike) -> Path:
    """Save the whole page as a PNG, including what lies below the fold.

    Streamlit scrolls inside its main area rather than the document, so Playwright's
    ``full_page`` alone would stop at the window: the window is stretched to the content first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    content_height = (f"() => Math.max(document.body.scrollHeight,"
                      f" document.querySelector('{MAIN}')?.scrollHeight ?? 0)")
    viewport = page.viewport_size or VIEWPORT
    try:
        height = viewport["height"]
        for _ in range(3):   # what the taller window shows may make the page taller still
            wanted = max(viewport["height"], page.evaluate(content_height))
            if wanted <= height:
                break
            height = wanted
            page.set_viewport_size({"width": viewport["width"], "height": height})
            page.wait_for_timeout(SETTLE_MS)  # newly shown elements drawn, not placeholders
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(viewport)
    return path


def screenshot_page(url_path: str, out_path: str | os.PathLike, *, base_url: str | None = None,
                    charts: bool = False) -> Path:
    """Save a full-page screenshot of one page of the dashboard; return the file's path.

    Without *base_url* a dashboard is started for the picture, on a fresh database (so it shows
    the demo practice) and stopped afterwards. With *charts*, wait for a drawn chart first.
    """
    if base_url is None:
        with tempfile.TemporaryDirectory() as folder, \
                running_app(Path(folder) / "alliance.duckdb") as started:
            return screenshot_page(url_path, out_path, base_url=started, charts=charts)
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        visit(page, base_url, url_path, charts=charts, screenshot=out_path)
    return Path(out_path)
