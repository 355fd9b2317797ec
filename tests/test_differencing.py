"""No differencing, ever (SPEC §6): the two attacks of issue 12, and the property behind them.

Practices used (k = 11; every client comes twice a month, on the 5th and the 19th, attends, and
rates the alliance 32/40 → 80):
  TWO_THERAPISTS: T1 with 12 clients and T2 with 12, January–April 2026.
The attacker holds every export — of the practice and of each therapist — made at any time, and
subtracts: n₂·mean₂ − n₁·mean₁ between two releases of one cell, and the practice's cell minus
the sum of any of its therapists' cells for the same period and measure.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_metrics import anonymise, ledger
from alliance_metrics.anonymise import MEASURES, TOTAL, SupervisorView, prepare_release, supervisor_view
from alliance_metrics.pseudonym import PracticeSecret, pseudonym
from alliance_metrics.store import Store
from alliance_metrics.supervisor_file import export_json, loads_export
from tests.conftest import insert_sessions

SECRET = PracticeSecret(bytes(range(32)))
K = 11


@pytest.fixture(autouse=True)
def _no_home_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ALLIANCE_SECRET_FILE", str(tmp_path / "practice.key"))


def visits(client: str, therapist: str, months: range, alliance: float = 32, status: str = "attended",
           prefix: str = "") -> list[dict]:
    """Two sessions a month (the 5th and the 19th) of one client in 2026."""
    return [dict(session_id=f"{prefix}{client}-{month}-{day}", client_id=client, therapist_id=therapist,
                 scheduled_start=datetime(2026, month, day, 10), status=status,
                 alliance_rating=alliance if status == "attended" else None)
            for month in months for day in (5, 19)]


def two_therapists() -> list[dict]:
    rows = []
    for number in range(12):
        rows += visits(f"a{number}", "T1", range(1, 5)) + visits(f"b{number}", "T2", range(1, 5))
    return rows


def practice(rows: list[dict]) -> Store:
    store = Store(":memory:")
    insert_sessions(store, rows)
    return store


def export(store: Store, as_of: date, therapist_id: str | None = None) -> SupervisorView:
    """What the supervisor receives: the export file, read back."""
    view = supervisor_view(store, k=K, as_of=as_of, therapist_id=therapist_id, secret=SECRET, granularity="month")
    return loads_export(export_json(view))


def scope_cells(view: SupervisorView) -> dict[tuple[str, str], tuple]:
    """(period, measure) → (n_clients, mean) of the view's own scope, shown cells of ≥ 1 client."""
    return {(r.period, r.measure): (int(r.n_clients), r.mean) for r in view.trends.itertuples()
            if not r.suppressed and not pd.isna(r.n_clients) and r.n_clients > 0}


def isolated(n_before: int, n_after: int) -> bool:
    """Whether a difference of two counts singles out 1 … k−1 clients."""
    return 0 < abs(n_after - n_before) < K


# -- attack 1: a client entered late for closed months, and the same day's re-export --------------

def test_a_late_client_in_closed_months_changes_no_released_figure():
    store = practice(two_therapists())
    as_of = date(2026, 5, 20)
    first = export(store, as_of)
    # one client, twelve sessions in January–March (closed months), entered late
    late = [dict(session_id=f"late-{month}-{day}", client_id="late", therapist_id="T1",
                 scheduled_start=datetime(2026, month, day, 16), status="attended", alliance_rating=17)
            for month in (1, 2, 3) for day in (5, 12, 19, 26)]
    insert_sessions(store, late)
    second = export(store, as_of)
    for name, table in first.tables().items():
        pd.testing.assert_frame_equal(table, getattr(second, name), obj=name)
    # so n₂·mean₂ − n₁·mean₁ is 0 for every cell: nobody is singled out
    for key, (n, mean) in scope_cells(first).items():
        n2, mean2 = scope_cells(second)[key]
        assert (n2, mean2) == (n, mean)
    # the attack works on a store without the ledger's memory (a fresh practice with the late
    # client): January's alliance would be (24·80 + 1·42.5)/25 — it differs by exactly one client
    control = export(practice(two_therapists() + late), as_of)
    n, mean = scope_cells(control)["2026-01", "alliance"]
    assert n == 25 and mean == round((24 * 80 + 17 / 40 * 100) / 25, 2)   # 78.5
    assert isolated(scope_cells(first)["2026-01", "alliance"][0], n)


