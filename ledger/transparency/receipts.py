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
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.audit.errors import ReceiptError
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.audit.receipts import Receipt, check_in_log, check_signature, parse_receipt
from ledger.audit.report import Report
from ledger.errors import ValidationError
from ledger.i18n import _

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
        raise ValidationError(f"回执目录不存在 / receipts folder {folder} does not exist")
    if not folder.is_dir():
        raise ValidationError(_("{folder} is not a folder of receipts", folder=folder))
    files = sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())
    if not files:
        raise ValidationError(f"回执目录为空 / no receipt files (*.json) in {folder}")
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
            raise ValidationError(f"回执格式错误 / {path} is not a receipt: {exc}") from exc
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
