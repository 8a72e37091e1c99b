"""Genesis and key management commands.

``ledger.genesis`` names the office (root) key and the ledger key; afterwards
keys are registered by an office key, and rotated or revoked by an office key or
by their own holder. The verifier applies the same rules when it replays the log.
"""

from __future__ import annotations

from ledger.areas.departments.events import department_id
from ledger.areas.keys.events import ROLES, Genesis, Key
from ledger.audit.verifier import valid_note_name
from ledger.commanding import Context, Outcome, Params, command
from ledger.errors import (
    AuthorisationError,
    ConflictError,
    KeyFileError,
    PermissionDenied,
    ValidationError,
)
from ledger.keys import PublicKey

LEDGER_FORMAT = 1
ORIGIN_PATTERN = r"[^\s+]{1,200}"


def _public_key(params: Params, name: str) -> PublicKey | None:
    text = params.text(name, max_length=100)
    if not text:
        return None
    try:
        return PublicKey.from_b64(text)
    except KeyFileError as exc:
        params.fail(name, exc.message)
        return None


@command("ledger.genesis", "Start a ledger: its origin, the office (root) key and the ledger key.")
def genesis(ctx: Context) -> Outcome:
    p = ctx.params
    origin = p.text("origin", pattern=ORIGIN_PATTERN)
    office = _public_key(p, "office_public_key")
    ledger_key = _public_key(p, "ledger_public_key")
    office_holder = p.text("office_holder", max_length=200)
    p.done()
    assert office is not None and ledger_key is not None
    if office.key_id == ledger_key.key_id:
        raise ConflictError("the office key and the ledger key must differ")
    if ctx.authorisation.key_id != office.key_id:
        raise AuthorisationError("the genesis must be signed by the office key it names")
    ctx.authorisation.verify(office.public_key)
    signer = ctx.ledger.signer
    if signer is None or signer.key_id != ledger_key.key_id:
        raise AuthorisationError("the genesis must name the key this ledger seals with")
    return Outcome(
        [
            Genesis(
                origin=origin,
                office_key=office.key_id,
                ledger_key=ledger_key.key_id,
                format=LEDGER_FORMAT,
            ),
            Key(
                key_id=office.key_id,
                public_key=office.public_b64,
                holder=office_holder,
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


@command("key.register", "Register a public key with its holder and roles (office only).")
def register(ctx: Context) -> Outcome:
    ctx.require_role("office")
    p = ctx.params
    public = _public_key(p, "public_key")
    holder = p.text("holder", max_length=200)
    roles = p.text_list("roles", choices=ROLES, min_items=1)
    organisation = p.optional_text("organisation", max_length=64)
    note_name = p.optional_text("note_name", max_length=200)
    person = p.optional_text("person", max_length=64)
    if note_name is not None and not valid_note_name(note_name):
        p.fail("note_name", "must be non-empty, without spaces or '+' (a schema-less URL)")
    if "witness" in roles and note_name is None:
        p.fail("note_name", "a witness key needs the name it cosigns under")
    p.done()
    assert public is not None
    if ctx.ledger.key(public.key_id) is not None:
        raise ConflictError(f"key {public.key_id} is already registered")
    if organisation is not None and ctx.ledger.find(department_id(organisation)) is None:
        raise ValidationError(
            "no such department",
            {"organisation": [f"{organisation} is not registered"]},
            rule="R10.1",
        )
    key = Key(
        key_id=public.key_id,
        public_key=public.public_b64,
        holder=holder,
        roles=roles,
        organisation=organisation,
        predecessor=None,
        registered_by=ctx.actor_id,
        note_name=note_name,
        person=person,
    )
    return Outcome([key], {"key_id": public.key_id})


def _subject(ctx: Context, key_id: str, verb: str) -> Key:
    key = ctx.ledger.valid_key(key_id)
    actor_is_office = ctx.actor is not None and "office" in ctx.actor.roles
    if not actor_is_office and key_id != ctx.actor_id:
        raise PermissionDenied(f"only an office key or its own holder may {verb} key {key_id}")
    return key


@command("key.rotate", "Replace a key by a new one with the same holder and roles.")
def rotate(ctx: Context) -> Outcome:
    p = ctx.params
    key_id = p.text("key_id", max_length=64)
    public = _public_key(p, "public_key")
    p.done()
    assert public is not None
    old = _subject(ctx, key_id, "rotate")
    if ctx.ledger.key(public.key_id) is not None:
        raise ConflictError(f"key {public.key_id} is already registered")
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


@command("key.revoke", "Revoke a key: its signatures are invalid from the next position on.")
def revoke(ctx: Context) -> Outcome:
    p = ctx.params
    key_id = p.text("key_id", max_length=64)
    reason = p.text("reason", max_length=500)
    p.done()
    key = _subject(ctx, key_id, "revoke")
    if "ledger" in key.roles:
        raise PermissionDenied("the ledger key is rotated, never revoked (it seals every entry)")
    if "office" in key.roles and key_id == ctx.actor_id:
        raise PermissionDenied("an office key is revoked by another office key, or rotated")
    key.revoke(key_id=key_id, reason=reason)
    return Outcome([key], {"key_id": key_id, "status": "revoked"})
