"""Directory import: rows/s and peak memory, for 100,000 and 1,000,000 generated objects.

    python bench/import.py                        # 100k and 1M rows, SQLite
    python bench/import.py --sizes 20000 200000

Each import runs in a fresh process (so its peak RSS is its own) through the same
path as ``shuangsui import objects``: one checking pass that spools the normalised
rows, then begin / 1,000-row batches / complete, each a signed command. The files
are generated (``tools.fakecounty.write_generated_objects``) and cached in
bench/out. "Flat" memory means the peak barely moves when the file grows tenfold.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(source: str, home: str) -> None:
    from ledger.areas.directory.importer import import_objects
    from ledger.config import Settings
    from tests.support.county import build_county
    from tests.support.world import start_world

    world = start_world(Settings(home=Path(home)))
    county = build_county(world)
    submit = county.submitter("SCJGJ")

    from ledger.areas.directory.columns import OBJECT_COLUMNS
    from ledger.areas.directory.files import check_file

    start = time.perf_counter()
    check_file(Path(source), OBJECT_COLUMNS)
    check_elapsed = time.perf_counter() - start

    start = time.perf_counter()
    summary = import_objects(Path(source), "SCJGJ", submit)
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": summary["rows"],
                "seconds": round(elapsed, 1),
                "rows_per_s": round(summary["rows"] / elapsed),
                "check_rows_per_s": round(summary["rows"] / check_elapsed),
                "peak_rss_mib": round(peak_kib / 1024, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    from tools.fakecounty import write_generated_objects

    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    results = []
    for size in args.sizes:
        source = out / f"objects-{size}.csv"
        if not source.exists():
            print(f"  generating {size:,} rows ...", file=sys.stderr)
            write_generated_objects(source, size, departments=("SCJGJ",))
        with tempfile.TemporaryDirectory() as home:
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(source), home],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  {size:,} rows: {result['rows_per_s']:,} rows/s, peak {result['peak_rss_mib']} MiB",
            file=sys.stderr,
        )
        results.append(result)
    print("| rows | seconds | rows/s | checking pass alone, rows/s | peak RSS |")
    print("|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['rows']:,} | {r['seconds']} | {r['rows_per_s']:,} "
            f"| {r['check_rows_per_s']:,} | {r['peak_rss_mib']} MiB |"
        )
    (out / "import.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
