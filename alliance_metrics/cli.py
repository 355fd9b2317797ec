"""The command line (SPEC §5): a thin face over the library, as stable as a contract.

Exit status: 0 done, 1 input rejected (the report on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

from alliance_metrics import audit
from alliance_metrics.store import Store, StoreError, database_path

DONE, REJECTED, USAGE = 0, 1, 2


class UsageError(Exception):
    """A wrong argument: reported on stderr with exit status 2."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD; you provided {text!r}") from None


#: Characters a terminal would act on rather than show: C0 and C1 controls (escape sequences,
#: carriage return, backspace…) but the line feed and tab, and the bidirectional overrides.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    r"""*text* with every control character shown as its escape, so data cannot drive the terminal.

    >>> terminal_safe("C1\x1b[2J")
    'C1\\x1b[2J'
    """
    return CONTROL_CHARACTERS.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def say(text: str = "", *, error: bool = False) -> None:
    """Print *text* (data included) to stdout, or stderr, with its control characters neutralised."""
    print(terminal_safe(text), file=sys.stderr if error else sys.stdout)


def _open(args, *, create: bool = False, read_only: bool = False) -> Store:
    """The store of ``--db``; only the import command may create it (read-only commands never do).
    With *read_only*, DuckDB opens the file read-only: the command cannot write to it."""
    store = Store(database_path(args.db), create=create, read_only=read_only)
    for problem in store.setting_problems().values():
        say(f"warning: {problem}", error=True)
    return store


def _new_file_in_existing_folder(path: str) -> Path:
    if not Path(path).resolve().parent.is_dir():
        raise UsageError(f"The folder of {path} does not exist. Create it first, or give a path in an existing folder.")
    return Path(path)


def cmd_demo(args) -> int:
    from alliance_metrics.demo import generate_practice, write_practice

    sessions, clients = write_practice(generate_practice(), Path(args.out))
    say(f"Wrote the demo practice: {sessions} and {clients}.")
    say(f"Import it with: python -m alliance_metrics import {sessions} --clients {clients}")
    return DONE


def cmd_import(args) -> int:
    for path in (args.sessions, args.clients, args.mapping):
        if path is not None and not Path(path).is_file():
            raise UsageError(f"No such file: {path}. Give the path of an existing file.")
    from alliance_metrics.ingest import ImportRejected, import_files, read_mapping

    mapping = read_mapping(Path(args.mapping)) if args.mapping else None
    store = _open(args, create=True)
    try:
        reports = import_files(store, Path(args.sessions), Path(args.clients) if args.clients else None,
                               mapping=mapping, max_bytes=None)   # the upload limit is the browser's only
    except ImportRejected as rejected:
        report = rejected.report
        count = sum(group.count for group in report.groups)
        say(f"{report.file_name}: nothing was imported; {count:,} problem{'s' * (count != 1)} "
            "to fix, by column and reason:", error=True)
        for group in report.groups:
            say(f"  - {group.describe()}", error=True)
        if args.problems:
            _write_problems(Path(args.problems), report)
            say(f"Every problem, line by line: {args.problems}", error=True)
        else:
            say("To list every problem line by line, add --problems FILE (CSV).", error=True)
        return REJECTED
    finally:
        store.close()
    for report in reports:
        for warning in report.warnings:
            say(f"warning: {report.file_name}: {warning}", error=True)
        for note in report.notes:
            say(f"note: {report.file_name}: {note}", error=True)
        say(f"{report.file_name}: {report.rows_read} {report.kind} rows read — "
            f"{report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged.")
    if args.problems:
        _write_problems(Path(args.problems), reports[-1])
    return DONE


def _write_problems(path: Path, report) -> None:
    """Every problem of *report*, one per line (line, column, value, reason, code), as safe CSV."""
    from alliance_metrics.export import to_csv

    path.write_text(to_csv(report.problems_frame()), encoding="utf-8")


def cmd_scores(args) -> int:
    """The scores are read on a read-only opening and written to a file by DuckDB's COPY; the
    export is then audited on a short read-write opening (free: opening writes nothing else),
    and the file streamed to stdout with its control characters neutralised."""
    from alliance_metrics.export import to_json, write_csv
    from alliance_metrics.score_queries import client_scores
    from alliance_metrics.scores import SCORE_COLUMNS

    store = _open(args, read_only=True)
    try:
        table = client_scores(store, since=args.since, until=args.until)[list(SCORE_COLUMNS)]
    finally:
        store.close()
    with tempfile.TemporaryDirectory(prefix="alliance-scores-") as scratch:
        written = Path(scratch) / "scores"
        if args.format == "csv":
            write_csv(table, written)
        else:
            written.write_text(to_json(table) + "\n", encoding="utf-8")
        clients = len(table)
        del table
        recorder = Store(database_path(args.db), create=False)
        try:
            with recorder.transaction(totals="none") as cursor:
                audit.record(cursor, "export", kind="scores", clients=clients)
        finally:
            recorder.close()
        with written.open(encoding="utf-8", newline="") as text:
            while chunk := text.read(1 << 20):
                sys.stdout.write(terminal_safe(chunk))
    return DONE



def cmd_supervisor_export(args) -> int:
    from alliance_metrics.anonymise import supervisor_view
    from alliance_metrics.pseudonym import SecretFileError, practice_secret, secret_path
    from alliance_metrics.supervisor_file import write_export
    from alliance_metrics.supervisor_report import supervisor_report_html

    out = _new_file_in_existing_folder(args.out)
    html = _new_file_in_existing_folder(args.html) if args.html else None
    store = _open(args)
    try:
        if not store.scalar("select count(*) from sessions"):
            say(f"error: the database {store.path} holds no session: nothing to export. "
                "Import a session log first.", error=True)
            return REJECTED
        if not secret_path().exists():
            say(f"warning: there is no practice key file at {secret_path()}; a new key is made there, so "
                "every therapist pseudonym in this export differs from those of earlier exports. If the "
                "practice has a key file, stop, delete the new one and copy the practice's there (or set "
                "ALLIANCE_SECRET_FILE to its path).", error=True)
        view = supervisor_view(store, therapist_id=args.therapist, granularity=args.period,
                               secret=practice_secret())
        written = write_export(view, out)
        if html:
            html.write_text(supervisor_report_html(view), encoding="utf-8")
        with store.transaction(totals="none") as cursor:
            audit.record(cursor, "export", kind="supervisor_export", k=view.k)
    except SecretFileError as error:
        say(f"error: {error}", error=True)
        return REJECTED
    except OSError as error:
        say(f"error: cannot write {error.filename}: {error.strerror}. Give a file path in a folder you "
            "can write to.", error=True)
        return REJECTED
    finally:
        store.close()
    covered = (f"{view.first_period} to {view.last_period}, by {view.granularity}" if view.first_period
               else f"no closed {view.granularity} yet, so no figure")
    say(f"Wrote the anonymised aggregates ({covered}; k = {view.k}) to {written}.")
    if html:
        say(f"Wrote the HTML report to {html}.")
    return DONE


def cmd_erase(args) -> int:
    from alliance_metrics.erasure import client_holdings, erase_client
    from alliance_metrics.pseudonym import SecretFileError, secret_path

    store = _open(args)
    try:
        held = client_holdings(store, args.client_id)
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError("erase asks for confirmation: run it in a terminal, or pass --yes.")
            answer = input(terminal_safe(
                f"Erase client {args.client_id!r} ({held.get('sessions', 0)} session(s), "
                f"{held.get('clients', 0)} clients-file row(s)) for good? Type yes to confirm: "))
            if answer.strip().lower() != "yes":
                say("Nothing was erased.")
                return DONE
        if not secret_path().exists():
            say(f"warning: there is no practice key file at {secret_path()}; a new key is made there to "
                "remember the erased client (as a keyed hash, never the id) so that restoring an older "
                "backup erases them again. If the practice has a key file, copy it there (or set "
                "ALLIANCE_SECRET_FILE to its path) before erasing anyone else.", error=True)
        erasure = erase_client(store, args.client_id)
    except SecretFileError as error:
        say(f"error: {error} Nothing was erased.", error=True)
        return REJECTED
    finally:
        store.close()
    say(f"Erased client {args.client_id!r}: {erasure.sessions} session(s) and "
        f"{erasure.rows.get('clients', 0)} clients-file row(s); the database file was rewritten without them.")
    return DONE


def cmd_backup(args) -> int:
    from alliance_metrics.backup import backup

    target = _new_file_in_existing_folder(args.file)
    store = _open(args)
    try:
        counts = backup(store, target)
    finally:
        store.close()
    say(f"Backed up {counts.get('sessions', 0)} session(s) and {counts.get('clients', 0)} client(s) to {target}.")
    return DONE


def cmd_restore(args) -> int:
    from alliance_metrics.backup import restore

    database = database_path(args.db)
    counts = restore(args.file, database, force=args.force)
    say(f"Restored {counts['sessions']} session(s) and {counts['clients']} client(s) from {args.file} into {database}.")
    if counts["clients_erased_again"]:
        say(f"The backup held {counts['clients_erased_again']} client(s) erased since: erased again "
            f"{counts['clients_erased_again']} client(s), and the file was rewritten without them.")
    return DONE


def cmd_audit(args) -> int:
    store = _open(args, read_only=True)
    try:
        if args.verify:
            verdict = audit.verify(store)
            if not verdict.ok:
                say(f"The audit log FAILS its check: {verdict.reason}. It may have been altered; "
                    "compare with a backup.", error=True)
                return REJECTED
            say(f"The audit log is intact: {verdict.rows} row(s), every hash matches.")
            return DONE
        log = audit.entries(store)
    finally:
        store.close()
    say(log[["seq", "logged_at", "actor", "action", "details"]].to_string(index=False)
        if len(log) else "The audit log is empty.")
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
    export.add_argument("--period", choices=("auto", "month", "quarter", "half-year", "year"), default="auto",
                        help="the grain of periods; auto (default) pools months into quarters, half-years or a "
                             "year until most periods reach k clients. The practice's first export fixes it.")
    export.set_defaults(run=cmd_supervisor_export)

    erase = commands.add_parser(
        "erase", help="erase a client for good (right to erasure)",
        description="Delete every session, rating, payment and the clients-file row of one client, "
                    "then rewrite the database file so that none of their bytes remain. Audited "
                    "(counts only). Asks for confirmation unless --yes.")
    erase.add_argument("client_id", metavar="CLIENT_ID", help="the client's id, as in the session log")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.add_argument("--db", metavar="PATH", help=db_help)
    erase.set_defaults(run=cmd_erase)

    save = commands.add_parser(
        "backup", help="write a complete, checked copy of the database",
        description="Copy the database, including what is still in its write-ahead log, into a new file.")
    save.add_argument("file", metavar="FILE", help="the backup file to create (must not exist)")
    save.add_argument("--db", metavar="PATH", help=db_help)
    save.set_defaults(run=cmd_backup)

    back = commands.add_parser(
        "restore", help="replace the database with a backup",
        description="Check a backup file (an Alliance database whose audit log verifies), then put it "
                    "in place of the database. Refuses to overwrite an existing database without --force.")
    back.add_argument("file", metavar="FILE", help="the backup file")
    back.add_argument("--db", metavar="PATH", help=db_help)
    back.add_argument("--force", action="store_true", help="replace an existing database")
    back.set_defaults(run=cmd_restore)

    log = commands.add_parser(
        "audit", help="print or check the audit log",
        description="Print the audit log (imports, undos, erasures, exports, backups, restores, setting "
                    "changes: when, who, what, counts), or check its hash chain with --verify.")
    log.add_argument("--verify", action="store_true",
                     help="check the hash chain; exit status 1 if any row was altered")
    log.add_argument("--db", metavar="PATH", help=db_help)
    log.set_defaults(run=cmd_audit)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)   # exits 2 on a usage error, as argparse does
    try:
        return args.run(args)
    except UsageError as error:
        say(f"error: {error}", error=True)
        return USAGE
    except (StoreError, ValueError) as error:
        say(f"error: {error}", error=True)
        return REJECTED
