"""Files for people: CSV that is safe to open in a spreadsheet, and JSON with nulls for undefined.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula (CSV injection, OWASP). Text cells that begin so are prefixed
with an apostrophe; numbers stay numbers. Undefined values are empty cells in CSV and ``null``
in JSON — never 0.

CSV for people follows their language, so that their spreadsheet opens it in columns: English
writes ``,`` between cells and a decimal point; French writes ``;`` between cells and a decimal
comma, and starts with a UTF-8 byte-order mark (French Excel reads a file without one as
Windows-1252 and garbles accents).
"""

from __future__ import annotations

import os
from contextlib import closing

import duckdb
import pandas as pd

from alliance_metrics.i18n import current_language

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text value that a spreadsheet would run as a formula with an apostrophe.

    >>> neutralise('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* whose text cells cannot run as formulas; numeric columns untouched."""
    safe = frame.copy()
    for column in safe.columns:
        if _is_text(safe[column]):
            safe[column] = safe[column].map(neutralise, na_action="ignore")
    return safe


#: By language: (cell separator, decimal mark, text before the first line).
CSV_DIALECTS = {"en": (",", ".", ""), "fr": (";", ",", "\ufeff")}


def to_csv(frame: pd.DataFrame, language: str | None = None) -> str:
    r"""CSV text, safe to open in a spreadsheet; undefined values are empty cells.

    *language* (default: the current one) chooses the separators: ``en`` comma and decimal point,
    ``fr`` semicolon and decimal comma after a byte-order mark (encode the text as UTF-8).

    >>> frame = pd.DataFrame({"name": ["=1+1"], "attendance": [87.5]})
    >>> to_csv(frame, language="fr")
    "\ufeffname;attendance\n'=1+1;87,5\n"
    >>> to_csv(frame, language="en")
    "name,attendance\n'=1+1,87.5\n"
    """
    separator, decimal, start = CSV_DIALECTS[language or current_language()]
    return start + spreadsheet_safe(frame).to_csv(index=False, lineterminator="\n", sep=separator,
                                                  decimal=decimal)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write *frame* to the CSV file *path* as :func:`to_csv` would, through DuckDB's COPY.

    The same cells: text neutralised by the same rule (``sql/spreadsheet_safe.sql``), numbers as
    they are, undefined values empty, a header line, ``\n`` line ends. At 600,000 rows COPY takes
    a fraction of what pandas' ``to_csv`` with the Python neutralising pass takes (bench/scale.py).
    Fields holding a line break or a carriage return are quoted (pandas leaves a lone ``\r``
    unquoted, which breaks the row in some readers).
    """
    from alliance_metrics.sql import load

    cells = ", ".join(
        f"{'spreadsheet_safe(' + quoted + ')' if _is_text(frame[column]) else quoted} as {quoted}"
        for column in frame.columns for quoted in ['"' + str(column).replace('"', '""') + '"'])
    with closing(duckdb.connect()) as con:
        con.execute(load("spreadsheet_safe"))
        con.from_df(frame).project(cells).create_view("safe_frame")
        con.execute(load("write_csv"), {"path": str(path)})


def _is_text(column: pd.Series) -> bool:
    """What spreadsheet_safe neutralises: neither numbers nor date-times."""
    return not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_datetime64_any_dtype(column)


def to_json(frame: pd.DataFrame) -> str:
    """JSON records; undefined values are ``null``."""
    return frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=1)
