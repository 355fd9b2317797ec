"""Plotly figures shared by the dashboard and the HTML reports (no Streamlit here).

Colours are the Okabe–Ito palette (Okabe & Ito 2008), safe for the common colour-vision
deficiencies; each score has one colour everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from alliance_metrics.scores import SCORES_BY_NAME

SCORE_COLOURS = {
    "attendance": "#0072B2",             # blue
    "punctuality": "#E69F00",            # orange
    "engagement": "#009E73",             # bluish green
    "payment": "#CC79A7",                # reddish purple
    "therapist_punctuality": "#56B4E9",  # sky blue
    "alliance": "#D55E00",               # vermillion
    "goal": "#000000",
}
OUTCOME_COLOURS = {
    "attended": "#009E73",
    "timely_cancel": "#999999",
    "therapist_cancel": "#56B4E9",
    "late_cancel": "#E69F00",
    "no_show": "#D55E00",
    "booked": "#CCCCCC",
}
OUTCOME_LABELS = {
    "attended": "Attended",
    "timely_cancel": "Cancelled with notice",
    "therapist_cancel": "Cancelled by therapist",
    "late_cancel": "Late cancellation",
    "no_show": "No-show",
    "booked": "Booked",
}
SRS_CONCERN = 36


def _layout(figure: go.Figure, title: str, y_title: str, height: int = 340) -> go.Figure:
    figure.update_layout(
        template="plotly_white", title=dict(text=title, y=0.97, yanchor="top"), height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0),
        hovermode="closest", yaxis_title=y_title,
    )
    return figure


def score_trend(trend: pd.DataFrame, scores: list[str], title: str = "Scores by week",
                x: str = "period_start") -> go.Figure:
    """Lines of pooled scores over periods (a :func:`review.weekly_trend`-shaped frame)."""
    figure = go.Figure()
    for name in scores:
        figure.add_trace(go.Scatter(
            x=trend[x], y=trend[name], mode="lines+markers", name=SCORES_BY_NAME[name].label,
            line=dict(color=SCORE_COLOURS[name], width=2),
            hovertemplate="%{x|%d %b %Y}: %{y:.0f} %<extra>" + SCORES_BY_NAME[name].label + "</extra>",
        ))
    figure.update_yaxes(range=[0, 105], ticksuffix=" %")
    figure.update_xaxes(tickformat="%d %b %Y", type="date")
    return _layout(figure, title, "Score (0–100)", height=380)


def session_timeline(facts: pd.DataFrame, title: str = "Every scheduled session") -> go.Figure:
    """One marker per scheduled session, by outcome, with lateness in the hover."""
    figure = go.Figure()
    for outcome, label in OUTCOME_LABELS.items():
        rows = facts[facts.outcome == outcome]
        if rows.empty:
            continue
        late = rows.client_late_min.astype("Float64").round(0).astype(str).replace("<NA>", "—")
        figure.add_trace(go.Scatter(
            x=rows.scheduled_start, y=[label] * len(rows), mode="markers", name=label,
            marker=dict(color=OUTCOME_COLOURS[outcome], size=11, symbol="circle"),
            customdata=late, hovertemplate="%{x|%a %d %b %Y %H:%M}<br>client late: %{customdata} min"
                                           "<extra>" + label + "</extra>",
        ))
    figure.update_yaxes(categoryorder="array", categoryarray=list(OUTCOME_LABELS.values())[::-1])
    return _layout(figure, title, "", height=300)


def goal_chart(trajectory: pd.DataFrame, band: pd.DataFrame | None, target: float | None = None,
               title: str = "Goal ratings and the expected range") -> go.Figure:
    """The client's goal ratings by session number, over the practice's 25th–75th percentile band."""
    figure = go.Figure()
    if band is not None and not band.empty:
        figure.add_trace(go.Scatter(x=band.session_number, y=band.p75, mode="lines",
                                    line=dict(width=0), showlegend=False, hoverinfo="skip"))
        figure.add_trace(go.Scatter(
            x=band.session_number, y=band.p25, mode="lines", fill="tonexty", line=dict(width=0),
            fillcolor="rgba(0,114,178,0.15)", name="Expected range (25th–75th percentile)",
            hovertemplate="session %{x}: from %{y:.1f}<extra>expected</extra>"))
        figure.add_trace(go.Scatter(x=band.session_number, y=band["median"], mode="lines",
                                    line=dict(color="#0072B2", dash="dot"), name="Typical (median)",
                                    hovertemplate="session %{x}: %{y:.1f}<extra>median</extra>"))
    figure.add_trace(go.Scatter(
        x=trajectory.session_number, y=trajectory.goal_rating, mode="lines+markers",
        name="Goal rating", line=dict(color=SCORE_COLOURS["goal"], width=2),
        hovertemplate="session %{x}: %{y:.0f}/10<extra>goal rating</extra>"))
    if target is not None:
        figure.add_hline(y=target, line=dict(color="#999999", dash="dash"), annotation_text="target")
    figure.update_yaxes(range=[0, 10.5])
    figure.update_xaxes(title="Session number (attended sessions)")
    return _layout(figure, title, "Goal rating (0–10)")


def alliance_chart(facts: pd.DataFrame, title: str = "Session alliance ratings") -> go.Figure:
    """The client's session alliance ratings with the SRS concern line at 36/40."""
    rated = facts[facts.alliance_rating.notna()]
    figure = go.Figure(go.Scatter(
        x=rated.scheduled_start, y=rated.alliance_rating, mode="lines+markers", name="Alliance rating",
        line=dict(color=SCORE_COLOURS["alliance"], width=2),
        hovertemplate="%{x|%d %b %Y}: %{y:.1f}/40<extra>alliance</extra>"))
    figure.add_hline(y=SRS_CONCERN, line=dict(color="#999999", dash="dash"),
                     annotation_text="36: concern threshold (SRS)")
    figure.update_yaxes(range=[0, 41])
    return _layout(figure, title, "Rating (0–40)")


