"""``verify --bundle B --receipts DIR`` (issue 11, part 2): an actor proves its receipts
against an export bundle, with no database -- a full export, or a slice that holds the
receipts' entries and a consistency proof from their checkpoints -- and a rewrite of
what it holds a receipt for fails there too (R2.2, R9.1). On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from ledger.audit.bundles import verify_bundle
from ledger.audit.receipts import parse_receipt
from ledger.audit.report import Report
from ledger.bootstrap import route_table
from ledger.transparency.receipts import (
    ReceiptCheck,
    check_bundle_receipts,
    read_receipts,
    save_receipt,
)
from tests.support import cli
from tests.support.rawdb import RawDB
from tests.support.world import World


def checked(bundle: Path, folder: Path) -> list[ReceiptCheck]:
    lines = bundle.read_text(encoding="utf-8").splitlines(keepends=True)
    report: Report = verify_bundle(lines, route_table(), workers=1)
    assert report, report.failure
    return check_bundle_receipts(lines, read_receipts(folder), report)


def stream_of(world: World, position: int) -> UUID:
    event = world.ledger.chain.select_positions([position])[0].event
    assert event is not None
    return UUID(event.stream)


def test_receipts_prove_into_a_full_bundle(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    for text in ("一", "二"):
        save_receipt(folder, world.note(text).receipt)
    world.ledger.transparency.checkpoint()
    save_receipt(folder, world.note("三").receipt)
    world.ledger.transparency.checkpoint()
    bundle = tmp_path / "full.bundle"
    world.ledger.transparency.export(bundle)
    checks = checked(bundle, folder)
    assert len(checks) == 3 and all(checks), [c.problem for c in checks]
    assert {c.against for c in checks} == {world.ledger.transparency.size()}


def test_a_rewrite_is_caught_by_the_receipt_in_a_full_bundle(world: World, tmp_path: Path) -> None:
    """R9.1 -- the violation an inspector holds a receipt for is rewritten to no problem,
    resealed, the checkpoints replaced: the full bundle verifies on its own; the
    receipt does not prove into it."""
    folder = tmp_path / "mine"
    world.ledger.transparency.checkpoint()
    recorded = world.note("S1 录入：违法 / violation")
    save_receipt(folder, recorded.receipt)
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.rewrite_event(
        recorded.last_position,
        "违法 / violation".encode(),
        "无问题 / no_problem".encode(),
        world.ledger_key,
    )
    raw.execute("DELETE FROM {checkpoints}")
    world.ledger.transparency._signed = None
    world.ledger.transparency.checkpoint()
    bundle = tmp_path / "full.bundle"
    world.ledger.transparency.export(bundle)
    (check,) = checked(bundle, folder)
    assert not check and f"position {recorded.last_position}" in str(check.problem)
    result = cli.run(
        world.settings, "verify", "--bundle", str(bundle), "--receipts", str(folder),
        "--allow-unwitnessed", "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 1 and "RECEIPT FAILED" in result.stdout, result.output


def test_receipts_prove_into_a_slice_that_holds_them(world: World, tmp_path: Path) -> None:
    """A slice proves the receipts whose entries it holds, with the consistency proof
    from their checkpoint; it names what it cannot prove, and how to export one that can."""
    folder, other = tmp_path / "mine", tmp_path / "other"
    world.ledger.transparency.checkpoint()
    recorded = world.note("S1 录入：违法 / violation")
    save_receipt(folder, recorded.receipt)
    save_receipt(other, world.note("别的 / another").receipt)
    world.note("later")
    world.ledger.transparency.checkpoint()
    issued_at = parse_receipt(recorded.receipt).checkpoint_size
    stream = stream_of(world, recorded.last_position)
    joined = tmp_path / "joined.bundle"
    world.ledger.transparency.export(joined, stream=stream, consistency_from=[issued_at])
    (check,) = checked(joined, folder)
    assert check, check.problem
    bare = tmp_path / "bare.bundle"
    world.ledger.transparency.export(bare, stream=stream)
    (unjoined,) = checked(bare, folder)
    assert not unjoined and f"--consistency-from {issued_at}" in str(unjoined.problem)
    (outside,) = checked(joined, other)
    assert not outside and "does not hold position" in str(outside.problem)
    result = cli.run(
        world.settings, "verify", "--bundle", str(joined), "--receipts", str(folder),
        "--allow-unwitnessed", "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 0 and "receipt ok" in result.stdout, result.output