def test_an_erased_client_reopens_no_released_figure():
    store = practice(two_therapists())
    before = export(store, date(2026, 5, 20))
    with store.transaction() as cursor:
        cursor.execute("delete from sessions where client_id = 'a0'")
    after = export(store, date(2026, 5, 20))
    pd.testing.assert_frame_equal(before.trends, after.trends)
    pd.testing.assert_frame_equal(before.therapists, after.therapists)


# -- a release computed ahead (the dashboard does, before its first visitor) ---------------------

LATE = [dict(session_id=f"late-{month}-{day}", client_id="late", therapist_id="T1",
             scheduled_start=datetime(2026, month, day, 16), status="attended", alliance_rating=17)
        for month in (1, 2, 3) for day in (5, 12, 19, 26)]


def ledger_rows(store: Store) -> pd.DataFrame:
    return store.query("select table_name, period, scope, row_key, figures from release_ledger order by all")


def test_a_release_computed_ahead_writes_nothing_and_is_what_the_first_view_writes(monkeypatch):
    ahead, control = practice(two_therapists()), practice(two_therapists())
    as_of = date(2026, 5, 20)
    prepare_release(ahead, as_of)
    assert ledger_rows(ahead).empty                     # nothing is frozen before a view asks
    computed = []
    real = anonymise._period_tables
    monkeypatch.setattr(anonymise, "_period_tables", lambda *args: computed.append(args[1]) or real(*args))
    export(ahead, as_of)
    assert computed == []                               # the view only wrote what was computed ahead
    export(control, as_of)
    assert computed == ["2026-01", "2026-02", "2026-03", "2026-04"]   # computed by the view itself
    written = ledger_rows(ahead)
    assert len(written) and written.equals(ledger_rows(control))


def test_sessions_entered_after_a_release_was_computed_ahead_are_in_it():
    store = practice(two_therapists())
    as_of = date(2026, 5, 20)
    prepare_release(store, as_of)
    insert_sessions(store, LATE)                        # before any view: the release is not frozen yet
    n, mean = scope_cells(export(store, as_of))["2026-01", "alliance"]
    assert (n, mean) == (25, 78.5)                      # (24 · 80 + 1 · 42.5) / 25, the late client in


def test_the_view_made_ahead_is_the_pages_view_and_equals_one_made_from_the_ledger(monkeypatch):
    ahead, control = practice(two_therapists()), practice(two_therapists())
    as_of = date(2026, 5, 20)
    prepared = prepare_release(ahead, as_of)
    reads = []
    real = ledger.released
    monkeypatch.setattr(ledger, "released", lambda *args, **kwargs: reads.append(args[1]) or real(*args, **kwargs))
    made_ahead = supervisor_view(ahead, as_of=as_of)   # as the supervisor page asks: the practice's settings
    assert made_ahead is prepared and reads == []       # it read nothing back: it was made ahead
    from_ledger = supervisor_view(control, as_of=as_of)
    assert reads                                         # the control's was read from its ledger
    assert export_json(made_ahead) == export_json(from_ledger)


def test_a_period_frozen_by_another_view_meanwhile_is_shown_as_that_view_froze_it(monkeypatch):
    store = practice(two_therapists())
    as_of = date(2026, 5, 20)
    prepare_release(store, as_of)
    other = pd.DataFrame({"table_name": ["scores"], "period": ["2026-01"], "scope": ["practice"],
                          "row_key": ["alliance"], "figures": ['{"measure": "alliance", "n_clients": 24, '
                                                                '"mean": 12.5, "median": 12.5, "suppressed": false}']})
    real = ledger.record_rows

    def another_view_first(store, rows):   # it froze January's scores between this view's reading and writing
        real(store, other)
        return real(store, rows)

    monkeypatch.setattr(ledger, "record_rows", another_view_first)
    view = supervisor_view(store, as_of=as_of)
    january = view.trends[(view.trends.period == "2026-01") & (view.trends.measure == "alliance")]
    assert january[["n_clients", "mean"]].values.tolist() == [[24, 12.5]]   # the ledger's, not the one made ahead


