"""Small rendering helpers the pages share (formatting only: every figure comes from alliance_metrics)."""

from __future__ import annotations

import math
import re

import streamlit as st

from alliance_metrics.relations import FLUCKIGER_2018, Relation

PLOTLY_CONFIG = {"displaylogo": False}
#: The most rows a table sends to the browser (issue 16: the weekly review once shipped 5.7 MB for
#: a table of 17,000 rows nobody scrolls through). More are cut, and a caption says so.
MAX_TABLE_ROWS = 500
#: What every table shows in an empty cell (st.dataframe's default is "None").
EMPTY_CELL = "—"


MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """*text* from the data, escaped so st.markdown shows it as typed: a goal written as
    ``![x](http://…)`` must not make the browser fetch an image.

    >>> plain("![x](http://a.b)")
    '\\!\\[x\\]\\(http\\://a\\.b\\)'
    """
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def percent(value: float | None) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0f} %"


def show_relation(relation: Relation, compare_with_reference: bool = False) -> None:
    """A relation's coefficient, interval and n, with its plain reading."""
    if relation.estimate is None:
        st.info(relation.reading)
        return
    columns = st.columns([1, 2, 1, 1])
    columns[0].metric("Correlation", f"{relation.estimate:+.2f}")
    columns[1].metric("95 % interval", f"{relation.ci_low:+.2f} to {relation.ci_high:+.2f}")
    columns[2].metric("Clients", f"{relation.n_clients:,}")
    columns[3].metric("Observations", f"{relation.n:,}")
    st.write(relation.reading)
    if compare_with_reference:
        st.caption(
            f"For comparison: across {FLUCKIGER_2018.studies} studies the alliance–outcome correlation "
            f"is r = {FLUCKIGER_2018.r:.3f} (95 % CI {FLUCKIGER_2018.ci_low:.3f}–{FLUCKIGER_2018.ci_high:.3f}; "
            f"{FLUCKIGER_2018.citation})."
        )


def capped_rows(frame, what: str, narrow: str):
    """The first :data:`MAX_TABLE_ROWS` rows of *frame*; when it has more, a caption says how many
    of how many are shown (*what*: "sessions", "clients") and how to see others (*narrow*, a
    sentence). The caller orders *frame* so that the first rows are the ones to read first."""
    if len(frame) <= MAX_TABLE_ROWS:
        return frame
    st.caption(f"The first {MAX_TABLE_ROWS:,} of {len(frame):,} {what} are shown. {narrow}")
    return frame.head(MAX_TABLE_ROWS)


def session_table(frame, key: str, narrow: str = "Choose a shorter period or one therapist to see the others.") -> None:
    """Sessions as a table, every column labelled and formatted the same way on every page;
    outcomes in words. At most :data:`MAX_TABLE_ROWS` rows (:func:`capped_rows`; *narrow* says how
    to see the others)."""
    from alliance_metrics.charts import OUTCOME_LABELS

    config = {
        "scheduled_start": st.column_config.DatetimeColumn("Scheduled", format="ddd D MMM YYYY, HH:mm"),
        "display_name": "Client",
        "outcome": st.column_config.TextColumn("What happened"),
        "notice_hours": st.column_config.NumberColumn("Notice (h)", format="%.0f"),
        "client_late_min": st.column_config.NumberColumn("Client late (min)", format="%.0f"),
        "therapist_late_min": st.column_config.NumberColumn("Therapist late (min)", format="%.0f"),
        "homework_done": st.column_config.ProgressColumn("Practice", min_value=0.0, max_value=1.0, format="percent"),
        "engagement": st.column_config.NumberColumn("Engagement rating (1–5)", format="%d"),
        "alliance_rating": st.column_config.NumberColumn("Alliance (0–40)", format="%.1f"),
        "goal_rating": st.column_config.NumberColumn("Goal (0–10)", format="%.0f"),
        "fee": st.column_config.NumberColumn("Fee", format="%.2f"),
        "paid_on": st.column_config.DateColumn("Paid on", format="D MMM YYYY"),
        "client_on_time": "On time",
        "paid_on_time": "Paid on time",
        "billable": "Billable",
    }
    frame = capped_rows(frame, "sessions", narrow)
    shown = frame.assign(outcome=frame.outcome.map(OUTCOME_LABELS)) if "outcome" in frame else frame
    st.dataframe(shown, hide_index=True, key=key,
                 column_config={name: config[name] for name in shown.columns if name in config},
                 placeholder=EMPTY_CELL)
