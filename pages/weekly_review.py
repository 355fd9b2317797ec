"""The Monday page: what happened last week, who needs attention and why, what is billable."""

from datetime import timedelta

import streamlit as st

from alliance_metrics.caseload import client_table
from alliance_metrics.charts import score_trend
from alliance_metrics.export import to_csv
from alliance_metrics.inventory import holdings
from alliance_metrics.report import format_figure, weekly_report_html
from alliance_metrics.review import latest_week, weekly_review
from alliance_metrics.scores import SCORE_COLUMNS, SCORES
from ui import sidebar
from ui.pages import guard
from ui.state import store
from ui.widgets import PLOTLY_CONFIG, session_table

guard(__file__)
st.title("Weekly review")
if holdings(store()).is_demo:
    st.info("This is the **demo practice** (invented clients). Import your own session log on the "
            "**Import** page.")
therapist = sidebar.therapist()
latest = latest_week(store(), therapist)
if latest is None:
    st.info("No sessions yet. Import a session log on the **Import** page to see your week.")
    st.stop()

chosen = st.date_input("Week", value=latest, key="week", format="DD/MM/YYYY",
                       help="Pick any day: the review covers its week, Monday to Sunday. "
                            "It opens on the most recent week with sessions.")
review = weekly_review(store(), chosen, therapist)
st.caption(f"Monday {review.week_start:%d %B %Y} to Sunday {review.week_end:%d %B %Y}, "
           "compared with the mean of the four weeks before.")

cells = st.columns(5)
for index, row in enumerate(review.headlines.itertuples()):
    delta = None if row.change != row.change else (f"{row.change:+.0f} pts" if row.unit == "%" else f"{row.change:+.1f}")
    cells[index % 5].metric(row.label, format_figure(row.this_week, row.unit), delta,
                            delta_color="inverse" if row.measure in ("missed", "billable_amount") else "normal")
if review.payment_note:
    st.caption(review.payment_note)

st.subheader("Needs attention")
if review.attention.empty:
    st.success("Nobody needs particular attention this week.")
else:
    st.caption(f"{len(review.attention)} client(s) — {review.current_clients} clients are current — most reasons "
               "first; thresholds are on the **Settings** page. Open a client on the **Client** page to see the "
               "sessions behind each reason.")
    st.dataframe(
        review.attention.sort_values(["n_reasons", "display_name"], ascending=[False, True])
        .assign(reasons=review.attention.reasons.map(" ".join))[["display_name", "client_id", "n_reasons", "reasons"]],
        hide_index=True, key="attention",
        column_config={"display_name": "Client", "client_id": "Code", "n_reasons": "Reasons",
                       "reasons": st.column_config.TextColumn("Why", width="large")},
    )

with st.expander("How many clients each rule flagged, and the thresholds in use"):
    st.dataframe(review.rule_counts[["title", "clients"]], hide_index=True, key="rule_counts",
                 column_config={"title": "Rule", "clients": "Clients flagged"})
    for threshold in review.thresholds.values():
        st.caption(threshold.explanation)
    st.caption("A drop in alliance or involvement is flagged only when it is larger than the "
               "session-to-session noise of the ratings, so that the list picks out a few clients.")

st.subheader("Billable missed sessions")
if review.billable.empty:
    st.write("No billable missed session this week.")
else:
    session_table(review.billable[["scheduled_start", "display_name", "outcome", "notice_hours", "fee", "paid_on"]],
                  key="billable")
    st.write(f"Total billable: **{review.billable.fee.sum():,.2f}**"
             + (f" ({review.billable.fee.isna().sum()} without a fee recorded)" if review.billable.fee.isna().any() else ""))

st.subheader("The week's sessions")
if review.sessions.empty:
    st.write("No session was scheduled this week.")
else:
    session_table(review.sessions[["scheduled_start", "display_name", "outcome", "client_late_min", "homework_done",
                                   "engagement", "alliance_rating", "goal_rating"]], key="week_sessions")

if not review.trend.empty:
    st.plotly_chart(score_trend(review.trend, [s.name for s in SCORES], title="Scores by week (12 weeks)"),
                    config=PLOTLY_CONFIG, key="weekly_trend")

# The files are made on every run, not when clicked: a deferred (callable) download runs outside
# the script's thread, and in the browser tests it sometimes never finished, leaving the button
# disabled. The scores table is a read of the kept totals (0.03 s at a million sessions); the HTML
# report costs more at that size (about 1.5 s), to win back in issue 16.
left, right = st.columns(2)
left.download_button("Download this review (HTML)", weekly_report_html(review, currency=store().settings()["currency"]),
                     file_name=f"alliance-review-{review.week_start:%Y-%m-%d}.html", mime="text/html",
                     on_click="ignore", key="download_review")
right.download_button("Download all scores (CSV)",
                      to_csv(client_table(store(), therapist)[["display_name", *SCORE_COLUMNS]]),
                      file_name="alliance-scores.csv", mime="text/csv", on_click="ignore",
                      key="download_scores")
