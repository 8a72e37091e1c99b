"""init, status, verify: create the ledger (keys and genesis), describe its head, and
check every hash, link and signature of its chain."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from ledger import formats
from ledger.audit.report import Failure, Report
from ledger.errors import ConflictError, ValidationError
from ledger.i18n import _, joined, os_reason, render
from tools.cli.runtime import (
    EXIT_TAMPERED,
    Runtime,
    bundle_header,
    pass_runtime,
    read_text,
    say,
    shown,
    writable_output,
)


def _new_passphrase(runtime: Runtime, seal: bool) -> str | None:
    if not seal:
        return None
    value = runtime.environ.get("SHUANGSUI_PASSPHRASE")
    if value:
        return value
    return str(
        click.prompt("Passphrase to seal the new keys", hide_input=True, confirmation_prompt=True)
    )


@click.command()
@click.option(
    "--origin",
    default="anyue.example/shuangsui",
    show_default=True,
    help="The log's name in checkpoints: a schema-less URL, no spaces.",
)
@click.option(
    "--office-holder",
    default="安岳县双随机联合抽查联席会议办公室",
    show_default=True,
    help="Who holds the conference office (root) key.",
)
@click.option(
    "--seal/--no-seal",
    default=False,
    help="Seal both new key files with a passphrase (env SHUANGSUI_PASSPHRASE).",
)
@click.option(
    "--create-tables-only",
    is_flag=True,
    help="Only create the tables, indexes and triggers (the database owner, once); no keys, "
    "no genesis. The service then runs with SHUANGSUI_CREATE_TABLES=n.",
)
@click.option(
    "--grant-to",
    metavar="ROLE",
    default=None,
    help="With --create-tables-only on PostgreSQL: grant ROLE read and append only (no DDL, "
    "no TRUNCATE, no DELETE) and print the GRANT statements.",
)
@click.option(
    "--genesis-at",
    type=int,
    default=None,
    hidden=True,
    help="The genesis' signed time (Unix seconds): the demo backfills a year from it.",
)
@pass_runtime
def init(
    runtime: Runtime,
    origin: str,
    office_holder: str,
    seal: bool,
    create_tables_only: bool = False,
    grant_to: str | None = None,
    genesis_at: int | None = None,
) -> None:
    """Create the ledger key, the office (root) key and the genesis event.

    \b
    Examples:
      shuangsui --home var init --origin anyue.example/shuangsui
      shuangsui --county anyue init      # a county of a provincial deployment
    Keys are written to HOME/keys (mode 0600). Move office.key to the office's
    own custody afterwards: it is the root of trust.
    """
    from ledger.authorisation import sign_command
    from ledger.bootstrap import open_ledger
    from ledger.keys import SigningKey, write_key_file

    settings = runtime.settings
    if runtime.county is not None:
        configured = runtime.selected_county.origin
        source = click.get_current_context().get_parameter_source("origin")
        if source in (click.core.ParameterSource.DEFAULT, None):
            origin = configured
        elif origin != configured:
            raise ValidationError(
                _(
                    "county {code}'s origin is {configured} (counties.json), not {origin}",
                    code=runtime.county,
                    configured=configured,
                    origin=origin,
                )
            )
    if grant_to is not None and not create_tables_only:
        raise ValidationError(_("--grant-to goes with --create-tables-only"))
    if create_tables_only:
        _create_tables(settings, grant_to)
        return
    for path in (settings.ledger_key_path, settings.office_key_path):
        if path.exists():
            raise ConflictError(_("{path} already exists; this home already has keys", path=path))
    ledger_key = SigningKey.generate("ledger")
    office_key = SigningKey.generate("office")
    ledger = open_ledger(settings, signer=ledger_key, must_exist=False)
    try:
        if ledger.head().position:
            raise ConflictError(
                _("{settings} already holds a ledger", settings=settings.describe_database())
            )
        passphrase = _new_passphrase(runtime, seal)
        # Keys go to temporary names first: a failed genesis leaves no stray keys,
        # and a successful one is never left without its keys.
        staged = []
        try:
            for key, path in (
                (ledger_key, settings.ledger_key_path),
                (office_key, settings.office_key_path),
            ):
                temp = path.with_name(f".{path.name}.new")
                for leftover in (temp, temp.with_suffix(".pub")):
                    leftover.unlink(missing_ok=True)
                write_key_file(temp, key, passphrase=passphrase)
                staged.append((temp, path))
            recorded = ledger.execute(
                sign_command(
                    office_key,
                    "ledger.genesis",
                    {
                        "origin": origin,
                        "office_public_key": office_key.public.public_b64,
                        "ledger_public_key": ledger_key.public.public_b64,
                        "office_holder": office_holder,
                        "format": formats.CURRENT,
                    },
                    created=genesis_at,
                ),
                now=genesis_at,
            )
        except BaseException:
            for temp, __ in staged:
                temp.unlink(missing_ok=True)
                temp.with_suffix(".pub").unlink(missing_ok=True)
            raise
        for temp, path in staged:
            os.replace(temp, path)
            os.replace(temp.with_suffix(".pub"), path.with_suffix(".pub"))
        runtime.keep_receipt(recorded.receipt)
    finally:
        ledger.close()
    say(_("ledger: {database}", database=settings.describe_database()))
    say(_("origin: {origin}", origin=origin))
    say(_("ledger key {key_id}: {path}", key_id=ledger_key.key_id, path=settings.ledger_key_path))
    say(
        _(
            "office key {key_id}: {path} (root of trust)",
            key_id=office_key.key_id,
            path=settings.office_key_path,
        )
    )
    say(
        _(
            "genesis at positions {first}-{last}",
            first=recorded.first_position,
            last=recorded.last_position,
        )
    )


def _create_tables(settings: Any, grant_to: str | None) -> None:
    """The owner's one-time step: every table, index and trigger, and the service role's
    grants (read and append only)."""
    from dataclasses import replace

    from ledger.bootstrap import open_ledger
    from ledger.config import PostgresTarget
    from ledger.storage.recorders import postgres_grants

    target = settings.target
    if grant_to is not None and not isinstance(target, PostgresTarget):
        raise ValidationError(_("--grant-to is for PostgreSQL (SQLite has no roles)"))
    if grant_to is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", grant_to):
        raise ValidationError(
            _("{grant_to!r} is not a plain PostgreSQL role name", grant_to=grant_to)
        )
    ledger = open_ledger(replace(settings, create_tables=True), must_exist=False)
    try:
        say(
            _(
                "tables, indexes and triggers created in {database}",
                database=settings.describe_database(),
            )
        )
        if grant_to is not None:
            assert isinstance(target, PostgresTarget)
            schema = target.schema or "public"
            for statement in postgres_grants(schema, grant_to, ledger.chain.events_table_name):
                ledger.chain.execute(statement)
                click.echo(statement + ";")
            say(
                _(
                    "run the service as {role} with SHUANGSUI_CREATE_TABLES=n; then "
                    "'shuangsui init' (as that role) writes the keys and the genesis",
                    role=grant_to,
                )
            )
    finally:
        ledger.close()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_runtime
def status(runtime: Runtime, as_json: bool) -> None:
    """Show the ledger's origin, size, head hash and founding keys.

    \b
    Example:
      shuangsui status --json
    """
    ledger = runtime.open(write=False)
    try:
        head = ledger.head()
        genesis = ledger.genesis()
        info = {
            "database": runtime.settings.describe_database(),
            "origin": genesis.origin if genesis else None,
            "size": head.position,
            "head": head.entry_hash.hex(),
            "office_key": genesis.office_key if genesis else None,
            "ledger_key": genesis.ledger_key if genesis else None,
        }
    finally:
        ledger.close()
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    for name, value in info.items():
        click.echo(f"{name:<11}{value}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes verifying signatures (default: one per core).",
)
@click.option(
    "--bundle",
    "bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verify an export bundle offline instead of the database.",
)
@click.option(
    "--since",
    "since",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verify only what follows this trusted checkpoint, and that the log extends it.",
)
@click.option(
    "--receipts",
    "receipts_dir",
    type=click.Path(path_type=Path),
    help="Also prove every receipt in this folder is still in the log (e.g. HOME/receipts): "
    "the database's, or the --bundle's (a full export, or a slice holding the receipts' "
    "entries and a consistency proof from their checkpoints).",
)
@click.option(
    "--replay/--no-replay",
    default=True,
    show_default=True,
    help="Re-run every signed command and compare its events with the stored ones "
    "(the database and full bundles; not with --since).",
)
@click.option(
    "--allow-unwitnessed",
    is_flag=True,
    help="Do not exit 1 when the head checkpoint lacks the witness quorum (a fresh ledger).",
)
@click.option(
    "--accept-format",
    "accept_format",
    type=click.IntRange(1, None),
    default=None,
    help="Accept a ledger started under this older format (e.g. 1), knowing it is not held "
    "to the rules of later formats; never one whose genesis was signed after the next "
    "format existed.",
)
@click.option(
    "--vkey",
    default=None,
    metavar="VKEY",
    help="With --bundle: the log's verifier key (name+hash+base64, from 'shuangsui "
    "checkpoint vkey'); the bundle must be signed by it.",
)
@click.option(
    "--trusted-checkpoint",
    "trusted_checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --bundle: a checkpoint you already trust; the bundle must be signed by "
    "the same log key and agree with its root.",
)
@click.option(
    "--consistency",
    "consistency_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --bundle and --trusted-checkpoint of another size: the consistency proof "
    "between the two ('shuangsui consistency OLD NEW' output), when the bundle carries none.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --since: the auditor's state file at that checkpoint (keys, nonces, the "
    "state map), written by an earlier 'verify --save-state'; nothing before the "
    "checkpoint is then read from the database.",
)
@click.option(
    "--save-state",
    "save_state",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="After an intact check of the database: write the auditor's state at the "
    "latest checkpoint verified, for the next 'verify --since ... --state'.",
)
@pass_runtime
def verify(
    runtime: Runtime,
    as_json: bool,
    workers: int | None,
    bundle: Path | None,
    since: Path | None,
    receipts_dir: Path | None,
    replay: bool,
    allow_unwitnessed: bool,
    accept_format: int | None,
    vkey: str | None = None,
    trusted_checkpoint: Path | None = None,
    state_file: Path | None = None,
    save_state: Path | None = None,
    consistency_file: Path | None = None,
) -> None:
    """Check every entry hash, link, ledger signature and actor signature.

    \b
    Also checks every stored checkpoint (signature, cosignatures, root), and replays
    every signed command: its events must be exactly what its handler produces over
    the log before it, for an actor the role matrix allows (issue 11.1; 重放核验).
    The database is opened read-only (SQLite mode=ro, PostgreSQL read-only
    transactions): verify never writes to it or creates a table or index in it.
    On a format-2 ledger it also checks that the head checkpoint has the witness
    quorum of the policy the office recorded (witness.policy); the checkpoints
    lacking it are listed.
    A ledger started under an older format than the newest (the genesis' format)
    is not held to the later formats' rules: it is accepted only with
    --accept-format N naming that format, and never when its genesis was signed
    after the next format existed (ledger.audit.standing).
    Exit status: 0 intact; 1 tampered (names the first bad position and why), a
    receipt that fails, the head checkpoint unwitnessed (unless
    --allow-unwitnessed), or an older format not accepted; 2 usage or I/O error.
    Examples:
      shuangsui verify --json
      shuangsui verify --bundle ledger.bundle          # no database, no network
      shuangsui verify --bundle s.bundle --vkey "$(cat log.vkey)"   # pinned to the log
      shuangsui verify --bundle s.bundle --trusted-checkpoint t.checkpoint  # extends it
      shuangsui verify --since trusted.checkpoint      # only what is new
      shuangsui verify --save-state auditor.state      # keep the state for next time
      shuangsui verify --since trusted.checkpoint --state auditor.state
      shuangsui verify --receipts var/receipts         # my receipts are still in the log
      shuangsui verify --bundle ledger.bundle --receipts var/receipts   # offline
      shuangsui verify --accept-format 1               # a ledger started in 2023
    """
    from ledger.audit.bundles import Anchor, verify_bundle
    from ledger.audit.standing import Standing
    from ledger.bootstrap import registry, route_table
    from ledger.replay import ReplayReport, replay_bundle
    from ledger.transparency.database import replay_ledger, verify_ledger, verify_since
    from ledger.transparency.receipts import (
        check_bundle_receipts,
        check_receipts,
        read_receipts,
    )

    stderr = sys.stderr
    if bundle is not None and since is not None:
        raise ValidationError(_("use --bundle or --since, not both"))
    if bundle is None and (vkey is not None or trusted_checkpoint is not None):
        raise ValidationError(
            _(
                "--vkey and --trusted-checkpoint anchor a bundle (--bundle); the "
                "database check anchors with --since"
            )
        )
    if consistency_file is not None and (bundle is None or trusted_checkpoint is None):
        raise ValidationError(
            _(
                "--consistency joins a bundle to a trusted checkpoint: give --bundle and "
                "--trusted-checkpoint"
            )
        )
    if state_file is not None and since is None:
        raise ValidationError(_("--state goes with --since (the checkpoint it was saved at)"))
    if save_state is not None and bundle is not None:
        raise ValidationError(_("--save-state saves a database check's state; not with --bundle"))
    if since is not None and save_state is not None and state_file is None:
        raise ValidationError(
            _(
                "--since without --state has no nonce state to save; verify the whole "
                "log once with --save-state, then use --since with --state"
            )
        )
    if save_state is not None:
        writable_output(save_state)
    auditor_state = read_state(state_file) if state_file is not None else None
    anchor = None
    if vkey is not None or trusted_checkpoint is not None:
        trusted_note = read_checkpoint(trusted_checkpoint) if trusted_checkpoint else None
        anchor = Anchor(
            vkey=vkey,
            trusted=trusted_note,
            consistency=read_consistency(consistency_file, trusted_note, bundle)
            if consistency_file is not None and trusted_note is not None and bundle is not None
            else None,
        )
    receipts = read_receipts(receipts_dir) if receipts_dir is not None else []
    checked = []
    scope: str | None = None
    replayed: ReplayReport | None = None
    replay_note = None
    if bundle is not None:
        header = bundle_header(bundle)
        try:
            size = sum(1 for __ in bundle.open("rb"))
            with (
                bundle.open(encoding="utf-8", errors="strict") as lines,
                click.progressbar(
                    length=size, label="verifying", file=stderr, show_pos=True
                ) as bar,
            ):
                report = verify_bundle(
                    lines, route_table(), workers=workers, progress=bar.update, anchor=anchor
                )
            if report and replay:
                with (
                    bundle.open(encoding="utf-8", errors="strict") as lines,
                    click.progressbar(
                        length=report.size, label="replaying", file=stderr, show_pos=True
                    ) as bar,
                ):
                    replayed = replay_bundle(lines, registry(), route_table(), progress=bar.update)
                if replayed is None:
                    replay_note = _("a slice bundle does not hold the whole log")
            if report and receipts:
                with bundle.open(encoding="utf-8", errors="strict") as lines:
                    checked = check_bundle_receipts(lines, receipts, report)
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(
                _("cannot read {bundle}: {exc}", bundle=bundle, exc=os_reason(exc))
            ) from exc
        if header.get("kind") == "slice":
            scope = "slice"
    else:
        trusted = read_checkpoint(since) if since is not None else None
        # Read-only: the audit never writes to, nor creates anything in, what it audits.
        ledger = runtime.open(read_only=True)
        try:
            size = ledger.head().position
            with click.progressbar(
                length=size, label="verifying", file=stderr, show_pos=True
            ) as bar:
                if trusted is not None:
                    scope = "since"
                    report = verify_since(
                        ledger, trusted, workers=workers, progress=bar.update, state=auditor_state
                    )
                else:
                    report = verify_ledger(ledger, workers=workers, progress=bar.update)
            if report and replay and trusted is None:
                with click.progressbar(
                    length=report.size, label="replaying", file=stderr, show_pos=True
                ) as bar:
                    replayed = replay_ledger(ledger, progress=bar.update)
            elif trusted is not None and replay:
                replay_note = _("--since reads only what follows the checkpoint")
            if report and receipts:
                checked = check_receipts(ledger, receipts, report)
        finally:
            ledger.close()
    failed = [c for c in checked if not c]
    failure = report.failure or (replayed.failure if replayed is not None else None)
    if not as_json:
        for note in report.notes:
            say(_("note: {note}", note=note), err=True)
    if save_state is not None and failure is None:
        write_state(save_state, report)
    quorum = report.quorum
    unwitnessed = (
        bool(report)
        and quorum is not None
        and quorum.required
        and quorum.head is not None  # a log with no checkpoint yet has published nothing
        and not quorum.head_published
    )
    if not as_json and report and quorum is not None and quorum.required:
        # The list and a tolerated head go to stderr; an unwitnessed head that fails the
        # verification is said on stdout, like any other failure.
        for lacking in quorum.lacking:
            say(_("not witnessed: {checkpoint}", checkpoint=lacking.describe()), err=True)
        if quorum.head is None and report.size > 0:
            say(_("warning: no checkpoint yet, so nothing is published or witnessed"), err=True)
        if unwitnessed:
            head = quorum.head
            what = head.describe() if head is not None else _("no checkpoint at all")
            lacks = (
                _("warning: the head checkpoint lacks the witness quorum ({what})", what=what)
                if allow_unwitnessed
                else _(
                    "UNWITNESSED: the head checkpoint lacks the witness quorum ({what})", what=what
                )
            )
            say(lacks, err=allow_unwitnessed)
    standing = Standing(report.ledger_format, report.started)
    format_problem = standing.problem(accept_format) if report and report.size else None
    if as_json:
        document = report.as_dict()
        if report.size and standing.old:
            document["started"] = standing.as_dict(accept_format)
        if replayed is not None:
            document["replay"] = replayed.as_dict()
            if replayed.failure is not None:
                document["ok"] = False
                document["failure"] = document["replay"]["failure"]
        if receipts_dir is not None:
            document["receipts"] = [c.as_dict() for c in checked]
        if scope is not None:
            document["checked"] = {
                "what": scope,
                "entries": report.entries,
                "after_position": report.after,
            }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    elif failure is None:
        if replayed is not None:
            # Before the summary line, which stays where it always was.
            say(
                _(
                    "replay ok: {commands} commands re-run, {events} events identical to "
                    "what their signed commands produce",
                    commands=replayed.commands,
                    events=replayed.events,
                )
            )
        click.echo(f"ok: {describe_checked(report, scope)}; head {report.head.hex()}")
        if bundle is not None:
            for line in describe_bundle(report, scope):
                say(line)
    else:
        prefix = shown(_("replay differs")) + " -- " if report.failure is None else ""
        if runtime.lang == "zh":
            # The failure in Chinese on its own line, before the verdict line, whose
            # English scripts read (and keep reading) exactly as it was.
            chinese = tampered_in_chinese(failure, replay=report.failure is None)
            if chinese is not None:
                click.echo(chinese)
        click.echo(
            f"{prefix}TAMPERED at position {failure.position}: {failure.reason} ({failure.detail})"
        )
    if replay_note is not None and failure is None:
        say(_("replay not checked: {reason}", reason=replay_note), err=True)
    if not as_json:
        for check in checked:
            where = (
                _("checkpoint {size}", size=check.against)
                if check.signed
                else _("head {size}", size=check.against)
            )
            if check:
                say(
                    _(
                        "receipt ok: {name} ({action}, positions {first}-{last}, proved "
                        "in {where})",
                        name=check.name,
                        action=check.action,
                        first=check.positions[0],
                        last=check.positions[1],
                        where=where,
                    )
                )
            else:
                say(_("RECEIPT FAILED: {name}: {problem}", name=check.name, problem=check.problem))
    if not as_json and report and report.size and standing.old:
        if format_problem is not None:
            say(_("FORMAT: {problem}", problem=format_problem))
        else:
            say(
                _(
                    "warning: format-{format} ledger accepted (--accept-format {format}); "
                    "not held to: {rules}",
                    format=standing.format,
                    rules=joined(list(standing.missing())),
                ),
                err=True,
            )
    if (
        failure is not None
        or failed
        or (unwitnessed and not allow_unwitnessed)
        or format_problem is not None
    ):
        raise SystemExit(EXIT_TAMPERED)


def tampered_in_chinese(failure: Failure, *, replay: bool = False) -> str | None:
    """The verdict line ``TAMPERED at position N: reason (detail)`` as a person reads it
    in Chinese (``篡改：位置 N：原因（详情）``), or None when it has no Chinese form; the
    English line itself is a protocol and is printed unchanged after it."""
    line = _(
        "TAMPERED at position {position}: {reason} ({detail})",
        position=failure.position,
        reason=failure.reason,
        detail=failure.detail,
    )
    if replay:
        line = _("replay differs -- {verdict}", verdict=line)
    chinese = str(render(line, "zh"))
    return None if chinese == str(line) else chinese


def describe_checked(report: Report, checked: str | None) -> str:
    """Exactly what an intact verification checked (已核验的范围), in one line."""
    sums = f"{report.commands} commands, {report.signatures} signatures verified"
    cosigned = f", {len(report.checkpoints)} checkpoint(s)" if report.checkpoints else ""
    if checked == "since":
        if report.entries == 0:
            return (
                f"the log (size {report.size}) is the trusted checkpoint of size "
                f"{report.after}; no new entries to check (无新条目)"
            )
        return (
            f"{report.entries} new entries (positions {report.after + 1}-{report.size}) "
            f"verified after the trusted checkpoint of size {report.after}, which the log "
            f"of size {report.size} extends; {sums} (仅核验检查点之后的条目)"
        )
    if checked == "slice":
        sizes = ", ".join(str(s) for s in sorted(report.checkpoints))
        return (
            f"slice of {report.entries} entries (up to position {report.size}), each proven "
            f"into the signed checkpoint of size {sizes}; {sums} (部分导出包)"
        )
    # The whole log: this line is pinned by tests/vectors/format-v1/cli-output.txt.
    return f"{report.size} entries, {sums}{cosigned}"


def describe_bundle(report: Report, scope: str | None) -> list[Any]:
    """What a bundle's verification rests on: the log key and what pinned it, and (a
    slice) what its completeness proof covers (issue 11 part 4); each line a message."""
    lines: list[Any] = []
    if report.log_key is not None:
        if report.anchors:
            anchors: Any = report.anchors[-1]
            for anchor in reversed(report.anchors[:-1]):
                anchors = _("{first}, {rest}", first=anchor, rest=anchors)
            lines.append(
                _("log key: {key} (anchored by {anchors})", key=report.log_key, anchors=anchors)
            )
        else:
            lines.append(
                _(
                    "log key: {key} -- NOT ANCHORED: nothing ties this bundle to the real log, "
                    "and a look-alike log signed by another key would verify the same; give "
                    "--vkey or --trusted-checkpoint",
                    key=report.log_key,
                )
            )
    if scope == "slice":
        complete = report.complete
        if complete is None:
            lines.append(
                _(
                    "completeness NOT proven: this ledger's checkpoints commit to no state map "
                    "(before format 3), so entries may have been left out"
                )
            )
        else:
            lines.append(
                _(
                    "complete: {streams} stream(s) up to their last version and the key "
                    "history ({entries} entries), as the state map of checkpoint {size} proves",
                    streams=len(complete["streams"]),
                    entries=complete["key_history"],
                    size=complete["size"],
                )
            )
    return lines


def read_state(path: Path) -> Any:
    """The auditor's state file (:mod:`ledger.audit.auditstate`), or a usage error."""
    from ledger.audit.auditstate import AuditorState
    from ledger.audit.errors import NoteError

    try:
        return AuditorState.from_json(read_text(path))
    except NoteError as exc:
        raise ValidationError(
            _("{path} is not an auditor state file: {exc}", path=path, exc=exc)
        ) from exc


