"""The column catalogue is the one statement of each column: the importer and the data
dictionary agree with it (issue 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alliance_metrics.columns import CLIENT_COLUMNS, SESSION_COLUMNS
from alliance_metrics.ingest import ImportRejected, import_clients, import_sessions
from alliance_metrics.labels import HEADERS, REQUIRED

DICTIONARY = (Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md").read_text("utf-8")
STEP = {"whole": 1, "number": 0.5, "share": 0.5}


def documented(heading: str) -> list[tuple[str, str, str]]:
    """(column, range, required) of each row of the table under *heading*."""
    section = DICTIONARY.split(heading, 1)[1].split("\n## ", 1)[0]
    return [(name, bounds.strip(), required.strip()) for name, bounds, required in re.findall(
        r"^\| ([a-z_]+) \| [^|]+ \| ([^|]*) \| ([^|]*) \|", section, flags=re.MULTILINE)
        if name != "column"]


@pytest.mark.parametrize("heading, catalogue", [
    ("## Session log columns", SESSION_COLUMNS), ("## Clients file columns", CLIENT_COLUMNS)])
def test_the_data_dictionary_states_the_catalogue(heading, catalogue):
    assert documented(heading) == [(column.name, column.range_text, "yes" if column.required else "")
                                   for column in catalogue]


def test_header_matching_is_built_from_the_catalogue():
    assert HEADERS["sessions"] == {column.name: column.aliases for column in SESSION_COLUMNS}
    assert HEADERS["clients"] == {column.name: column.aliases for column in CLIENT_COLUMNS}
    assert REQUIRED["sessions"] == tuple(c.name for c in SESSION_COLUMNS if c.required)


BOUNDED = [(column, value, accepted)
           for column in SESSION_COLUMNS if column.minimum is not None
           for value, accepted in [(column.minimum, True), (column.minimum - STEP[column.type], False),
                                   *([(column.maximum, True), (column.maximum + STEP[column.type], False)]
                                     if column.maximum is not None else [])]]


@pytest.mark.parametrize("column, value, accepted", BOUNDED,
                         ids=[f"{c.name}={v:g}" for c, v, _ in BOUNDED])
def test_the_importer_accepts_each_range_and_nothing_beyond(store, tmp_path, column, value, accepted):
    path = tmp_path / "log.csv"
    path.write_text(f"client_id,scheduled_start,status,{column.name}\n"
                    f"C1,2026-03-02 14:00,attended,{value:g}\n", encoding="utf-8")
    if accepted:
        assert import_sessions(store, path).inserted == 1
    else:
        with pytest.raises(ImportRejected) as raised:
            import_sessions(store, path)
        [problem] = raised.value.report.problems
        assert problem.column == column.name


@pytest.mark.parametrize("column", [c for c in CLIENT_COLUMNS if c.minimum is not None],
                         ids=lambda c: c.name)
def test_clients_ranges(store, tmp_path, column):
    path = tmp_path / "clients.csv"
    path.write_text(f"client_id,{column.name}\nC1,{column.maximum:g}\nC2,{column.minimum:g}\n",
                    encoding="utf-8")
    assert import_clients(store, path).inserted == 2
    path.write_text(f"client_id,{column.name}\nC3,{column.maximum + 0.5:g}\n", encoding="utf-8")
    with pytest.raises(ImportRejected):
        import_clients(store, path)
