"""The library's house rules, checked on its source: no Streamlit, SQL in one place, docstrings.

- ``alliance_metrics`` never imports Streamlit (the app and the pages do): checked on the source
  and by importing every module in a fresh interpreter.
- SQL lives in ``alliance_metrics/sql/``. The modules that still write SQL inline are listed in
  ``INLINE_SQL``, a list that can only shrink: the test fails when an unlisted module writes SQL,
  and when a listed one no longer does (then strike it off).
- Every module says what it is for in a docstring, and the README's Development section names it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "alliance_metrics"
MODULES = sorted(LIBRARY.rglob("*.py"))
#: The modules outside ``alliance_metrics/sql/`` whose SQL is still inline. Only ever remove names.
INLINE_SQL = {"backup", "cli", "erasure", "ingest", "preview", "store", "undo"}

#: The start of an SQL statement, in the lower case the library writes SQL in, at a line start.
SQL_STATEMENT = re.compile(
    r"^\s*(select\s.+|insert\s+into|delete\s+from|update\s+\w+\s+set|merge\s+into"
    r"|create\s+(or\s+replace\s+)?(temp\w*\s+)?(table|view|macro|index|sequence|schema)"
    r"|drop\s+(table|view|macro|index|sequence|schema)|alter\s+table|with\s+\w+\s+as\s*\("
    r"|(begin|commit|rollback|checkpoint|vacuum)\s*;?\s*$|attach\s|detach\s|copy\s|pragma\s"
    r"|(export|import)\s+database)",
    re.MULTILINE,
)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string nodes that are docstrings (of the module, a class or a function)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def strings(tree: ast.Module) -> list[str]:
    """Every string literal but docstrings; an f-string with ``x`` for each of its fields."""
    skip, found = docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append("".join(part.value if isinstance(part, ast.Constant) else "x" for part in node.values))
            skip.update(id(part) for part in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found.append(node.value)
    return found


def inline_sql(path: Path) -> list[str]:
    """The string literals of a module that are SQL."""
    return [text for text in strings(ast.parse(path.read_text("utf-8"))) if SQL_STATEMENT.search(text)]


def test_the_detector_sees_sql_and_not_prose():
    assert SQL_STATEMENT.search("select count(*) from sessions")
    assert SQL_STATEMENT.search("\n  insert into audit_log values ($seq)")
    assert SQL_STATEMENT.search("delete from x")                     # an f-string's shape
    assert SQL_STATEMENT.search("checkpoint")
    assert not SQL_STATEMENT.search("Select a file to import, then press Import.")
    assert not SQL_STATEMENT.search("The import was refused: update the file and try again.")
    tree = ast.parse('"""select * from a docstring"""\nq = f"delete from {table}"\n')
    assert [s for s in strings(tree) if SQL_STATEMENT.search(s)] == ["delete from x"]


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_the_library_never_imports_streamlit(path):
    tree = ast.parse(path.read_text("utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split(".")[0] == "streamlit"}, path.name


def test_importing_the_whole_library_loads_no_streamlit():
    names = [module_name(path) for path in MODULES if path.name != "__main__.py"]
    code = f"import sys\nfor name in {names!r}: __import__(name)\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("path", [path for path in MODULES if path.parent == LIBRARY], ids=module_name)
def test_sql_is_inline_only_in_the_listed_modules(path):
    found = inline_sql(path)
    if path.stem in INLINE_SQL:
        assert found, (f"{path.name} has no inline SQL any more: remove {path.stem!r} from INLINE_SQL "
                       "in tests/test_library_rules.py.")
    else:
        assert not found, (f"{path.name} writes SQL inline ({found[0].strip()[:60]!r}…); put it in a file "
                           "of alliance_metrics/sql/ and load it with alliance_metrics.sql.load().")


def test_the_allow_list_names_existing_modules():
    assert INLINE_SQL <= {path.stem for path in MODULES if path.parent == LIBRARY}


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_each_module_says_what_it_is_for(path):
    docstring = ast.get_docstring(ast.parse(path.read_text("utf-8")))
    assert docstring and docstring.strip(), f"{path.relative_to(ROOT)} has no docstring"


def test_the_readme_names_every_module_of_the_library():
    readme = (ROOT / "README.md").read_text("utf-8")
    development = readme[readme.index("## Development"):]
    missing = [path.name for path in MODULES
               if path.parent == LIBRARY and not path.name.startswith("__") and f"`{path.name}`" not in development]
    assert not missing, f"README's Development section does not name {', '.join(missing)}"