# -- attack 2: a client under a new therapist; the practice minus its therapists ----------------

def practice_minus_therapists(views: list[SupervisorView]) -> list[tuple]:
    """Every (period, measure, practice n − a subset of therapists' n) an attacker can form that
    isolates 1 … k−1 clients."""
    practice_view = next(v for v in views if v.sources[0].scope == "All therapists")
    therapist_views = [v for v in views if v.sources[0].scope != "All therapists"]
    leaks = []
    for key, (n_practice, _) in scope_cells(practice_view).items():
        shown = [scope_cells(v)[key][0] for v in therapist_views if key in scope_cells(v)]
        # and the practice export's own therapist table, for the latest period
        for size in range(1, len(shown) + 1):
            for subset in itertools.combinations(shown, size):
                if 0 < n_practice - sum(subset) < K:
                    leaks.append((*key, n_practice - sum(subset)))
    return leaks


def test_a_client_under_a_new_therapist_is_not_the_practice_minus_its_therapists():
    store = practice(two_therapists())
    early = [export(store, date(2026, 3, 10)), export(store, date(2026, 3, 10), "T1"),
             export(store, date(2026, 3, 10), "T2")]
    # a new therapist's one client, in March–April (closing after the first exports) and, late, in January
    insert_sessions(store, visits("solo", "T3", range(1, 5), alliance=10))
    later = [export(store, date(2026, 5, 20), therapist) for therapist in (None, "T1", "T2", "T3")]
    assert practice_minus_therapists(early + later) == []
    assert practice_minus_therapists(later) == []
    # March: practice 25 clients; T3's one is hidden, and T1 or T2 with it (25 − 12 − 12 = 1)
    by_scope = {v.sources[0].scope: scope_cells(v) for v in later}
    assert by_scope["All therapists"]["2026-03", "alliance"][0] == 25
    assert ("2026-03", "alliance") not in by_scope[pseudonym("T3", SECRET)]
    shown_therapists = [by_scope[pseudonym(t, SECRET)].get(("2026-03", "alliance")) for t in ("T1", "T2")]
    assert shown_therapists.count(None) >= 1
    # January was released before T3's client was entered: it stands, and T3 has no figure for it
    assert by_scope["All therapists"]["2026-01", "alliance"][0] == 24
    # the practice export's therapist table (April) obeys the same rule
    table = later[0].therapists[later[0].therapists.measure == "alliance"]
    total = int(table[table.therapist == TOTAL].n_clients.iloc[0])
    parts = table[(table.therapist != TOTAL) & ~table.suppressed].n_clients.astype(int).tolist()
    assert total - sum(parts) == 0 or total - sum(parts) >= K


def test_without_the_partition_rule_the_check_finds_the_leak():
    """The check above can fail: T1 and T2 shown next to a practice that holds T3's one client."""
    fake = export(practice(two_therapists() + visits("solo", "T3", range(1, 5))), date(2026, 5, 20))
    honest_t1 = export(practice(two_therapists()), date(2026, 5, 20), "T1")
    honest_t2 = export(practice(two_therapists()), date(2026, 5, 20), "T2")
    assert ("2026-03", "alliance", 1) in practice_minus_therapists([fake, honest_t1, honest_t2])


# -- the property: random practices, random late entries, erasures and scoped exports ----------------

