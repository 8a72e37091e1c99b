"""`python -m bench` (issue 15, part 8): one run's tables reach the README unchanged.

The benchmarks themselves are run by hand; these tests check the harness's pure parts:
finding the tables a benchmark printed, merging the API runs into one table, and
replacing only the marked README blocks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import RUNS, fill_readme, main, merged, tables

ROOT = Path(__file__).resolve().parents[2]

OUTPUT = """building ...
| a | b |
|---|---|
| 1 | 2 |

| not a table |
{"json": 1}
| x | y |
|---|---|
| 3 | 4 |
"""


def test_tables_are_the_printed_markdown_tables_only() -> None:
    assert tables(OUTPUT) == ["| a | b |\n|---|---|\n| 1 | 2 |", "| x | y |\n|---|---|\n| 3 | 4 |"]
    assert tables("no tables here\n") == []


def test_tables_with_the_same_header_merge_in_order() -> None:
    one, two = "| h |\n|---|\n| 1 |", "| h |\n|---|\n| 2 |"
    assert merged([one, "| g |\n|---|\n| 9 |", two]) == [
        "| h |\n|---|\n| 1 |\n| 2 |",
        "| g |\n|---|\n| 9 |",
    ]


def record(**runs: list[str]) -> dict[str, object]:
    return {"runs": {name: {"tables": t} for name, t in runs.items()}}


def test_readme_blocks_are_replaced_by_their_runs_and_nothing_else() -> None:
    readme = (
        "intro | kept |\n"
        "<!-- bench:append -->\n| old |\n|---|\n| 0 |\n<!-- /bench:append -->\n"
        "between\n"
        "<!-- bench:api-a,api-b -->\nold api\n<!-- /bench:api-a,api-b -->\n"
        "<!-- bench:draw -->\nold draw\n<!-- /bench:draw -->\n"
    )
    new, missing = fill_readme(
        readme,
        record(
            append=["| new |\n|---|\n| 1 |"],
            **{"api-a": ["| b |\n|---|\n| a |"], "api-b": ["| b |\n|---|\n| b |"]},
        ),
    )
    assert "| 1 |" in new and "| 0 |" not in new
    assert "| b |\n|---|\n| a |\n| b |" in new and "old api" not in new
    assert "old draw" in new and missing == ["draw"]  # no run: left as it was
    assert new.startswith("intro | kept |\n") and "between\n" in new


def test_the_readme_marks_a_block_for_every_run_it_reports() -> None:
    text = (ROOT / "README.md").read_text()
    names = {r.name for r in RUNS}
    marked = {
        name
        for line in text.splitlines()
        if line.startswith("<!-- bench:")
        for name in line.removeprefix("<!-- bench:").removesuffix(" -->").split(",")
    }
    assert marked and marked <= names


def test_unknown_benchmark_names_are_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "all", "--only", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "no benchmark named nope" in done.stderr


def test_list_names_every_run() -> None:
    assert main(["list"]) == 0


def test_merge_reruns_some_benchmarks_into_the_last_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 part 8: `bench all --only NAME --merge` measures NAME again and keeps the
    last run's other benchmarks, each run naming the commit and date it was measured at;
    a record of other sizes (--quick) is not merged into."""
    import json

    import bench.__main__ as runner

    monkeypatch.setattr(runner, "OUT", tmp_path)
    script = tmp_path / "fake.py"
    script.write_text("print('| n |\\n|---|\\n| 7 |')\n")
    last = {
        "machine": {"date": "2026-11-28T05:00:00+00:00", "commit": "abc1234", "cores": 2,
                    "python": "3.11", "load_before": 1.0, "load_after": 2.0},
        "quick": False,
        "runs": {"old": {"command": "python bench/old.py", "seconds": 1.0, "returncode": 0,
                         "tables": ["| o |\n|---|\n| 1 |"], "report": None}},
    }  # fmt: skip
    (tmp_path / "all.json").write_text(json.dumps(last))
    fake = runner.Run("fake", str(script), (), ())
    assert runner.run_all([fake], quick=False, merge=True) == 0
    merged_record = json.loads((tmp_path / "all.json").read_text())
    assert set(merged_record["runs"]) == {"old", "fake"}
    assert merged_record["runs"]["old"]["commit"] == "abc1234"
    assert merged_record["runs"]["fake"]["tables"] == ["| n |\n|---|\n| 7 |"]
    assert merged_record["runs"]["fake"]["commit"] and len(merged_record["machine"]["merged"]) == 1
    markdown = (tmp_path / "all.md").read_text()
    assert "commit abc1234" in markdown and "measured again" in markdown
    assert runner.run_all([fake], quick=True, merge=True) == 2  # other sizes: refused
    assert runner.run_all([fake], quick=False) == 0  # without --merge: a new record
    assert set(json.loads((tmp_path / "all.json").read_text())["runs"]) == {"fake"}


DRIVER = """
import sys
from pathlib import Path
import bench.__main__ as runner
root = Path(sys.argv[1])
runner.ROOT, runner.OUT = root, root / "out"
runs = [runner.Run(n, f"{n}.py", (), ()) for n in ("one", "killed", "never")]
runner.run_all(runs, quick=False)
"""


def test_a_run_stopped_part_way_keeps_what_it_measured(tmp_path: Path) -> None:
    """A benchmark run killed part way (here: the second benchmark kills the runner) keeps
    the tables of the benchmarks it finished, in whole files, marked as not done."""
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "one.py").write_text('print("| a |\\n|---|\\n| 1 |")')
    (tmp_path / "bench" / "killed.py").write_text(
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    )
    (tmp_path / "bench" / "never.py").write_text('print("| b |\\n|---|\\n| 2 |")')
    ran = subprocess.run(
        [sys.executable, "-c", DRIVER, str(tmp_path)], cwd=ROOT, capture_output=True, text=True
    )
    assert ran.returncode == -9, ran.stderr
    record = json.loads((tmp_path / "out" / "all.json").read_text())
    assert record["done"] is False and list(record["runs"]) == ["one"]
    assert record["runs"]["one"]["tables"] == ["| a |\n|---|\n| 1 |"]
    shown = (tmp_path / "out" / "all.md").read_text()
    assert "Stopped part way" in shown and "| 1 |" in shown
    assert not list((tmp_path / "out").glob(".*.partial"))
