"""The store at scale (issue 16, items 4 to 6): import, open and scores at 100k, 1M and 10M sessions.

    python bench/scale.py [--sizes 100k,1m,10m] [--folder /tmp]

For each size, each figure beside its baseline measured in the same run, every step in a fresh
process (its peak resident memory, Linux ``VmHWM``, is its own):

- **import**: ``import_sessions`` of the whole log into a fresh database, against DuckDB's bare
  ``create table t as select * from read_csv(...)`` of the same file into a fresh database.
  Goal (issue 16): ≤ 3× the bare read, < 4 GB peak.
- **growth**: the last tenth of the log imported into an empty store, and into a store holding the
  other nine tenths (100k into 900k; 1M into 9M). Goal: within 1.5×.
- **open**: ``Store(path)`` and ``Store(path, read_only=True)`` on the imported store (best of 3),
  against a bare ``duckdb.connect``.
- **scores**: ``client_scores`` over all time (read from the kept totals) and over the last four
  weeks of the log (computed from the sessions), best of 3 after a warm-up, against a bare
  ``group by client_id`` of the same sessions (all time, and the same four weeks).
- **scores command**: ``python -m alliance_metrics scores > /dev/null`` as a process, against a
  bare process that opens the file read-only and COPYs a per-client group-by to a CSV file.
- **file size** of the database (and of the CSV log).

Logs up to 1M sessions are the demo practice cut to size, as bench/run.py makes them; larger
ones are the 1M log repeated with every session, client and therapist id suffixed (``~2``,
``~3``…), a network of practices with the same habits. Files live under ``--folder`` and are
deleted at the end. Prints Markdown tables (progress on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import mb, peak_rss, progress, seconds, table, write_log  # noqa: E402

RESULT_MARK = "SCALE-RESULT "
REPEATS = 3
IMPORT_RATIO_GOAL = 3.0
GROWTH_GOAL = 1.5
MEMORY_GOAL = 4 * 1024**3
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
BARE_GROUP_BY = """
select client_id, count(*) as sessions, count(*) filter (status = 'attended') as attended,
       count(*) filter (status = 'no_show') as no_shows, avg(alliance_rating) as alliance
from sessions
where scheduled_start >= coalesce(cast($since as timestamp), '-infinity'::timestamp)
group by client_id
"""


# -- steps, each in a fresh process ------------------------------------------------------------------

def step_read_csv(csv: str, db: str) -> dict:
    import duckdb

    con = duckdb.connect(db)
    start = time.perf_counter()
    con.execute("create table t as select * from read_csv($path)", {"path": csv})
    con.close()
    return {"seconds": time.perf_counter() - start, "peak_rss": peak_rss()}


def step_import(csv: str, db: str) -> dict:
    from alliance_metrics.ingest import import_sessions
    from alliance_metrics.store import Store

    store = Store(db)
    start = time.perf_counter()
    report = import_sessions(store, Path(csv), max_bytes=None)
    store.close()
    return {"seconds": time.perf_counter() - start, "peak_rss": peak_rss(), "rows": report.inserted}


def step_open(db: str) -> dict:
    import duckdb

    from alliance_metrics.store import Store

    def best(open_once) -> float:
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            open_once().close()
            times.append(time.perf_counter() - start)
        return min(times)

    size = os.path.getsize(db)
    duckdb.connect(db).close()   # the file in the page cache for all three
    result = {"bare": best(lambda: duckdb.connect(db)), "store": best(lambda: Store(db)),
              "read_only": best(lambda: Store(db, read_only=True))}
    result["unchanged"] = os.path.getsize(db) == size
    return result | {"peak_rss": peak_rss()}


def step_scores(db: str) -> dict:
    import duckdb

    from alliance_metrics.score_queries import client_scores
    from alliance_metrics.store import Store

    def best(function) -> float:
        function()
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return min(times)

    store = Store(db, read_only=True)
    last = store.scalar("select max(scheduled_start) from sessions")
    since = last - __import__("datetime").timedelta(weeks=4)
    clients = len(client_scores(store))
    all_time = best(lambda: client_scores(store))
    window = best(lambda: client_scores(store, since=since))
    store.close()
    con = duckdb.connect(db, read_only=True)
    bare_all = best(lambda: con.execute(BARE_GROUP_BY, {"since": None}).df())
    bare_window = best(lambda: con.execute(BARE_GROUP_BY, {"since": since}).df())
    con.close()
    return {"clients": clients, "all_time": all_time, "window": window, "bare_all": bare_all,
            "bare_window": bare_window, "peak_rss": peak_rss()}


STEPS = {"read_csv": step_read_csv, "import": step_import, "open": step_open, "scores": step_scores}


def measure(step: str, **arguments) -> dict:
    done = subprocess.run([sys.executable, __file__, "--step", step, "--arguments", json.dumps(arguments)],
                          cwd=REPO, capture_output=True, text=True)
    results = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode != 0 or not results:
        raise RuntimeError(f"step {step!r} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(results[-1][len(RESULT_MARK):])


def timed_process(command: list[str]) -> float:
    """Seconds a process takes, its output thrown away (fastest of REPEATS)."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


