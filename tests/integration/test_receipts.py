"""Signed receipts (issue 11, part 2), on both backends: every accepted command gets a
receipt signed by the ledger key, and a rewrite of anything an actor holds a receipt
for -- even resealed with the ledger key after the last checkpoint, even under a new
checkpoint -- is caught by that actor's receipt."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.audit.hashing import leaf_hash
from ledger.audit.receipts import check_signature, load_receipt, parse_receipt
from ledger.transparency.database import verify_ledger
from ledger.transparency.receipts import check_receipts, read_receipts, save_receipt
from tests.support import cli
from tests.support.county import County, add_people
from tests.support.rawdb import RawDB
from tests.support.world import World

CASE = {
    "kind": "case",
    "case": "TS-2026-0042",
    "trigger": "complaint",
    "reference": "12315 投诉 20260921-0042",
}


def _objects(county: County) -> list[str]:
    from tests.support.county import objects

    return objects(county)


def violation(county: County) -> dict:
    """S1 records an inspection and enters a ``violation``; returns the receipt."""
    add_people(county)
    obj = _objects(county)[0]
    day = "2026-09-22"
    common = {"basis": CASE, "object": obj, "item": "SCJGJ:SC-001"}
    county.run(
        "S1",
        "inspection.record",
        on=day,
        method="on_site",
        inspectors=["S1", "S2"],
        checked_on=day,
        **common,
    )
    county.ledger.transparency.checkpoint()  # the last checkpoint before the result
    recorded = county.run("S1", "result.enter", on=day, result="violation", formed_on=day, **common)
    assert recorded.receipt is not None
    return recorded.receipt


def test_every_command_returns_a_signed_receipt(world: World) -> None:
    """Issue 11.2: the receipt names the command hash, the positions and entry hashes it
    produced and the latest checkpoint, and is signed by the ledger key."""
    world.ledger.transparency.checkpoint()
    recorded = world.note("回执")
    receipt = parse_receipt(recorded.receipt)
    assert receipt.positions == [recorded.first_position]
    (row,) = world.ledger.chain.select_positions([recorded.first_position])
    assert receipt.entries[0][1] == row.entry_hash == leaf_hash(row.entry)
    assert json.loads(row.entry)["command"] == receipt.command
    assert receipt.checkpoint_size == recorded.first_position - 1
    report = verify_ledger(world.ledger)
    check_signature(receipt, report.keys, report.origin)
    assert all(check_receipts(world.ledger, [("r", receipt)], report))


def test_rewrite_after_last_checkpoint_is_caught_by_the_receipt(
    drawable: County, tmp_path: Path
) -> None:
    """Issue 11.2: the operator rewrites a signed ``violation`` to ``no_problem`` after
    the last checkpoint, reseals the chain with the ledger key and even signs a new
    checkpoint; the inspector's receipt names the rewritten entry."""
    county = drawable
    receipt = violation(county)
    folder = tmp_path / "receipts"
    save_receipt(folder, receipt)
    position = receipt["entries"][-1]["position"]
    world = county.world
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.rewrite_event(position, b'"violation"', b'"no_problem"', world.ledger_key)
    world.ledger.transparency.checkpoint()  # a new checkpoint over the rewritten log
    report = verify_ledger(world.ledger)
    (check,) = check_receipts(world.ledger, read_receipts(folder), report)
    assert not check
    assert check.signed  # proved against the new checkpoint, and failed
    assert f"position {position} is not the one receipted" in str(check.problem)
    result = cli.run(world.settings, "verify", "--allow-unwitnessed", "--receipts", str(folder))
    assert result.exit_code == 1, result.output
    assert "RECEIPT FAILED" in result.output and folder.iterdir().__next__().name in result.output


def test_untouched_receipts_verify_in_the_cli(world: World, tmp_path: Path) -> None:
    """Issue 11.2: receipts of an untouched log prove in; ``verify --receipts`` says so."""
    folder = tmp_path / "mine"
    for text in ("一", "二"):
        save_receipt(folder, world.note(text).receipt)
    world.ledger.transparency.checkpoint()
    save_receipt(folder, world.note("三").receipt)  # after the checkpoint: the head
    result = cli.run(world.settings, "verify", "--allow-unwitnessed", "--receipts", str(folder))
    assert result.exit_code == 0, result.output
    assert result.output.count("receipt ok") == 3
    assert load_receipt((sorted(folder.iterdir())[0]).read_text()).action == "note.append"
