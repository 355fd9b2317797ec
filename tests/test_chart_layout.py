"""Layout of the charts as a reader sees them (issue 15, item 6): nothing overlaps or is cut.

Plotly's layout is checked here, not the drawing; the browser screenshots of the review are in
the final report of that work (shots at 1440 and 390 px).
"""

from __future__ import annotations

import pandas as pd

from alliance_metrics.anonymise import CASELOAD_LABELS, CASELOAD_MEASURES
from alliance_metrics.charts import caseload_flow


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
