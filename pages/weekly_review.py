"""The Monday page: what happened last week, who needs attention and why, what is billable."""

import pandas as pd
import streamlit as st

from alliance_metrics.caseload import client_table
from alliance_metrics.charts import score_trend
from alliance_metrics.export import to_csv
from alliance_metrics.i18n import _, format_currency, format_date, format_decimal, ngettext
from alliance_metrics.inventory import holdings
from alliance_metrics.report import format_figure, signed_points, weekly_report_html
from alliance_metrics.review import latest_week, weekly_review
from alliance_metrics.scores import SCORE_COLUMNS, SCORES
from ui import sidebar
from ui.chart import plotly_chart
from ui.downloads import download_when_asked
from ui.pages import guard, switch_to
from ui.state import figure, store
from ui.widgets import EMPTY_CELL, count, plain, session_table

ATTENTION_PAGE = 10   # needs-attention blocks drawn at a time (each is a few elements for the browser to draw)

guard(__file__)
st.title(_("Weekly review"))
if holdings(store()).is_demo:
    st.info(_("This is the **demo practice** (invented clients). Import your own session log on the "
              "**Import** page."))
therapist = sidebar.therapist()
latest = latest_week(store(), therapist)
if latest is None:
    st.info(_("No sessions yet. Import a session log on the **Import** page to see your week."))
    st.stop()

chosen = st.date_input(_("Week"), value=latest, key="week", format="DD/MM/YYYY",
                       help=_("Pick any day: the review covers its week, Monday to Sunday. "
                              "It opens on the most recent week with sessions."))
review = weekly_review(store(), chosen, therapist)
currency = store().settings()["currency"]
# what a capped table (ui.widgets.MAX_TABLE_ROWS) says about the rows it leaves out
see_all = (_("The report at the bottom of the page lists them all; choosing one therapist in the sidebar "
             "shortens the list.") if therapist is None else _("The report at the bottom of the page lists them all."))
st.caption(_("From {monday} to {sunday}.").format(monday=format_date(review.week_start, "full"),
                                                  sunday=format_date(review.week_end, "full")))

st.subheader(_("Needs attention"))
if review.attention.empty:
    st.success(_("Nobody needs particular attention this week."))
else:
    st.caption(ngettext(
        "{flagged} of the {current} current client, those with the most reasons first. Thresholds are on the "
        "**Settings** page; open a client to see the sessions behind each reason.",
        "{flagged} of the {current} current clients, those with the most reasons first. Thresholds are on the "
        "**Settings** page; open a client to see the sessions behind each reason.",
        int(review.current_clients)).format(flagged=count(len(review.attention)), current=count(review.current_clients)))
    # One block per client, two side by side on a wide screen and one under the other on a phone
    # (a row of columns stacks in reading order), the reasons written out in full.
    # A large practice can flag thousands of clients: draw the most urgent ATTENTION_PAGE, more on request.
    limit = st.session_state.setdefault("attention_limit", ATTENTION_PAGE)
    rows = review.attention.head(limit).to_dict("records")
    for pair in range(0, len(rows), 2):
        for cell, row in zip(st.columns(2), rows[pair:pair + 2]):
            with cell.container(border=True):
                named = row["display_name"] != row["client_id"]
                # one element a block: the name, then the reasons (each element costs the browser)
                st.markdown("\n".join([f"**{plain(row['display_name'])}**" + (f" · {plain(row['client_id'])}" if named else ""),
                                        "", *(f"- {plain(reason)}" for reason in row["reasons"])]))
                if st.button(_("Open {client}").format(client=plain(row['display_name'])), key=f"open_client_{row['client_id']}"):
                    st.session_state["open_client"] = row["client_id"]
                    switch_to("client")
    if len(review.attention) > len(rows):
        left = len(review.attention) - len(rows)
        st.caption(ngettext("The {shown} with the most reasons are shown; {left} more needs attention.",
                            "The {shown} with the most reasons are shown; {left} more need attention.",
                            left).format(shown=count(len(rows)), left=count(left)))
        if st.button(_("Show {count} more").format(count=min(left, ATTENTION_PAGE)), key="attention_more"):
            st.session_state["attention_limit"] = limit + ATTENTION_PAGE
            st.rerun()

