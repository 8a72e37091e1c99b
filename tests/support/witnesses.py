"""Witnesses for a test ledger: register them, record the office's witness policy, and
have them cosign the current checkpoint (issue 11, part 3).

Each witness keeps its own state file, started at the log's genesis checkpoint (size 3,
its first contact), and cosigns only checkpoints that extend the last one it cosigned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.keys import SigningKey
from ledger.transparency.log import Transparency
from ledger.transparency.witness import GENESIS_SIZE, Witness, request_text
from tests.support.world import World
from tests.vectors.testkeys import fixed_key


@dataclass
class Panel:
    """The county's witnesses on one world, by name (``jiwei``, ``shenji``, ...)."""

    world: World
    folder: Path
    keys: dict[str, SigningKey] = field(default_factory=dict)
    witnesses: dict[str, Witness] = field(default_factory=dict)

    def note_name(self, name: str) -> str:
        return f"{name}.test/witness"

    def register(self, *names: str) -> list[str]:
        """Register each witness key and start its state at the genesis; key ids."""
        t = self.world.ledger.transparency
        ids = []
        for name in names:
            key = fixed_key(f"witness {name}")
            self.world.run(
                "office",
                "key.register",
                public_key=key.public.public_b64,
                holder=f"见证人 {name}",
                roles=["witness"],
                note_name=self.note_name(name),
            )
            state = self.folder / f"{name}.json"
            Witness.create(state, self.note_name(name), [t.log_verifier().vkey])
            witness = Witness(state, key)
            genesis = t.checkpoint(GENESIS_SIZE)
            witness.add_checkpoint(request_text(t.consistency_text(0, GENESIS_SIZE), genesis))
            self.keys[name], self.witnesses[name] = key, witness
            ids.append(key.key_id)
        return ids

    def policy(self, quorum: int, *names: str) -> None:
        self.world.run(
            "office",
            "witness.policy",
            witnesses=[self.keys[n].key_id for n in names],
            quorum=quorum,
            reason="联席会议决定 / decided by the conference",
        )

    def cosign(self, name: str, note: str, transparency: Transparency | None = None) -> str:
        """``name``'s cosignature line on ``note`` (a checkpoint of ``transparency``'s log)."""
        t = transparency or self.world.ledger.transparency
        witness = self.witnesses[name]
        size = parse_checkpoint(parse_note(note).text).size
        known = witness_size(witness, t.origin)
        return witness.add_checkpoint(request_text(t.consistency_text(known, size), note))

    def witness_head(self, *names: str) -> int:
        """A checkpoint of the head, cosigned by ``names`` and attached; its size."""
        t = self.world.ledger.transparency
        note = t.checkpoint()
        lines = "".join(self.cosign(n, note) for n in names)
        t.attach_cosignatures(note + lines)
        return parse_checkpoint(parse_note(note).text).size


def witness_size(witness: Witness, origin: str) -> int:
    import json

    state = json.loads(witness.state_path.read_text(encoding="utf-8"))
    return int(state["logs"][origin]["size"])