#: The most dots a scatter draws one by one (issue 16). Beyond it the browser spends seconds to
#: minutes on markers nobody can tell apart (685,306 SVG markers took about 100 s at a million
#: sessions), so the points are counted in a DENSITY_BINS × DENSITY_BINS grid instead — at most
#: 1,600 cells, whatever the data size.
MAX_POINTS = 2_000
DENSITY_BINS = 40


@dataclass(frozen=True)
class DensityGrid:
    """Points counted in a grid of equal cells: ``counts[i, j]`` points have x in
    ``[x_edges[i], x_edges[i + 1])`` and y in ``[y_edges[j], y_edges[j + 1])`` (the last cell of
    each axis includes its upper edge), so ``counts.sum()`` is the number of points."""

    x_edges: np.ndarray
    y_edges: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def density_grid(x, y, bins: int = DENSITY_BINS) -> DensityGrid:
    """Count the points (x, y) in a *bins* × *bins* grid spanning their range (numpy's histogram2d).
    Points with a missing coordinate are left out.

    >>> grid = density_grid([0.0, 0.0, 1.0, float("nan")], [0.0, 0.1, 1.0, 2.0], bins=2)
    >>> grid.counts.tolist(), grid.total
    ([[2.0, 0.0], [0.0, 1.0]], 3)
    """
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    known = ~(np.isnan(x) | np.isnan(y))
    counts, x_edges, y_edges = np.histogram2d(x[known], y[known], bins=bins)
    return DensityGrid(x_edges, y_edges, counts)


