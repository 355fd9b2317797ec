"""The downloads of the weekly review: a self-contained HTML report and a spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser

from alliance_metrics.caseload import client_table
from alliance_metrics.export import to_csv
from alliance_metrics.i18n import use_language
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
    assert "Week from Monday, 2 March 2026 to Sunday, 8 March 2026" in html   # CLDR en_GB, full
    assert "No-show on 3 Mar 2026" in html                       # the needs-attention reason
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
    assert "2 of this week&#39;s fees are unpaid but not late yet" in weekly_report_html(review)  # escaped
    assert "SPEC" not in weekly_report_html(review)
    with use_language("fr"):
        assert ("2 des honoraires de la semaine sont non réglés mais pas encore en retard (le dernier "
                "est dû le jeudi 12 mars)") in weekly_report_html(review)
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


def test_report_in_french_reads_as_french_with_its_formats(store):
    insert_sessions(store, [
        dict(session_id="x1", client_id="x", scheduled_start=at("2026-03-03 10:00"), status="no_show", fee=1234.5),
        dict(session_id="y1", client_id="y", scheduled_start=at("2026-03-04 14:30"), status="attended",
             client_late_min=7.6, homework_done=0.5, engagement=4),
    ])
    insert_clients(store, [dict(client_id="x", display_name="Zoé"), dict(client_id="y", display_name=None)])
    with use_language("fr"):
        html = weekly_report_html(weekly_review(store, date(2026, 3, 2)), currency="EUR")
    assert '<html lang="fr">' in html
    assert "Semaine du lundi 2 mars 2026 au dimanche 8 mars 2026 — tout le cabinet." in html
    assert "Séances manquées facturables" in html and "Absence non excusée" in html   # outcome labels
    assert "1\u202f234,50\u00a0€" in html                        # the fee, as French writes money
    assert "04/03/2026 14:30" in html                            # the session's date and time
    row = html.split("04/03/2026 14:30", 1)[1].split("</tr>", 1)[0]
    assert '<td class="number">8</td>' in row                   # 7.6 minutes late: a whole number
    assert '<td class="number">50\u00a0%</td>' in row           # half the agreed practice done
    assert "<td>y</td>" in row                                  # no name: the client's code
    for leftover in ("<NA>", "nan", "display_name", "late_cancel", "no_show", "client_late_min", "None"):
        assert leftover not in html, leftover
    for english in ("Weekly review", "This week", "Needs attention", "Sessions held", "Minutes late"):
        assert english not in html, english


def test_demo_report_is_small(tmp_path):
    from alliance_metrics.inventory import load_demo_if_empty
    from alliance_metrics.review import latest_week
    from alliance_metrics.store import Store

    demo = Store(tmp_path / "demo.duckdb")
    load_demo_if_empty(demo)
    review = weekly_review(demo, latest_week(demo))
    for language in ("en", "fr"):
        with use_language(language):
            size = len(weekly_report_html(review).encode("utf-8"))
        assert size < 100_000, (language, size)       # was 4.8 MB with plotly.js inline; 1 MB the limit


def test_a_long_week_lists_the_first_rows_and_says_how_many_are_left_out(store, monkeypatch):
    import alliance_metrics.report as report

    insert_sessions(store, [dict(session_id=f"s{n}", client_id=f"c{n}", scheduled_start=at(f"2026-03-0{n} 10:00"),
                                 status="no_show", fee=50) for n in (2, 3, 4)])
    monkeypatch.setattr(report, "MAX_TABLE_ROWS", 1)
    review = weekly_review(store, date(2026, 3, 2))
    html = report.weekly_report_html(review)
    assert "2 more sessions of this week are not listed: choose one therapist for the full list." in html
    assert "2 more clients need attention (fewer reasons)" in html
    assert "2 more billable missed sessions are not listed" in html
    with use_language("fr"):
        html = report.weekly_report_html(review)
    assert "2 autres séances de cette semaine ne sont pas listées" in html
