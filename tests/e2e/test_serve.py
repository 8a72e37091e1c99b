"""End to end: the demo county, `shuangsui serve` on a free port, a whole task driven
through the signing client, then `shuangsui verify` and `verify-draw` on the result."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from api.client import ApiError, Client
from ledger.draw.ceremony import sign_witness_statement
from ledger.keys import read_key_file

TASK = "T-E2E-1"
CLI = [sys.executable, "-m", "tools.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shuangsui(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("e2e") / "home"
    built = shuangsui(home, "demo", "--objects", "3000")
    assert built.returncode == 0, built.stderr
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "--home", str(home), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    url = f"http://127.0.0.1:{port}"
    # A wait, not a timed assertion: on a loaded machine (two gates, two cores) the
    # server's start-up -- imports, the projections brought up to date -- can take far
    # longer than the ten seconds this waited before; it fails only if the server exits
    # or has not answered in two minutes.
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(url + "/api/v1/status", timeout=5)
            break
        except (requests.ConnectionError, requests.Timeout):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                output = server.stdout.read() if server.stdout else ""
                pytest.fail(f"serve did not start: {output}")
            time.sleep(0.1)
    yield url, home
    server.terminate()
    output, _ = server.communicate(timeout=10)
    assert "listening on" in output and "origin" in output


def test_a_whole_task_through_the_client(served: tuple[str, Path]) -> None:
    url, home = served
    keys = home / "keys" / "demo"

    def as_(name: str) -> Client:
        return Client(url, read_key_file(keys / f"{name}.key"), receipts=receipts)

    receipts = home / "actor-receipts"  # issue 11.2: the client keeps every receipt

    public = Client(url)
    before = public.get("/api/v1/status")["size"]
    scjgj, jiwei, notary = as_("scjgj"), as_("jiwei"), as_("notary")
    people = [f"SCJGJ-00{n}" for n in range(1, 8)]
    scjgj.command(
        "task.create",
        task=TASK,
        name="端到端联合抽查",
        year=2026,
        items=["SCJG-SP-001"],
        plan="SCJGJ/2026",  # the demo's published plan it carries out (R7.6)
        inspectors=people,
        matching="dispersed",
        team_size=2,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        ratios={"A": "0.01", "B": "0.01", "C": "0.02", "D": "0.03"},
        directed={"ratio": "0.05", "penalty_years": 3, "min_complaints": 2},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    witnesses = [jiwei.key.key_id, notary.key.key_id]  # type: ignore[union-attr]
    reveal_by = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    committed = scjgj.command(
        "draw.commit",
        task=TASK,
        witnesses=witnesses,
        dice=True,
        fallback="skip",
        reveal_by=reveal_by,
    )["result"]

    def signed(witness: Any, kind: str, **fields: str) -> str:
        return sign_witness_statement(
            witness.key.sign,
            kind,
            task=TASK,
            draw=1,
            commitment_hash=committed["commitment_hash"],
            witness=witness.key.key_id,
            **fields,
        )

    scjgj.command("draw.dice", task=TASK, draw=1, digits="6152433516")
    secrets = {}
    for witness in (jiwei, notary):
        value, nonce = os.urandom(32).hex(), os.urandom(16).hex()
        secrets[witness] = (value, nonce)
        digest = hashlib.sha256(bytes.fromhex(value) + bytes.fromhex(nonce)).hexdigest()
        witness.command(
            "draw.witness_commit",
            task=TASK,
            draw=1,
            commitment=digest,
            signature=signed(witness, "commit", commitment=digest),
        )
    for witness, (value, nonce) in secrets.items():
        witness.command(
            "draw.witness_reveal",
            task=TASK,
            draw=1,
            value=value,
            nonce=nonce,
            signature=signed(witness, "reveal", value=value, nonce=nonce),
        )
    ran = scjgj.command("draw.run", task=TASK, draw=1)["result"]
    assert ran["drawn"] > 0
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    scjgj.command("task.organise", task=TASK, draw=1, organised_on=today)
    draw = scjgj.get(f"/api/v1/tasks/{TASK}/draws/1")
    job = draw["assignments"][0]
    target = {
        "basis": {"kind": "draw", "task": TASK, "draw": 1},
        "object": job["object"],
        "item": "SCJGJ:SCJG-SP-001",
    }
    inspector = as_(job["team"][0].lower())
    inspector.command(
        "inspection.record", method="on_site", inspectors=job["team"], checked_on=today, **target
    )
    outsider = as_(next(p for p in people if p not in job["team"]).lower())
    with pytest.raises(ApiError) as refused:  # 谁检查谁录入
        outsider.command("result.enter", result="no_problem", formed_on=today, **target)
    assert refused.value.status == 403 and refused.value.problem["rule"] == "R9.1"
    inspector.command("result.enter", result="no_problem", formed_on=today, **target)
    scjgj.command("result.publish", published_on=today, **target)
    feed = public.get("/api/v1/publications", limit=1000)
    assert job["object"] in {p["object"] for p in feed["items"]}
    after = public.get("/api/v1/status")["size"]
    assert after > before
    verified = shuangsui(home, "verify", "--allow-unwitnessed")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"ok: {after} entries" in verified.stdout
    recomputed = shuangsui(home, "verify-draw", f"{TASK}/1")
    assert recomputed.returncode == 0, recomputed.stdout + recomputed.stderr
    assert scjgj.last_receipt is not None and scjgj.last_receipt["action"] == "result.publish"
    kept = shuangsui(home, "verify", "--allow-unwitnessed", "--receipts", str(receipts))
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert kept.stdout.count("receipt ok") == len(list(receipts.glob("*.json"))) >= 10
