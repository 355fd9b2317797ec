"""Layout of the charts as a reader sees them (issue 15, item 6): nothing overlaps or is cut.

Plotly's layout is checked here, not the drawing; the browser screenshots of the review are in
the final report of that work (shots at 1440 and 390 px).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from alliance_metrics.anonymise import CASELOAD_LABELS, CASELOAD_MEASURES
from alliance_metrics.charts import (
    AXIS_LINE, MAX_POINTS, SUB_LINE, TITLE_LINE, caseload_flow, goal_chart, relation_scatter,
    session_timeline,
)


def _caseload(periods: int = 13) -> pd.DataFrame:
    """A caseload flow of *periods* months: new clients suppressed in every one, the last two
    pending, the first wholly suppressed — the demo's pattern."""
    rows = []
    for index in range(periods):
        period = f"2026-{index + 1:02d}" if index < 12 else f"2027-{index - 11:02d}"
        for measure in CASELOAD_MEASURES:
            pending = index >= periods - 2
            suppressed = not pending and (index == 0 or measure == "new")
            n = pd.NA if pending or suppressed else (20 + index if measure == "active" else 0)
            rows.append({"period": period, "measure": measure, "n_clients": n,
                         "suppressed": suppressed, "pending": pending})
    return pd.DataFrame(rows)


def test_the_caseload_notes_stand_above_the_bars_never_over_them():
    figure = caseload_flow(_caseload(), CASELOAD_LABELS)
    notes = figure.layout.annotations
    assert len(notes) == 13 and all(n.text.startswith(("suppressed", "not yet known")) for n in notes)
    bars_top = figure.layout.yaxis.domain[1]
    # every note starts above the plot of bars and line (paper coordinates), growing upwards
    assert all(n.yref == "paper" and n.yanchor == "bottom" and n.y > bars_top for n in notes)
    # ... with room for the longest on end ("suppressed: active, new, endings, drop-outs")
    plot_height = figure.layout.height - figure.layout.margin.t - figure.layout.margin.b
    assert (1 - max(n.y for n in notes)) * plot_height >= 200
    # the highest number (33 active) has room above its point, inside the axis
    assert figure.layout.yaxis.range[1] >= 1.15 * 32
    # at most 7 period labels, so that they do not turn on end into the legend on a phone
    assert figure.layout.xaxis.nticks == 7


def _lines(text: str) -> list[str]:
    return text.split("<br>")


def test_a_long_scatter_title_wraps_to_fit_a_phone_and_says_the_same():
    """Relationships (390 px): the title and the axis titles were cut at the chart's edge."""
    title = "Alliance (client-rated) and progress, one dot per client (line: adjusted slope)"
    x_title = "Engagement rating (1–5, therapist-rated), against the client's own usual and trend"
    y_title = "Goal rating, against the client's own usual and trend"
    points = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 1.0, 3.0]})
    figure = relation_scatter(points, "x", "y", x_title, y_title, 0.5, 1.0, title)
    shown = {"title": figure.layout.title.text, "x": figure.layout.xaxis.title.text,
             "y": figure.layout.yaxis.title.text}
    assert all(len(line) <= TITLE_LINE for key in ("title", "x") for line in _lines(shown[key]))
    assert all(len(line) <= AXIS_LINE for line in _lines(shown["y"]))
    # the same words, only broken between them
    assert [" ".join(_lines(shown[k])) for k in ("title", "x", "y")] == [title, x_title, y_title]
    # room above the plot for the title's two lines, and the legend below the x title's two
    assert figure.layout.margin.t >= 40 + 22 and figure.layout.legend.y <= -0.32


def test_a_short_scatter_title_stays_on_one_line():
    points = pd.DataFrame({"x": [1.0, 2.0], "y": [2.0, 1.0]})
    figure = relation_scatter(points, "x", "y", "Payment (0–100)", "Progress", None, None, "Payment and progress")
    assert figure.layout.title.text == "Payment and progress" and figure.layout.margin.t == 40
    assert figure.layout.height == 340


def test_the_density_explanation_wraps_too():
    """Beyond MAX_POINTS the title says why the dots are cells, in a long second sentence."""
    points = pd.DataFrame({"x": np.arange(MAX_POINTS + 1.0), "y": np.arange(MAX_POINTS + 1.0) % 7})
    figure = relation_scatter(points, "x", "y", "x", "y", None, None,
                              "Each dot a session, each client against their own usual", dots="Sessions")
    text = figure.layout.title.text
    plain = [re.sub(r"</?sup>", "", line) for line in _lines(text)]
    assert len(plain) >= 3 and all(len(line) <= SUB_LINE for line in plain)
    assert "too many to draw one by one" in " ".join(plain)
    assert figure.layout.margin.t >= 40 + 22 * (len(plain) - 1)


def test_the_client_charts_keep_their_labels_clear():
    """Client page at 390 px: the goal chart's legend ran into its x title and the ratings through
    "target"; the timeline's dates turned on end into its legend (which it no longer has)."""
    trajectory = pd.DataFrame({"session_number": [1, 2, 3], "goal_rating": [3.0, 8.0, 9.0]})
    goal = goal_chart(trajectory, None, target=8)
    target = next(a for a in goal.layout.annotations if a.text == "target")
    assert target.x >= 1 and target.xanchor == "left"          # in the right margin, beside the line
    assert goal.layout.margin.r >= 50 and goal.layout.legend.y <= -0.3
    when = pd.to_datetime(["2026-01-05 10:00", "2026-03-02 10:00"])
    facts = pd.DataFrame({"scheduled_start": when, "outcome": ["attended", "no_show"],
                          "client_late_min": [0.0, None], "alliance_rating": [35.0, None]})
    timeline = session_timeline(facts)
    assert timeline.layout.xaxis.tickformat == "%b<br>%Y"
    assert timeline.layout.showlegend is False                   # each row is named on the y axis
    assert list(timeline.layout.yaxis.categoryarray)[-1] == "Attended" and {t.y[0] for t in timeline.data} == {
        "Attended", "No-show"}
