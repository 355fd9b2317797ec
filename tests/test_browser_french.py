"""The dashboard in French in a real browser (issue 14): the server runs with ``ALLIANCE_LANG=fr``;
the weekly review's heading, its sections, the navigation (titles and section names) and the
chart are French, and no common English word shows in what the page draws. The picture is saved
as ``tests/artifacts/weekly_review-fr.png`` (git-ignored)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alliance_metrics.i18n import _, use_language
from tests.browser import CHROMIUM, MAIN, VIEWPORT, chromium, running_app, visit
from tests.test_pages_language import ENGLISH_ONLY, library_source, words
from ui.pages import PAGES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIDEBAR = '[data-testid="stSidebar"]'


def test_the_weekly_review_in_french_in_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_LANG", "fr")          # running_app's server inherits it
    monkeypatch.setenv("ALLIANCE_DEMO", "on")
    with use_language("fr"):
        titles = [_(page.title) for page in PAGES]
        sections = list(dict.fromkeys(_(page.section) for page in PAGES))
    assert titles[0] == "Revue de la semaine" and "Réglages" in titles

    with running_app(tmp_path / "alliance.duckdb") as base_url, chromium() as browser:
        tab = browser.new_page(viewport=VIEWPORT, locale="en-GB")   # the browser's own language loses
        shown = visit(tab, base_url, "weekly_review", title="Revue de la semaine", charts=True,
                      screenshot=ARTIFACTS / "weekly_review-fr.png")
        sidebar = tab.locator(SIDEBAR).inner_text()
        therapist_choice = tab.locator(f'{SIDEBAR} [data-testid="stSelectbox"]').first.inner_html()
        # the page's own words as drawn: headings, buttons, captions, the tables' column headers
        drawn = tab.locator(f"{MAIN} :is(h1, h2, h3, button, [data-testid='stCaptionContainer'], "
                            f"[data-testid='stMetricLabel'])").all_inner_texts()

    assert shown.exceptions == 0 and not shown.crash_alerts and not shown.not_found
    assert shown.heading == "Revue de la semaine"
    assert shown.navigation == titles                   # every page's title, in French, in order
    for section in sections:                            # Thérapeute, Données, Supervision
        assert section in sidebar, sidebar
    assert "Tous les thérapeutes" in therapist_choice and "Mode mono-utilisateur" in sidebar
    for heading in ("À surveiller", "La semaine en chiffres", "Séances manquées facturables",
                    "Les séances de la semaine"):
        assert heading in shown.text
    assert shown.charts >= 1
    assert "Indicateurs par semaine (12 semaines)" in shown.text        # the chart's title, drawn
    # what the page draws of its own holds no English (tests/test_pages_language.py checks every
    # string of every page, the library's sentences apart; here, what the browser really drew)
    english = [text for text in drawn if words(text) & ENGLISH_ONLY and not library_source(text)]
    assert len(drawn) > 10 and english == [], english


ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b")
FRENCH_MONTH = re.compile(r"(janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.) \d{4}")


def test_the_charts_write_months_and_numbers_in_french_in_chromium(tmp_path, monkeypatch):
    """plotly.js knows English only: the locale each chart registers (charts.plotly_locale) gives
    it French month names on time axes and a decimal comma on value axes."""
    monkeypatch.setenv("ALLIANCE_LANG", "fr")
    monkeypatch.setenv("ALLIANCE_DEMO", "on")
    ticks = {}
    with running_app(tmp_path / "alliance.duckdb") as base_url, chromium() as browser:
        tab = browser.new_page(viewport=VIEWPORT)
        for url_path, title in (("client", "Client"), ("supervisor", "Vue du superviseur")):
            shown = visit(tab, base_url, url_path, title=title, charts=True)
            assert shown.exceptions == 0 and shown.charts >= 1, url_path
            ticks[url_path] = tab.locator(".stPlotlyChart :is(.xtick, .ytick) text").all_text_contents()
    months = [tick for tick in ticks["client"] if FRENCH_MONTH.search(tick)]
    assert months, ticks["client"]      # the months of the heatmap (the library's) and of the time axes (plotly's)
    assert not [tick for tick in ticks["client"] if ENGLISH_MONTH.search(tick)], ticks["client"]
    decimals = [tick for tick in ticks["supervisor"] if re.fullmatch(r"\d+[.,]\d", tick)]
    assert decimals and all("," in tick for tick in decimals), ticks["supervisor"]   # mean progress 2,5
