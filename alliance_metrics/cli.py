"""The command line (SPEC §5): a thin face over the library, as stable as a contract.

Exit status: 0 done, 1 input rejected (the report on stderr), 2 usage error.

Every message and the ``--help`` texts are in the language :mod:`alliance_metrics.i18n` chooses:
``$ALLIANCE_LANG``, else the opened database's ``language`` setting (for the messages that
follow its opening), else the system's locale; English by default. The ``scores`` output is data
for scripts, so its CSV stays comma-separated with a decimal point in every language.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

from alliance_metrics import audit
from alliance_metrics.i18n import N_, _, format_decimal, ngettext, reset_language, set_language
from alliance_metrics.store import Store, StoreError, database_path

DONE, REJECTED, USAGE = 0, 1, 2


class UsageError(Exception):
    """A wrong argument: reported on stderr with exit status 2."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a date as YYYY-MM-DD; you provided {text!r}").format(text=text)) from None


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
    _follow_language_setting(store)
    for problem in store.setting_problems().values():
        say(_("warning: {problem}").format(problem=problem), error=True)
    return store


def _follow_language_setting(store: Store) -> None:
    """Speak the practice's ``language`` setting from now on, unless $ALLIANCE_LANG decided."""
    import os

    from alliance_metrics.i18n import choose_language, language_of

    if not language_of(os.environ.get("ALLIANCE_LANG")):
        chosen = store.settings().get("language")
        if chosen:
            set_language(choose_language(setting=chosen))


def _new_file_in_existing_folder(path: str) -> Path:
    if not Path(path).resolve().parent.is_dir():
        raise UsageError(_("The folder of {path} does not exist. Create it first, or give a path in an "
                           "existing folder.").format(path=path))
    return Path(path)


def cmd_demo(args) -> int:
    from alliance_metrics.demo import generate_practice, write_practice

    sessions, clients = write_practice(generate_practice(), Path(args.out))
    say(_("Wrote the demo practice: {sessions} and {clients}.").format(sessions=sessions, clients=clients))
    say(_("Import it with: {command}").format(
        command=f"python -m alliance_metrics import {sessions} --clients {clients}"))
    return DONE


def cmd_import(args) -> int:
    for path in (args.sessions, args.clients, args.mapping):
        if path is not None and not Path(path).is_file():
            raise UsageError(_("No such file: {path}. Give the path of an existing file.").format(path=path))
    from alliance_metrics.ingest import ImportRejected, import_files, read_mapping

    mapping = read_mapping(Path(args.mapping)) if args.mapping else None
    store = _open(args, create=True)
    try:
        reports = import_files(store, Path(args.sessions), Path(args.clients) if args.clients else None,
                               mapping=mapping, max_bytes=None)   # the upload limit is the browser's only
    except ImportRejected as rejected:
        report = rejected.report
        count = sum(group.count for group in report.groups)
        say(ngettext("{file}: nothing was imported; {count} problem to fix, by column and reason:",
                     "{file}: nothing was imported; {count} problems to fix, by column and reason:",
                     count).format(file=report.file_name, count=format_decimal(count)), error=True)
        for group in report.groups:
            say(f"  - {describe_group(group)}", error=True)
        if args.problems:
            _write_problems(Path(args.problems), report)
            say(_("Every problem, line by line: {file}").format(file=args.problems), error=True)
        else:
            say(_("To list every problem line by line, add --problems FILE (CSV)."), error=True)
        return REJECTED
    finally:
        store.close()
    for report in reports:
        for warning in report.warnings:
            say(_("warning: {file}: {warning}").format(file=report.file_name, warning=warning), error=True)
        for note in report.notes:
            say(_("note: {file}: {note}").format(file=report.file_name, note=note), error=True)
        say(ngettext("{file}: {rows} {kind} row read — {inserted} inserted, {updated} updated, "
                     "{unchanged} unchanged.",
                     "{file}: {rows} {kind} rows read — {inserted} inserted, {updated} updated, "
                     "{unchanged} unchanged.", report.rows_read).format(
            file=report.file_name, rows=report.rows_read, kind=_(FILE_KINDS.get(report.kind, report.kind)),
            inserted=report.inserted, updated=report.updated, unchanged=report.unchanged))
    if args.problems:
        _write_problems(Path(args.problems), reports[-1])
    return DONE


