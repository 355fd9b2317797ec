"""The weekly review as one self-contained HTML file, in the reader's language.

Rendered from the autoescaped Jinja2 template ``templates/weekly_report.html`` (which extends the
shared ``base.html`` and its stylesheet ``report.css``): every value is escaped, every word comes
from the gettext catalogue, and dates, numbers and money are written as the language writes them.
Nothing is fetched from anywhere: the chart of the twelve weeks is a small inline SVG (the former
plotly chart carried 4.6 MB of plotly.js in every file).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from alliance_metrics.charts import SCORE_COLOURS
from alliance_metrics.i18n import N_, _, format_currency, format_date, format_decimal, format_percent, ngettext
from alliance_metrics.review import WeeklyReview
from alliance_metrics.scores import SCORES
from alliance_metrics.templating import MISSING, render

#: How the review's measures read, by their code (review.HEADLINES).
MEASURES = {
    "attended": N_("Sessions held"),
    "missed": N_("Missed sessions"),
    "attendance": N_("Attendance"),
    "punctuality": N_("Punctuality"),
    "engagement": N_("Engagement"),
    "payment": N_("Payment"),
    "therapist_punctuality": N_("Therapist punctuality"),
    "alliance": N_("Alliance (client-rated)"),
    "billable_amount": N_("Billable (missed)"),
}
#: How a session's outcome reads, by its code (session_facts' ``outcome``).
OUTCOMES = {
    "attended": N_("Attended"),
    "timely_cancel": N_("Cancelled with notice"),
    "therapist_cancel": N_("Cancelled by therapist"),
    "late_cancel": N_("Late cancellation"),
    "no_show": N_("No-show"),
    "booked": N_("Booked"),
}
#: At most this many rows in each table (the week's sessions, the clients needing attention — most
#: reasons first —, the billable missed sessions): a whole large practice's week would make a file
#: nobody reads and too big to send (a million-session practice has some 20,000 sessions a week).
#: The report says how many rows each table leaves out, and that one therapist's review lists all.
MAX_TABLE_ROWS = 750


def format_figure(value: float, unit: str, currency: str | None = None) -> str:
    """A headline figure as text: '—' when undefined, a percentage for scores, money for amounts,
    counts as they are (a weekly mean to one decimal).

    >>> from alliance_metrics.i18n import use_language
    >>> with use_language("en"):
    ...     format_figure(83.4, "%"), format_figure(float("nan"), "%"), format_figure(1250, "amount")
    ('83%', '—', '€1,250.00')
    >>> with use_language("fr"):
    ...     format_figure(2.25, "count"), format_figure(1250, "amount") == "1\\u202f250,00\\u00a0€"
    ('2,2', True)
    """
    if pd.isna(value):
        return MISSING
    if unit == "%":
        return format_percent(value)
    if unit == "amount":
        return format_currency(value, currency)
    return format_decimal(round(float(value), 1))


def signed_points(value: float, decimals: int = 0) -> str:
    """A change or a progress in points, signed, with the noun's number right: '—' when undefined.

    >>> signed_points(1), signed_points(-1.2), signed_points(3), signed_points(0), signed_points(0.5, 1)
    ('+1 point', '-1 point', '+3 points', '+0 points', '+0.5 points')
    """
    if pd.isna(value):
        return MISSING
    shown = round(float(value), decimals) + 0.0     # + 0.0: no "-0"
    size = abs(shown)
    # the count that picks the noun's form in both languages: English says "1 point", "0.5 points";
    # French "0,5 point", "1,5 point", "2 points" (singular below 2)
    count = 1 if size == 1 else 0 if size < 2 else 2
    number = format_decimal(shown, decimals)
    number = number if number.startswith("-") else "+" + number
    return ngettext("{number} point", "{number} points", count).format(number=number)


def _label(table: dict[str, str], code: object) -> str:
    return _(table[code]) if code in table else (MISSING if pd.isna(code) else str(code))


def _name(row) -> str:
    return row.display_name if not pd.isna(row.display_name) else row.client_id


def trend_chart(trend: pd.DataFrame, width: int = 760, height: int = 300) -> dict | None:
    """The geometry of the weekly scores chart (an inline SVG): one polyline per score, 0–100 %.
    None when there is nothing to draw."""
    if trend.empty:
        return None
    left, right, top, bottom = 48, width - 12, 12, height - 28
    weeks = sorted(pd.to_datetime(trend.period_start).dt.date.unique())
    step = (right - left) / max(len(weeks) - 1, 1)
    x_of = {week: left + index * step for index, week in enumerate(weeks)}

    def y(value: float) -> float:
        return bottom - (bottom - top) * float(value) / 100

    lines = []
    for score in SCORES:
        if score.name not in trend:
            continue
        points = [(x_of[pd.Timestamp(week).date()], y(value))
                  for week, value in zip(trend.period_start, trend[score.name]) if not pd.isna(value)]
        if points:
            lines.append({"label": _(MEASURES.get(score.name, score.label)),
                          "colour": SCORE_COLOURS.get(score.name, "#444"),
                          "points": " ".join(f"{x:.1f},{yy:.1f}" for x, yy in points)})
    every = max(1, len(weeks) // 6)
    return {
        "width": width, "height": height, "left": left, "right": right, "top": top, "bottom": bottom,
        "y_ticks": [{"value": value, "y": round(y(value), 1)} for value in (0, 25, 50, 75, 100)],
        "x_ticks": [{"x": round(x_of[week], 1), "day": format_date(week)} for week in weeks[::every]],
        "lines": lines,
    }


def weekly_report_html(review: WeeklyReview, currency: str | None = None, made_on: date | None = None) -> str:
    """The weekly review as a standalone HTML page, in the current language; amounts in
    *currency* (an ISO 4217 code; default: the euro)."""
    headlines = [{"label": _label(MEASURES, row.measure) if row.measure in MEASURES else row.label,
                  "this_week": format_figure(row.this_week, row.unit, currency),
                  "before": format_figure(row.before, row.unit, currency)}
                 for row in review.headlines.itertuples(index=False)]
    attention = [{"name": _name(row), "client_id": row.client_id, "reasons": list(row.reasons)}
                 for row in review.attention.sort_values("n_reasons", ascending=False, kind="stable")
                 .head(MAX_TABLE_ROWS).itertuples(index=False)]           # most reasons first
    billable = [{"start": row.scheduled_start, "name": _name(row), "outcome": _label(OUTCOMES, row.outcome),
                 "fee": row.fee}
                for row in review.billable.head(MAX_TABLE_ROWS).itertuples(index=False)]
    week = review.sessions.sort_values(["scheduled_start", "client_id"]) if not review.sessions.empty \
        else review.sessions
    sessions = [{"start": row.scheduled_start, "name": _name(row), "outcome": _label(OUTCOMES, row.outcome),
                 "late": row.client_late_min, "homework": row.homework_done, "engagement": row.engagement,
                 "alliance": row.alliance_rating, "goal": row.goal_rating}
                for row in week.head(MAX_TABLE_ROWS).itertuples(index=False)]
    who = _("the whole practice") if review.therapist_id is None else \
        _("therapist {therapist}").format(therapist=review.therapist_id)
    return render(
        "weekly_report.html",
        week_start=review.week_start, week_end=review.week_end, who=who,
        headlines=headlines, payment_note=review.payment_note, trend=trend_chart(review.trend),
        attention=attention, billable=billable, sessions=sessions,
        left_out={"attention": max(0, len(review.attention) - MAX_TABLE_ROWS),
                  "billable": max(0, len(review.billable) - MAX_TABLE_ROWS),
                  "sessions": max(0, len(week) - MAX_TABLE_ROWS)},
        currency=currency, made_on=made_on or date.today(),
    )
