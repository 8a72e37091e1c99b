"""Receipts on the actor's side: keep them in a folder, and check them against the log.

* :func:`save_receipt` writes a receipt the ledger returned into a folder (the CLI's
  ``HOME/receipts``, or the folder an :class:`api.client.Client` is given), one file
  per command, named by its first position, action and command hash, written
  atomically and never over another file.
* :func:`read_receipts` reads every ``*.json`` of a folder strictly: a folder that does
  not exist, or a file that is not a receipt, is a :class:`~ledger.errors.ValidationError`
  naming it (the CLI exits 2) -- nothing is checked from a half-read folder.
* :func:`check_receipts` proves each receipt against the log as verified: signed by
  a ledger key of the key history, its entries included (RFC 9162) in the latest
  stored checkpoint -- or, for entries after it, in the tree of the verified head --
  and that tree consistent with the checkpoint the receipt names
  (:func:`ledger.audit.receipts.check_in_log`).
* :func:`check_bundle_receipts` does the same against an export bundle ``verify
  --bundle`` accepted, with no database: a full bundle gives every proof (its entries
  rebuild the tree); a slice proves the receipts whose entries it holds, by its own
  inclusion proofs and a consistency proof from the receipt's checkpoint that it carries
  (``export --consistency-from N``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.audit.bundles import read_bundle
from ledger.audit.errors import ReceiptError
from ledger.audit.hashing import MerkleFrontier
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.audit.receipts import Receipt, check_in_log, check_signature, parse_receipt
from ledger.audit.report import ChainRow, Report
from ledger.errors import ValidationError
from ledger.i18n import _
from ledger.storage import merkle

if TYPE_CHECKING:
    from ledger.application import Ledger

RECEIPTS_DIR = "receipts"


def save_receipt(folder: Path, receipt: dict[str, Any]) -> Path:
    """Write ``receipt`` into ``folder`` (created 0700 if missing); return its path."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    first = int(receipt["entries"][0]["position"])
    action = str(receipt["action"]).replace("/", "_")
    name = f"{first:09d}-{action}-{str(receipt['command'])[:12]}"
    path = folder / f"{name}.json"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"{name}-{counter}.json"
    temp = folder / f".{path.name}.new"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(receipt, ensure_ascii=False, indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return path


def read_receipts(folder: Path) -> list[tuple[str, Receipt]]:
    """Every receipt file of ``folder``, by name; refuses a missing folder, an empty
    one and any file that is not a receipt, naming it."""
    if not folder.exists():
        raise ValidationError(_("receipts folder {folder} does not exist", folder=folder))
    if not folder.is_dir():
        raise ValidationError(_("{folder} is not a folder of receipts", folder=folder))
    files = sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())
    if not files:
        raise ValidationError(_("no receipt files (*.json) in {folder}", folder=folder))
    receipts = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            value = json.loads(text)
            receipts.append((path.name, parse_receipt(value)))
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(
                _("cannot read receipt {path}: {exc}", path=path, exc=exc)
            ) from exc
        except ValueError as exc:  # JSON errors and ReceiptError
            raise ValidationError(_("{path} is not a receipt: {exc}", path=path, exc=exc)) from exc
    return receipts


@dataclass(frozen=True)
class ReceiptCheck:
    name: str
    action: str
    positions: tuple[int, int]
    against: int  # the tree size it was checked against
    signed: bool  # against a stored checkpoint (True) or the verified head (False)
    problem: str | None

    def __bool__(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "receipt": self.name,
            "action": self.action,
            "positions": list(self.positions),
            "checked_against": {"size": self.against, "checkpoint": self.signed},
            "ok": self.problem is None,
            "problem": self.problem,
        }