@st.composite
def histories(draw):
    """A random practice (January–June 2026) and a random sequence of late entries, erasures and
    exports of the practice or of one therapist, at non-decreasing months."""
    n_therapists = draw(st.integers(1, 3))
    therapists = [f"T{number}" for number in range(n_therapists)]
    clients = []
    for number in range(draw(st.integers(8, 30))):
        first = draw(st.integers(1, 6))
        last = draw(st.integers(first, 6))
        clients.append((f"c{number}", draw(st.sampled_from(therapists)), first, last,
                        draw(st.sampled_from([20, 28, 32, 36, 40])), draw(st.sampled_from(["attended", "no_show"]))))
    steps, month = [], 2
    for number in range(draw(st.integers(2, 6))):
        month = draw(st.integers(month, 7))
        kind = draw(st.sampled_from(["export", "export", "late", "erase"]))
        if kind == "export":
            steps.append(("export", month, draw(st.sampled_from([None, *therapists, "T9"]))))
        elif kind == "late":
            first = draw(st.integers(1, 6))
            steps.append(("late", f"late{number}", draw(st.sampled_from([*therapists, "T9"])), first,
                          draw(st.integers(first, 6)), draw(st.sampled_from([0, 40]))))
        else:
            steps.append(("erase", draw(st.sampled_from([c[0] for c in clients]))))
    steps.append(("export", 7, None))
    return clients, steps


def released_cells(view: SupervisorView) -> dict[tuple, tuple]:
    """(scope, table, period or therapist, measure) → released figures, for every shown cell."""
    scope = view.sources[0].scope
    cells = {(scope, "trends", r.period, r.measure): (int(r.n_clients), r.mean, r.median)
             for r in view.trends.itertuples() if not r.suppressed and not pd.isna(r.n_clients) and r.n_clients}
    cells |= {(scope, "caseload", r.period, r.measure): (int(r.n_clients),)
              for r in view.caseload.itertuples() if not r.suppressed and not pd.isna(r.n_clients)}
    cells |= {(scope if r.therapist == TOTAL else r.therapist, "trends", view.last_period, r.measure):
              (int(r.n_clients), r.mean, r.median)
              for r in view.therapists.itertuples() if not r.suppressed and not pd.isna(r.n_clients) and r.n_clients}
    return cells


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_no_released_difference_isolates_fewer_than_k_clients(history):
    clients, steps = history
    store = Store(":memory:")
    rows = []
    for client, therapist, first, last, alliance, status in clients:
        rows += visits(client, therapist, range(first, last + 1), alliance=alliance)
        rows += visits(client, therapist, range(last, last + 1), status=status, prefix="m")[:1]
    insert_sessions(store, rows)
    known = {client[1] for client in clients}
    released: dict[tuple, tuple] = {}
    try:
        for step in steps:
            if step[0] == "late":
                _, client, therapist, first, last, alliance = step
                insert_sessions(store, visits(client, therapist, range(first, last + 1), alliance=alliance))
                known.add(therapist)
            elif step[0] == "erase":
                with store.transaction() as cursor:
                    cursor.execute("delete from sessions where client_id = $c", {"c": step[1]})
            elif step[2] is None or step[2] in known:
                view = export(store, date(2026, step[1], 15), step[2])
                for key, figures in released_cells(view).items():
                    # a later release of the same cell is the same figure: their difference is 0
                    assert released.setdefault(key, figures) == figures, key
    finally:
        store.close()
    # the practice minus any of its therapists, for every period and measure released by both
    practice_scope = "All therapists"
    therapist_scopes = {key[0] for key in released} - {practice_scope}
    for (scope, table, period, measure), figures in released.items():
        if scope != practice_scope:
            continue
        parts = [released[(t, table, period, measure)][0] for t in sorted(therapist_scopes)
                 if (t, table, period, measure) in released]
        for size in range(1, len(parts) + 1):
            for subset in itertools.combinations(parts, size):
                remainder = figures[0] - sum(subset)
                assert remainder == 0 or remainder >= K, (period, measure, figures[0], subset)
    assert set(measure for *_, measure in released) <= {*MEASURES, "active", "new", "ended", "dropped_out"}
