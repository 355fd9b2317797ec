"""The guided Import page in a real browser (issue 10): upload a file, change a column choice,
see the preview, import."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser import CHROMIUM, VIEWPORT, chromium, running_app, visit, wait_until_finished
from tests.test_import_page import EXPORT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]


def choose(page, label: str, option: str) -> None:
    """Pick *option* in the selectbox labelled exactly *label*, and wait for the rerun.

    The list sometimes closes as it opens while the page is still settling: open it again.
    """
    combo = page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label, exact=True)
    opener = combo.locator("xpath=ancestor::*[@data-testid='stSelectbox']").get_by_role("button", name="Open")
    for _ in range(10):
        wait_until_finished(page)
        opener.click()
        try:
            page.get_by_role("listbox").get_by_text(option, exact=True).click(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    expect(combo).to_have_value(option)
    page.wait_for_timeout(500)   # the rerun starts
    wait_until_finished(page)


def test_upload_change_a_column_preview_and_import(tmp_path):
    export = tmp_path / "export.csv"
    export.write_bytes(EXPORT)
    with running_app(tmp_path / "alliance.duckdb") as base_url, chromium() as browser:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        visit(page, base_url, "import_data", title="Import")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(export))
        page.get_by_text("Status labels").wait_for(timeout=30_000)
        wait_until_finished(page)
        main = page.locator('[data-testid="stMain"]')
        assert "cannot be imported" in main.inner_text()           # "Seen" is not known yet

        choose(page, "“Seen” (1 row)", "attended — Attended")
        choose(page, "fee", "(none)")                               # a column choice changed
        page.get_by_text(re.compile("From Mon 2 Nov 2026, 09:30 to Tue 17 Nov 2026, 14:00")).wait_for()
        shown = main.inner_text()
        assert "cannot be imported" not in shown
        assert re.search(r"New\s+3", shown), shown[:2000]

        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("3 rows read — 3 inserted").wait_for(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
