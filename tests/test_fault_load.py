"""Fault test 3: load. Eight browser tabs keep reading pages while a 10,000-session import runs
through the Import page of the same server: no reader sees an error, and once the import is done
the figures the pages show equal what `scores` prints. Prints its counts (the reliability table
in docs/reliability.md quotes the last run)."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest

from alliance_metrics.ingest import import_sessions
from alliance_metrics.store import Store
from tests.browser import CHROMIUM, SCRIPT_FINISHED, VIEWPORT, chromium, running_app, wait_until_finished
from tests.test_cli import cli

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no {CHROMIUM}: apt-get install chromium (the Makefile does)"),
]
READERS = 8
READ_PAGES = ("your_data", "client", "settings")
SESSIONS, CLIENTS = 10_000, 40
METRIC = '[data-testid="stMetric"]'


def write_log(path, sessions: int, first_month: int) -> None:
    """*sessions* sessions of CLIENTS clients, one a day from *first_month* of 2025; every seventh
    a no-show, every eleventh a late cancellation (so attendance differs between clients)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["session_id", "client_id", "scheduled_start", "status", "alliance_rating"])
        for number in range(sessions):
            status = "no_show" if number % 7 == 0 else "late_cancel" if number % 11 == 0 else "attended"
            day = number // CLIENTS
            writer.writerow([f"m{first_month}-{number}", f"C{number % CLIENTS:02d}",
                             f"2025-{first_month:02d}-01 08:00:00" if day == 0 else
                             f"{2025 + (first_month - 1 + day // 28) // 12}-"
                             f"{(first_month - 1 + day // 28) % 12 + 1:02d}-{day % 28 + 1:02d} "
                             f"{8 + number % 10:02d}:00:00",
                             status, "" if status != "attended" else 20 + number % 21])


def metrics(tab) -> dict[str, str]:
    """The page's st.metric values by label."""
    shown = {}
    for text in tab.locator(METRIC).all_inner_texts():
        label, _, value = text.strip().partition("\n")
        shown[label.strip()] = value.strip().split("\n")[0]
    return shown


def problems(tab) -> list[str]:
    """Exceptions and crash alerts the tab shows."""
    found = [f"exception: {text[:200]}" for text in tab.locator('[data-testid="stException"]').all_inner_texts()]
    found += [f"alert: {text[:200]}" for text in tab.locator(".stAlert").all_inner_texts()
              if re.search(r"Traceback|Error:|ResourceInUse|connection", text)]
    return found


def test_eight_readers_during_an_import_through_the_page(tmp_path, capsys):
    database = tmp_path / "alliance.duckdb"
    write_log(tmp_path / "before.csv", 2_000, 1)
    write_log(tmp_path / "log.csv", SESSIONS, 3)
    store = Store(database)
    import_sessions(store, tmp_path / "before.csv")   # the practice's data (not the demo)
    store.close()

    visits, errors, during = 0, [], 0
    with running_app(database) as base_url, chromium() as browser:
        context = browser.new_context(viewport=VIEWPORT)
        importer = context.new_page()
        importer.goto(f"{base_url}/import_data", wait_until="domcontentloaded")
        wait_until_finished(importer)
        importer.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
            str(tmp_path / "log.csv"))
        button = importer.get_by_role("button", name="Import", exact=True)
        button.wait_for(state="visible")
        importer.wait_for_function("b => !b.disabled", arg=button.element_handle(), timeout=30_000)
        readers = [context.new_page() for _ in range(READERS)]

        started = time.monotonic()
        button.click()
        importer.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', timeout=10_000)
        round_number = 0
        while True:
            importing = importer.locator(SCRIPT_FINISHED).count() == 0
            for number, tab in enumerate(readers):
                tab.goto(f"{base_url}/{READ_PAGES[(number + round_number) % len(READ_PAGES)]}",
                         wait_until="domcontentloaded")
            for tab in readers:
                wait_until_finished(tab, timeout_ms=120_000)
                errors += problems(tab)
                visits += 1
                during += importing
            round_number += 1
            if not importing:
                break
        wait_until_finished(importer, timeout_ms=180_000)
        import_seconds = time.monotonic() - started   # the import and the reads beside it
        shown = importer.locator('[data-testid="stMain"]').inner_text()
        assert re.search(rf"{SESSIONS:,} rows read — \d[\d,]* inserted", shown), shown[-2000:]

        tab = readers[0]
        tab.goto(f"{base_url}/your_data", wait_until="domcontentloaded")
        wait_until_finished(tab)
        tab.locator(METRIC).first.wait_for()
        held = metrics(tab)
        tab.goto(f"{base_url}/client", wait_until="domcontentloaded")
        wait_until_finished(tab)
        # the score read below, not merely a first metric: the page's first metrics can be on
        # screen while the rest of its run is still arriving
        tab.locator(METRIC).filter(has_text="Attendance").first.wait_for(timeout=60_000)
        first_client = tab.get_by_role("combobox", name="Client").input_value()
        client_metrics = metrics(tab)
        context.close()

    scores = list(csv.DictReader(io.StringIO(cli("scores", "--db", str(database)).stdout)))
    with capsys.disabled():
        print(f"\nload: {READERS} tabs, {visits} page reads ({during} while the import of {SESSIONS:,} "
              f"sessions ran through the Import page; {import_seconds:.1f} s for both), {len(errors)} errors")
    assert errors == []
    assert during >= READERS
    assert held["Clients"] == f"{len(scores)}"
    assert held["Sessions"] == f"{sum(int(row['sessions_scheduled']) for row in scores):,}"
    row = next(row for row in scores if row["client_id"] == first_client)
    assert client_metrics["Attendance"] == f"{float(row['attendance']):.0f}%"     # English: no space
