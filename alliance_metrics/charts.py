"""Plotly figures shared by the dashboard and the HTML reports (no Streamlit here).

Colours are the Okabe–Ito palette (Okabe & Ito 2008), safe for the common colour-vision
deficiencies; each score has one colour everywhere.

Every word of a figure (titles, axes, legends, hover labels, notes) is in the current language
(:mod:`alliance_metrics.i18n`): the labels a caller passes are already translated; the figure's own
words go through ``_()`` when it is made. Dates in hover labels and on time axes, and numbers, are
formatted by plotly.js in the browser, which knows English only: :func:`plotly_locale` gives it the
language's month and day names and separators (ui/chart.py registers it with every chart), and
:func:`day_format` the way the language writes a day.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from babel import numbers

from alliance_metrics.i18n import (N_, _, format_decimal, format_locale, format_percent, month_name, pgettext,
                                   translations)
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
#: How a session's outcome reads (English; shown through :func:`outcome_label`).
OUTCOME_LABELS = {
    "attended": N_("Attended"),
    "timely_cancel": N_("Cancelled with notice"),
    "therapist_cancel": N_("Cancelled by therapist"),
    "late_cancel": N_("Late cancellation"),
    "no_show": N_("No-show"),
    "booked": N_("Booked"),
}


def outcome_label(outcome: str) -> str:
    """A session's outcome code in words, in the current language (the code itself if unknown)."""
    return _(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else outcome


def score_label(name: str) -> str:
    """A score's label in the current language."""
    return _(SCORES_BY_NAME[name].label)


def day_format() -> str:
    """A day as plotly.js writes it (d3-time-format) in hover labels: ``02 Mar 2026``; French
    ``02/03/2026``, as the dashboard writes a day."""
    return pgettext("d3 format of a day in a chart", "%d %b %Y")


def labelled(label: str, value: str) -> str:
    """``label: value`` as the language writes it (French puts a space before the colon)."""
    return _("{label}: {value}").format(label=label, value=value)


def percent_sign() -> str:
    """What follows a percentage, as the language writes it: ``%`` in English, a no-break space
    and ``%`` in French (``87%``, ``87\u00a0%``), as the pages' own figures."""
    return format_percent(0).removeprefix("0")


def tick_month_format() -> str:
    """A month on a time axis, the month over the year: ``Jan<br>2026``; French ``janv.<br>2026``
    (month names from :func:`plotly_locale`)."""
    return pgettext("d3 format of a month on a chart's axis", "%b<br>%Y")


def tick_day_format() -> str:
    """A day on a time axis, short: ``02 Mar``; French ``02/03``."""
    return pgettext("d3 format of a day on a chart's axis", "%d %b")


#: The words of plotly.js's toolbar (its tips) on the dashboard's charts, in plotly's English.
TOOLBAR_WORDS = (N_("Download plot as a PNG"), N_("Zoom"), N_("Pan"), N_("Box Select"), N_("Lasso Select"),
                 N_("Zoom in"), N_("Zoom out"), N_("Autoscale"), N_("Reset axes"))

# CLDR date fields (Unicode TR35) and the d3-time-format directive each stands for; a quoted
# 'text' is literal. A pattern with another field keeps plotly's English format.
_CLDR_TO_D3 = {"y": "%Y", "yyyy": "%Y", "MMM": "%b", "LLL": "%b", "MMMM": "%B", "LLLL": "%B",
               "d": "%-d", "dd": "%d", "M": "%-m", "MM": "%m"}
_CLDR_PART = re.compile(r"'([^']*)'|(([A-Za-z])\3*)|([^A-Za-z']+)")


def d3_date_format(cldr: str) -> str | None:
    """A CLDR date pattern as a d3-time-format string: ``d MMM y`` → ``%-d %b %Y``; None when the
    pattern has a field plotly's formats cannot say.

    >>> d3_date_format("d MMM y"), d3_date_format("MMM d, y"), d3_date_format("d. MMM 'um' y")
    ('%-d %b %Y', '%b %-d, %Y', '%-d. %b um %Y')
    >>> d3_date_format("EEE d MMM") is None
    True
    """
    parts = []
    for part in _CLDR_PART.finditer(cldr):
        quoted, field, _letter, literal = part.groups()
        if field:
            if field not in _CLDR_TO_D3:
                return None
            parts.append(_CLDR_TO_D3[field])
        else:
            text = "'" if part.group(0) == "''" else quoted if quoted is not None else literal
            parts.append(text.replace("%", "%%"))
    return "".join(parts)


def plotly_locale(language: str) -> dict:
    """plotly.js's locale for *language* (``Plotly.register``; named ``alliance-<language>``, so as
    not to replace plotly's own): month and day names, the orders of its automatic time ticks and
    its separators of numbers, from Babel's CLDR data as every other format of the dashboard; and
    its toolbar's tips from the catalogue. What it does not say stays plotly's English."""
    locale = format_locale(language)
    sunday_first = (6, 0, 1, 2, 3, 4, 5)                   # CLDR counts from Monday, plotly from Sunday
    orders = {name: d3_date_format(locale.datetime_skeletons[skeleton].pattern)
              for name, skeleton in (("month", "yMMM"), ("dayMonth", "MMMd"), ("dayMonthYear", "yMMMd"))}
    return {
        "moduleType": "locale", "name": f"alliance-{language}",
        "dictionary": {words: translations(language).gettext(words) for words in TOOLBAR_WORDS},
        "format": {
            "days": [locale.days["format"]["wide"][day] for day in sunday_first],
            "shortDays": [locale.days["format"]["abbreviated"][day] for day in sunday_first],
            "months": [locale.months["format"]["wide"][month] for month in range(1, 13)],
            "shortMonths": [locale.months["format"]["abbreviated"][month] for month in range(1, 13)],
            "decimal": numbers.get_decimal_symbol(locale), "thousands": numbers.get_group_symbol(locale),
            "year": "%Y", **{name: order for name, order in orders.items() if order},
        },
    }


def _cartesian_template(name: str = "plotly_white") -> go.layout.Template:
    """Plotly's template *name*, cut to what the dashboard's charts draw: its layout without the
    polar, ternary, 3-D and map parts, and its defaults for the trace types used here (scatter,
    bar, heatmap). The charts look the same; each carries 2.4 kB of template instead of 7.1 kB,
    validated in a third of the time."""
    whole = pio.templates[name].to_plotly_json()
    return go.layout.Template(
        layout={key: value for key, value in whole["layout"].items()
                if key not in ("polar", "ternary", "scene", "geo")},
        data={kind: whole["data"][kind] for kind in ("scatter", "bar", "heatmap")})


#: The template of every chart (:func:`_cartesian_template`), built once.
TEMPLATE = _cartesian_template()


def _layout(figure: go.Figure, title: str, y_title: str, height: int = 340) -> go.Figure:
    figure.update_layout(
        template=TEMPLATE, title=dict(text=title, y=0.97, yanchor="top"), height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0),
        hovermode="closest", yaxis_title=y_title,
    )
    return figure


