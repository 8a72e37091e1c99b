"""A ledger written before the reorganisation still verifies, its draws recompute and its
projections rebuild identically (issue 10: "old ledgers still verify").

``tests/vectors/format-v1/`` holds a small but complete county ledger written by commit
a7f3c09 (the last before the modules moved), with what that code said about it: its
``verify --json`` report, its ``verify-draw`` results, each draw's recorded result and a
dump of every projection table (see the README there; TEST-ONLY keys and data). Here the
current code opens a copy -- never the fixture itself -- and must say the same: the same
report, the same draws, the same tables, and every stored topic resolving to an event
class registered under that very name, every stream loading through the repository.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner, Result
from eventsourcing.utils import resolve_topic

from ledger.bootstrap import open_ledger
from ledger.config import Settings
from tests.vectors.projection_dump import dump_projections
from tools.cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "vectors" / "format-v1"
PROJECTIONS_FILE = "projections.sqlite3"  # ``projections.projection_path``; pinned by the README


def recorded(name: str) -> Any:
    return json.loads((FIXTURE / name).read_text(encoding="utf-8"))


SUMMARY = recorded("summary.json")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A ledger home holding a copy of the old ledger (and nothing else)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(FIXTURE / "ledger.sqlite3", home / "ledger.sqlite3")
    return home


def shuangsui(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args], env={}, catch_exceptions=False)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_old_ledger_verifies_with_the_same_report(home: Path) -> None:
    """A format-1 ledger is accepted only when the auditor names its format
    (``--accept-format 1``, issue 11: it is not held to the rules of later formats);
    with that, the old code's report, byte for byte."""
    before = sha256_of(home / "ledger.sqlite3")
    refused = shuangsui(home, "verify", "--workers", "1")
    assert refused.exit_code == 1
    assert "FORMAT:" in refused.stdout and "--accept-format 1" in refused.stdout
    result = shuangsui(home, "verify", "--json", "--workers", "1", "--accept-format", "1")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # The old code's report, plus the replay it did not have (issue 11.1) and how its
    # format was judged: signed in September 2023, before format 2 existed; accepted.
    replayed = report.pop("replay")
    started = report.pop("started")
    assert started["format"] == 1 and started["accepted"] and started["superseded_by"] is None
    assert started["genesis_signed"].startswith("2023-")
    assert report == recorded("verify.json")
    assert report["ok"] and report["size"] == SUMMARY["size"]
    assert sorted(int(size) for size in report["checkpoints"]) == SUMMARY["checkpoints"]
    assert replayed == {
        "ok": True,
        "commands": SUMMARY["commands"],
        "events": SUMMARY["size"],
        "failure": None,
    }
    plain = shuangsui(home, "verify", "--workers", "1", "--accept-format", "1")
    assert plain.exit_code == 0, plain.output
    lines = (FIXTURE / "cli-output.txt").read_text(encoding="utf-8").splitlines()
    replay_line, summary = plain.stdout.splitlines()
    assert summary == lines[0]
    assert f"replay ok: {SUMMARY['commands']} commands re-run" in replay_line
    unreplayed = shuangsui(home, "verify", "--workers", "1", "--no-replay", "--accept-format", "1")
    assert unreplayed.stdout.splitlines() == lines[:1]
    assert sha256_of(home / "ledger.sqlite3") == before, "verifying wrote to the ledger"


@pytest.mark.parametrize("ref", SUMMARY["draws"])
def test_its_draws_recompute_byte_for_byte(home: Path, ref: str) -> None:
    result = shuangsui(home, "verify-draw", ref, "--json")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts == recorded("verify-draw.json")[ref]
    assert facts["ok"] and facts["performed"] and facts["difference"] is None
    plain = shuangsui(home, "--lang", "en", "verify-draw", ref)  # the fixture is English
    assert plain.exit_code == 0, plain.output
    lines = (FIXTURE / "cli-output.txt").read_text(encoding="utf-8").splitlines()
    assert plain.stdout.strip() in lines[1:]
    task, number = ref.split("/")
    ledger = open_ledger(Settings(home=home))
    try:
        assert number == "1"  # the fixture's draws are each task's first
        drawn = ledger.find_draw_for(task)
        assert drawn is not None
        assert json.loads(json.dumps(drawn.performed)) == recorded("draws.json")[ref]
    finally:
        ledger.close()


def test_its_projections_rebuild_identically(home: Path) -> None:
    result = shuangsui(home, "--lang", "en", "projections", "rebuild")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"rebuilt from {SUMMARY['size']:,} entries"
    rebuilt = dump_projections(home / PROJECTIONS_FILE)
    expected = recorded("projections-v1.json")
    # Tables added since format 1 are new read models (some also read old events, e.g.
    # the public documents); every table the old code had is unchanged.
    assert set(expected) <= set(rebuilt), "a projection table was dropped"
    for table in expected:
        assert rebuilt[table]["columns"] == expected[table]["columns"], table
        got, want = rebuilt[table]["rows"], expected[table]["rows"]
        missing = [row for row in want if row not in got]
        extra = [row for row in got if row not in want]
        assert not missing and not extra, (table, missing[:3], extra[:3])
        assert got == want, table


def test_every_stored_topic_resolves_and_every_stream_loads(home: Path) -> None:
    """Events are found by their stable TOPIC names, not by module paths (which moved)."""
    connection = sqlite3.connect(f"file:{home / 'ledger.sqlite3'}?mode=ro", uri=True)
    try:
        stored = connection.execute("SELECT originator_id, topic, state FROM stored_events")
        stored = stored.fetchall()
    finally:
        connection.close()
    topics = sorted({topic for _, topic, _ in stored})
    assert topics == SUMMARY["topics"]
    ledger = open_ledger(Settings(home=home))
    try:
        for topic in topics:
            assert getattr(resolve_topic(topic), "TOPIC", None) == topic, topic
        versions = Counter(stream for stream, _, _ in stored)
        assert len(versions) == SUMMARY["streams"]
        for stream, topic, state in stored:
            origin = json.loads(state).get("originator_topic")
            if origin is None:
                continue  # not a stream's first event
            aggregate = ledger.get(UUID(str(stream)))
            assert type(aggregate) is resolve_topic(origin), (stream, topic, origin)
            assert getattr(type(aggregate), "TOPIC", None) == origin
            assert aggregate.version == versions[stream], stream
        assert sum(1 for _, _, s in stored if "originator_topic" in json.loads(s)) == len(versions)
    finally:
        ledger.close()
