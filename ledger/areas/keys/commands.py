"""Genesis and key management commands.

``ledger.genesis`` names the office (root) key and the ledger key; afterwards
keys are registered by an office key, and rotated or revoked by an office key or
by their own holder. The verifier applies the same rules when it replays the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.areas.keys.events import Genesis, Key
from ledger.audit.notes import valid_note_name
from ledger.audit.standing import SIGNED_FORMAT_SINCE
from ledger.commanding import Command, Context, Outcome, Route
from ledger.errors import (
    AuthorisationError,
    ConflictError,
    KeyFileError,
    PermissionDeniedError,
    ValidationError,
)
from ledger.fields import custom, integer, optional_text, text, text_list
from ledger.i18n import _
from ledger.ids import department_id
from ledger.keys import PublicKey
from ledger.params import Params
from ledger.roles import ANY, OFFICE
from ledger.roles import ROLES as KEY_ROLES

ORIGIN_PATTERN = r"[^\s+]{1,200}"


def read_public_key(params: Params, name: str) -> PublicKey | None:
    """An Ed25519 public key, base64 (32 bytes)."""
    text = params.text(name, max_length=100)
    if not text:
        return None
    try:
        return PublicKey.from_b64(text)
    except KeyFileError as exc:
        params.fail(name, exc.message)
        return None


@dataclass(frozen=True)
class StartLedger(Command):
    """Start a ledger: its origin, the office (root) key and the ledger key."""

    ACTION = "ledger.genesis"
    ROLES = frozenset()  # signed by the office key it names; no key is registered yet

    origin: str = text(pattern=ORIGIN_PATTERN)
    office_public_key: PublicKey = custom("string", read_public_key, max_length=100)
    ledger_public_key: PublicKey = custom("string", read_public_key, max_length=100)
    office_holder: str = text(max_length=200)
    format: int = integer(
        required=False,
        minimum=1,
        description="the ledger format the office starts the ledger under (signed; "
        "required from format 3, ledger.audit.standing)",
    )

    def handle(self, ctx: Context) -> Outcome:
        office, ledger_key, origin = self.office_public_key, self.ledger_public_key, self.origin
        starting = ctx.ledger.starting_format
        if self.format and self.format != starting:
            raise AuthorisationError(
                _(
                    "the office signed format {format}; this ledger is started under format "
                    "{starting}",
                    format=self.format,
                    starting=starting,
                )
            )
        if not self.format and starting >= SIGNED_FORMAT_SINCE:
            raise ValidationError(
                _(
                    "a format-{starting} genesis signs its format: params.format = {starting}",
                    starting=starting,
                ),
                {"format": ["required"]},
            )
        if office.key_id == ledger_key.key_id:
            raise ConflictError(_("the office key and the ledger key must differ"))
        if ctx.authorisation.key_id != office.key_id:
            raise AuthorisationError(_("the genesis must be signed by the office key it names"))
        ctx.authorisation.verify(office.public_key)
        signer = ctx.ledger.signer
        if signer is None or signer.key_id != ledger_key.key_id:
            raise AuthorisationError(_("the genesis must name the key this ledger seals with"))
        return Outcome(
            [
                Genesis(
                    origin=origin,
                    office_key=office.key_id,
                    ledger_key=ledger_key.key_id,
                    format=ctx.ledger.starting_format,
                ),
                Key(
                    key_id=office.key_id,
                    public_key=office.public_b64,
                    holder=self.office_holder,
                    roles=("office",),
                    organisation=None,
                    predecessor=None,
                    registered_by=office.key_id,
                    note_name=None,
                ),
                Key(
                    key_id=ledger_key.key_id,
                    public_key=ledger_key.public_b64,
                    holder=origin,
                    roles=("ledger",),
                    organisation=None,
                    predecessor=None,
                    registered_by=office.key_id,
                    note_name=origin,
                ),
            ],
            {"origin": origin, "office_key": office.key_id, "ledger_key": ledger_key.key_id},
        )


@dataclass(frozen=True)
class RegisterKey(Command):
    """Register a public key with its holder and roles (office only)."""

    ACTION = "key.register"
    ROLES = frozenset({OFFICE})
    ROUTE = Route("POST", "/api/v1/keys")

    public_key: PublicKey = custom("string", read_public_key, max_length=100)
    holder: str = text(max_length=200)
    roles: tuple[str, ...] = text_list(choices=KEY_ROLES, min_items=1)
    organisation: str | None = optional_text(max_length=64)
    note_name: str | None = optional_text(max_length=200)
    person: str | None = optional_text(max_length=64)

    def check(self, params: Params) -> None:
        if self.note_name is not None and not valid_note_name(self.note_name):
            params.fail(
                "note_name", _("must be non-empty, without spaces or '+' (a schema-less URL)")
            )
        if "witness" in self.roles and self.note_name is None:
            params.fail("note_name", _("a witness key needs the name it cosigns under"))

    def handle(self, ctx: Context) -> Outcome:
        public, organisation = self.public_key, self.organisation
        if ctx.ledger.key(public.key_id) is not None:
            raise ConflictError(_("key {key_id} is already registered", key_id=public.key_id))
        if organisation is not None and ctx.ledger.find(department_id(organisation)) is None:
            raise ValidationError(
                _("no such department"),
                {
                    "organisation": [
                        _("{organisation} is not registered", organisation=organisation)
                    ]
                },
                rule="R10.1",
            )
        key = Key(
            key_id=public.key_id,
            public_key=public.public_b64,
            holder=self.holder,
            roles=self.roles,
            organisation=organisation,
            predecessor=None,
            registered_by=ctx.actor_id,
            note_name=self.note_name,
            person=self.person,
        )
        return Outcome([key], {"key_id": public.key_id})


def _subject(ctx: Context, key_id: str, verb: str) -> Key:
    key: Key = ctx.ledger.valid_key(key_id)
    actor_is_office = ctx.actor is not None and "office" in ctx.actor.roles
    if not actor_is_office and key_id != ctx.actor_id:
        raise PermissionDeniedError(
            _(
                "only an office key or its own holder may {verb} key {key_id}",
                verb=verb,
                key_id=key_id,
            )
        )
    return key


@dataclass(frozen=True)
class RotateKey(Command):
    """Replace a key by a new one with the same holder and roles."""

    ACTION = "key.rotate"
    ROLES = frozenset({ANY})
    ROUTE = Route("POST", "/api/v1/keys/{key_id}/rotation")

    key_id: str = text(max_length=64)
    public_key: PublicKey = custom("string", read_public_key, max_length=100)

    def handle(self, ctx: Context) -> Outcome:
        public = self.public_key
        old = _subject(ctx, self.key_id, _("rotate"))
        if ctx.ledger.key(public.key_id) is not None:
            raise ConflictError(_("key {key_id} is already registered", key_id=public.key_id))
        old.rotate(key_id=old.key_id, successor=public.key_id)
        new = Key(
            key_id=public.key_id,
            public_key=public.public_b64,
            holder=old.holder,
            roles=old.roles,
            organisation=old.organisation,
            predecessor=old.key_id,
            registered_by=ctx.actor_id,
            note_name=old.note_name,
            person=old.person,
        )
        return Outcome([old, new], {"key_id": public.key_id, "predecessor": old.key_id})


@dataclass(frozen=True)
class RevokeKey(Command):
    """Revoke a key: its signatures are invalid from the next position on."""

    ACTION = "key.revoke"
    ROLES = frozenset({ANY})
    ROUTE = Route("POST", "/api/v1/keys/{key_id}/revocation")

    key_id: str = text(max_length=64)
    reason: str = text(max_length=500)

    def handle(self, ctx: Context) -> Outcome:
        key_id = self.key_id
        key = _subject(ctx, key_id, _("revoke"))
        if "ledger" in key.roles:
            raise PermissionDeniedError(
                _("the ledger key is rotated, never revoked (it seals every entry)")
            )
        if "office" in key.roles and key_id == ctx.actor_id:
            raise PermissionDeniedError(
                _("an office key is revoked by another office key, or rotated")
            )
        key.revoke(key_id=key_id, reason=self.reason)
        return Outcome([key], {"key_id": key_id, "status": "revoked"})


COMMANDS = (StartLedger, RegisterKey, RotateKey, RevokeKey)