st.subheader(_("The week in figures"))
st.caption(_("Each figure beside its change from the mean of the four weeks before."))
# one wrapping row, in HEADLINES order: five to a line on a laptop, two on a phone
with st.container(horizontal=True, wrap=True, gap="medium"):
    for row in review.headlines.to_dict("records"):
        change = row["change"]
        sign = "+" if not pd.isna(change) and change >= 0 else "-"
        delta = (None if pd.isna(change) else signed_points(change) if row["unit"] == "%"
                 else sign + format_decimal(abs(change), 2) if row["unit"] == "amount"
                 else sign + format_decimal(abs(change), 1))
        st.metric(_(row["label"]), format_figure(row["this_week"], row["unit"], currency), delta, width=160,
                  delta_color="inverse" if row["measure"] in ("missed", "billable_amount") else "normal")
if review.payment_note:
    st.caption(review.payment_note)

with st.expander(_("How many clients each rule flagged, and the thresholds in use")):
    st.dataframe(review.rule_counts[["title", "clients"]].assign(title=review.rule_counts.title.map(_)),
                 hide_index=True, key="rule_counts",
                 column_config={"title": _("Rule"), "clients": _("Clients flagged")}, placeholder=EMPTY_CELL)
    for threshold in review.thresholds.values():
        st.caption(threshold.explanation)
    st.caption(_("A drop in the alliance rating or the engagement rating is flagged only when it is larger than "
                 "the session-to-session noise of the ratings, so that the list picks out a few clients."))

st.subheader(_("Billable missed sessions"))
if review.billable.empty:
    st.write(_("No billable missed session this week."))
else:
    session_table(review.billable[["scheduled_start", "display_name", "outcome", "notice_hours", "fee", "paid_on"]],
                  key="billable", narrow=see_all)
    unpriced = int(review.billable.fee.isna().sum())
    st.write(_("Total billable: **{amount}**").format(amount=format_currency(review.billable.fee.sum(), currency))
             + (" " + ngettext("({count} without a fee recorded)", "({count} without a fee recorded)",
                               unpriced).format(count=unpriced) if unpriced else ""))

st.subheader(_("The week's sessions"))
if review.sessions.empty:
    st.write(_("No session was scheduled this week."))
else:
    session_table(review.sessions[["scheduled_start", "display_name", "outcome", "client_late_min", "homework_done",
                                   "engagement", "alliance_rating", "goal_rating"]], key="week_sessions",
                  narrow=see_all)

if not review.trend.empty:
    plotly_chart(figure("weekly_trend", lambda: score_trend(review.trend, [s.name for s in SCORES],
                                                        title=_("Scores by week (12 weeks)")),
                        review.week_start, review.therapist_id), key="weekly_trend")

# Both files are made when asked (ui/downloads.py: a Prepare button, then the download, each file
# kept until the data, the week or the therapist change): at a million sessions the HTML report
# took about 1.5 s and the scores CSV 2–3 s of every run of the page.
left, right = st.columns(2)
download_when_asked(_("Download this review (HTML)"), lambda: weekly_report_html(review, currency=currency),
                    file_name=f"alliance-review-{review.week_start:%Y-%m-%d}.html", mime="text/html",
                    key="download_review", prepare_label=_("Prepare this review as a file (HTML)"),
                    version=(store().opened, store().data_version(), review.week_start, therapist),
                    container=left)
download_when_asked(_("Download all scores (CSV)"),
                    lambda: to_csv(client_table(store(), therapist)[["display_name", *SCORE_COLUMNS]]),
                    file_name="alliance-scores.csv", mime="text/csv", key="download_scores",
                    prepare_label=_("Prepare all scores as a file (CSV)"),
                    version=(store().opened, store().data_version(), therapist), container=right)
