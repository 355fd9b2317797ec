"""Issue 4's checks on the committed demo practice, read through the importer and the store:
the alliance–progress link beside the meta-analytic reference, and the stalled clients flagged."""

from __future__ import annotations

import pytest

from alliance_metrics.caseload import client_table, expected_progress
from alliance_metrics.demo import generate_practice
from alliance_metrics.inventory import load_demo_if_empty
from alliance_metrics.relations import FLUCKIGER_2018, between_clients


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from alliance_metrics.store import Store
    store = Store(tmp_path_factory.mktemp("demo") / "alliance.duckdb")
    assert load_demo_if_empty(store)
    yield store
    store.close()


def test_alliance_progress_link_is_reported_with_its_interval_beside_the_reference(demo_store):
    relation = between_clients(client_table(demo_store), "alliance", "progress_points")
    assert relation.n_clients == 60
    assert relation.ci_low < relation.estimate < relation.ci_high
    # the generator built in the meta-analytic effect: the interval is consistent with it
    assert relation.ci_low < FLUCKIGER_2018.r < relation.ci_high
    assert abs(relation.estimate - FLUCKIGER_2018.r) < 0.1
    assert "95 % CI" in relation.reading


def test_the_clients_made_to_stall_are_flagged_off_track(demo_store):
    stalled = generate_practice().stalled
    flags = expected_progress(demo_store).off_track.set_index("client_id")
    assert flags.loc[sorted(stalled), "off_track"].all()
    assert set(flags.index[flags.off_track]) == set(stalled)   # and nobody else, at this seed
