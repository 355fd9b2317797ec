"""pyproject.toml installs the library with an ``alliance`` command (`pip install -e .`).

Building a wheel needs the package index, so the test checks what the build reads instead: the
console script names a callable that runs the command line, the dependencies are exactly the
pinned requirements, and every file the library loads at run time (the SQL, and any data file
added later) is declared package data.
"""

from __future__ import annotations

import importlib
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def test_the_alliance_command_runs_the_command_line(capsys):
    module, _, name = PROJECT["project"]["scripts"]["alliance"].partition(":")
    entry = getattr(importlib.import_module(module), name)
    try:
        entry(["--help"])
    except SystemExit as done:  # argparse exits 0 after printing the help
        assert done.code == 0
    assert "supervisor-export" in capsys.readouterr().out


def test_dependencies_are_the_pinned_requirements():
    dynamic = PROJECT["tool"]["setuptools"]["dynamic"]["dependencies"]["file"]
    assert dynamic == ["requirements.txt"]
    lines = (ROOT / "requirements.txt").read_text("utf-8").splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith("#")]
    assert pins and all("==" in pin for pin in pins)


def test_every_sql_file_is_package_data():
    patterns = PROJECT["tool"]["setuptools"]["package-data"]["alliance_metrics.sql"]
    files = sorted((ROOT / "alliance_metrics" / "sql").glob("*"))
    loaded = [f.name for f in files if f.suffix == ".sql"]
    assert loaded, "the library loads its SQL from alliance_metrics/sql/"
    assert all(any(fnmatch(name, p) for p in patterns) for name in loaded)
    assert (ROOT / "alliance_metrics" / "sql" / "__init__.py").exists()  # a package, so found


def test_every_data_file_of_the_library_is_package_data():
    declared = PROJECT["tool"]["setuptools"]["package-data"]
    for path in (ROOT / "alliance_metrics").rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(ROOT).parts)
        assert any(fnmatch(path.name, pattern) for pattern in declared.get(package, [])), (
            f"{path.relative_to(ROOT)} would be missing from an installed alliance_metrics: declare it "
            "in [tool.setuptools.package-data] of pyproject.toml")
