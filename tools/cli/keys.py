"""keygen and key register / rotate / revoke / show: the keys area (``ledger/areas/keys``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ledger.errors import NotFoundError
from ledger.i18n import _
from tools.cli.runtime import KEY, Runtime, pass_runtime, say

ROLE_CHOICES = click.Choice(
    ["office", "ledger", "department", "inspector", "witness", "judicial", "discipline", "auditor"]
)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--label", default="", help="Who or what the key is for.")
@click.option(
    "--seal/--no-seal",
    default=False,
    help="Seal with a passphrase (env SHUANGSUI_PASSPHRASE, else asked).",
)
@pass_runtime
def keygen(runtime: Runtime, out: Path, label: str, seal: bool) -> None:
    """Create a new Ed25519 key file OUT (mode 0600) and OUT's .pub beside it.

    \b
    Example:
      shuangsui keygen keys/scjgj.key --label 县市场监管局
    Give the .pub file to the office to register; keep the key file.
    """
    from ledger.keys import SigningKey, write_key_file

    passphrase = None
    if seal:
        passphrase = runtime.environ.get("SHUANGSUI_PASSPHRASE") or str(
            click.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
        )
    key = SigningKey.generate(label)
    write_key_file(out, key, passphrase=passphrase)
    say(_("key id: {key_id}", key_id=key.key_id))
    say(_("public key: {public_key}", public_key=key.public.public_b64))
    say(_("written: {path} and {public}", path=out, public=out.with_suffix(".pub")))


@click.group()
def key() -> None:
    """Register, rotate, revoke and show keys (signed ledger events).

    \b
    Example:
      shuangsui key show 51df10d9874dd9ae
    """


def _public_b64(source: str) -> str:
    from ledger.keys import read_public_key

    return read_public_key(source).public_b64


@key.command("register")
@KEY
@click.option("--public-key", required=True, help="A .pub file, a key file, or base64.")
@click.option("--holder", required=True, help="Person or unit holding the key.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=ROLE_CHOICES,
    help="Repeat for several roles.",
)
@click.option("--organisation", default=None, help="Department or unit code.")
@click.option(
    "--note-name",
    default=None,
    help="For a witness: the name it cosigns checkpoints under (a schema-less URL).",
)
@pass_runtime
def register(
    runtime: Runtime,
    key_file: str,
    public_key: str,
    holder: str,
    roles: tuple[str, ...],
    organisation: str | None,
    note_name: str | None,
) -> None:
    """Register a public key (office key only).

    \b
    Example:
      shuangsui key register --key var/keys/office.key --public-key scjgj.pub \\
          --holder 县市场监管局 --role department --organisation SCJGJ
    """
    result = runtime.run(
        key_file,
        "key.register",
        {
            "public_key": _public_b64(public_key),
            "holder": holder,
            "roles": list(roles),
            "organisation": organisation,
            "note_name": note_name,
        },
    )
    say(
        _(
            "registered key {key_id} at position {position}",
            key_id=result["key_id"],
            position=result["positions"][1],
        )
    )


@key.command("rotate")
@KEY
@click.argument("key_id")
@click.option("--public-key", required=True, help="The new key: a .pub file, key file or base64.")
@pass_runtime
def rotate(runtime: Runtime, key_file: str, key_id: str, public_key: str) -> None:
    """Replace KEY_ID by a new key with the same holder and roles.

    \b
    Example:
      shuangsui key rotate --key old.key 3f9a1c2b4d5e6f70 --public-key new.pub
    """
    result = runtime.run(
        key_file, "key.rotate", {"key_id": key_id, "public_key": _public_b64(public_key)}
    )
    say(
        _(
            "key {key_id} rotated to {new} at position {position}",
            key_id=key_id,
            new=result["key_id"],
            position=result["positions"][1],
        )
    )


@key.command("revoke")
@KEY
@click.argument("key_id")
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@pass_runtime
def revoke(runtime: Runtime, key_file: str, key_id: str, reason: str) -> None:
    """Revoke KEY_ID: its signatures are invalid from the next position on.

    \b
    Example:
      shuangsui key revoke --key var/keys/office.key 3f9a1c2b4d5e6f70 --reason 人员调离
    """
    result = runtime.run(key_file, "key.revoke", {"key_id": key_id, "reason": reason})
    say(
        _(
            "key {key_id} revoked at position {position}",
            key_id=key_id,
            position=result["positions"][1],
        )
    )


@key.command("show")
@click.argument("key_id")
@pass_runtime
def show(runtime: Runtime, key_id: str) -> None:
    """Show a registered key: holder, roles, status.

    \b
    Example:
      shuangsui key show 3f9a1c2b4d5e6f70
    """

    ledger = runtime.open(write=False)
    try:
        found = ledger.key(key_id)
    finally:
        ledger.close()
    if found is None:
        raise NotFoundError(_("key {key_id} is not registered", key_id=key_id))
    click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
