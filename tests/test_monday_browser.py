"""Monday morning in a real Chromium, on a laptop (1440 × 900) and a phone (390 × 844), on the
demo practice: the weekly review shows every needs-attention reason whole (present in full and
not clipped by its box or the screen), before the headline figures; the trend charts are small
multiples (one plotly subplot per score); no page raises.

One server and one browser for the file; each width opens the weekly review, a client from it
and the supervisor view (about 60 s in all).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_metrics.inventory import client_directory, load_demo_if_empty
from alliance_metrics.review import latest_week, weekly_review
from alliance_metrics.scores import SCORES
from alliance_metrics.store import Store
from tests.browser import CHROMIUM, DRAWN_CHART, EXCEPTION, MAIN, chromium, running_app, visit, wait_until_finished

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WIDTHS = {"laptop": (1440, 900), "phone": (390, 844)}

# The list items of the main area with their text and whether the text fits its box and the
# screen: a reason cut by an ellipsis, a narrow column or the window's edge fails.
ITEMS = f"""() => [...document.querySelector('{MAIN}').querySelectorAll('li')].map(li => {{
    const box = li.getBoundingClientRect();
    return {{text: li.innerText.trim(), top: box.top + window.scrollY,
             fits: li.scrollWidth <= li.clientWidth + 1 && box.left >= 0 && box.right <= window.innerWidth + 1}};
}})"""
# The number of y axes (one per panel) of each plotly chart drawn, in page order.
PANELS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(
    plot => Object.keys(plot._fullLayout || {}).filter(name => /^yaxis\\d*$/.test(name)).length)"""
# The row labels of the chart in the element keyed *key*, and whether each is drawn whole inside it.
GRID_ROWS = """(key) => {
    const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
    const box = plot.getBoundingClientRect();
    const labels = [...plot.querySelectorAll('.ytick text')];
    return {rows: labels.map(label => label.textContent),
            inside: labels.every(label => label.getBoundingClientRect().left >= box.left - 1)};
}"""


def one_per_score(grid: dict) -> bool:
    """Whether a grid's rows are the six scores (a name on two lines reads without its space)."""
    return sorted(row.replace(" ", "") for row in grid["rows"]) == sorted(s.label.replace(" ", "") for s in SCORES)


# Each table's content width and visible width (its glide-data-grid scroller): Therapists compared
# was 1,133 px of content in a 978 px box at 1440 px before it became one row per measure.
TABLE_WIDTHS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')].map(
    scroller => [scroller.scrollWidth, scroller.clientWidth])"""
HEADING_TOP = f"""(text) => {{
    const heading = [...document.querySelector('{MAIN}').querySelectorAll('h3')].find(h => h.innerText.includes(text));
    return heading ? heading.getBoundingClientRect().top + window.scrollY : null;
}}"""


ATTENTION_PAGE = 10


@pytest.fixture(scope="module")
def monday(tmp_path_factory):
    """The running app on the demo practice, and the reasons the library gives for its week."""
    database = tmp_path_factory.mktemp("monday") / "alliance.duckdb"
    store = Store(database)
    load_demo_if_empty(store)
    review = weekly_review(store, latest_week(store))
    # the page draws the ten most urgent clients (pages/weekly_review.py's ATTENTION_PAGE), more on request
    reasons = [reason for reasons in review.attention.reasons.head(ATTENTION_PAGE) for reason in reasons]
    directory = client_directory(store)
    goals = dict(zip(directory.display_name, directory.goal))   # the client page shows the goal
    store.close()
    assert reasons, "the demo week should have clients needing attention"
    with running_app(database) as base_url, chromium() as browser:
        yield base_url, browser, reasons, goals


@pytest.mark.parametrize("device", WIDTHS)
def test_monday_morning(device, monday):
    base_url, browser, reasons, goals = monday
    width, height = WIDTHS[device]
    tab = browser.new_page(viewport={"width": width, "height": height})
    try:
        review = visit(tab, base_url, "weekly_review", title="Weekly review", charts=True,
                       screenshot=ARTIFACTS / f"monday-weekly_review-{width}.png")
        assert review.exceptions == 0 and not review.crash_alerts
        items = {item["text"]: item for item in tab.evaluate(ITEMS)}
        missing = [reason for reason in reasons if reason not in items]
        assert not missing, f"{device}: reasons not shown whole: {missing[:3]}"
        clipped = [reason for reason in reasons if not items[reason]["fits"]]
        assert not clipped, f"{device}: reasons cut: {clipped[:3]}"
        figures_top = tab.evaluate(HEADING_TOP, "The week in figures")
        assert figures_top is not None and max(items[r]["top"] for r in reasons) < figures_top, \
            "the headline figures come after the needs-attention list"
        assert tab.evaluate(PANELS)[-1] == 6, "Scores by week: one panel per score"

        # "Open <name>" of the most urgent client opens the client page on that client
        first = tab.locator(MAIN).get_by_role("button", name="Open ").first
        name = first.inner_text().removeprefix("Open ").strip()
        first.click()
        tab.locator(MAIN).locator("h1", has_text="Client").wait_for(timeout=10_000)
        wait_until_finished(tab)
        tab.locator(DRAWN_CHART).first.wait_for(timeout=10_000)
        assert f"Goal: {goals[name]}" in tab.locator(MAIN).inner_text(), f"the client page opened on {name}"
        assert tab.locator(EXCEPTION).count() == 0
        grid = tab.evaluate(GRID_ROWS, "scores_by_month")
        assert one_per_score(grid) and grid["inside"], f"Scores by month: one row per score, each name whole: {grid}"

        supervisor = visit(tab, base_url, "supervisor", title="Supervisor view", charts=True)
        assert supervisor.exceptions == 0 and not supervisor.crash_alerts
        grid = tab.evaluate(GRID_ROWS, "supervisor_scores")
        assert one_per_score(grid) and grid["inside"], f"the supervisor's commitment scores: one row per score: {grid}"
        if device == "laptop":   # on a phone a table may scroll sideways; on a laptop it must not
            widths = tab.evaluate(TABLE_WIDTHS)
            assert widths and all(full <= shown + 1 for full, shown in widths), \
                f"a supervisor table scrolls sideways at {width} px (content, box): {widths}"
    finally:
        tab.close()
