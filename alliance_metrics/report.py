"""The weekly review as one self-contained HTML file: inline styles, the chart's script inline,
nothing fetched from anywhere. Every value is HTML-escaped."""

from __future__ import annotations

import html

import pandas as pd

from alliance_metrics.charts import score_trend
from alliance_metrics.review import WeeklyReview
from alliance_metrics.scores import SCORES

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #666; margin-top: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; }
th { background: #f4f4f4; }
"""


def _table(frame: pd.DataFrame, empty: str) -> str:
    if frame.empty:
        return f"<p>{html.escape(empty)}</p>"
    return frame.to_html(index=False, escape=True, na_rep="—", border=0, float_format=lambda v: f"{v:.1f}")


def format_figure(value: float, unit: str) -> str:
    """A headline figure as text: '—' when undefined, '%' for scores, 2 decimals for amounts.

    >>> format_figure(83.4, "%"), format_figure(float("nan"), "%"), format_figure(1250, "amount")
    ('83 %', '—', '1,250.00')
    """
    if pd.isna(value):
        return "—"
    return f"{value:.0f} %" if unit == "%" else f"{value:,.2f}" if unit == "amount" else f"{value:.0f}"


def signed_points(value: float, decimals: int = 0) -> str:
    """A change or a progress in points, signed, with the noun's number right: '—' when undefined.

    >>> signed_points(1), signed_points(-1.2), signed_points(3), signed_points(0), signed_points(0.5, 1)
    ('+1 point', '-1 point', '+3 points', '+0 points', '+0.5 points')
    """
    if pd.isna(value):
        return "—"
    text = f"{value:+.{decimals}f}"
    return f"{text} point" if abs(float(text)) == 1 else f"{text} points"


def weekly_report_html(review: WeeklyReview) -> str:
    """The weekly review as a standalone HTML page."""
    headlines = pd.DataFrame({
        "Measure": review.headlines.label,
        "This week": [format_figure(v, u) for v, u in zip(review.headlines.this_week, review.headlines.unit)],
        "Previous 4 weeks": [format_figure(v, u) for v, u in zip(review.headlines.before, review.headlines.unit)],
    })
    attention = review.attention.assign(reasons=review.attention.reasons.map(" ".join))[
        ["display_name", "client_id", "reasons"]] if not review.attention.empty else review.attention
    sessions = review.sessions[["scheduled_start", "display_name", "outcome", "client_late_min",
                                "homework_done", "engagement", "alliance_rating", "goal_rating"]]
    billable = review.billable[["scheduled_start", "display_name", "outcome", "fee"]] \
        if not review.billable.empty else review.billable
    chart = "" if review.trend.empty else score_trend(
        review.trend, [s.name for s in SCORES], title="Scores by week (12 weeks)"
    ).to_html(full_html=False, include_plotlyjs=True)
    who = "the whole practice" if review.therapist_id is None else f"therapist {review.therapist_id}"
    note = f'<p class="sub">{html.escape(review.payment_note)}</p>' if review.payment_note else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Alliance — weekly review</title>
<style>{STYLE}</style></head><body>
<h1>Weekly review</h1>
<p class="sub">Week of {review.week_start:%A %d %B %Y} to {review.week_end:%A %d %B %Y} — {html.escape(who)}.
Confidential: contains client names.</p>
<h2>This week</h2>{_table(headlines, "No figures.")}{note}
<h2>Needs attention</h2>{_table(attention, "Nobody needs particular attention this week.")}
<h2>Billable missed sessions</h2>{_table(billable, "No billable missed session this week.")}
<h2>Sessions</h2>{_table(sessions, "No session this week.")}
{chart}
</body></html>"""
