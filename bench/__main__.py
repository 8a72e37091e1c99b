"""One benchmark run: every benchmark with its same-run baseline, one table, one JSON file.

    python -m bench all                 # every benchmark at full scale (about an hour here)
    python -m bench all --only province-10m --merge   # the 10M-entry province (1.5 h)
    python -m bench all --quick         # small sizes: checks the harness, figures meaningless
    python -m bench all --only append verify
    python -m bench all --only draw --merge   # rerun one into the last run's record
    python -m bench readme              # write the last run's tables into README.md
    python -m bench list                # what `all` runs, with its arguments

Each benchmark runs in its own process, one after another (each already alternates its
subject with its baseline inside its run and reports medians and ratios). The run writes
``bench/out/all.json`` (every table, the benchmark's own JSON report where it writes one,
the arguments, the time taken, and the machine: cores, load average before and after,
Python, commit) and ``bench/out/all.md`` (the same tables), both rewritten after each
benchmark, so a run stopped part way keeps what it measured (``done`` false until the
last one ends; ``all.md`` says so). ``readme`` replaces, in
README.md, the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` with
run NAME's tables, so the README's figures always come from one recorded run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PG = os.environ.get("SHUANGSUI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Run:
    name: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    report: str | None = None  # the JSON file the script writes in bench/out, if any
    #: Run by ``all`` without ``--only``; False for a run too long for every time (named
    #: in ``--only`` to run it).
    default: bool = True


RUNS = (
    Run("append", "append.py", ("--repeats", "3", "--events", "3000"),
        ("--repeats", "1", "--events", "200"), "append.json"),
    Run("verify", "verify.py", ("--repeats", "3"), ("--repeats", "1", "--events", "2000"),
        "verify.json"),
    Run("receipts", "receipts.py", ("--repeats", "3", "--commands", "1000", "--json",
        "bench/out/receipts.json"), ("--repeats", "1", "--commands", "100", "--json",
        "bench/out/receipts.json"), "receipts.json"),
    Run("storage", "storage.py", (), ("--notes", "200", "--objects", "200", "--repeats", "1"),
        "storage.json"),
    Run("proofs", "proofs.py", (), ("--size", "20000", "--appends", "2000", "--samples", "50",
                                    "--repeats", "1"), "proofs.json"),
    Run("import", "import.py", ("--sizes", "100000", "1000000"), ("--sizes", "5000"),
        "import.json"),
    Run("draw", "draw.py", (), ("--objects", "5000", "--inspectors", "100"), "draw.json"),
    Run("projections", "projections.py", (), ("--events", "4000"), "projections.json"),
    Run("groupcommit", "groupcommit.py", ("--repeats", "3", "--commands", "800"),
        ("--repeats", "1", "--commands", "80"), "groupcommit.json"),
    Run("replay", "replay.py", ("--events", "10000", "--repeats", "3"),
        ("--events", "1500", "--repeats", "1"), "replay.json"),
    Run("api-sqlite-1", "api.py", ("--workers", "1"), ("--workers", "1", "--writes", "100",
                                                         "--reads", "100")),
    Run("api-sqlite-2", "api.py", ("--workers", "2"), ("--workers", "2", "--writes", "100",
                                                         "--reads", "100")),
    Run("api-postgres-2", "api.py", ("--workers", "2", "--database-url", PG),
        ("--workers", "2", "--writes", "100", "--reads", "100", "--database-url", PG)),
    Run("pages", "pages.py", (), ("--results", "20000", "--reads", "100"), "pages.json"),
    Run("slices", "slices.py", (), ("--size", "20000", "--repeats", "1"), "slices.json"),
    Run("monitor", "monitor.py", ("--events", "10000", "--repeats", "3"),
        ("--events", "1500", "--repeats", "1"), "monitor.json"),
    # the longest (laying a province's log): last, so a run stopped for time keeps the rest
    Run("province", "province.py", (), ("--base", "1000", "--sizes", "4000", "--counties", "3",
        "--draw-objects", "2000", "--commands", "20", "--repeats", "1", "--samples", "20"),
        "province.json"),
    # issue 15 part 7 at a province's size (about 1.5 hours here): only when named,
    # `python -m bench all --only province-10m --merge`
    Run("province-10m", "province.py", ("--sizes", "10000000", "--draw-objects", "10000000",
        "--counties", "100"), ("--base", "1000", "--sizes", "4000", "--counties", "3",
        "--draw-objects", "2000", "--commands", "20", "--repeats", "1", "--samples", "20"),
        "province.json", default=False),
)  # fmt: skip


def tables(stdout: str) -> list[str]:
    """The Markdown tables a benchmark printed (runs of lines starting with ``|``)."""
    found: list[str] = []
    block: list[str] = []
    for line in [*stdout.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line.rstrip())
        elif block:
            if len(block) >= 3 and set(block[1].replace("|", "").strip()) <= {"-", ":", " "}:
                found.append("\n".join(block))
            block = []
    return found


def machine() -> dict[str, object]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": os.getloadavg()[0],
    }


def write(record: dict[str, object]) -> None:
    """``all.json`` and ``all.md`` as the run stands, each replaced whole (written beside
    and renamed), so a run stopped part way -- killed, out of time -- keeps every
    benchmark it finished and never leaves half a file."""
    for name, text in (
        ("all.json", json.dumps(record, indent=2, ensure_ascii=False)),
        ("all.md", markdown(record)),
    ):
        partial = OUT / f".{name}.partial"
        partial.write_text(text)
        partial.replace(OUT / name)


def run_all(selected: list[Run], quick: bool, merge: bool = False) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    now = machine()  # this run's machine: its load_after is set as it goes
    record: dict[str, object] = {"machine": now, "quick": quick, "done": False, "runs": {}}
    runs: dict[str, object] = {}
    if merge and (OUT / "all.json").exists():
        # Rerun some benchmarks into the last run's record: the others are kept as they
        # were, and each run keeps the commit and date it was measured at.
        kept = json.loads((OUT / "all.json").read_text())
        if kept.get("quick") != quick:
            print("--merge: the last run used other sizes (--quick); not merged", file=sys.stderr)
            return 2
        for name, run in kept["runs"].items():
            run.setdefault("commit", kept["machine"]["commit"])
            run.setdefault("date", kept["machine"]["date"])
            runs[name] = run
        kept["machine"].setdefault("merged", []).append(now)
        record["machine"] = kept["machine"]
    record["runs"] = runs
    failed = []
    for n, run in enumerate(selected, 1):
        args = run.quick if quick else run.full
        command = [sys.executable, str(ROOT / "bench" / run.script), *args]
        print(f"[{n}/{len(selected)}] {run.name}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        # The benchmark's own progress goes to stderr and is shown as it runs.
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        seconds = round(time.perf_counter() - started, 1)
        report = None
        if run.report and (OUT / run.report).exists():
            report = json.loads((OUT / run.report).read_text())
        found = tables(done.stdout)
        runs.pop(run.name, None)  # a rerun goes last, in the order measured
        runs[run.name] = {
            "command": " ".join(["python", f"bench/{run.script}", *args]),
            "commit": machine()["commit"],
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": seconds,
            "returncode": done.returncode,
            "tables": found,
            "report": report,
        }
        status = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        print(f"    {status} in {seconds} s", flush=True)
        if done.returncode != 0:
            failed.append(run.name)
        now["load_after"] = os.getloadavg()[0]
        write(record)
    record["done"] = True
    write(record)
    print(f"wrote {OUT / 'all.md'} and {OUT / 'all.json'}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def markdown(record: dict[str, object]) -> str:
    m = record["machine"]
    assert isinstance(m, dict)
    quick = " -- QUICK sizes: the figures mean nothing" if record["quick"] else ""
    lines = [
        f"# Benchmarks, {m['date']} (commit {m['commit']})",
        "",
        f"{m['cores']} cores, Python {m['python']}, load average {m['load_before']:.2f} before "
        f"and {m.get('load_after', 0):.2f} after{quick}.",
        "",
    ]
    if not record.get("done", True):
        lines += ["Stopped part way (or still running): the runs below are those finished.", ""]
    for again in m.get("merged", ()):
        lines += [f"Some runs measured again on {again['date']} (commit {again['commit']}).", ""]
    runs = record["runs"]
    assert isinstance(runs, dict)
    for name, run in runs.items():
        when = f", commit {run['commit']}, {run['date']}" if run.get("commit") else ""
        lines += [f"## {name} (`{run['command']}`, {run['seconds']} s{when})", ""]
        lines += [*(t + "\n" for t in run["tables"])] or ["(no table: see the run's output)", ""]
    return "\n".join(lines)


MARKER = re.compile(r"(<!-- bench:([\w,-]+) -->\n)(.*?)(<!-- /bench:\2 -->)", re.S)


def merged(blocks: list[str]) -> list[str]:
    """Tables in order, rows of a table whose header repeats an earlier one's appended to
    it (the API runs, one per setting, make one table)."""
    out: dict[str, list[str]] = {}
    for block in blocks:
        header, rule, *rows = block.split("\n")
        out.setdefault(header, [header, rule]).extend(rows)
    return ["\n".join(lines) for lines in out.values()]


def fill_readme(readme: str, record: dict[str, object]) -> tuple[str, list[str]]:
    """README text with each marked block replaced by its runs' tables (``bench:a,b``
    merges the tables of runs a and b); the names of the runs ``record`` does not hold,
    whose blocks are left as they were."""
    runs = record["runs"]
    assert isinstance(runs, dict)
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        names = match.group(2).split(",")
        absent = [n for n in names if not (runs.get(n) or {}).get("tables")]
        if absent:
            missing.extend(absent)
            return match.group(0)
        blocks = merged([t for n in names for t in runs[n]["tables"]])
        return match.group(1) + "\n\n".join(blocks) + "\n" + match.group(4)

    return MARKER.sub(replace, readme), missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n")[0],
        epilog="example: python -m bench all --only append verify && python -m bench readme",
    )
    sub = parser.add_subparsers(dest="what", required=True)
    every = sub.add_parser("all", help="run the benchmarks and write bench/out/all.{md,json}")
    every.add_argument("--quick", action="store_true", help="small sizes (harness check)")
    every.add_argument("--only", nargs="+", metavar="NAME", help="run only these")
    every.add_argument(
        "--merge",
        action="store_true",
        help="keep the last run's other benchmarks in all.json (each run keeps its commit)",
    )
    sub.add_parser("readme", help="write the last run's tables into README.md")
    sub.add_parser("list", help="what `all` runs")
    args = parser.parse_args(argv)
    names = [r.name for r in RUNS]
    if args.what == "list":
        for r in RUNS:
            only = "" if r.default else "  (only with --only)"
            print(f"{r.name:16} python bench/{r.script} {' '.join(r.full)}{only}")
        return 0
    if args.what == "readme":
        source = OUT / "all.json"
        if not source.exists():
            print(f"no {source}: run `python -m bench all` first", file=sys.stderr)
            return 2
        record = json.loads(source.read_text())
        if record.get("quick"):
            print("the last run used --quick sizes; its figures do not go in the README",
                  file=sys.stderr)  # fmt: skip
            return 2
        readme = ROOT / "README.md"
        text, missing = fill_readme(readme.read_text(), record)
        readme.write_text(text)
        print(f"README.md updated from the run of {record['machine']['date']}")
        if missing:
            print(f"not in that run (left as they were): {', '.join(missing)}")
        return 0
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)} (known: {', '.join(names)})")
    selected = (
        [r for r in RUNS if r.name in args.only] if args.only else [r for r in RUNS if r.default]
    )
    return run_all(selected, args.quick, args.merge)


if __name__ == "__main__":
    sys.exit(main())
