"""Directory import: rows/s (wall and CPU) and peak memory, for 100,000 and 1,000,000
generated objects; optionally against another checkout of the code, in the same run.

    python bench/import.py                              # 100k and 1M rows, SQLite
    python bench/import.py --sizes 20000 200000 --repeats 3
    git worktree add /tmp/base main~3                   # the code to compare with
    python bench/import.py --sizes 1000000 --against /tmp/base

Each import runs in a fresh process (so its peak RSS is its own) through the same
path as ``shuangsui import objects``: one checking pass that spools the normalised
rows, then begin / 1,000-row batches / complete, each a signed command. The checking
pass is also timed alone. With ``--against DIR`` every size runs with this code and
with DIR's, alternating, ``--repeats`` times each; medians are printed with the ratio.
CPU time is printed beside wall time: on a shared machine the wall time says as much
about the neighbours as about the code. The files are generated
(``tools.fakecounty.write_generated_objects``) and cached in bench/out. "Flat" memory
means the peak barely moves when the file grows tenfold.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(code: str, source: str, home: str) -> None:
    sys.path.insert(0, code)
    from ledger.areas.directory.files import check_file
    from ledger.areas.directory.importer import import_objects, objects_spec
    from ledger.config import Settings
    from tests.support.county import build_county
    from tests.support.world import start_world

    world = start_world(Settings(home=Path(home)))
    county = build_county(world)
    submit = county.submitter("SCJGJ")

    wall, cpu = time.perf_counter(), time.process_time()
    check_file(Path(source), objects_spec("SCJGJ"))
    check_wall, check_cpu = time.perf_counter() - wall, time.process_time() - cpu

    wall, cpu = time.perf_counter(), time.process_time()
    summary = import_objects(Path(source), "SCJGJ", submit)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": summary["rows"],
                "wall": wall,
                "cpu": cpu,
                "check_wall": check_wall,
                "check_cpu": check_cpu,
                "peak_rss_mib": round(peak_kib / 1024, 1),
            }
        )
    )


def run_once(code: Path, source: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(code), str(source), home],
            check=True,
            capture_output=True,
            text=True,
            cwd=code,
        )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    rows = runs[0]["rows"]
    found = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    found["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    for key in ("wall", "cpu", "check_wall", "check_cpu"):
        found[f"{key}_rows_per_s"] = rows / found[key]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--against", type=Path, help="Another checkout of the code, measured in the same run."
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tools.fakecounty import write_generated_objects

    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    codes = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    results = []
    for size in args.sizes:
        source = out / f"objects-{size}.csv"
        if not source.exists():
            print(f"  generating {size:,} rows ...", file=sys.stderr)
            write_generated_objects(source, size, departments=("SCJGJ",))
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in codes}
        for repeat in range(args.repeats):
            order = list(codes.items())
            for name, code in order if repeat % 2 == 0 else reversed(order):
                runs[name].append(run_once(code, source))
                print(f"  {size:,} rows, {name}: {runs[name][-1]}", file=sys.stderr)
        for name in codes:
            results.append({"code": name, "rows": size, **medians(runs[name])})
    print(
        "| code | rows | rows/s (wall) | rows/s (CPU) | checking pass alone, rows/s "
        "(wall / CPU) | peak RSS |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['code']} | {r['rows']:,} | {r['wall_rows_per_s']:,.0f} "
            f"| {r['cpu_rows_per_s']:,.0f} | {r['check_wall_rows_per_s']:,.0f} / "
            f"{r['check_cpu_rows_per_s']:,.0f} | {r['peak_rss_mib']} MiB |"
        )
    if args.against:
        for size in args.sizes:
            this, other = (
                next(r for r in results if r["code"] == name and r["rows"] == size)
                for name in ("this", "against")
            )
            print(
                f"{size:,} rows: this is {other['wall'] / this['wall']:.2f}x as fast by wall time, "
                f"{other['cpu'] / this['cpu']:.2f}x by CPU time"
            )
    (out / "import.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
