"""Golden vectors: fixed keys and times give the committed bytes, byte for byte."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from ledger.audit.chain import ENTRY_SIGNATURE_CONTEXT
from ledger.audit.evidence import parse_evidence
from ledger.audit.hashing import ZERO_HASH, leaf_hash, sha256, signature_ok
from ledger.bootstrap import route_table
from tests.vectors.generate import generate

GOLDEN = Path(__file__).resolve().parents[1] / "vectors" / "chain-v1.json"


def test_regenerated_vectors_match_the_committed_file() -> None:
    assert generate() == GOLDEN.read_text(encoding="utf-8")


def test_committed_vectors_verify_with_the_offline_rules() -> None:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    keys = {k["key_id"]: base64.b64decode(k["public_key"]) for k in doc["keys"].values()}
    prev = ZERO_HASH
    for item in doc["entries"]:
        entry = item["entry"].encode()
        assert leaf_hash(entry).hex() == item["entry_hash"]
        assert json.loads(entry)["prev"] == prev.hex()
        prev = bytes.fromhex(item["entry_hash"])
        if item["signature"]:
            assert signature_ok(
                keys[item["signer"]],
                ENTRY_SIGNATURE_CONTEXT + prev,
                base64.b64decode(item["signature"]),
            )
    for command in doc["commands"]:
        evidence = parse_evidence(command["evidence"].encode(), route_table())
        assert sha256(command["evidence"].encode()).hex() == command["digest"]
        assert signature_ok(keys[evidence.key], evidence.message, evidence.signature)
