"""Where a page's script spends its time on the server: cProfile of its cold and warm runs.

    python bench/profile_pages.py [--size 1m] [--top 25] [pages/relationships.py ...]

Builds a store of the given size as bench/browser.py does (``demo`` or a number of sessions), opens
the dashboard in Streamlit's ``AppTest`` and runs each page asked for (default: every page) three
times under cProfile: the first run (cold: nothing memoised yet in this process) and the third
(warm). Before them, dashboard.py's own first run opens the store and draws the landing page (the first
page of ``ui.pages``): its profile is printed too, and it is that page's true cold run. AppTest
runs the script in a thread of its own, so each script thread is profiled where it starts
(``threading.setprofile``). Prints, per page and run, the *top* of the project's own
functions by cumulative time, and the *top* functions of any code by their own time (where it is
spent: DuckDB, pandas, plotly's JSON…). What the browser adds (sending the page, plotly drawing
it) is the browser benchmark's time minus this one.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.browser import build_store, parse_size, size_label  # noqa: E402

RUNS = 3  # the first is cold, the last warm


def profiled(run) -> tuple[float, pstats.Stats]:
    """Seconds *run* took, and the profile of every thread it started."""
    profiles: list[cProfile.Profile] = []

    def start_profiling(*_) -> None:  # the first event of each new thread
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()  # replaces this hook in that thread

    threading.setprofile(start_profiling)
    start = time.perf_counter()
    try:
        run()
    finally:
        threading.setprofile(None)
    seconds = time.perf_counter() - start
    for profile in profiles:
        profile.disable()
    stats = pstats.Stats(*profiles) if profiles else pstats.Stats(cProfile.Profile())
    return seconds, stats


PROJECT_CODE = rf"{re.escape(str(REPO))}/(?!\.venv)"  # the project's files, not its packages'


def top(stats: pstats.Stats, order: str, count: int, *restrictions: str) -> str:
    """The *count* functions first in *order* (among those matching *restrictions*), as pstats
    prints them, without its preamble."""
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats(order).print_stats(*restrictions, count)
    text = out.getvalue()
    return text[text.find("   ncalls"):].rstrip() + "\n"


def profile_page(file: str, count: int) -> None:
    """Profile *file*'s cold and warm runs in this process (a fresh one: nothing memoised yet)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=600)
    seconds, stats = profiled(at.run)
    print(f"# {file}\n\n## dashboard.py's first run, which opens the store and draws the landing page: {seconds:.2f} s\n")
    print(f"The project's functions by cumulative time:\n\n{top(stats, 'cumulative', count, PROJECT_CODE)}")
    for number in range(1, RUNS + 1):
        seconds, stats = profiled(lambda: at.switch_page(file).run())
        if number in (1, RUNS):
            print(f"## run {number} ({'cold' if number == 1 else 'warm'}): {seconds:.2f} s\n")
            print(f"The project's functions by cumulative time:\n\n{top(stats, 'cumulative', count, PROJECT_CODE)}")
            print(f"All functions by own time:\n\n{top(stats, 'tottime', count)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="page files (default: every page of ui.pages.PAGES)")
    parser.add_argument("--size", type=parse_size, default="1m", help="demo, 100k, 1m or a number (default 1m)")
    parser.add_argument("--top", type=int, default=25, help="functions shown per run (default 25)")
    parser.add_argument("--page", help=argparse.SUPPRESS)  # profile this one page, in this process
    args = parser.parse_args(argv)
    if args.page:
        profile_page(args.page, args.top)
        return 0

    from ui.pages import PAGES

    files = args.pages or [page.file for page in PAGES]
    with tempfile.TemporaryDirectory(prefix="alliance-profile-") as temporary:
        database = build_store(args.size, Path(temporary) / "store")
        print(f"Store: {size_label(args.size)} sessions.\n", flush=True)
        for file in files:  # each page in a fresh process, so its first run is cold
            subprocess.run([sys.executable, __file__, "--page", file, "--top", str(args.top)], cwd=REPO,
                           env=os.environ | {"ALLIANCE_DB": str(database), "ALLIANCE_DEMO": "off"}, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
