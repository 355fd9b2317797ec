"""The reports made when asked (ui/downloads.py), in a real browser: press Prepare, then the
download button, and the file arrives — twice, the button enabled again after each (commit a14d015
reverted a deferred download whose button sometimes stayed disabled, its file never made)."""

from __future__ import annotations

import pytest

from tests.browser import CHROMIUM, VIEWPORT, chromium, running_app, visit, wait_until_finished
from ui.downloads import prepare_key

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]
TIMEOUT_MS = 60_000


@pytest.mark.parametrize(("url_path", "title", "key", "file_name", "start", "inside"), [
    ("weekly_review", "Weekly review", "download_review", "alliance-review-", "<!doctype html>",
     "<h1>Weekly review</h1>"),
    ("weekly_review", "Weekly review", "download_scores", "alliance-scores.csv", "display_name,", "attendance"),
    ("supervisor", "Supervisor view", "download_supervisor_report", "alliance-supervisor-report.html",
     "<!doctype html>", "<h1>Supervision report</h1>"),
], ids=["weekly_review", "scores_csv", "supervisor"])
def test_prepare_then_download_delivers_the_file(tmp_path, url_path, title, key, file_name, start, inside):
    with running_app(tmp_path / "alliance.duckdb", timeout_s=120) as base_url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        shown = visit(page, base_url, url_path, title=title, timeout_ms=TIMEOUT_MS)
        assert shown.heading == title and not shown.exceptions, shown.text[:500]
        download = page.locator(f".st-key-{key} button")
        assert download.count() == 0, "the report is not made before it is asked for"

        page.locator(f".st-key-{prepare_key(key)} button").click()
        download.wait_for(state="visible", timeout=TIMEOUT_MS)
        wait_until_finished(page, timeout_ms=TIMEOUT_MS)
        for attempt in range(2):
            assert download.is_enabled(), f"download {attempt + 1}: the button is disabled"
            with page.expect_download(timeout=TIMEOUT_MS) as started:
                download.click()
            arrived = started.value
            assert arrived.failure() is None, arrived.failure()
            assert arrived.suggested_filename.startswith(file_name), arrived.suggested_filename
            text = arrived.path().read_text(encoding="utf-8-sig")
            assert text.startswith(start) and inside in text, text[:300]
        assert download.is_enabled()
        assert page.locator(f".st-key-{prepare_key(key)} button").count() == 0
