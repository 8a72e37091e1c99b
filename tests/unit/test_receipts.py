"""Receipts as the auditor reads them (issue 11, part 2): strict parsing, the ledger's
signature, RFC 8785 bytes, inclusion and consistency against a log."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger.audit.errors import ReceiptError
from ledger.audit.hashing import MerkleFrontier, leaf_hash
from ledger.audit.keystate import KeyState
from ledger.audit.notes import b64
from ledger.audit.receipts import (
    canonical_json,
    check_in_log,
    check_signature,
    load_receipt,
    parse_receipt,
    receipt_message,
)
from ledger.canonical import canonical_bytes
from ledger.storage import merkle
from tests.vectors.testkeys import fixed_key

LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(1, 12)]


class Tree:
    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves

    def nodes(self, keys: Any) -> dict[tuple[int, int], bytes]:
        found = {}
        for level, idx in keys:
            span = self.leaves[idx << level : (idx + 1) << level]
            frontier = MerkleFrontier()
            for leaf in span:
                frontier.append(leaf)
            found[(level, idx)] = frontier.root()
        return found


def receipt(positions: list[int], checkpoint: int = 4, leaves: list[bytes] = LEAVES) -> dict:
    key = fixed_key("ledger")
    tree = Tree(leaves)
    body = {
        "format": "shuangsui-receipt-v1",
        "origin": "test.example/shuangsui",
        "action": "note.append",
        "command": "ab" * 32,
        "entries": [{"position": p, "hash": b64(leaves[p - 1])} for p in positions],
        "checkpoint": {"size": checkpoint, "root": b64(merkle.root(checkpoint, tree))},
        "key": key.key_id,
    }
    return {**body, "signature": b64(key.sign(receipt_message(body)))}


def keys() -> dict[str, KeyState]:
    key = fixed_key("ledger")
    return {key.key_id: KeyState(key.key_id, key.public_key, frozenset({"ledger"}), 1)}


def check(value: dict, leaves: list[bytes] = LEAVES, size: int = 11) -> str | None:
    tree = Tree(leaves)
    root = merkle.root(size, tree)
    return check_in_log(
        parse_receipt(value),
        size,
        root,
        lambda p, s: merkle.inclusion_proof(p - 1, s, tree),
        lambda a, b: merkle.consistency_proof(a, b, tree),
    )


def test_canonical_form_is_the_writers_rfc8785() -> None:
    value = receipt([5, 6])
    assert canonical_json(value) == canonical_bytes(value)
    value["origin"] = "安岳.example/双随机\n"
    assert canonical_json(value) == canonical_bytes(value)


def test_a_receipt_proves_in_and_its_signature_verifies() -> None:
    value = receipt([5, 6, 7])
    check_signature(parse_receipt(value), keys(), "test.example/shuangsui")
    assert check(value) is None
    assert check(receipt([11], checkpoint=0)) is None


def test_a_rewritten_entry_fails_naming_its_position() -> None:
    """Issue 11.2: the log was rewritten at position 6 and resealed."""
    rewritten = list(LEAVES)
    rewritten[5] = leaf_hash(b"no_problem")
    assert "position 6 is not the one receipted" in str(check(receipt([5, 6]), rewritten))


def test_a_rewrite_before_the_receipts_checkpoint_fails_consistency() -> None:
    rewritten = list(LEAVES)
    rewritten[1] = leaf_hash(b"changed")
    assert "does not extend" in str(check(receipt([8], checkpoint=4), rewritten))


def test_a_truncated_log_fails() -> None:
    assert "truncated" in str(check(receipt([9], checkpoint=4), size=8))
    assert "truncated" in str(check(receipt([9], checkpoint=9), size=8))


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(signature=b64(bytes(64))),
        lambda r: r.update(action="result.enter"),
        lambda r: r["entries"][0].update(position=4),
        lambda r: r.update(key="00" * 8),
        lambda r: r.update(origin="forged.example/log"),
    ],
)
def test_a_changed_receipt_does_not_verify(change: Any) -> None:
    value = receipt([5])
    change(value)
    with pytest.raises(ReceiptError):
        check_signature(parse_receipt(value), keys(), "test.example/shuangsui")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("signature"), "missing ['signature']"),
        (lambda r: r.update(extra=1), "unexpected ['extra']"),
        (lambda r: r.update(format="v0"), "format"),
        (lambda r: r.update(command="xyz"), "hex SHA-256"),
        (lambda r: r.update(entries=[]), "non-empty list"),
        (
            lambda r: r["entries"].append({"position": 9, "hash": r["entries"][0]["hash"]}),
            "consecutive",
        ),
        (lambda r: r["entries"][0].update(hash="AAAA"), "32-byte"),
        (lambda r: r["entries"][0].update(hash="not base64!"), "base64"),
        (lambda r: r["entries"][0].update(position=True), "integer"),
        (lambda r: r["checkpoint"].update(size=-1), "integer"),
        (lambda r: r.update(checkpoint=[]), "checkpoint"),
        (lambda r: r.update(signature="AAAA"), "64 bytes"),
    ],
)
def test_malformed_receipts_are_refused_with_a_reason(change: Any, message: str) -> None:
    value = copy.deepcopy(receipt([5]))
    change(value)
    with pytest.raises(ReceiptError) as refused:
        parse_receipt(value)
    assert message in str(refused.value)


def test_not_json_and_not_an_object() -> None:
    with pytest.raises(ReceiptError, match="not JSON"):
        load_receipt("{")
    with pytest.raises(ReceiptError, match="JSON object"):
        load_receipt("[]")