def small_multiples(names: list[str], titles: list[str], columns: int = 2,
                    panel_height: int = 150) -> go.Figure:
    """An empty grid of one panel per name (*titles* above them), *columns* wide, every panel
    on one shared time axis and one shared value axis, so that the panels compare at a glance
    (small multiples: Tufte 1983). Panel *i* (from 0, row by row) is at row ``i // columns + 1``,
    column ``i % columns + 1``."""
    columns = max(1, min(columns, len(names)))
    rows = max(1, -(-len(names) // columns))
    figure = make_subplots(rows=rows, cols=columns, shared_xaxes="all", shared_yaxes="all",
                           subplot_titles=titles if len(names) > 1 else None,   # one: the figure's title says it
                           vertical_spacing=min(0.3 / rows, 0.12),
                           horizontal_spacing=0.06)
    figure.update_layout(height=90 + rows * panel_height, showlegend=False)
    figure.update_annotations(font_size=13)   # the panels' titles
    return figure


def _small_multiples_layout(figure: go.Figure, title: str, panel_titles: bool = True) -> go.Figure:
    """The common layout, with room above the first row's panel titles for the figure's title."""
    _layout(figure, title, "", height=figure.layout.height)
    figure.update_layout(showlegend=False, margin=dict(t=80 if panel_titles else 50),
                         title=dict(yref="container", y=1, yanchor="top", pad=dict(t=12)))
    return figure


def _panel(index: int, columns: int) -> dict:
    return dict(row=index // columns + 1, col=index % columns + 1)


def score_trend(trend: pd.DataFrame, scores: list[str], title: str | None = None,
                x: str = "period_start", columns: int = 2) -> go.Figure:
    """Pooled scores over periods (a :func:`review.weekly_trend`-shaped frame) as small
    multiples: one panel per score, all on the same time axis and the same 0–100 axis."""
    columns = min(columns, len(scores))
    figure = small_multiples(scores, [score_label(name) for name in scores], columns)
    for index, name in enumerate(scores):
        figure.add_trace(go.Scatter(
            x=trend[x], y=trend[name], mode="lines+markers", name=score_label(name),
            line=dict(color=SCORE_COLOURS[name], width=2), marker=dict(size=5),
            hovertemplate=labelled("%{x|" + day_format() + "}", "%{y:.0f}" + percent_sign())
            + "<extra>" + score_label(name) + "</extra>",
        ), **_panel(index, columns))
    figure.update_yaxes(range=[0, 105], ticksuffix=percent_sign(), nticks=4)
    figure.update_xaxes(tickformat=tick_day_format(), type="date", nticks=5)
    title = title or _("Scores by week")
    return _small_multiples_layout(figure, title, panel_titles=len(scores) > 1)


#: 0–100 as a colour: vermillion (Okabe–Ito) at 0, pale at three quarters, white at 100.
LOW_SCORE_SCALE = [[0.0, "#D55E00"], [0.75, "#F8D9C2"], [1.0, "#FFFFFF"]]
NO_DATA_GREY = "#E6E6E6"
WITHHELD_GREY = "#B8B8B8"
GRID_LABEL_LINE = 16   # 'Ponctualité du thérapeute', 'Alliance (notée par le client)': two lines each
GRID_LINE_PX = 17      # the height of a line of a row's name


def score_grid(values: pd.DataFrame, title: str, hover: str, customdata: pd.DataFrame | None = None,
               withheld: pd.DataFrame | None = None, withheld_hover: str = "") -> go.Figure:
    """Scores (0–100) as one grid: a row per row of *values* (its index, labels), a column per
    column (in order), each cell's value written in it and shaded on one scale for every score —
    white at 100, more vermillion as it drops, so that what needs a look stands out. A cell
    without a value is left empty (grey); one of *withheld* (True) is a darker grey cell with a
    dash, hovering *withheld_hover*.

    One panel where small multiples drew one per score: each panel cost the browser as much as a
    chart of its own (six panels were a sixth of the supervisor view's time at a million sessions,
    issue 16), and a few periods of six scores read as well as numbers. *hover* is the cells'
    hovertemplate, which may read ``%{customdata}`` from *customdata* (shaped as *values*)."""
    # the rows' names on lines of at most GRID_LABEL_LINE characters: room for the cells on a phone
    x, y = [str(column) for column in values.columns], [_wrap(str(row), GRID_LABEL_LINE) for row in values.index]
    figure = go.Figure(go.Heatmap(
        z=values.to_numpy(dtype=float, na_value=np.nan), x=x, y=y, zmin=0, zmax=100,
        colorscale=LOW_SCORE_SCALE, showscale=False, xgap=2, ygap=2, hoverongaps=False,
        texttemplate="%{z:.0f}", hovertemplate=hover + "<extra></extra>",   # text sized to its cell
        customdata=None if customdata is None else customdata.to_numpy(dtype=object),
    ))
    if withheld is not None and withheld.to_numpy(dtype=bool).any():
        mark = np.where(withheld.to_numpy(dtype=bool), 0.0, np.nan)
        figure.add_trace(go.Heatmap(
            z=mark, x=x, y=y, colorscale=[[0, WITHHELD_GREY], [1, WITHHELD_GREY]], showscale=False,
            xgap=2, ygap=2, hoverongaps=False, text=np.where(np.isnan(mark), "", "—"), texttemplate="%{text}",
            hovertemplate="%{y}, %{x}: " + withheld_hover + "<extra></extra>"))
    # each row as tall as its name's lines; the columns' labels under the grid, the bottom margin
    # grown to hold them when a phone turns them on end (above it, 'déc. 2025' ran into the title)
    row_px = max(34, GRID_LINE_PX * max((label.count("<br>") + 1 for label in y), default=1) + 6)
    figure.update_yaxes(autorange="reversed", ticks="", showgrid=False)
    figure.update_xaxes(type="category", ticks="", showgrid=False, automargin=True)
    _layout(figure, title, "", height=110 + row_px * len(y))
    figure.update_layout(plot_bgcolor=NO_DATA_GREY)   # seen in the gaps between cells and in empty ones
    return figure


def score_months(scores_by_month: pd.DataFrame, scores: list[str], title: str,
                 x: str = "period_start") -> go.Figure:
    """A client's scores by month as a :func:`score_grid`: a row per score, a column per month
    from the first to the last (a month without a session is an empty column).
    *scores_by_month* is :func:`~alliance_metrics.score_queries.client_scores` by month: *x* the
    month's first day, a column per score (0–100, NaN when undefined)."""
    months = (pd.period_range(scores_by_month[x].min(), scores_by_month[x].max(), freq="M")
              if len(scores_by_month) else pd.PeriodIndex([], freq="M"))
    values = (scores_by_month.assign(month=scores_by_month[x].dt.to_period("M")).set_index("month")[scores]
              .reindex(months).T)
    values.index = [score_label(name) for name in scores]
    # one line: a phone turns the labels on end, where two lines ran into each other
    values.columns = [f"{month_name(month.month, 'abbreviated')} {month.year}" for month in months]
    return score_grid(values, title, hover="%{y}<br>" + labelled("%{x}", "%{z:.0f}" + percent_sign()))


def period_grid(trends: pd.DataFrame, measures: list[str], labels: dict[str, str], title: str) -> go.Figure:
    """The supervisor's mean of each score per period as a :func:`score_grid`: a row per measure,
    a column per period (in the order of *trends*); a suppressed cell is a grey dash that says
    so, a cell without clients is empty."""
    periods = list(dict.fromkeys(trends.period))
    rows = trends[trends.measure.isin(measures)]

    def grid(column: str) -> pd.DataFrame:
        table = rows.pivot(index="measure", columns="period", values=column).reindex(index=measures, columns=periods)
        table.index = [labels.get(measure, measure) for measure in measures]
        return table

    hidden = grid("suppressed").fillna(False).astype(bool)
    clients = grid("n_clients").map(lambda n: "" if pd.isna(n) else str(int(n)))   # withheld: no count
    return score_grid(grid("mean").where(~hidden), title,
                      hover="%{y}<br>" + _("{period}: mean {mean} ({clients} clients)").format(
                          period="%{x}", mean="%{z:.1f}", clients="%{customdata}"),
                      customdata=clients, withheld=hidden, withheld_hover=_("suppressed"))


def session_timeline(facts: pd.DataFrame, title: str | None = None) -> go.Figure:
    """One marker per scheduled session, on the row of its outcome, with lateness in the hover.
    No legend: each row is named on the y axis, and its colour only repeats the name."""
    figure = go.Figure()
    late_text = _("client late: {minutes} min").format(minutes="%{customdata}")
    for outcome in OUTCOME_LABELS:
        label = outcome_label(outcome)
        rows = facts[facts.outcome == outcome]
        if rows.empty:
            continue
        late = rows.client_late_min.astype("Float64").round(0).astype(str).replace("<NA>", "—")
        figure.add_trace(go.Scatter(
            x=rows.scheduled_start, y=[label] * len(rows), mode="markers", name=label,
            marker=dict(color=OUTCOME_COLOURS[outcome], size=11, symbol="circle"),
            customdata=late, hovertemplate="%{x|" + day_format() + " %H:%M}<br>" + late_text
                                           + "<extra>" + label + "</extra>",
        ))
    figure.update_yaxes(categoryorder="array", categoryarray=[outcome_label(o) for o in OUTCOME_LABELS][::-1])
    # month over year: narrow enough to stay level beside the outcomes' names on a phone, where
    # "Jan 2026" turned on end
    figure.update_xaxes(tickformat=tick_month_format(), nticks=6)
    _layout(figure, title or _("Every scheduled session"), "", height=280)
    figure.update_layout(showlegend=False)
    return figure


def goal_chart(trajectory: pd.DataFrame, band: pd.DataFrame | None, target: float | None = None,
               title: str | None = None) -> go.Figure:
    """The client's goal ratings by session number, over the practice's 25th–75th percentile band."""
    figure = go.Figure()
    if band is not None and not band.empty:
        figure.add_trace(go.Scatter(x=band.session_number, y=band.p75, mode="lines",
                                    line=dict(width=0), showlegend=False, hoverinfo="skip"))
        figure.add_trace(go.Scatter(
            x=band.session_number, y=band.p25, mode="lines", fill="tonexty", line=dict(width=0),
            fillcolor="rgba(0,114,178,0.15)", name=_("Expected range (25th–75th percentile)"),
            hovertemplate=_("session {number}: from {value}").format(number="%{x}", value="%{y:.1f}")
            + "<extra>" + _("expected") + "</extra>"))
        figure.add_trace(go.Scatter(x=band.session_number, y=band["median"], mode="lines",
                                    line=dict(color="#0072B2", dash="dot"), name=_("Typical (median)"),
                                    hovertemplate=_("session {number}: {value}").format(number="%{x}", value="%{y:.1f}")
                                    + "<extra>" + _("median") + "</extra>"))
    figure.add_trace(go.Scatter(
        x=trajectory.session_number, y=trajectory.goal_rating, mode="lines+markers",
        name=_("Goal rating"), line=dict(color=SCORE_COLOURS["goal"], width=2),
        hovertemplate=_("session {number}: {value}").format(number="%{x}", value="%{y:.0f}/10")
        + "<extra>" + _("goal rating") + "</extra>"))
    if target is not None:
        # named in the right margin, beside the line: over the plot the ratings ran through the word
        figure.add_hline(y=target, line=dict(color="#999999", dash="dash"), annotation_text=_("target"),
                         annotation_position="right")
    figure.update_yaxes(range=[0, 10.5])
    figure.update_xaxes(title=_("Session number (attended sessions)"))
    _layout(figure, title or _("Goal ratings and the expected range"), _("Goal rating (0–10)"))
    # the legend below the x axis's title (on a phone it ran into it), the margin for "target"
    figure.update_layout(legend=dict(y=-0.3), margin=dict(r=10 if target is None else 56))
    return figure


def alliance_range(ratings: pd.Series, concern_below: float) -> list[float]:
    """The y range of :func:`alliance_chart`: the ratings' own range and the concern line, one
    point of margin each side (at most one beyond 0–40, so that a rating of 40 is drawn whole) —
    so that a client's variation between 34 and 39 is not flattened into the top of a 0–40 axis.

    >>> alliance_range(pd.Series([37.5, 39.0]), 36)
    [35.0, 40.0]
    >>> alliance_range(pd.Series([12.0, 20.0]), 36)
    [11.0, 37.0]
    >>> alliance_range(pd.Series([40.0]), 36)
    [35.0, 41.0]
    """
    values = [*pd.Series(ratings, dtype=float).dropna().tolist(), float(concern_below)]
    return [max(-1.0, min(values) - 1), min(41.0, max(values) + 1)]


def alliance_chart(facts: pd.DataFrame, concern_below: float, title: str | None = None) -> go.Figure:
    """The client's session alliance ratings, on an axis fitted to them (:func:`alliance_range`),
    with the concern line at *concern_below* (the ``alliance_concern_below`` setting)."""
    rated = facts[facts.alliance_rating.notna()]
    figure = go.Figure(go.Scatter(
        x=rated.scheduled_start, y=rated.alliance_rating, mode="lines+markers", name=_("Alliance rating"),
        line=dict(color=SCORE_COLOURS["alliance"], width=2),
        hovertemplate=labelled("%{x|" + day_format() + "}", "%{y:.1f}/40") + "<extra>" + _("alliance") + "</extra>"))
    figure.add_hline(y=concern_below, line=dict(color="#999999", dash="dash"),
                     annotation_text=_("concern below {threshold} (Settings)").format(
                         threshold=format_decimal(concern_below)),
                     annotation_position="top left")
    figure.update_yaxes(range=alliance_range(rated.alliance_rating, concern_below))
    return _layout(figure, title or _("Session alliance ratings"), _("Rating (of 40)"))


#: The most dots a scatter draws one by one (issue 16), as SVG markers. Beyond it the browser spends
#: seconds to minutes on markers nobody can tell apart (685,306 SVG markers took about 100 s at a
#: million sessions), so the points are counted in a DENSITY_BINS × DENSITY_BINS grid instead — at
#: most 1,600 cells, whatever the data size. Below it SVG beats WebGL, whose context costs more than
#: the markers (a probe page in headless Chromium, warm, median of 7: 1,000 dots 0.61 s as SVG, 0.66 s
#: with WebGL, against 0.39 s for the probe's 50 dots; 2,000 SVG dots 0.64 s).
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


#: The longest line of a scatter's title and of its axis titles (characters): plotly does not wrap,
#: and on a phone (390 px) about 45 characters of a bold title fit across the chart, and about 38
#: of a y-axis title along the axis. Longer titles are broken between words, never shortened.
TITLE_LINE, AXIS_LINE = 45, 38
SUB_LINE = 60   # the title's explanation, in smaller type (<sup>)


def _wrap(text: str, width: int) -> str:
    """*text* broken between words into lines of at most *width* characters (plotly's ``<br>``)."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


def relation_scatter(points: pd.DataFrame, x: str, y: str, x_title: str, y_title: str,
                     slope: float | None, intercept: float | None, title: str,
                     colour: str = "#0072B2", dots: str | None = None) -> go.Figure:
    """A scatter of *points* (each one of *dots*) with its OLS trend line when one was estimated.

    Up to :data:`MAX_POINTS` points are drawn one by one (SVG); more are drawn as a density:
    a :func:`density_grid` heatmap, each cell shaded by how many points fall in it, and the title
    says how many points it counts. Points with a missing x or y are not drawn. *dots* names the
    points (translated; default "Clients").
    """
    dots = dots or _("Clients")
    shown = points[points[x].notna() & points[y].notna()]
    n = len(shown)
    title = _wrap(title, TITLE_LINE)
    if n <= MAX_POINTS:
        figure = go.Figure(go.Scatter(
            x=shown[x], y=shown[y], mode="markers", name=dots,
            marker=dict(color=colour, size=8, opacity=0.7),
            hovertemplate=labelled(x_title, "%{x:.1f}") + "<br>" + labelled(y_title, "%{y:.1f}") + "<extra></extra>"))
    else:
        grid = density_grid(shown[x], shown[y])
        centres_x = (grid.x_edges[:-1] + grid.x_edges[1:]) / 2
        centres_y = (grid.y_edges[:-1] + grid.y_edges[1:]) / 2
        counts = np.where(grid.counts > 0, grid.counts, np.nan).T   # rows are y; an empty cell is blank
        figure = go.Figure(go.Heatmap(
            x=centres_x, y=centres_y, z=counts, name=dots,
            colorscale=[[0.0, _tint(colour, 0.12)], [1.0, colour]], hoverongaps=False,
            colorbar=dict(title=dict(text=dots, side="right"), thickness=12),
            hovertemplate=(_("{x_title}: about {x}").format(x_title=x_title, x="%{x:.1f}") + "<br>"
                           + _("{y_title}: about {y}").format(y_title=y_title, y="%{y:.1f}") + "<br>"
                           + f"%{{z:,.0f}} {dots.lower()}<extra></extra>")))
        title = title + "<br><sup>" + _(
            "{n} {dots}: too many to draw one by one, so each cell is shaded by how many fall in it"
        ).format(n=format_decimal(n, 0), dots=dots.lower()) + "</sup>"
    if slope is not None and intercept is not None and n:
        low, high = float(shown[x].min()), float(shown[x].max())
        figure.add_trace(go.Scatter(x=[low, high], y=[intercept + slope * low, intercept + slope * high],
                                    mode="lines", name=_("Trend (OLS)"), line=dict(color="#000000", dash="dash"),
                                    hoverinfo="skip"))
    if n > MAX_POINTS:   # the explanation under the title, in smaller type: wrapped too, line by line
        head, _sep, note = title.partition("<br><sup>")
        note = _wrap(note.removesuffix("</sup>"), SUB_LINE).replace("<br>", "</sup><br><sup>")
        title = f"{head}<br><sup>{note}</sup>"
    x_title = _wrap(x_title, TITLE_LINE)
    breaks = title.count("<br>") + x_title.count("<br>")
    figure.update_xaxes(title=x_title)
    _layout(figure, title, _wrap(y_title, AXIS_LINE), height=(340 if n <= MAX_POINTS else 340 + 18) + 22 * breaks)
    # room above the plot for each line of the title, the legend below each line of the x axis's title
    figure.update_layout(margin=dict(t=40 + 22 * title.count("<br>")),
                         legend=dict(y=-0.22 - 0.1 * x_title.count("<br>")))
    return figure


# -- the supervisor's aggregates (alliance_metrics.anonymise): suppressed cells are named ---------

MEASURE_COLOURS = {**SCORE_COLOURS, "progress_points": "#000000", "progress_pct": "#000000"}
HIDDEN_NOTE = dict(yref="paper", y=0.02, showarrow=False, textangle=-90, yanchor="bottom",
                   font=dict(color="#777777", size=11))


def _notes(figure: go.Figure, notes: dict[str, str], y: float = HIDDEN_NOTE["y"]) -> None:
    """Write *notes* (period → text) over the periods whose figures are not drawn, so that a
    missing point or bar reads as "suppressed" or "not yet known", never as nothing or zero.
    Each starts at height *y* (of the plot area), one line on end: side by side even on a phone."""
    for period, text in notes.items():
        figure.add_annotation(x=period, text=text, **(HIDDEN_NOTE | dict(y=y)))


def period_trend(trends: pd.DataFrame, measures: list[str], labels: dict[str, str], title: str,
                 columns: int = 2) -> go.Figure:
    """Mean of each measure per period, one panel per measure on a shared period axis (small
    multiples); suppressed cells are not drawn, and each panel says "suppressed" over them."""
    columns = min(columns, len(measures))
    figure = small_multiples(measures, [labels.get(m, m) for m in measures], columns,
                             panel_height=150 if len(measures) > 1 else 260)
    periods = list(dict.fromkeys(trends.period))
    for index, measure in enumerate(measures):
        rows = trends[trends.measure == measure]
        hidden = rows.suppressed.astype(bool)
        mean = rows["mean"].where(~hidden)
        figure.add_trace(go.Scatter(
            x=rows.period, y=mean, mode="lines+markers", name=labels.get(measure, measure),
            line=dict(color=MEASURE_COLOURS.get(measure, "#0072B2"), width=2), connectgaps=False,
            customdata=rows.n_clients.astype("Float64").astype(str).replace("<NA>", _("suppressed")),
            hovertemplate=_("{period}: mean {mean} ({clients} clients)").format(
                period="%{x}", mean="%{y:.1f}", clients="%{customdata}")
            + "<extra>" + labels.get(measure, measure) + "</extra>",
        ), **_panel(index, columns))
        axis = "" if index == 0 else str(index + 1)
        for period in rows.period[hidden]:
            figure.add_annotation(x=period, xref=f"x{axis}", yref=f"y{axis} domain", y=0.02,
                                  text=_("suppressed"), showarrow=False, textangle=-90, yanchor="bottom",
                                  font=dict(color="#777777", size=10))
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=periods, nticks=6)
    return _small_multiples_layout(figure, title, panel_titles=len(measures) > 1)


def binned_counts(bins: pd.DataFrame, value: str, title: str, y_title: str, colour: str) -> go.Figure:
    """One bar per bin (each bin holds at least k clients; suppressed bins are named, not drawn)."""
    shown = bins[~bins.suppressed.astype(bool)]
    figure = go.Figure(go.Bar(
        x=shown["bin"], y=shown[value], marker_color=colour,
        customdata=shown.n_clients,
        hovertemplate=_("{band}: {value} ({clients} clients)").format(
            band="%{x}", value="%{y:.1f}", clients="%{customdata}") + "<extra></extra>",
    ))
    _notes(figure, {label: _("suppressed") for label in bins[bins.suppressed.astype(bool)]["bin"]})
    figure.update_xaxes(type="category", title=_("Score band"), categoryorder="array", categoryarray=list(bins["bin"]))
    return _layout(figure, title, y_title, height=300)


#: The caseload flow's bars and line take this share of the plot's height, from the bottom; its
#: notes stand in the band above, so that no note crosses a bar, the line or their numbers.
CASELOAD_BARS = (0.0, 0.45)
#: The caseload measures in the note over a period whose counts are withheld (shown through _()).
SHORT_CASELOAD = {"active": N_("active"), "new": N_("new"), "ended": N_("endings"), "dropped_out": N_("drop-outs")}


def _count_text(n) -> str:
    """A released count as a bar's label; nothing for a withheld one (a note names it)."""
    return "" if pd.isna(n) else str(int(n))


def caseload_flow(caseload: pd.DataFrame, labels: dict[str, str], title: str | None = None) -> go.Figure:
    """New clients, endings and drop-outs per period as grouped bars of the released counts, and
    the active clients as a dotted line, each labelled with its number; a period whose counts are
    withheld says which are "suppressed", or "not yet known"."""
    colours = {"new": "#009E73", "ended": "#0072B2", "dropped_out": "#D55E00"}
    figure = go.Figure()
    for measure, colour in colours.items():
        rows = caseload[caseload.measure == measure]
        figure.add_trace(go.Bar(x=rows.period, y=rows.n_clients.astype("Float64"), name=labels.get(measure, measure),
                                marker_color=colour, text=[_count_text(n) for n in rows.n_clients],
                                textposition="outside",
                                hovertemplate=_("{period}: {count} clients").format(period="%{x}", count="%{y}")
                                + "<extra></extra>"))
    active = caseload[caseload.measure == "active"]
    figure.add_trace(go.Scatter(x=active.period, y=active.n_clients.astype("Float64"), mode="lines+markers+text",
                                name=labels.get("active", "active"), line=dict(color="#555555", dash="dot"),
                                text=[_count_text(n) for n in active.n_clients], textposition="top center",
                                connectgaps=False,
                                hovertemplate=_("{period}: {count} active clients").format(period="%{x}", count="%{y}")
                                + "<extra></extra>"))
    notes = {}
    for period, rows in caseload.groupby("period", sort=False):
        withheld = [_(SHORT_CASELOAD[m]) if m in SHORT_CASELOAD else m
                    for m, hidden in zip(rows.measure, rows.suppressed) if hidden]
        if rows.pending.all():
            notes[period] = _("not yet known")
        elif withheld:
            notes[period] = _("suppressed: {measures}").format(measures=", ".join(withheld))
    _notes(figure, notes, y=CASELOAD_BARS[1] + 0.03)
    figure.update_layout(barmode="group")
    # at most 7 period labels: 13 months' labels would turn on end and run into the legend on a phone
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=list(dict.fromkeys(caseload.period)),
                        nticks=7)
    largest = caseload.n_clients.astype("Float64").max()
    # room above the highest bar or point for its number, which is otherwise cut at the band's edge
    figure.update_yaxes(domain=CASELOAD_BARS, rangemode="tozero",
                        range=None if pd.isna(largest) else [0, float(largest) * 1.2 + 1])
    _layout(figure, title or _("Caseload flow"), _("Clients"), height=560)
    figure.update_layout(margin=dict(t=64))   # the longest note stays clear of the title on a phone
    return figure