#: The grains of the supervisor's periods, as the export names them.
PERIODS = {"month": N_("month"), "quarter": N_("quarter"), "half-year": N_("half-year"), "year": N_("year")}
#: The kinds of file an import reads, as its report names them.
FILE_KINDS = {"sessions": N_("sessions"), "clients": N_("clients")}


def describe_group(group) -> str:
    """One line of the grouped import report (as :meth:`ProblemGroup.describe`), framed in the
    current language: where, how many, the first lines, an example, then the reason and hint as
    :mod:`alliance_metrics.problems` words them, and the problem's code in brackets."""
    count = format_decimal(group.count)
    shown = ", ".join(format_decimal(line) for line in group.lines) + (
        ", …" if group.count > len(group.lines) else "")
    lines = ngettext("{count} line (line {lines})", "{count} lines (lines {lines})", group.count).format(
        count=count, lines=shown) if group.lines else ""
    example = _("e.g. {value!r}").format(value=group.example) if group.example else ""
    head = ", ".join(part for part in (lines, example) if part)
    where = _("{column}: ").format(column=group.column) if group.column else ""
    text = f"{where}{head} — {group.reason}" if head else f"{where}{group.reason}"
    if group.hint:   # a reason may end its own sentence
        text = f"{text} {group.hint}" if text.endswith(".") else f"{text}. {group.hint}"
    return f"{text} [{group.code}]" if group.code else text


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
            say(_("error: the database {path} holds no session: nothing to export. "
                  "Import a session log first.").format(path=store.path), error=True)
            return REJECTED
        if not secret_path().exists():
            say(_("warning: there is no practice key file at {path}; a new key is made there, so "
                  "every therapist pseudonym in this export differs from those of earlier exports. If the "
                  "practice has a key file, stop, delete the new one and copy the practice's there (or set "
                  "ALLIANCE_SECRET_FILE to its path).").format(path=secret_path()), error=True)
        view = supervisor_view(store, therapist_id=args.therapist, granularity=args.period,
                               secret=practice_secret())
        written = write_export(view, out)
        if html:
            html.write_text(supervisor_report_html(view), encoding="utf-8")
        with store.transaction(totals="none") as cursor:
            audit.record(cursor, "export", kind="supervisor_export", k=view.k)
    except SecretFileError as error:
        say(_("error: {error}").format(error=error), error=True)
        return REJECTED
    except OSError as error:
        say(_("error: cannot write {file}: {reason}. Give a file path in a folder you "
              "can write to.").format(file=error.filename, reason=error.strerror), error=True)
        return REJECTED
    finally:
        store.close()
    grain = _(PERIODS.get(view.granularity, view.granularity))
    covered = (_("{first} to {last}, by {grain}").format(first=view.first_period, last=view.last_period,
                                                          grain=grain) if view.first_period
               else _("no closed {grain} yet, so no figure").format(grain=grain))
    say(_("Wrote the anonymised aggregates ({covered}; k = {k}) to {file}.").format(
        covered=covered, k=view.k, file=written))
    if html:
        say(_("Wrote the HTML report to {file}.").format(file=html))
    return DONE


def cmd_erase(args) -> int:
    from alliance_metrics.erasure import client_holdings, erase_client
    from alliance_metrics.pseudonym import SecretFileError, secret_path

    store = _open(args)
    try:
        held = client_holdings(store, args.client_id)
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError(_("erase asks for confirmation: run it in a terminal, or pass --yes."))
            answer = input(terminal_safe(_(
                "Erase client {client!r} ({sessions} session(s), {rows} clients-file row(s)) for good? "
                "Type yes to confirm: ").format(client=args.client_id, sessions=held.get("sessions", 0),
                                               rows=held.get("clients", 0))))
            if answer.strip().lower() not in {"yes", _("yes")}:
                say(_("Nothing was erased."))
                return DONE
        if not secret_path().exists():
            say(_("warning: there is no practice key file at {path}; a new key is made there to "
                  "remember the erased client (as a keyed hash, never the id) so that restoring an older "
                  "backup erases them again. If the practice has a key file, copy it there (or set "
                  "ALLIANCE_SECRET_FILE to its path) before erasing anyone else.").format(path=secret_path()),
                error=True)
        erasure = erase_client(store, args.client_id)
    except SecretFileError as error:
        say(_("error: {error} Nothing was erased.").format(error=error), error=True)
        return REJECTED
    finally:
        store.close()
    say(_("Erased client {client!r}: {sessions} session(s) and {rows} clients-file row(s); the database "
          "file was rewritten without them.").format(client=args.client_id, sessions=erasure.sessions,
                                                     rows=erasure.rows.get("clients", 0)))
    return DONE


