"""Golden test vectors for the ledger format: fixed TEST-ONLY keys and fixed times
give fixed canonical bytes, entry hashes and signatures.

Regenerate (only when the format changes on purpose):

    python -m tests.vectors.generate > tests/vectors/chain-v1.json

``tests/unit/test_vectors.py`` regenerates in memory and compares byte for byte.
"""

from __future__ import annotations

import base64
import json
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.audit.hashing import ZERO_HASH
from ledger.authorisation import sign_command
from ledger.storage.chain import ChainHead, EventMeta, seal
from tests.vectors.testkeys import NAMES, fixed_key

CREATED = 1_767_225_600  # 2026-01-01T00:00:00Z
STREAM = UUID("0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0")


def generate() -> str:
    office, ledger_key, department = (
        fixed_key("office"),
        fixed_key("ledger"),
        fixed_key("department"),
    )
    commands = [
        sign_command(
            office,
            "note.append",
            {"text": "联席会议纪要 / minutes"},
            created=CREATED,
            nonce="00000000000000000000000000000001",
        ),
        sign_command(
            department,
            "key.rotate",
            {"key_id": department.key_id, "public_key": "AA=="},
            created=CREATED + 60,
            nonce="00000000000000000000000000000002",
        ),
    ]
    head = ChainHead(0, ZERO_HASH)
    entries = []
    batches = [
        (commands[0], [b'{"text":"\\u8054"}']),
        (commands[1], [b'{"a":1}', b'{"b":2}']),
    ]
    notification_id = 0
    for auth, states in batches:
        stored = [
            StoredEvent(
                originator_id=STREAM,
                originator_version=head.position + i + 1,
                topic="shuangsui.note.appended",
                state=state,
            )
            for i, state in enumerate(states)
        ]
        ids = list(range(notification_id + 1, notification_id + 1 + len(stored)))
        notification_id = ids[-1]
        metas = [EventMeta(1, "2026-01-01T00:00:00+00:00")] * len(stored)
        rows = seal(head, stored, ids, metas, auth, ledger_key)
        for row in rows:
            entries.append(
                {
                    "entry": row.entry.decode(),
                    "entry_hash": row.entry_hash.hex(),
                    "signer": row.signer,
                    "signature": None
                    if row.signature is None
                    else base64.b64encode(row.signature).decode(),
                }
            )
        head = ChainHead(rows[-1].position, rows[-1].entry_hash)
    doc = {
        "note": "TEST ONLY: generated from fixed, public test seeds (tests/vectors/testkeys.py)",
        "keys": {
            name: {
                "key_id": fixed_key(name).key_id,
                "public_key": fixed_key(name).public.public_b64,
            }
            for name in NAMES
        },
        "commands": [{"evidence": c.evidence.decode(), "digest": c.digest} for c in commands],
        "entries": entries,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
