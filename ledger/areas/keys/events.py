"""The ledger's genesis and its keys (register, rotate, revoke).

Invariants: a key id is the digest of its public key; a key is registered once;
a rotated or revoked key never becomes valid again. The verifier
(:mod:`ledger.audit.chain`) reads these events' stored fields directly, so their
names are part of the ledger format: ``key_id``, ``public_key`` (base64),
``roles``, ``predecessor``; ``origin`` on the genesis.
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.audit.keystate import (
    GENESIS_TOPIC,
    KEY_REGISTERED_TOPIC,
    KEY_REVOKED_TOPIC,
    KEY_ROTATED_TOPIC,
)
from ledger.i18n import _
from ledger.ids import GENESIS_ID, key_stream_id
from ledger.roles import ROLES  # noqa: F401  (re-exported: the roles a key may hold)

#: A key's state (``Key.status``) as a refusal names it.
KEY_STATES = {"active": _("active"), "rotated": _("rotated"), "revoked": _("revoked")}


class Genesis(Aggregate):
    """Position 1 of every ledger: its origin and the two keys it starts from."""

    TOPIC = "shuangsui.ledger"

    class Created(Aggregate.Created):
        TOPIC = GENESIS_TOPIC
        origin: str
        office_key: str
        ledger_key: str
        format: int

    @event(Created)
    def __init__(self, origin: str, office_key: str, ledger_key: str, format: int) -> None:
        self.origin = origin
        self.office_key = office_key
        self.ledger_key = ledger_key
        self.format = format

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return GENESIS_ID


class Key(Aggregate):
    """One registered Ed25519 public key and what its holder may do."""

    TOPIC = "shuangsui.key"

    class Created(Aggregate.Created):
        TOPIC = KEY_REGISTERED_TOPIC
        key_id: str
        public_key: str
        holder: str
        roles: tuple[str, ...]
        organisation: str | None
        predecessor: str | None
        registered_by: str
        note_name: str | None
        person: str | None

    class Rotated(Aggregate.Event):
        TOPIC = KEY_ROTATED_TOPIC
        key_id: str
        successor: str

    class Revoked(Aggregate.Event):
        TOPIC = KEY_REVOKED_TOPIC
        key_id: str
        reason: str

    @event(Created)
    def __init__(
        self,
        key_id: str,
        public_key: str,
        holder: str,
        roles: tuple[str, ...],
        organisation: str | None,
        predecessor: str | None,
        registered_by: str,
        note_name: str | None,
        person: str | None = None,
    ) -> None:
        self.key_id = key_id
        self.public_key = public_key
        self.holder = holder
        self.roles = tuple(roles)
        self.organisation = organisation
        self.predecessor = predecessor
        self.registered_by = registered_by
        #: The name this key signs C2SP notes under: the origin for the ledger key,
        #: a witness's schema-less URL for a witness key.
        self.note_name = note_name
        #: For an inspector's key: the person (人员编号) in the inspector directory.
        self.person = person
        self.status = "active"
        self.successor: str | None = None
        self.reason: str | None = None

    @staticmethod
    def create_id(key_id: str, **_: Any) -> UUID:
        return key_stream_id(key_id)

    @event(Rotated)
    def rotate(self, key_id: str, successor: str) -> None:
        self.status = "rotated"
        self.successor = successor

    @event(Revoked)
    def revoke(self, key_id: str, reason: str) -> None:
        self.status = "revoked"
        self.reason = reason

    @property
    def public_key_bytes(self) -> bytes:
        return base64.b64decode(self.public_key)

    @property
    def active(self) -> bool:
        return self.status == "active"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "public_key": self.public_key,
            "holder": self.holder,
            "roles": list(self.roles),
            "organisation": self.organisation,
            "status": self.status,
            "predecessor": self.predecessor,
            "successor": self.successor,
            "registered_by": self.registered_by,
            "note_name": self.note_name,
            "person": self.person,
        }