def cmd_backup(args) -> int:
    from alliance_metrics.backup import backup

    target = _new_file_in_existing_folder(args.file)
    store = _open(args)
    try:
        counts = backup(store, target)
    finally:
        store.close()
    say(_("Backed up {sessions} session(s) and {clients} client(s) to {file}.").format(
        sessions=counts.get("sessions", 0), clients=counts.get("clients", 0), file=target))
    return DONE


def cmd_restore(args) -> int:
    from alliance_metrics.backup import restore

    database = database_path(args.db)
    counts = restore(args.file, database, force=args.force)
    say(_("Restored {sessions} session(s) and {clients} client(s) from {file} into {database}.").format(
        sessions=counts["sessions"], clients=counts["clients"], file=args.file, database=database))
    if counts["clients_erased_again"]:
        say(_("The backup held {count} client(s) erased since: erased again {count} client(s), and the file "
              "was rewritten without them.").format(count=counts["clients_erased_again"]))
    return DONE


def cmd_audit(args) -> int:
    store = _open(args, read_only=True)
    try:
        if args.verify:
            verdict = audit.verify(store)
            if not verdict.ok:
                say(_("The audit log FAILS its check: {reason}. It may have been altered; "
                      "compare with a backup.").format(reason=verdict.reason), error=True)
                return REJECTED
            say(_("The audit log is intact: {rows} row(s), every hash matches.").format(rows=verdict.rows))
            return DONE
        log = audit.entries(store)
    finally:
        store.close()
    say(log[["seq", "logged_at", "actor", "action", "details"]].to_string(index=False)
        if len(log) else _("The audit log is empty."))
    return DONE


#: argparse's own words. argparse translates them with the stdlib's process-wide gettext domain,
#: which knows nothing of this catalogue nor of a context-local language; :func:`_argparse_speaks`
#: hands it this catalogue while the command line is built and parsed. Listed here (N_) so that
#: they are extracted with the rest; the msgids are argparse's own (Python 3.11).
ARGPARSE_WORDS = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"), N_("ignored explicit argument %r"),
)


@contextlib.contextmanager
def _argparse_speaks():
    """argparse's words (``usage:``, ``options``, its errors) through this catalogue, for the block.

    argparse looks its module-level ``_``/``ngettext`` up when it formats, so they are swapped for
    this catalogue's (which fall back to the English msgid) and put back afterwards.
    """
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _, ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def parser() -> argparse.ArgumentParser:
    """The command line, its help texts in the current language."""
    with _argparse_speaks():
        return _parser()


