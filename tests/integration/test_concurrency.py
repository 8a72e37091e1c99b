"""Several writers, concurrent start-up, and a writer killed mid-stream (both backends)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ledger.config import Settings
from ledger.transparency.database import verify_ledger
from tests.support.workers import append_notes, run_processes, start_up
from tests.support.world import World

ROOT = Path(__file__).resolve().parents[2]


def test_four_writers_make_one_linear_chain(world: World) -> None:
    size = world.ledger.head().position
    run_processes(append_notes, world.settings, [(25, f"w{i}") for i in range(4)])
    report = verify_ledger(world.ledger, workers=1)
    assert report, report.failure
    assert report.size == size + 100
    rows = world.ledger.select_chain(0, 1000)
    assert [r.position for r in rows] == list(range(1, size + 101))


def test_concurrent_first_start_up_creates_tables_once(settings: Settings) -> None:
    run_processes(start_up, settings, [()] * 4)


def test_writer_killed_mid_stream_leaves_a_verifiable_ledger(world: World) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.workers",
            str(world.settings.home),
            world.settings.database_url or "",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    committed = 0
    for line in proc.stdout:
        committed = int(line)
        if committed >= 40:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    report = verify_ledger(world.ledger, workers=1)
    assert report, report.failure
    # Everything reported committed is there; nothing partial beyond.
    assert report.size >= committed
    assert world.ledger.chain.first_unchained_event(report.size) is None
