"""The downloads of the weekly review: a self-contained HTML report and a spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser

from alliance_metrics.caseload import client_table
from alliance_metrics.export import to_csv
from alliance_metrics.report import weekly_report_html
from alliance_metrics.review import weekly_review
from alliance_metrics.scores import SCORE_COLUMNS
from tests.conftest import at, day, insert_clients, insert_sessions


def external_references(html: str) -> list[str]:
    """src and href attributes of the document's elements (script bodies are not elements)."""
    found: list[str] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value for name, value in attrs if name in ("src", "href") and value)

    Collector().feed(html)
    return found


def test_report_is_self_contained_and_escapes_what_clients_typed(store):
    insert_sessions(store, [
        dict(session_id="x1", client_id="x", scheduled_start=at("2026-03-03 10:00"), status="no_show", fee=55),
        dict(session_id="y1", client_id="y", scheduled_start=at("2026-03-04 10:00"), status="attended",
             client_late_min=0),
    ])
    insert_clients(store, [dict(client_id="x", display_name="<script>alert(1)</script>"),
                           dict(client_id="y", display_name="Yves & co")])
    html = weekly_report_html(weekly_review(store, date(2026, 3, 2)))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Yves &amp; co" in html
    assert "Monday 02 March 2026 to Sunday 08 March 2026" in html
    assert "No-show on 2026-03-03" in html                       # the needs-attention reason
    # nothing to fetch: no element of the page loads or links anything (plotly.js is inline)
    assert external_references(html) == []


def test_the_review_says_which_fees_are_not_due_yet(store):
    # payment_grace_days 7: the 03-04 fee is due by 03-11, the 03-05 one by 03-12; the 03-02 one
    # (unpaid, due 03-09) is late by 03-10, and the 03-03 one was paid.
    insert_sessions(store, [
        dict(session_id=f"p{n}", client_id="p", scheduled_start=at(f"2026-03-0{n} 10:00"), status="attended",
             client_late_min=0, fee=60, paid_on=day("2026-03-03") if n == 3 else None)
        for n in (2, 3, 4, 5)
    ])
    review = weekly_review(store, date(2026, 3, 2), today=date(2026, 3, 10))
    assert review.not_yet_due.session_id.tolist() == ["p4", "p5"]
    assert review.headlines.set_index("measure").at["payment", "this_week"] == 100 * 1 / 4  # SPEC §4 as is
    assert review.payment_note == (
        "Payment counts an unpaid fee as not paid on time even before it is due: "
        "2 of this week's fees are unpaid but not late yet (the last is due by Thursday 12 March). "
        "The figure rises as they are paid on time.")
    assert "2 of this week&#x27;s fees are unpaid but not late yet" in weekly_report_html(review)
    one = weekly_review(store, date(2026, 3, 2), today=date(2026, 3, 12)).payment_note
    assert "1 of this week's fees is unpaid but not late yet (due by Thursday 12 March)" in one
    # a week later every fee is due: no note
    assert weekly_review(store, date(2026, 3, 2), today=date(2026, 3, 13)).payment_note is None


def test_scores_csv_neutralises_formulas_and_keeps_numbers(store):
    insert_sessions(store, [dict(session_id="z1", client_id="z", scheduled_start=at("2026-03-03 10:00"),
                                 status="attended", client_late_min=0, fee=60, paid_on=day("2026-03-03"))])
    insert_clients(store, [dict(client_id="z", display_name='=HYPERLINK("http://x","y")')])
    text = to_csv(client_table(store)[["display_name", *SCORE_COLUMNS]])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["display_name"] == '\'=HYPERLINK("http://x","y")'
    assert row["attendance"] == "100.0" and row["payment"] == "100.0"      # numbers stay numbers
    assert row["engagement"] == ""                                        # undefined stays blank