def _parser() -> argparse.ArgumentParser:
    db_help = _("the database file (default: $ALLIANCE_DB, else data/alliance.duckdb)")
    main = argparse.ArgumentParser(
        prog="python -m alliance_metrics",
        description=_("Alliance: therapeutic-alliance scores from session logs, in a local DuckDB file. "
                      "Messages are in French or English: set ALLIANCE_LANG=fr or en."),
    )
    commands = main.add_subparsers(dest="command", required=True, metavar=_("COMMAND"))

    demo = commands.add_parser("demo", help=_("write the demo practice's CSV files"),
                               description=_("Write the seeded demo practice (3 therapists, 60 clients, "
                                             "a year of weekly sessions) as sessions.csv and clients.csv."))
    demo.add_argument("--out", default="data/demo", metavar=_("DIR"),
                      help=_("folder to write into (default: data/demo)"))
    demo.set_defaults(run=cmd_demo)

    load = commands.add_parser("import", help=_("import a session log (and clients file) into the database"),
                               description=_("Import a session log (CSV, .xlsx or Parquet). All rows or "
                                             "none: any rejected row is reported on stderr with its line, "
                                             "column, value and reason, and nothing is written."))
    load.add_argument("sessions", metavar="SESSIONS", help=_("the session log file"))
    load.add_argument("--clients", metavar="CLIENTS", help=_("the clients file (optional)"))
    load.add_argument("--mapping", metavar="MAP.toml",
                      help=_("a TOML file mapping your headers and status labels (the README's "
                             "\"Your own data\" shows one)"))
    load.add_argument("--problems", metavar=_("FILE"),
                      help=_("write every problem, line by line, to this CSV file (empty when none)"))
    load.add_argument("--db", metavar=_("PATH"), help=db_help)
    load.set_defaults(run=cmd_import)

    scores = commands.add_parser("scores", help=_("print one row of scores per client"),
                                 description=_("Print one row per client: counts, the scores and goal "
                                               "progress. Undefined scores are empty in CSV and null in "
                                               "JSON. The CSV is the same in every language (comma, "
                                               "decimal point), for scripts."))
    scores.add_argument("--db", metavar=_("PATH"), help=db_help)
    scores.add_argument("--since", type=_date, metavar=_("DATE"), help=_("first day included (YYYY-MM-DD)"))
    scores.add_argument("--until", type=_date, metavar=_("DATE"), help=_("first day excluded (YYYY-MM-DD)"))
    scores.add_argument("--format", choices=("csv", "json"), default="csv",
                        help=_("output format (default: csv)"))
    scores.set_defaults(run=cmd_scores)

    export = commands.add_parser(
        "supervisor-export", help=_("write the anonymised aggregates a supervisor may see"),
        description=_("Write the supervisor's anonymised view as a file the dashboard's "
                      "'Open exports' page opens: aggregates of at least k clients (setting: minimum "
                      "clients per figure), no client id, name, goal or exact date, therapists under "
                      "HMAC pseudonyms keyed by the practice secret ($ALLIANCE_SECRET_FILE, else "
                      "~/.config/alliance/practice.key)."))
    export.add_argument("--db", metavar=_("PATH"), help=db_help)
    export.add_argument("--out", required=True, metavar=_("FILE"), help=_("the export file to write (JSON)"))
    export.add_argument("--html", metavar=_("FILE"), help=_("also write a self-contained HTML report"))
    export.add_argument("--therapist", metavar="ID", help=_("only this therapist's caseload"))
    export.add_argument("--period", choices=("auto", "month", "quarter", "half-year", "year"), default="auto",
                        help=_("the grain of periods; auto (default) pools months into quarters, half-years "
                               "or a year until most periods reach k clients. The practice's first export "
                               "fixes it."))
    export.set_defaults(run=cmd_supervisor_export)

    erase = commands.add_parser(
        "erase", help=_("erase a client for good (right to erasure)"),
        description=_("Delete every session, rating, payment and the clients-file row of one client, "
                      "then rewrite the database file so that none of their bytes remain. Audited "
                      "(counts only). Asks for confirmation unless --yes."))
    erase.add_argument("client_id", metavar="CLIENT_ID", help=_("the client's id, as in the session log"))
    erase.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    erase.add_argument("--db", metavar=_("PATH"), help=db_help)
    erase.set_defaults(run=cmd_erase)

    save = commands.add_parser(
        "backup", help=_("write a complete, checked copy of the database"),
        description=_("Copy the database, including what is still in its write-ahead log, into a new file."))
    save.add_argument("file", metavar=_("FILE"), help=_("the backup file to create (must not exist)"))
    save.add_argument("--db", metavar=_("PATH"), help=db_help)
    save.set_defaults(run=cmd_backup)

    back = commands.add_parser(
        "restore", help=_("replace the database with a backup"),
        description=_("Check a backup file (an Alliance database whose audit log verifies), then put it "
                      "in place of the database. Refuses to overwrite an existing database without "
                      "--force."))
    back.add_argument("file", metavar=_("FILE"), help=_("the backup file"))
    back.add_argument("--db", metavar=_("PATH"), help=db_help)
    back.add_argument("--force", action="store_true", help=_("replace an existing database"))
    back.set_defaults(run=cmd_restore)

    log = commands.add_parser(
        "audit", help=_("print or check the audit log"),
        description=_("Print the audit log (imports, undos, erasures, exports, backups, restores, setting "
                      "changes: when, who, what, counts), or check its hash chain with --verify."))
    log.add_argument("--verify", action="store_true",
                     help=_("check the hash chain; exit status 1 if any row was altered"))
    log.add_argument("--db", metavar=_("PATH"), help=db_help)
    log.set_defaults(run=cmd_audit)
    return main


def main(argv: list[str] | None = None) -> int:
    token = set_language(None)   # this call's own language: $ALLIANCE_LANG, else the system's
    try:
        with _argparse_speaks():
            args = parser().parse_args(argv)   # exits 2 on a usage error, as argparse does
        try:
            return args.run(args)
        except UsageError as error:
            say(_("error: {error}").format(error=error), error=True)
            return USAGE
        except (StoreError, ValueError) as error:
            say(_("error: {error}").format(error=error), error=True)
            return REJECTED
    finally:
        reset_language(token)
