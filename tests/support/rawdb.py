"""Direct access to the ledger's tables, as an attacker with database access has.

Tamper tests use it to do what the code never does: drop the append-only
triggers and the nonce index, then change, delete, swap or forge rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.audit.chain import ENTRY_SIGNATURE_CONTEXT
from ledger.audit.hashing import ZERO_HASH, MerkleFrontier, leaf_hash
from ledger.authorisation import Authorisation
from ledger.keys import SigningKey
from ledger.storage.chain import EventMeta, entry_bytes, seal
from ledger.storage.merkle import load_frontier
from ledger.storage.recorders import APPEND_ONLY_TABLES, CHAIN_TABLE, ChainedSQLiteRecorder


class RawDB:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.recorder = ledger.chain
        self.sqlite = isinstance(self.recorder, ChainedSQLiteRecorder)
        if self.sqlite:
            self.events = self.recorder.events_table_name
            self.chain = CHAIN_TABLE
            self.event_id = "rowid"
        else:
            schema = self.recorder.datastore.schema
            self.events = f'"{schema}"."{self.recorder.events_table_name}"'
            self.chain = f'"{schema}"."{CHAIN_TABLE}"'
            self.event_id = "notification_id"

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        sql = sql.format(**self.recorder.names)
        if self.sqlite:
            with self.recorder.datastore.transaction(commit=True) as c:
                c.execute(sql, params)
                try:
                    return [tuple(r) for r in c.fetchall()]
                except Exception:
                    return []
        sql = sql.replace("?", "%s")
        with (
            self.recorder.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            curs.execute(sql, params)
            return [tuple(r.values()) for r in curs.fetchall()] if curs.description else []

    def drop_guards(self) -> None:
        """Remove the append-only triggers and the nonce index."""
        if self.sqlite:
            for table in (self.recorder.events_table_name, *APPEND_ONLY_TABLES):
                for op in ("update", "delete"):
                    self.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            self.execute(f"DROP INDEX IF EXISTS {CHAIN_TABLE}_nonce")
        else:
            schema = self.recorder.datastore.schema
            for table in (self.recorder.events_table_name, *APPEND_ONLY_TABLES):
                self.execute(f'DROP TRIGGER IF EXISTS "{table}_no_change" ON "{schema}"."{table}"')
                self.execute(
                    f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{schema}"."{table}"'
                )
            self.execute(f'DROP INDEX IF EXISTS "{schema}"."{CHAIN_TABLE}_nonce"')

    def flip_chain_byte(self, position: int, column: str = "entry", index: int = 10) -> None:
        (value,) = self.execute(f"SELECT {column} FROM {{chain}} WHERE position = ?", (position,))[
            0
        ]
        data = bytearray(value)
        data[index] ^= 0x01
        self.execute(
            f"UPDATE {{chain}} SET {column} = ? WHERE position = ?", (bytes(data), position)
        )

    def notification_id(self, position: int) -> int:
        return int(
            self.execute("SELECT notification_id FROM {chain} WHERE position = ?", (position,))[0][
                0
            ]
        )

    def flip_event_byte(self, position: int, index: int = 5) -> None:
        nid = self.notification_id(position)
        (state,) = self.execute("SELECT state FROM {events} WHERE {event_id} = ?", (nid,))[0]
        data = bytearray(state)
        data[index] ^= 0x01
        self.execute("UPDATE {events} SET state = ? WHERE {event_id} = ?", (bytes(data), nid))

    def delete_chain_row(self, position: int) -> None:
        self.execute("DELETE FROM {chain} WHERE position = ?", (position,))

    def swap_chain_rows(self, a: int, b: int) -> None:
        """Swap everything but the position between two chain rows."""
        cols = "notification_id, entry, entry_hash, command, actor_key, nonce, signer, signature"
        row_a = self.execute(f"SELECT {cols} FROM {{chain}} WHERE position = ?", (a,))[0]
        row_b = self.execute(f"SELECT {cols} FROM {{chain}} WHERE position = ?", (b,))[0]
        self.execute("DELETE FROM {chain} WHERE position IN (?, ?)", (a, b))
        for position, row in ((a, row_b), (b, row_a)):
            self.execute("INSERT INTO {chain} VALUES (?,?,?,?,?,?,?,?,?)", (position, *row))

    def forge_append(
        self, stored: StoredEvent, authorisation: Authorisation, ledger_key: SigningKey
    ) -> int:
        """Append one event and a correctly linked, ledger-signed chain row by hand,
        skipping every check the recorder makes (key validity, nonce)."""
        sid = stored.originator_id.hex if self.sqlite else stored.originator_id
        if self.sqlite:
            self.execute(
                "INSERT INTO {events} VALUES (?,?,?,?)",
                (sid, stored.originator_version, stored.topic, stored.state),
            )
            nid = int(self.execute("SELECT MAX(rowid) FROM {events}")[0][0])
        else:
            nid = int(
                self.execute(
                    "INSERT INTO {events} (originator_id, originator_version, topic, state) "
                    "VALUES (?,?,?,?) RETURNING notification_id",
                    (sid, stored.originator_version, stored.topic, stored.state),
                )[0][0]
            )
        head = self.recorder.chain_head()
        meta = EventMeta(schema=1, time="2026-11-26T00:00:00+00:00")
        (row,) = seal(head, [stored], [nid], [meta], authorisation, ledger_key)
        self.execute("INSERT INTO {chain} VALUES (?,?,?,?,?,?,?,?,?)", row.as_tuple())
        return row.position

    def rewrite_event(self, position: int, old: bytes, new: bytes, ledger_key: SigningKey) -> None:
        """The operator's rewrite: replace ``old`` by ``new`` in the event stored at
        ``position``, then reseal everything from there with the ledger key -- entries,
        links, seals and the stored Merkle tree -- so the chain checks pass again."""
        nid = self.notification_id(position)
        (state,) = self.execute("SELECT state FROM {events} WHERE {event_id} = ?", (nid,))[0]
        assert old in bytes(state), "nothing to rewrite"
        self.execute(
            "UPDATE {events} SET state = ? WHERE {event_id} = ?",
            (bytes(state).replace(old, new), nid),
        )
        self.reseal(position, ledger_key)

    def reseal(self, start: int, ledger_key: SigningKey) -> None:
        """Recompute every chain row from ``start`` (entry, hash, link, seal) and the tree."""
        rows = self.execute(
            "SELECT position, notification_id, entry, signer FROM {chain} "
            "WHERE position >= ? ORDER BY position",
            (start,),
        )
        prev = (
            bytes(
                self.execute("SELECT entry_hash FROM {chain} WHERE position = ?", (start - 1,))[0][
                    0
                ]
            )
            if start > 1
            else ZERO_HASH
        )
        # The entries as hashed (a compact row, ledger format 4, is stored without them),
        # read before any row changes; the resealed rows are stored in full.
        entries = {r.position: r.entry for r in self.recorder.select_chain(start - 1, 10**9)}
        for position, nid, __, signer in rows:
            fields = json.loads(entries[position])
            (state,) = self.execute("SELECT state FROM {events} WHERE {event_id} = ?", (nid,))[0]
            new_entry = entry_bytes(
                position=position,
                prev=prev,
                stream=fields["stream"],
                version=fields["version"],
                topic=fields["type"],
                meta=EventMeta(schema=fields["schema"], time=fields["time"]),
                state=bytes(state),
                command_digest=fields["command"],
                part=fields["part"][0],
                count=fields["part"][1],
            )
            entry_hash = leaf_hash(new_entry)
            signature = (
                ledger_key.sign(ENTRY_SIGNATURE_CONTEXT + entry_hash)
                if signer is not None
                else None
            )
            self.execute(
                "UPDATE {chain} SET entry = ?, entry_hash = ?, signature = ? WHERE position = ?",
                (new_entry, entry_hash, signature, position),
            )
            prev = entry_hash
        self.rebuild_tree()

    def rebuild_tree(self) -> None:
        """Rewrite the stored Merkle tree from the chain's entry hashes as they are now."""
        hashes = [
            bytes(h) for (h,) in self.execute("SELECT entry_hash FROM {chain} ORDER BY position")
        ]
        self.execute("DELETE FROM {tree}")
        frontier = MerkleFrontier()
        for h in hashes:
            for level, idx, node in frontier.append(h):
                self.execute("INSERT INTO {tree} VALUES (?,?,?)", (level, idx, node))
        self.recorder._tree_cache = None

    def _insert_event(self, stored: StoredEvent) -> int:
        sid = stored.originator_id.hex if self.sqlite else stored.originator_id
        if self.sqlite:
            self.execute(
                "INSERT INTO {events} VALUES (?,?,?,?)",
                (sid, stored.originator_version, stored.topic, stored.state),
            )
            return int(self.execute("SELECT MAX(rowid) FROM {events}")[0][0])
        return int(
            self.execute(
                "INSERT INTO {events} (originator_id, originator_version, topic, state) "
                "VALUES (?,?,?,?) RETURNING notification_id",
                (sid, stored.originator_version, stored.topic, stored.state),
            )[0][0]
        )

    def forge_command(
        self, events: Sequence[Any], authorisation: Authorisation, ledger_key: SigningKey
    ) -> list[int]:
        """Record ``events`` (domain events) under ``authorisation`` as the operator
        would: stored events, chain rows linked and sealed with the ledger key, and the
        Merkle tree nodes -- everything the recorder writes, with none of its checks and
        none of the handler's. Only a replay can tell (issue 11.1). Returns positions."""
        stored = [self.ledger.mapper.to_stored_event(e) for e in events]
        metas = [
            EventMeta(schema=getattr(type(e), "class_version", 1), time=e.timestamp.isoformat())
            for e in events
        ]
        nids = [self._insert_event(s) for s in stored]
        head = self.recorder.chain_head()
        rows = seal(head, stored, nids, metas, authorisation, ledger_key)
        frontier = load_frontier(head.position, self.recorder)
        for row in rows:
            self.execute("INSERT INTO {chain} VALUES (?,?,?,?,?,?,?,?,?)", row.as_tuple())
            for level, idx, node in frontier.append(row.entry_hash):
                self.execute(
                    "INSERT INTO {tree} (level, idx, hash) VALUES (?,?,?)", (level, idx, node)
                )
        return [row.position for row in rows]


def note_event(ledger: Ledger, text: str, author: str) -> StoredEvent:
    """A stored event for a new note, as the mapper would produce it."""
    from ledger.areas.notes.events import Note

    note = Note(text=text, author=author)
    (event,) = note.collect_events()
    return ledger.mapper.to_stored_event(event)