def write_state(path: Path, report: Report) -> None:
    saved = report.saved_state
    if saved is None:
        raise ValidationError(
            _(
                "no checkpoint was verified, so there is no state to save; write one "
                "with 'shuangsui checkpoint' first"
            )
        )
    temp = path.with_name(f".{path.name}.partial")
    try:
        temp.write_text(saved.to_json(), encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ValidationError(_("cannot write {path}: {exc}", path=path, exc=exc)) from exc
    say(_("auditor state saved at checkpoint {size}: {path}", size=saved.size, path=path), err=True)


def read_consistency(path: Path, trusted: str, bundle: Path) -> tuple[int, list[bytes]]:
    """A consistency proof file ('shuangsui consistency OLD NEW': ``old OLD``, then one
    base64 hash a line) between the trusted checkpoint's size and the bundle's."""
    import base64
    import binascii

    from ledger.audit.notes import parse_checkpoint, parse_note

    lines = read_text(path).splitlines()
    match = re.fullmatch(r"old ([0-9]{1,12})", lines[0].strip()) if lines else None
    try:
        if match is None:
            raise ValueError("the first line is not 'old N'")
        hashes = [base64.b64decode(line, validate=True) for line in lines[1:] if line.strip()]
        if any(len(h) != 32 for h in hashes):
            raise ValueError("a hash is not 32 bytes")
    except (ValueError, binascii.Error) as exc:
        raise ValidationError(
            _(
                "{path} is not a consistency proof ('shuangsui consistency OLD NEW'): {exc}",
                path=path,
                exc=exc,
            )
        ) from exc
    old = int(match.group(1))
    sizes = (parse_checkpoint(parse_note(trusted).text).size, int(bundle_header(bundle)["size"]))
    if old != min(sizes):
        raise ValidationError(
            _(
                "{path} proves consistency from size {old}; the trusted checkpoint is of "
                "size {trusted} and the bundle of size {size}: give 'shuangsui consistency "
                "{low} {high}'",
                path=path,
                old=old,
                trusted=sizes[0],
                size=sizes[1],
                low=min(sizes),
                high=max(sizes),
            )
        )
    return old, hashes


def read_checkpoint(path: Path) -> str:
    """A trusted checkpoint file's text, or a usage error if it is not a checkpoint."""
    from ledger.audit.errors import NoteError
    from ledger.audit.notes import parse_checkpoint, parse_note

    text = read_text(path)
    try:
        parse_checkpoint(parse_note(text).text)
    except NoteError as exc:
        raise ValidationError(
            _(
                "{path} is not a checkpoint: {exc}; save one with 'shuangsui checkpoint "
                "> trusted.checkpoint'",
                path=path,
                exc=exc,
            )
        ) from exc
    return text