class _BundleTree:
    """The perfect nodes a full bundle's entries give (a :class:`NodeSource`)."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, int], bytes] = {}
        self.frontier = MerkleFrontier()

    def add(self, row: ChainRow) -> None:
        self.known[(0, row.position - 1)] = row.entry_hash
        for level, index, h in self.frontier.append(row.entry_hash):
            self.known[(level, index)] = h

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {k: self.known[k] for k in keys if k in self.known}


def check_bundle_receipts(
    lines: Iterable[str], receipts: list[tuple[str, Receipt]], report: Report
) -> list[ReceiptCheck]:
    """Check each receipt against a bundle ``report`` accepted (its key history and
    origin): proved into the bundle's checkpoint -- every proof from a full bundle's
    entries; from a slice, its own inclusion proofs and the consistency proofs it
    carries, and a receipt for entries it does not hold fails, naming them."""
    tree = _BundleTree()
    held: set[int] = set()

    def visit(row: ChainRow) -> None:
        held.add(row.position)
        tree.add(row)

    contents = read_bundle(lines, visit)
    checkpoint = contents.checkpoint
    size, root = checkpoint.size, checkpoint.root
    whole = contents.kind == "full"

    def prove(position: int, at: int) -> list[bytes]:
        if whole:
            return merkle.inclusion_proof(position - 1, at, tree)
        return contents.proofs.get(position, [])

    def consistency(old: int, new: int) -> list[bytes]:
        if whole:
            return merkle.consistency_proof(old, new, tree)
        return contents.consistency.get((old, new), [])

    results = []
    for name, receipt in receipts:
        last = receipt.positions[-1]
        problem: str | None
        try:
            check_signature(receipt, report.keys, report.origin)
            problem = None if whole else _outside_slice(receipt, held, size, contents.consistency)
            if problem is None:
                problem = check_in_log(receipt, size, root, prove, consistency)
        except ReceiptError as exc:
            problem = exc.message
        results.append(
            ReceiptCheck(name, receipt.action, (receipt.positions[0], last), size, True, problem)
        )
    return results


def _outside_slice(
    receipt: Receipt,
    held: set[int],
    size: int,
    joins: dict[tuple[int, int], list[bytes]],
) -> str | None:
    """Why a slice cannot prove this receipt, if it cannot: entries it does not hold,
    or no consistency proof from the receipt's checkpoint."""
    missing = [p for p in receipt.positions if p not in held]
    if missing:
        return _(
            "the slice does not hold position(s) {positions} of this receipt; "
            "check it against a full bundle or one that holds its entries",
            positions=", ".join(str(p) for p in missing[:10]),
        )
    n = receipt.checkpoint_size
    if 0 < n < size and (n, size) not in joins:
        return _(
            "the slice carries no consistency proof from the receipt's checkpoint of size "
            "{n} to its own of size {size}: export it with --consistency-from {n}",
            n=n,
            size=size,
        )
    return None


def check_receipts(
    ledger: Ledger, receipts: list[tuple[str, Receipt]], report: Report
) -> list[ReceiptCheck]:
    """Check each receipt against the log ``report`` verified (its key history, its
    origin, its size)."""
    transparency = ledger.transparency
    latest = ledger.chain.checkpoint_note()
    signed: tuple[int, bytes] | None = None
    if latest is not None and latest[0] <= report.size:
        signed = (latest[0], parse_checkpoint(parse_note(latest[1]).text).root)
    head = (report.size, transparency.root(report.size))
    results = []
    for name, receipt in receipts:
        last = receipt.positions[-1]
        covered = signed is not None and last <= signed[0] and receipt.checkpoint_size <= signed[0]
        size, root = signed if covered and signed is not None else head
        try:
            check_signature(receipt, report.keys, report.origin)
            problem = check_in_log(
                receipt,
                size,
                root,
                lambda p, s: transparency.inclusion_proof(p, s) if p <= s else [],
                transparency.consistency_proof,
            )
        except ReceiptError as exc:
            problem = exc.message
        results.append(
            ReceiptCheck(
                name,
                receipt.action,
                (receipt.positions[0], last),
                size,
                signed is not None and size == signed[0],
                problem,
            )
        )
    return results