def _tint(colour: str, share: float) -> str:
    """*colour* ('#RRGGBB') mixed with white: share 0 is white, 1 the colour itself."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - share * (255 - c)):02X}" for c in (red, green, blue))


def relation_scatter(points: pd.DataFrame, x: str, y: str, x_title: str, y_title: str,
                     slope: float | None, intercept: float | None, title: str,
                     colour: str = "#0072B2", dots: str = "Clients") -> go.Figure:
    """A scatter of *points* (each one of *dots*) with its OLS trend line when one was estimated.

    Up to :data:`MAX_POINTS` points are drawn one by one, with WebGL; more are drawn as a density:
    a :func:`density_grid` heatmap, each cell shaded by how many points fall in it, and the title
    says how many points it counts. Points with a missing x or y are not drawn.
    """
    shown = points[points[x].notna() & points[y].notna()]
    n = len(shown)
    if n <= MAX_POINTS:
        figure = go.Figure(go.Scattergl(
            x=shown[x], y=shown[y], mode="markers", name=dots,
            marker=dict(color=colour, size=8, opacity=0.7),
            hovertemplate=f"{x_title}: %{{x:.1f}}<br>{y_title}: %{{y:.1f}}<extra></extra>"))
    else:
        grid = density_grid(shown[x], shown[y])
        centres_x = (grid.x_edges[:-1] + grid.x_edges[1:]) / 2
        centres_y = (grid.y_edges[:-1] + grid.y_edges[1:]) / 2
        counts = np.where(grid.counts > 0, grid.counts, np.nan).T   # rows are y; an empty cell is blank
        figure = go.Figure(go.Heatmap(
            x=centres_x, y=centres_y, z=counts, name=dots,
            colorscale=[[0.0, _tint(colour, 0.12)], [1.0, colour]], hoverongaps=False,
            colorbar=dict(title=dict(text=dots, side="right"), thickness=12),
            hovertemplate=(f"{x_title}: about %{{x:.1f}}<br>{y_title}: about %{{y:.1f}}<br>"
                           f"%{{z:,.0f}} {dots.lower()}<extra></extra>")))
        title = (f"{title}<br><sup>{n:,} {dots.lower()}: too many to draw one by one, so each cell "
                 f"is shaded by how many fall in it</sup>")
    if slope is not None and intercept is not None and n:
        low, high = float(shown[x].min()), float(shown[x].max())
        figure.add_trace(go.Scatter(x=[low, high], y=[intercept + slope * low, intercept + slope * high],
                                    mode="lines", name="Trend (OLS)", line=dict(color="#000000", dash="dash"),
                                    hoverinfo="skip"))
    figure.update_xaxes(title=x_title)
    _layout(figure, title, y_title, height=340 if n <= MAX_POINTS else 380)
    if n > MAX_POINTS:
        figure.update_layout(margin=dict(t=64))   # room for the title's second line
    return figure


# -- the supervisor's aggregates (alliance_metrics.anonymise): suppressed cells are named ---------

MEASURE_COLOURS = {**SCORE_COLOURS, "progress_points": "#000000", "progress_pct": "#000000"}
HIDDEN_NOTE = dict(yref="paper", y=0.02, showarrow=False, textangle=-90, yanchor="bottom",
                   font=dict(color="#777777", size=11))


def _notes(figure: go.Figure, notes: dict[str, str]) -> None:
    """Write *notes* (period → text) over the periods whose figures are not drawn, so that a
    missing point or bar reads as "suppressed" or "not yet known", never as nothing or zero."""
    for period, text in notes.items():
        figure.add_annotation(x=period, text=text, **HIDDEN_NOTE)


def period_trend(trends: pd.DataFrame, measures: list[str], labels: dict[str, str], title: str) -> go.Figure:
    """Mean of each measure per period; suppressed cells are not drawn, and say "suppressed"."""
    figure = go.Figure()
    for measure in measures:
        rows = trends[trends.measure == measure]
        mean = rows["mean"].where(~rows.suppressed.astype(bool))
        figure.add_trace(go.Scatter(
            x=rows.period, y=mean, mode="lines+markers", name=labels.get(measure, measure),
            line=dict(color=MEASURE_COLOURS.get(measure, "#0072B2"), width=2), connectgaps=False,
            customdata=rows.n_clients.astype("Float64").astype(str).replace("<NA>", "suppressed"),
            hovertemplate="%{x}: mean %{y:.1f} (%{customdata} clients)<extra>" + labels.get(measure, measure) + "</extra>",
        ))
    shown = trends[trends.measure.isin(measures)]
    by_period = shown.groupby("period", sort=False).suppressed.agg(["all", "any"])
    _notes(figure, {period: "suppressed" if row["all"] else "partly suppressed"
                    for period, row in by_period.iterrows() if row["any"]})
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=list(dict.fromkeys(trends.period)))
    return _layout(figure, title, "Mean over clients", height=360)


def binned_counts(bins: pd.DataFrame, value: str, title: str, y_title: str, colour: str) -> go.Figure:
    """One bar per bin (each bin holds at least k clients; suppressed bins are named, not drawn)."""
    shown = bins[~bins.suppressed.astype(bool)]
    figure = go.Figure(go.Bar(
        x=shown["bin"], y=shown[value], marker_color=colour,
        customdata=shown.n_clients, hovertemplate="%{x}: %{y:.1f} (%{customdata} clients)<extra></extra>",
    ))
    _notes(figure, {label: "suppressed" for label in bins[bins.suppressed.astype(bool)]["bin"]})
    figure.update_xaxes(type="category", title="Score band", categoryorder="array", categoryarray=list(bins["bin"]))
    return _layout(figure, title, y_title, height=300)


SHORT_CASELOAD = {"active": "active", "new": "new", "ended": "endings", "dropped_out": "drop-outs"}


def _count_text(n) -> str:
    """A released count as a bar's label; nothing for a withheld one (a note names it)."""
    return "" if pd.isna(n) else str(int(n))


def caseload_flow(caseload: pd.DataFrame, labels: dict[str, str], title: str = "Caseload flow") -> go.Figure:
    """New clients, endings and drop-outs per period as grouped bars of the released counts, and
    the active clients as a dotted line, each labelled with its number; a period whose counts are
    withheld says which are "suppressed", or "not yet known"."""
    colours = {"new": "#009E73", "ended": "#0072B2", "dropped_out": "#D55E00"}
    figure = go.Figure()
    for measure, colour in colours.items():
        rows = caseload[caseload.measure == measure]
        figure.add_trace(go.Bar(x=rows.period, y=rows.n_clients.astype("Float64"), name=labels.get(measure, measure),
                                marker_color=colour, text=[_count_text(n) for n in rows.n_clients],
                                textposition="outside", hovertemplate="%{x}: %{y} clients<extra></extra>"))
    active = caseload[caseload.measure == "active"]
    figure.add_trace(go.Scatter(x=active.period, y=active.n_clients.astype("Float64"), mode="lines+markers+text",
                                name=labels.get("active", "active"), line=dict(color="#555555", dash="dot"),
                                text=[_count_text(n) for n in active.n_clients], textposition="top center",
                                connectgaps=False, hovertemplate="%{x}: %{y} active clients<extra></extra>"))
    notes = {}
    for period, rows in caseload.groupby("period", sort=False):
        withheld = [SHORT_CASELOAD.get(m, m) for m, hidden in zip(rows.measure, rows.suppressed) if hidden]
        if rows.pending.all():
            notes[period] = "not yet known"
        elif withheld:
            notes[period] = "suppressed: " + ", ".join(withheld)
    _notes(figure, notes)
    figure.update_layout(barmode="group")
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=list(dict.fromkeys(caseload.period)))
    figure.update_yaxes(rangemode="tozero")
    return _layout(figure, title, "Clients", height=320)
