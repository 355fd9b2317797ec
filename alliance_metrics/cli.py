"""The command line (SPEC §5): a thin face over the library, as stable as a contract.

Exit status: 0 done, 1 input rejected (the report on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from alliance_metrics.store import Store, StoreError, database_path

DONE, REJECTED, USAGE = 0, 1, 2


class UsageError(Exception):
    """A wrong argument: reported on stderr with exit status 2."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD; you provided {text!r}") from None


def _open(args) -> Store:
    return Store(database_path(args.db))


def cmd_demo(args) -> int:
    from alliance_metrics.demo import generate_practice, write_practice

    sessions, clients = write_practice(generate_practice(), Path(args.out))
    print(f"Wrote the demo practice: {sessions} and {clients}.")
    print(f"Import it with: python -m alliance_metrics import {sessions} --clients {clients}")
    return DONE


def cmd_import(args) -> int:
    for path in (args.sessions, args.clients, args.mapping):
        if path is not None and not Path(path).is_file():
            raise UsageError(f"No such file: {path}. Give the path of an existing file.")
    from alliance_metrics.ingest import ImportRejected, import_files, read_mapping

    mapping = read_mapping(Path(args.mapping)) if args.mapping else None
    store = _open(args)
    try:
        reports = import_files(store, Path(args.sessions),
                               Path(args.clients) if args.clients else None, mapping=mapping)
    except ImportRejected as rejected:
        report = rejected.report
        count = sum(group.count for group in report.groups)
        print(f"{report.file_name}: nothing was imported; {count:,} problem{'s' * (count != 1)} "
              "to fix, by column and reason:", file=sys.stderr)
        for group in report.groups:
            print(f"  - {group.describe()}", file=sys.stderr)
        if args.problems:
            _write_problems(Path(args.problems), report)
            print(f"Every problem, line by line: {args.problems}", file=sys.stderr)
        else:
            print("To list every problem line by line, add --problems FILE (CSV).", file=sys.stderr)
        return REJECTED
    finally:
        store.close()
    for report in reports:
        for warning in report.warnings:
            print(f"warning: {report.file_name}: {warning}", file=sys.stderr)
        for note in report.notes:
            print(f"note: {report.file_name}: {note}", file=sys.stderr)
        print(f"{report.file_name}: {report.rows_read} {report.kind} rows read — "
              f"{report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged.")
    if args.problems:
        _write_problems(Path(args.problems), reports[-1])
    return DONE


def _write_problems(path: Path, report) -> None:
    """Every problem of *report*, one per line (line, column, value, reason), as safe CSV."""
    from alliance_metrics.export import to_csv

    path.write_text(to_csv(report.problems_frame()), encoding="utf-8")


def cmd_scores(args) -> int:
    from alliance_metrics.export import to_csv, to_json
    from alliance_metrics.scores import SCORE_COLUMNS, client_scores

    store = _open(args)
    try:
        table = client_scores(store, since=args.since, until=args.until)[list(SCORE_COLUMNS)]
    finally:
        store.close()
    sys.stdout.write(to_csv(table) if args.format == "csv" else to_json(table) + "\n")
    return DONE


def cmd_supervisor_export(args) -> int:
    from alliance_metrics.anonymise import supervisor_view
    from alliance_metrics.pseudonym import SecretFileError
    from alliance_metrics.supervisor_export import supervisor_report_html, write_export

    store = _open(args)
    try:
        view = supervisor_view(store, therapist_id=args.therapist, granularity=args.period)
    except SecretFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return REJECTED
    finally:
        store.close()
    written = write_export(view, Path(args.out))
    print(f"Wrote the anonymised aggregates ({view.first_period} to {view.last_period}, k = {view.k}) to {written}.")
    if args.html:
        Path(args.html).write_text(supervisor_report_html(view), encoding="utf-8")
        print(f"Wrote the HTML report to {args.html}.")
    return DONE


def parser() -> argparse.ArgumentParser:
    db_help = "the database file (default: $ALLIANCE_DB, else data/alliance.duckdb)"
    main = argparse.ArgumentParser(
        prog="python -m alliance_metrics",
        description="Alliance: therapeutic-alliance scores from session logs, in a local DuckDB file.",
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="write the demo practice's CSV files",
                               description="Write the seeded demo practice (3 therapists, 60 clients, "
                                           "a year of weekly sessions) as sessions.csv and clients.csv.")
    demo.add_argument("--out", default="data/demo", metavar="DIR",
                      help="folder to write into (default: data/demo)")
    demo.set_defaults(run=cmd_demo)

    load = commands.add_parser("import", help="import a session log (and clients file) into the database",
                               description="Import a session log (CSV, .xlsx or Parquet). All rows or "
                                           "none: any rejected row is reported on stderr with its line, "
                                           "column, value and reason, and nothing is written.")
    load.add_argument("sessions", metavar="SESSIONS", help="the session log file")
    load.add_argument("--clients", metavar="CLIENTS", help="the clients file (optional)")
    load.add_argument("--mapping", metavar="MAP.toml", help="a mapping of your headers and status labels (SPEC §3.3)")
    load.add_argument("--problems", metavar="FILE",
                      help="write every problem, line by line, to this CSV file (empty when none)")
    load.add_argument("--db", metavar="PATH", help=db_help)
    load.set_defaults(run=cmd_import)

    scores = commands.add_parser("scores", help="print one row of scores per client",
                                 description="Print one row per client: counts, the six scores and goal "
                                             "progress (SPEC §4). Undefined scores are empty in CSV and "
                                             "null in JSON.")
    scores.add_argument("--db", metavar="PATH", help=db_help)
    scores.add_argument("--since", type=_date, metavar="DATE", help="first day included (YYYY-MM-DD)")
    scores.add_argument("--until", type=_date, metavar="DATE", help="first day excluded (YYYY-MM-DD)")
    scores.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default: csv)")
    scores.set_defaults(run=cmd_scores)

    export = commands.add_parser(
        "supervisor-export", help="write the anonymised aggregates a supervisor may see",
        description="Write the supervisor's anonymised view (SPEC §6) as a file the dashboard's "
                    "'Open exports' page opens: aggregates of at least k clients (setting k_anonymity), "
                    "no client id, name, goal or exact date, therapists under HMAC pseudonyms keyed by "
                    "the practice secret ($ALLIANCE_SECRET_FILE, else ~/.config/alliance/practice.key).")
    export.add_argument("--db", metavar="PATH", help=db_help)
    export.add_argument("--out", required=True, metavar="FILE", help="the export file to write (JSON)")
    export.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    export.add_argument("--therapist", metavar="ID", help="only this therapist's caseload")
    export.add_argument("--period", choices=("auto", "month", "quarter"), default="auto",
                        help="months, quarters, or months unless a month is too small (default)")
    export.set_defaults(run=cmd_supervisor_export)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)   # exits 2 on a usage error, as argparse does
    try:
        return args.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE
    except (StoreError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return REJECTED
