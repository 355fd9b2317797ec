"""The documentation is kept true by tests (as datasette's test_docs.py does)."""

from __future__ import annotations

import re
from pathlib import Path

from alliance_metrics.cli import parser
from alliance_metrics.score_queries import client_scores, session_facts
from alliance_metrics.scores import SCORE_COLUMNS
from alliance_metrics.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
DICTIONARY = (ROOT / "docs" / "data-dictionary.md").read_text("utf-8")


def documented_columns(heading: str) -> list[str]:
    """The first cell of each row of the table under *heading* in the data dictionary."""
    section = DICTIONARY.split(heading, 1)[1].split("\n## ", 1)[0]
    return [name for name in re.findall(r"^\| ([a-z_0-9]+) \|", section, flags=re.MULTILINE) if name != "column"]


def test_score_columns_are_documented_in_order(store):
    produced = list(client_scores(store).columns)
    assert documented_columns("## Scores per client") == produced
    assert produced[: len(SCORE_COLUMNS)] == list(SCORE_COLUMNS)


def test_session_fact_columns_are_documented_in_order(store):
    everything = store.query("select * from session_facts(5, 24, 7)")   # what the SQL produces
    assert documented_columns("## Sessions with their facts") == list(everything.columns)
    assert list(session_facts(store).columns) == list(everything.columns)


def test_every_setting_is_documented_in_the_readme():
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", README, flags=re.MULTILINE))
    for setting in SETTINGS:
        assert setting.name in rows, f"README's settings table lacks {setting.name}"
        if setting.name == "timezone":   # its default is the machine's own zone
            assert rows[setting.name].strip() == "this machine's", setting.name
        elif setting.is_text:
            assert rows[setting.name].strip() == (setting.default or "unset"), setting.name
        else:
            assert rows[setting.name].strip() == f"{setting.default:g}", setting.name


def test_every_command_is_documented_in_the_readme():
    commands = parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"python -m alliance_metrics {name}" in README, name


def test_the_french_data_dictionary_lists_the_same_columns_section_by_section():
    """docs/data-dictionary.fr.md translates the English page: the same sections, in the same order,
    each table with the same first-column names (the code's column names, kept in English)."""
    def tables(text: str) -> list[list[str]]:
        sections = text.split("\n## ")[1:]
        return [re.findall(r"^\| ([a-z_0-9, ]+?) \|", section, flags=re.MULTILINE) for section in sections]

    french = (ROOT / "docs" / "data-dictionary.fr.md").read_text("utf-8")
    english, translated = tables(DICTIONARY), tables(french)
    assert len(translated) == len(english)
    for ours, theirs in zip(translated, english):
        assert [name for name in ours if name not in ("colonne", "code")] == \
            [name for name in theirs if name not in ("column", "code")]
    assert "SPEC" not in french