BARE_SCORES_PROCESS = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "con.execute(\"copy (" + " ".join(BARE_GROUP_BY.split()).replace("$since", "null") + ") to '"
    "{out}' (header)\")\n"
)


# -- logs ---------------------------------------------------------------------------------------

def make_log(sessions: int, folder: Path, base: Path | None) -> Path:
    """The session log of *sessions* rows in *folder*: the demo practice up to a million, else
    the million-row *base* repeated with suffixed ids."""
    folder.mkdir(parents=True, exist_ok=True)
    if sessions <= 1_000_000 or base is None:
        csv, _, _, _ = write_log(sessions, folder)
        return csv
    import duckdb

    copies, csv = -(-sessions // 1_000_000), folder / "sessions.csv"
    with duckdb.connect() as con:
        columns = [row[0] for row in con.execute(
            "describe select * from read_csv($path, all_varchar = true)", {"path": str(base)}).fetchall()]
        suffixed = {"session_id", "client_id", "therapist_id"}
        cells = ", ".join(f"{name} || '~' || copy as {name}" if name in suffixed else name for name in columns)
        con.execute(f"copy (select {cells} from range(1, $copies + 1) as copies(copy), "
                    f"read_csv($path, all_varchar = true) limit $limit) to '{csv}' (header)",
                    {"path": str(base), "copies": copies, "limit": sessions})
    return csv


def split_log(csv: Path, folder: Path) -> tuple[Path, Path]:
    """The log's first nine tenths and its last tenth, as two CSV files."""
    import duckdb

    first, last = folder / "first_nine_tenths.csv", folder / "last_tenth.csv"
    with duckdb.connect() as con:
        con.execute(f"create table log as select row_number() over () as n, * from "
                    f"read_csv('{csv}', all_varchar = true)")
        total = con.execute("select count(*) from log").fetchone()[0]
        cut = total - total // 10
        con.execute(f"copy (select * exclude (n) from log where n <= {cut} order by n) to '{first}' (header)")
        con.execute(f"copy (select * exclude (n) from log where n > {cut} order by n) to '{last}' (header)")
    return first, last


# -- the run ------------------------------------------------------------------------------------------

def run(sizes: list[int], root: Path, within: str = "") -> int:
    """Measure each of *sizes* and print the tables; *within*: the heading of the report this run
    is a section of (bench/run.py's), under which the tables' headings go a level down."""
    import duckdb
    import pandas as pd

    heading = "###" if within else "##"
    print(within or f"# Alliance at scale, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", end="\n\n")
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, DuckDB "
          f"{duckdb.__version__}, pandas {pd.__version__}. Load average at the start: "
          f"{os.getloadavg()[0]:.2f} (the machine is shared: compare figures with their baseline, "
          "measured in the same run).\n")
    rows, growth, reads = [], [], []
    base = None
    root.mkdir(parents=True, exist_ok=True)   # --folder names where the files go: made if need be
    with tempfile.TemporaryDirectory(prefix="alliance-scale-", dir=root) as temporary:
        for size in sizes:
            folder = Path(temporary) / str(size)
            progress(f"{size:,}: the log")
            csv = make_log(size, folder, base)
            if size == 1_000_000:
                base = csv
            db = folder / "alliance.duckdb"
            progress(f"{size:,}: bare read_csv, then import_sessions")
            bare = measure("read_csv", csv=str(csv), db=str(folder / "bare.duckdb"))
            (folder / "bare.duckdb").unlink()
            imported = measure("import", csv=str(csv), db=str(db))
            progress(f"{size:,}: open, scores, the scores command")
            opened = measure("open", db=str(db))
            scored = measure("scores", db=str(db))
            command = timed_process([sys.executable, "-m", "alliance_metrics", "scores", "--db", str(db)])
            script = BARE_SCORES_PROCESS.replace("{out}", str(folder / "bare_scores.csv"))
            bare_command = timed_process([sys.executable, "-c", script, str(db)])
            rows.append((size, csv.stat().st_size, db.stat().st_size, bare, imported, opened))
            reads.append((size, scored, command, bare_command))
            progress(f"{size:,}: the last tenth into an empty store and into the other nine tenths")
            first, last = split_log(csv, folder)
            empty = measure("import", csv=str(last), db=str(folder / "empty.duckdb"))
            measure("import", csv=str(first), db=str(folder / "big.duckdb"))
            into_big = measure("import", csv=str(last), db=str(folder / "big.duckdb"))
            growth.append((size, empty, into_big))
            for name in ("empty.duckdb", "big.duckdb", "first_nine_tenths.csv", "last_tenth.csv"):
                (folder / name).unlink()
            db.unlink()
            if size != 1_000_000:   # the million-row log makes the larger ones
                shutil.rmtree(folder)

    print(f"{heading} Import and open\n")
    print(table(
        ["sessions", "CSV", "bare read_csv", "import", "ratio", f"≤ {IMPORT_RATIO_GOAL:g}×", "peak RSS import",
         "< 4 GB", "database file", "bare connect", "open", "open read-only", "file unchanged by opening"],
        [[f"{size:,}", mb(csv_size), seconds(bare["seconds"]), seconds(imp["seconds"]),
          f"{imp['seconds'] / bare['seconds']:.1f}×",
          "PASS" if imp["seconds"] <= IMPORT_RATIO_GOAL * bare["seconds"] else "**MISS**",
          mb(imp["peak_rss"]), "PASS" if imp["peak_rss"] < MEMORY_GOAL else "**MISS**", mb(db_size),
          seconds(opened["bare"]), seconds(opened["store"]), seconds(opened["read_only"]),
          "yes" if opened["unchanged"] else "**NO**"]
         for size, csv_size, db_size, bare, imp, opened in rows]))
    print(f"\n{heading} An import costs what it brings\n")
    print(table(
        ["sessions", "last tenth", "into an empty store", "into the other nine tenths", "ratio",
         f"≤ {GROWTH_GOAL:g}×", "peak RSS (into nine tenths)"],
        [[f"{size:,}", f"{size - (size - size // 10):,}", seconds(empty["seconds"]), seconds(big["seconds"]),
          f"{big['seconds'] / empty['seconds']:.2f}×",
          "PASS" if big["seconds"] <= GROWTH_GOAL * empty["seconds"] else "**MISS**", mb(big["peak_rss"])]
         for size, empty, big in growth]))
    print(f"\n{heading} Scores\n")
    print(table(
        ["sessions", "clients", "all time", "bare group-by", "4-week window", "bare group-by (4 weeks)",
         "scores command", "bare query-and-COPY process", "ratio", "peak RSS scores"],
        [[f"{size:,}", f"{s['clients']:,}", seconds(s["all_time"]), seconds(s["bare_all"]),
          seconds(s["window"]), seconds(s["bare_window"]), seconds(command), seconds(bare_command),
          f"{command / bare_command:.1f}×", mb(s["peak_rss"])]
         for size, s, command, bare_command in reads]))
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.2f}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1m,10m", help="comma-separated: 100k, 1m, 10m")
    parser.add_argument("--folder", default=tempfile.gettempdir(), help="where the files go (deleted after)")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--arguments", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(RESULT_MARK + json.dumps(STEPS[args.step](**json.loads(args.arguments)), default=str), flush=True)
        return 0
    sizes = sorted(SIZES[name.strip().lower()] for name in args.sizes.split(","))
    if any(size > 1_000_000 for size in sizes) and 1_000_000 not in sizes:
        sizes = sorted({*sizes, 1_000_000})   # larger logs are made from the million-row one
    return run(sizes, Path(args.folder))


if __name__ == "__main__":
    sys.exit(main())
