"""The supervisor export: the file and its checks (supervisor_file), combining several (pooling), and the
HTML report (supervisor_report).

Practices used (sessions in February 2026, views made in March, k = 11 unless said):
  FEBRUARY (tests/test_anonymise.py): 15 clients; attendance n 15, mean 80, median 100;
      alliance n 12, mean 83.75; therapists T1 (12) and T2 (3) hidden, total shown.
  TWELVE: 12 clients of therapist T9, all attended; 6 rate the alliance 40 (→ 100), 6 rate 34 (→ 85):
      attendance n 12, mean 100; alliance n 12, mean (600 + 510)/12 = 92.5.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import re
import uuid
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from alliance_metrics import i18n, pooling, supervisor_file, supervisor_report, templating
from alliance_metrics.anonymise import TOTAL, supervisor_view
from alliance_metrics.pseudonym import PracticeSecret, pseudonym
from alliance_metrics.store import Store
from alliance_metrics.pooling import POOLED, combine
from alliance_metrics.supervisor_file import ExportError, export_json, loads_export, read_export, write_export
from alliance_metrics.supervisor_report import supervisor_report_html
from tests.conftest import at, insert_clients, insert_sessions
from tests.test_anonymise import cell, february_rows, hidden

S1, S2, S3 = (PracticeSecret(bytes([n]) * 32) for n in (1, 2, 3))
MARCH = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _no_home_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path / "practice.key"))


@pytest.fixture
def stores(tmp_path):
    opened = []

    def make(rows: list[dict]) -> Store:
        store = Store(tmp_path / f"practice{len(opened)}.duckdb")
        insert_sessions(store, rows)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def twelve_rows(alliance_low: float = 34, therapist: str = "T9") -> list[dict]:
    return [dict(client_id=f"z{i:02d}", therapist_id=therapist, scheduled_start=at(f"2026-02-{i + 2:02d} 09:00"),
                 status="attended", alliance_rating=40 if i < 6 else alliance_low) for i in range(12)]


def resign(body: dict) -> str:
    """Recompute the checksum as export_json documents it: SHA-256 of the canonical JSON of the rest."""
    rest = {key: value for key, value in body.items() if key != "sha256"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(body | {"sha256": hashlib.sha256(canonical.encode()).hexdigest()})


# -- the file -------------------------------------------------------------------------------------

def test_an_export_reads_back_as_the_same_view(stores, tmp_path):
    view = supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1)
    path = write_export(view, tmp_path / "export.json")
    body = json.loads(path.read_text())
    assert (body["format"], body["version"], body["k"]) == ("alliance-supervisor-export", 2, 11)
    back = read_export(path)
    assert (back.k, back.granularity, back.periods, back.sources) == (view.k, view.granularity, view.periods,
                                                                      view.sources)
    for name, frame in view.tables().items():
        pd.testing.assert_frame_equal(getattr(back, name), frame, obj=name)


def test_a_changed_file_is_refused(stores):
    text = export_json(supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1))
    assert '["2026-02", "attendance", 15, 80.0, 100.0, false]' in text
    with pytest.raises(ExportError, match="changed since it was written"):
        loads_export(text.replace('"attendance", 15, 80.0', '"attendance", 16, 80.0'))


@pytest.mark.parametrize("tamper, message", [
    # a count under k, re-signed: the privacy rule itself refuses it
    (lambda b: b["tables"]["trends"]["rows"][0].__setitem__(2, 3), "fewer than k = 11"),
    # a suppressed therapist row that shows its count
    (lambda b: next(r for r in b["tables"]["therapists"]["rows"] if r[-1]).__setitem__(2, 12),
     "must not show its count"),
    # values with no clients behind them
    (lambda b: b["tables"]["relations"]["rows"][0].__setitem__(4, 0.5), "without at least k clients"),
    (lambda b: b.__setitem__("k", 3), "at least 5"),
    (lambda b: b["tables"]["trends"]["columns"].append("client_id"), "must have the columns"),
    (lambda b: b["tables"]["trends"]["rows"][0].__setitem__(1, "display_name"), "not one of the known values"),
    (lambda b: b["tables"]["therapists"]["rows"][0].__setitem__(0, "Dr Martin"), "not a pseudonym"),
    (lambda b: b["tables"]["trends"]["rows"][0].__setitem__(0, "2026-02-14"), "not one of the known values"),
    (lambda b: b["tables"].pop("relations"), "expected the tables"),
    (lambda b: b["sources"][0].__setitem__("as_of", "2026-03-10"), "not a practice pseudonym, scope and month"),
    (lambda b: b["tables"]["trends"]["rows"].append(list(b["tables"]["trends"]["rows"][0])), "twice"),
])
def test_a_tampered_but_re_signed_file_is_refused(stores, tamper, message):
    body = json.loads(export_json(supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1)))
    tamper(body)
    with pytest.raises(ExportError, match=message):
        loads_export(resign(body))


@pytest.mark.parametrize("text, message", [
    (b"\x89PNG\r\n", "not JSON"),
    ('{"rows": []}', "format is not 'alliance-supervisor-export'"),
    ('{"format": "alliance-supervisor-export", "version": 7}', "version 7"),
])
def test_a_file_that_is_not_an_export_is_refused(text, message):
    with pytest.raises(ExportError, match=message):
        loads_export(text)


def test_read_export_names_the_file(tmp_path):
    with pytest.raises(ExportError, match="Cannot read"):
        read_export(tmp_path / "missing.json")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ExportError, match="notes.txt: This is not a supervisor export"):
        read_export(tmp_path / "notes.txt")


# -- combining ------------------------------------------------------------------------------------

def test_combine_adds_counts_and_reweights_means(stores):
    a = supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1)
    b = supervisor_view(stores(twelve_rows()), k=11, as_of=MARCH, secret=S2)
    both = combine([a, b])
    attendance = cell(both.trends, period="2026-02", measure="attendance")
    # 15 clients at mean 80 and 12 at mean 100: (15·80 + 12·100)/27 = 2400/27 = 88.888… → 88.89;
    # the median of the union cannot be known from the two medians
    assert (attendance["n_clients"], attendance["mean"]) == (27, 88.89) and math.isnan(attendance["median"])
    alliance = cell(both.trends, period="2026-02", measure="alliance")
    assert (alliance["n_clients"], alliance["mean"]) == (24, round((12 * 83.75 + 12 * 92.5) / 24, 2))  # 88.125
    # February's caseload flow is not known in March (its endings are not): pending in both
    assert cell(both.caseload, period="2026-02", measure="active")["pending"]
    # therapists: the first practice's two stay hidden; T9 (12) is shown; the total is 27
    assert hidden(cell(both.therapists, therapist=pseudonym("T1", S1), measure="attendance"))
    assert hidden(cell(both.therapists, therapist=pseudonym("T2", S1), measure="attendance"))
    assert cell(both.therapists, therapist=pseudonym("T9", S2), measure="attendance")["n_clients"] == 12
    assert cell(both.therapists, therapist=TOTAL, measure="attendance")["n_clients"] == 27
    assert both.k == 11 and len(both.sources) == 2 and both.title == "2 exports combined"
    # a combined view is itself an export
    assert loads_export(export_json(both)).sources == both.sources


def test_combine_never_un_suppresses(stores):
    a = supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1)
    three = [dict(client_id=f"s{i}", therapist_id="T5", scheduled_start=at("2026-02-10 09:00"), status="attended",
                  alliance_rating=20) for i in range(3)]
    small = supervisor_view(stores(three), k=11, as_of=MARCH, secret=S3, granularity="month")
    assert hidden(cell(small.trends, period="2026-02", measure="attendance"))
    both = combine([a, small])
    # 15 + 3 = 18 ≥ 11, yet showing 18 would give the 3 away as 18 − 15: it stays suppressed
    assert hidden(cell(both.trends, period="2026-02", measure="attendance"))
    assert cell(both.caseload, period="2026-02", measure="active")["pending"]
    assert hidden(cell(both.therapists, therapist=TOTAL, measure="attendance"))
    assert both.distributions[both.distributions.measure == "alliance"].suppressed.all()


def test_combined_distributions_keep_the_edges_every_export_shares(stores):
    a = supervisor_view(stores(february_rows()), k=5, as_of=MARCH, secret=S1)     # alliance: 0–90 6, 90–100 6
    b = supervisor_view(stores(twelve_rows(34)), k=5, as_of=MARCH, secret=S2)     # 85 ×6, 100 ×6: same edges
    rows = combine([a, b]).distributions.query("measure == 'alliance'")
    assert rows[["bin", "n_clients"]].values.tolist() == [["0 to 90", 12], ["90 to 100", 12]]
    c = supervisor_view(stores(twelve_rows(27, "T8")), k=5, as_of=MARCH, secret=S3)  # 67.5 ×6: 0–70, 70–100
    rows = combine([a, c]).distributions.query("measure == 'alliance'")
    assert rows[["bin", "n_clients"]].values.tolist() == [["0 to 100", 24]]


def test_combined_correlations_pool_fisher_z(stores):
    def related(alliance, gains, prefix):
        rows = []
        for i, (rating, gain) in enumerate(zip(alliance, gains)):
            rows += [dict(client_id=f"{prefix}{i}", scheduled_start=at("2026-01-05 09:00"), status="attended",
                          alliance_rating=rating, goal_rating=2),
                     dict(client_id=f"{prefix}{i}", scheduled_start=at("2026-01-19 09:00"), status="attended",
                          alliance_rating=rating, goal_rating=2 + gain)]
        return rows
    a = supervisor_view(stores(related([28, 30, 31, 33, 34, 35, 36, 37, 38, 39, 40, 32],
                                       [1, 0, 2, 2, 3, 2, 4, 3, 5, 4, 6, 1], "p")),
                        k=11, as_of=date(2026, 2, 1), secret=S1)
    b = supervisor_view(stores(related([40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27],
                                       [2, 5, 1, 3, 0, 4, 2, 2, 1, 3, 0, 2, 1, 0], "q")),
                        k=11, as_of=date(2026, 2, 1), secret=S2)
    r1 = cell(a.relations, score="alliance")["r"]
    r2 = cell(b.relations, score="alliance")["r"]
    pooled = cell(combine([a, b]).relations, score="alliance")
    # weights n − 3: 9 and 11; z̄ = (9 atanh r1 + 11 atanh r2)/20; interval z̄ ± 1.96/√20
    z = (9 * math.atanh(r1) + 11 * math.atanh(r2)) / 20
    assert pooled["method"] == POOLED and pooled["n_clients"] == 26
    assert pooled["r"] == pytest.approx(math.tanh(z), abs=6e-4)
    assert pooled["ci_low"] == pytest.approx(math.tanh(z - 1.959964 / math.sqrt(20)), abs=6e-4)
    assert pooled["ci_high"] == pytest.approx(math.tanh(z + 1.959964 / math.sqrt(20)), abs=6e-4)


def test_combine_covers_the_periods_every_export_knows(stores):
    january = [dict(client_id=f"j{i}", therapist_id="T7", scheduled_start=at("2026-01-12 09:00"), status="attended")
               for i in range(11)] + [dict(client_id=f"j{i}", therapist_id="T7",
                                           scheduled_start=at("2026-02-12 09:00"), status="attended")
                                      for i in range(11)]
    a = supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1)                # 2026-02
    b = supervisor_view(stores(january), k=11, as_of=date(2026, 4, 2), secret=S2)             # 2026-01 … 2026-03
    both = combine([a, b])
    assert both.periods == ["2026-01", "2026-02"]            # a knows nothing of March
    # in January the first practice had no clients yet: it adds 0 to the 11
    assert cell(both.caseload, period="2026-01", measure="active")["n_clients"] == 11
    assert cell(both.caseload, period="2026-02", measure="active")["pending"]   # a's is, in March


def test_combine_refuses_to_count_the_same_clients_twice(stores):
    store = stores(february_rows() + twelve_rows())
    whole = supervisor_view(store, k=5, as_of=MARCH, secret=S1)
    t1 = supervisor_view(store, k=5, as_of=MARCH, secret=S1, therapist_id="T1")
    t9 = supervisor_view(store, k=5, as_of=MARCH, secret=S1, therapist_id="T9")
    for views in ([whole, whole], [whole, t1], [t1, t1]):
        with pytest.raises(ValueError, match="count those clients twice"):
            combine(views)
    both = combine([t1, t9])        # two therapists of one practice: their clients differ
    # T1's attendance (12) is hidden in every scope: shown, the practice's 27 − T1 12 − T9 12 would
    # give T2's 3 away. So the combination stays hidden, and T9's 12 stand alone in its own export.
    assert hidden(cell(both.trends, period="2026-02", measure="attendance"))
    assert cell(t9.trends, period="2026-02", measure="attendance")["n_clients"] == 12
    with pytest.raises(ValueError, match="by month and by quarter"):
        combine([t1, supervisor_view(stores(twelve_rows()), k=5, as_of=date(2026, 5, 2), secret=S2,
                                     granularity="quarter")])


def test_an_empty_practice_gives_a_valid_export_that_combines(stores):
    empty = supervisor_view(stores([]), k=11, as_of=MARCH, secret=S2)
    assert empty.periods == [] and empty.trends.empty and empty.caseload.empty
    back = loads_export(export_json(empty))
    assert "No closed period yet" in supervisor_report_html(back)
    a = supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1)
    both = combine([back, a])
    assert both.periods == ["2026-02"]
    assert cell(both.trends, period="2026-02", measure="attendance")["n_clients"] == 15
    # a measure nobody has: one bin over the whole grid, 0 clients
    assert both.distributions.query("measure == 'punctuality'")[["bin", "n_clients"]].values.tolist() == [
        ["0 to 100", 0]]


# -- nothing identified leaves: canaries ---------------------------------------------------------

DATE_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}:\d{2}|T\d{2}:\d{2}")


def test_no_canary_and_no_exact_date_in_any_export_or_report(stores, tmp_path):
    token = uuid.uuid4().hex[:12]
    therapists = [f"CANARY-THERAPIST-{token}-{t}" for t in range(2)]
    rows, clients = [], []
    for i in range(30):
        client_id = f"CANARY-CLIENT-{token}-{i:02d}"
        clients.append(dict(client_id=client_id, display_name=f"CANARY-NAME-{token}-{i:02d}",
                            goal=f"CANARY-GOAL-{token}-{i:02d} sleep better", goal_baseline=2,
                            intake_date=date(2026, 1, 5 + i % 7), therapist_id=therapists[i % 2]))
        for week, status in enumerate(["attended", "attended", "no_show", "attended", "cancelled", "attended"]):
            rows.append(dict(client_id=client_id, therapist_id=therapists[i % 2],
                             scheduled_start=at(f"2026-0{1 + week % 4}-{5 + i % 20:02d} 1{week}:3{i % 6}"),
                             status=status, alliance_rating=30 + i % 10 if status == "attended" else None,
                             goal_rating=2 + week % 5 if status == "attended" else None,
                             engagement=1 + i % 5 if status == "attended" else None, fee=55 + i))
    store = stores(rows)
    insert_clients(store, clients)
    canaries = {row["client_id"] for row in clients} | {row["display_name"] for row in clients} | {
        row["goal"] for row in clients} | set(therapists) | {token}
    outputs = []
    for k, therapist_id in ((5, None), (11, None), (5, therapists[0])):
        view = supervisor_view(store, k=k, as_of=date(2026, 6, 3), secret=S1, therapist_id=therapist_id)
        path = write_export(view, tmp_path / f"export-{k}.json")
        outputs += [path.read_text(encoding="utf-8"), supervisor_report_html(read_export(path))]
    outputs.append(supervisor_report_html(combine([read_export(tmp_path / "export-5.json"),
                                                   supervisor_view(stores(twelve_rows()), k=5, as_of=date(2026, 6, 3),
                                                                   secret=S2)])))
    plain_hashes = {hashlib.sha256(t.encode()).hexdigest()[:8] for t in therapists}
    for text in outputs:
        for canary in canaries | plain_hashes:
            assert canary not in text
        assert not DATE_OR_TIME.search(text), DATE_OR_TIME.search(text).group(0)
        assert "sleep better" not in text


# -- the HTML report -----------------------------------------------------------------------------

def test_the_report_is_self_contained_and_says_what_is_hidden(stores):
    view = supervisor_view(stores(february_rows()), k=11, as_of=MARCH, secret=S1)
    page = supervisor_report_html(view)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    for external in ("http://", "https://", "<script", "<link", "src=", "@import", "url("):
        assert external not in page
    assert "k = 11" in page and "suppressed" in page and "not yet known" in page
    assert pseudonym("T1", S1) in page and "<b>80.0</b>" in page     # February attendance, mean 80


# -- the supervisor's code path ------------------------------------------------------------------

@pytest.mark.parametrize("module", [supervisor_file, pooling, supervisor_report], ids=lambda m: m.__name__)
def test_the_export_modules_cannot_reach_the_identified_store(module):
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    ours = {name for name in imported if name and name.startswith("alliance_metrics")}
    # words and templates: i18n reads the catalogue, templating renders; neither reaches a store
    assert ours <= {"alliance_metrics.anonymise", "alliance_metrics.pooling", "alliance_metrics.i18n",
                    "alliance_metrics.templating"}
    assert not {"duckdb", "alliance_metrics.store", "alliance_metrics.score_queries"} & imported
    for helper in (i18n, templating):
        source = Path(helper.__file__).read_text(encoding="utf-8")
        assert "duckdb" not in source and "alliance_metrics.store" not in source, helper.__name__


# -- crafted files ------------------------------------------------------------------------------

def test_deeply_nested_json_is_refused_not_a_recursion_error():
    with pytest.raises(ExportError, match="nested far deeper"):
        loads_export("[" * 200_000 + "]" * 200_000)
    with pytest.raises(ExportError, match="nested far deeper"):
        loads_export('{"format": ' + "[" * 200_000 + "]" * 200_000 + "}")


def test_a_re_signed_file_without_its_total_row_is_refused_not_an_index_error(stores):
    store = stores(february_rows() + twelve_rows())
    body = json.loads(export_json(supervisor_view(store, k=5, as_of=MARCH, secret=S1)))
    rows = body["tables"]["therapists"]["rows"]
    body["tables"]["therapists"]["rows"] = [row for row in rows if row[0] != TOTAL]
    with pytest.raises(ExportError, match="no 'Total' row"):
        loads_export(resign(body))


def test_single_therapist_exports_have_no_total_and_still_combine(stores):
    a = supervisor_view(stores(twelve_rows()), k=11, as_of=MARCH, secret=S1)
    b = supervisor_view(stores(twelve_rows(30, "T8")), k=11, as_of=MARCH, secret=S2)
    assert TOTAL not in set(a.therapists.therapist)         # one therapist: no repeated Total row
    both = combine([loads_export(export_json(a)), loads_export(export_json(b))])
    # 12 clients at 100 and 12 at 100: attendance total 24, mean 100
    total = cell(both.therapists, therapist=TOTAL, measure="attendance")
    assert (total["n_clients"], total["mean"]) == (24, 100.0)
