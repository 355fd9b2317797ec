"""Small rendering helpers the pages share (formatting only: every figure comes from alliance_metrics)."""

from __future__ import annotations

import math
import re

import streamlit as st

from alliance_metrics.i18n import _, current_language, format_decimal, format_percent, pgettext
from alliance_metrics.relations import FLUCKIGER_2018, Relation

#: The most rows a table sends to the browser (issue 16: the weekly review once shipped 5.7 MB for
#: a table of 17,000 rows nobody scrolls through). More are cut, and a caption says so.
MAX_TABLE_ROWS = 500
#: What every table shows in an empty cell (st.dataframe's default is "None").
EMPTY_CELL = "—"


MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    r"""*text* from the data, escaped so st.markdown shows it as typed: a goal written as
    ``![x](http://…)`` must not make the browser fetch an image.

    >>> plain("![x](http://a.b)")
    '\\!\\[x\\]\\(http\\://a\\.b\\)'
    """
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def code(text: object) -> str:
    """*text* from the data as a markdown code span, shown as typed: nothing inside a code span is
    markup, so it is not escaped (plain's backslashes would show); its fence is one backtick longer
    than any run of backticks inside.

    >>> code("generated 2026-12-01"), code("a`b")
    ('`generated 2026-12-01`', '``a`b``')
    """
    text = " ".join(str(text).splitlines())
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def percent(value: float | None) -> str:
    """A 0–100 score as the language writes a percentage (``83 %``, ``83%``); '—' when undefined."""
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else format_percent(value)


def count(value: int) -> str:
    """A count with the language's thousands separator (``12 345``, ``12,345``)."""
    return format_decimal(value, 0)


def signed(value: float, digits: int = 2) -> str:
    """A coefficient with its sign and the language's decimal mark: ``+0,28``, ``-0.10``."""
    return ("+" if value >= 0 else "-") + format_decimal(abs(value), digits)


def datetime_column_format() -> str:
    """How a table writes a date and time (a moment.js pattern, drawn by the browser in English:
    French gets numbers only)."""
    return pgettext("moment.js format of a date and time in a table", "ddd D MMM YYYY, HH:mm")


def date_column_format() -> str:
    """How a table writes a date (moment.js; French: numbers only)."""
    return pgettext("moment.js format of a date in a table", "D MMM YYYY")


def show_relation(relation: Relation, compare_with_reference: bool = False) -> None:
    """A relation's coefficient, interval and n, with its plain reading."""
    if relation.estimate is None:
        st.info(relation.reading)
        return
    columns = st.columns([1, 2, 1, 1])
    columns[0].metric(_("Correlation"), signed(relation.estimate))
    columns[1].metric(_("95 % interval"), _("{low} to {high}").format(low=signed(relation.ci_low),
                                                                      high=signed(relation.ci_high)))
    columns[2].metric(_("Clients"), count(relation.n_clients))
    columns[3].metric(_("Observations"), count(relation.n))
    st.write(relation.reading)
    if compare_with_reference:
        st.caption(_(
            "For comparison: across {studies} studies the alliance–outcome correlation is r = {r} "
            "(95 % CI {low}–{high}; {citation})."
        ).format(studies=FLUCKIGER_2018.studies, r=format_decimal(FLUCKIGER_2018.r, 3),
                 low=format_decimal(FLUCKIGER_2018.ci_low, 3), high=format_decimal(FLUCKIGER_2018.ci_high, 3),
                 citation=FLUCKIGER_2018.citation))


def capped_rows(frame, what: str, narrow: str):
    """The first :data:`MAX_TABLE_ROWS` rows of *frame*; when it has more, a caption says how many
    of how many are shown (*what*: "sessions", "problems", translated by the caller) and how to see
    others (*narrow*, a sentence). The caller orders *frame* so that the first rows are the ones
    to read first."""
    if len(frame) <= MAX_TABLE_ROWS:
        return frame
    st.caption(_("The first {shown} of {total} {what} are shown. {narrow}").format(
        shown=count(MAX_TABLE_ROWS), total=count(len(frame)), what=what, narrow=narrow))
    return frame.head(MAX_TABLE_ROWS)


def problem_groups(report, key: str) -> None:
    """An import's problems by column and reason (an ImportReport's groups): each about the whole
    file (the headers, the dates, the size: no line to point at) as its own paragraph, since a
    table cell would cut its sentences; the others as a table."""
    lined = [bool(group.lines) for group in report.groups]   # the rows of groups_frame(), in order
    for group in report.groups:
        if not group.lines:
            st.markdown(plain(f"{group.reason} {group.hint}".strip()))
    if any(lined):
        st.dataframe(report.groups_frame()[lined], hide_index=True, key=key, placeholder=EMPTY_CELL)


def session_table(frame, key: str, narrow: str | None = None) -> None:
    """Sessions as a table, every column labelled and formatted the same way on every page;
    outcomes in words. At most :data:`MAX_TABLE_ROWS` rows (:func:`capped_rows`; *narrow* says how
    to see the others)."""
    from alliance_metrics.charts import outcome_label

    config = {
        "scheduled_start": st.column_config.DatetimeColumn(_("Scheduled"), format=datetime_column_format()),
        "display_name": _("Client"),
        "outcome": st.column_config.TextColumn(_("What happened")),
        "notice_hours": st.column_config.NumberColumn(_("Notice (h)"), format="%.0f"),
        "client_late_min": st.column_config.NumberColumn(_("Client late (min)"), format="%.0f"),
        "therapist_late_min": st.column_config.NumberColumn(_("Therapist late (min)"), format="%.0f"),
        "homework_done": st.column_config.ProgressColumn(_("Practice"), min_value=0.0, max_value=1.0,
                                                         format="percent"),
        "engagement": st.column_config.NumberColumn(_("Engagement rating (1–5)"), format="%d"),
        "alliance_rating": st.column_config.NumberColumn(_("Alliance (0–40)"), format="%.1f"),
        "goal_rating": st.column_config.NumberColumn(_("Goal (0–10)"), format="%.0f"),
        "fee": st.column_config.NumberColumn(_("Fee"), format="%.2f"),
        "paid_on": st.column_config.DateColumn(_("Paid on"), format=date_column_format()),
        "client_on_time": _("On time"),
        "paid_on_time": _("Paid on time"),
        "billable": _("Billable"),
    }
    frame = capped_rows(frame, _("sessions"),
                        narrow or _("Choose a shorter period or one therapist to see the others."))
    shown = frame.assign(outcome=frame.outcome.map(outcome_label)) if "outcome" in frame else frame
    st.dataframe(shown, hide_index=True, key=key,
                 column_config={name: config[name] for name in shown.columns if name in config},
                 placeholder=EMPTY_CELL)


def uploader_words() -> None:
    """Write the file uploader's own words in the current language.

    Streamlit's browser code draws them in English, with no translation (its "Upload" button and
    "200MB per file • CSV, …" line): in another language a style sheet hides them (display: none,
    so that they are not in the page's text either) and writes the catalogue's words in their place.
    English: nothing to do.
    """
    if current_language() == "en":
        return
    button = _("Upload").replace('"', "'")
    limit = _("At most {size} MB per file").format(size=st.get_option("server.maxUploadSize")).replace('"', "'")
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {display: none}'
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after '
        f'{{content: "{button}"}}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span {display: none}'
        '[data-testid="stFileUploaderDropzoneInstructions"] > div::after '
        f'{{content: "{limit}"; font-size: 0.875rem}}'
        "</style>"
    )
