"""The command line speaks the chosen language: --help, argparse's own words, its messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alliance_metrics.cli import main
from alliance_metrics.i18n import current_language, use_language

ROOT = Path(__file__).resolve().parent.parent


def run_help(language_env: dict) -> subprocess.CompletedProcess:
    """`python -m alliance_metrics --help` as a user runs it, in a clean environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "COLUMNS": "200", **language_env}   # one line each
    return subprocess.run([sys.executable, "-m", "alliance_metrics", "--help"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_help_is_french_under_alliance_lang_fr():
    result = run_help({"ALLIANCE_LANG": "fr"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("usage : python -m alliance_metrics")            # argparse's own word
    assert "arguments positionnels" in out and "afficher ce message d'aide et quitter" in out
    assert "importer un journal de séances (et un fichier clients) dans la base" in out
    assert "afficher une ligne d'indicateurs par client" in out
    for english in ("usage:", "show this help", "import a session log", "print one row", "SPEC"):
        assert english not in out, english


def test_help_is_english_by_default_and_names_no_spec():
    out = run_help({"LANG": "C.UTF-8"}).stdout
    assert out.startswith("usage: python -m alliance_metrics")
    assert "import a session log (and clients file) into the database" in out
    assert "SPEC" not in out


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")   # argparse wraps help to the terminal: one line each


def subcommand_help(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", ["demo", "import", "scores", "supervisor-export", "erase", "backup",
                                     "restore", "audit"])
def test_every_command_help_is_french_and_says_no_spec(command, capsys, monkeypatch):
    monkeypatch.setenv("ALLIANCE_LANG", "fr")
    out = subcommand_help(command, capsys)
    assert out.startswith("usage : ") and "options:" in out and "afficher ce message d'aide" in out
    assert "SPEC" not in out and "the database file" not in out


def test_the_system_locale_decides_when_alliance_lang_is_unset(capsys, monkeypatch):
    monkeypatch.delenv("ALLIANCE_LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert subcommand_help("backup", capsys).startswith("usage : ")
    monkeypatch.setenv("ALLIANCE_LANG", "en")                               # ALLIANCE_LANG wins
    assert subcommand_help("backup", capsys).startswith("usage: ")


def test_usage_errors_in_french(capsys, monkeypatch):
    monkeypatch.setenv("ALLIANCE_LANG", "fr")
    with pytest.raises(SystemExit) as exited:
        main(["scores", "--since", "2026-13-01"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "erreur : argument --since : une date AAAA-MM-JJ est attendue ; vous avez donné '2026-13-01'" in err


def test_a_rejected_import_is_reported_in_french(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ALLIANCE_LANG", "fr")
    log = tmp_path / "journal.csv"
    log.write_text("client_id,scheduled_start,status,goal_rating\n"
                   "zed,2026-03-02 14:00,attended,7\n"
                   "zed,2026-03-09 14:00,attended,14\n"
                   "zed,2026-03-16 14:00,attended,15\n", encoding="utf-8")
    headerless = tmp_path / "sans-statut.csv"
    headerless.write_text("client,when\nzed,2026-03-02\n", encoding="utf-8")
    problems = tmp_path / "problemes.csv"
    status = main(["import", str(log), "--db", str(tmp_path / "a.duckdb"), "--problems", str(problems)])
    assert status == 1
    err = capsys.readouterr().err
    assert "journal.csv : rien n'a été importé ; 2 problèmes à corriger, par colonne et par raison :" in err
    assert ("goal_rating : 2 lignes (lignes 3, 4), p. ex. '14' — goal_rating doit être un nombre de 0 à 10 "
            "[out_of_range]") in err                                    # the reason from problems.py
    assert f"Chaque problème, ligne par ligne : {problems}" in err
    # the problems file is a French spreadsheet CSV: BOM, semicolons
    text = problems.read_text("utf-8")
    assert text.startswith("\ufeff") and ";" in text.splitlines()[0]
    assert main(["import", str(headerless), "--db", str(tmp_path / "a.duckdb")]) == 1
    err = capsys.readouterr().err
    assert "Le journal de séances doit avoir une colonne status, et aucun de ses en-têtes n'en est une." in err
    assert "must" not in err and "Headers found" not in err


def test_main_leaves_the_callers_language_as_it_was(monkeypatch, capsys):
    monkeypatch.setenv("ALLIANCE_LANG", "fr")
    with use_language("en"):
        with pytest.raises(SystemExit):
            main(["audit", "--help"])
        assert current_language() == "en"
    assert capsys.readouterr().out.startswith("usage : ")    # ALLIANCE_LANG decides inside main
