"""checkpoint, prove, consistency, export, witness: the ledger as a transparency log
(``ledger/transparency``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from ledger.errors import ValidationError
from ledger.i18n import _
from tools.cli.runtime import (
    EXIT_TAMPERED,
    Runtime,
    find,
    parse_draw_ref,
    pass_runtime,
    read_text,
    say,
    writable_output,
)


@click.group(invoke_without_command=True)
@click.option(
    "--size",
    type=click.IntRange(0),
    default=None,
    help="Sign one of this size instead (e.g. 3, the genesis: a new witness's first contact).",
)
@click.pass_context
def checkpoint(ctx: click.Context, size: int | None) -> None:
    """Sign and store a checkpoint of the current log, and print it.

    \b
    A C2SP tlog-checkpoint note: origin, size, base64 RFC 9162 root, and the
    ledger key's signature (cosignatures are appended as witnesses add them).
    Examples:
      shuangsui checkpoint > latest.checkpoint
      shuangsui checkpoint --size 3 > genesis.checkpoint
      shuangsui checkpoint show --size 1000
      shuangsui checkpoint vkey
    """
    if ctx.invoked_subcommand is None:
        runtime: Runtime = ctx.obj
        ledger = runtime.open()
        try:
            click.echo(ledger.transparency.checkpoint(size), nl=False)
        finally:
            ledger.close()


@checkpoint.command("show")
@click.option("--size", type=click.IntRange(0), default=None, help="Default: the latest.")
@pass_runtime
def checkpoint_show(runtime: Runtime, size: int | None) -> None:
    """Print a stored checkpoint with its cosignatures.

    \b
    Example:
      shuangsui checkpoint show --size 1000
    """
    ledger = runtime.open(write=False)
    try:
        click.echo(ledger.transparency.note(size), nl=False)
    finally:
        ledger.close()


@checkpoint.command("vkey")
@pass_runtime
def checkpoint_vkey(runtime: Runtime) -> None:
    """Print the log's verifier key (name+hash+base64) for witnesses and auditors.

    \b
    Example:
      shuangsui checkpoint vkey
    """
    ledger = runtime.open(write=False)
    try:
        click.echo(ledger.transparency.log_verifier().vkey)
    finally:
        ledger.close()


@checkpoint.command("attach")
@click.argument("cosigned", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def checkpoint_attach(runtime: Runtime, cosigned: Path) -> None:
    """Attach witnesses' cosignatures (a cosigned checkpoint note) to the stored checkpoint.

    \b
    Each cosignature must come from a key registered with the witness role.
    Example:
      shuangsui checkpoint attach cosigned.checkpoint
    """
    ledger = runtime.open()
    try:
        added = ledger.transparency.attach_cosignatures(read_text(cosigned))
    finally:
        ledger.close()
    say(_("attached {count} new cosignature(s)", count=len(added)))


@click.command()
@click.argument("position", type=click.IntRange(1))
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Prove against this checkpoint (checked against the ledger first).",
)
@pass_runtime
def prove(runtime: Runtime, position: int, checkpoint_file: Path | None) -> None:
    """Print an inclusion proof for the entry at POSITION (C2SP tlog-proof).

    \b
    Index is POSITION - 1; the proof hashes run from the leaf's sibling up; the
    signed checkpoint follows a blank line.
    Example:
      shuangsui prove 42 --checkpoint trusted.checkpoint > 42.tlog-proof
    """
    ledger = runtime.open()
    try:
        note = read_text(checkpoint_file) if checkpoint_file else None
        click.echo(ledger.transparency.prove(position, note), nl=False)
    finally:
        ledger.close()


@click.command()
@click.argument("old_size", type=click.IntRange(0))
@click.argument("new_size", type=click.IntRange(0))
@pass_runtime
def consistency(runtime: Runtime, old_size: int, new_size: int) -> None:
    """Print the RFC 9162 consistency proof from OLD_SIZE to NEW_SIZE.

    \b
    Format: "old OLD_SIZE", then one base64 hash per line -- the start of a
    tlog-witness add-checkpoint request.
    Example:
      shuangsui consistency 1000 2000 > 1000-2000.proof
    """
    ledger = runtime.open(write=False)
    try:
        click.echo(ledger.transparency.consistency_text(old_size, new_size), nl=False)
    finally:
        ledger.close()


@click.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Bundle file to write (JSON lines).",
)
@click.option("--stream", default=None, help="Only the entries of this stream, with proofs.")
@click.option(
    "--draw",
    "draw_ref",
    default=None,
    metavar="TASK/N",
    help="Everything verify-draw needs for this draw, with proofs.",
)
@click.option(
    "--consistency-from",
    "consistency_from",
    type=click.IntRange(1),
    multiple=True,
    metavar="SIZE",
    help="With --stream or --draw: carry an RFC 9162 consistency proof between this size "
    "(an auditor's trusted checkpoint) and the slice's checkpoint; repeatable.",
)
@pass_runtime
def export(
    runtime: Runtime,
    out: Path,
    stream: str | None,
    draw_ref: str | None,
    consistency_from: tuple[int, ...] = (),
) -> None:
    """Write a self-contained bundle that 'verify --bundle' checks offline.

    \b
    Without --stream: every entry, the key history, every checkpoint with its
    cosignatures. With --stream: that stream's entries (and the key history), each
    with an inclusion proof to one fresh signed checkpoint; with --consistency-from N
    also the consistency proof that joins it to an auditor's checkpoint of size N, so
    'verify --bundle --trusted-checkpoint' proves the slice extends what it trusts.
    Examples:
      shuangsui export --out ledger.bundle
      shuangsui export --stream 1632f48b-76c5-559c-9dcf-8ff8aa62ae73 --out evidence.bundle
      shuangsui export --draw T-2027-001/1 --out draw.bundle --consistency-from 1000
    """
    stream_id = None
    if stream is not None:
        try:
            stream_id = UUID(stream)
        except ValueError:
            raise ValidationError(
                _("--stream {stream!r} is not a stream id (a UUID)", stream=stream)
            ) from None
    if draw_ref is not None:
        task, number = parse_draw_ref(draw_ref)
    if consistency_from and stream is None and draw_ref is None:
        raise ValidationError(
            _("a full export holds every entry: consistency proofs are for slices")
        )
    writable_output(out)
    ledger = runtime.open()
    try:
        if draw_ref is not None:
            from ledger.ids import draw_id

            find(ledger, draw_id(task, number), _("no such draw {ref}", ref=draw_ref))
        size = ledger.head().position
        with click.progressbar(
            length=size, label="exporting", file=sys.stderr, show_pos=True
        ) as bar:
            if draw_ref is not None:
                from ledger.draw.world import SNAPSHOT_TOPICS

                summary = ledger.transparency.export(
                    out,
                    positions=ledger.chain.positions_of_topics(SNAPSHOT_TOPICS),
                    query={"draw": draw_ref},
                    progress=bar.update,
                    consistency_from=consistency_from,
                )
            else:
                summary = ledger.transparency.export(
                    out, stream=stream_id, progress=bar.update, consistency_from=consistency_from
                )
    finally:
        ledger.close()
    say(
        _(
            "wrote {entries} entries ({kind}, checkpoint of size {size}) to {path}",
            entries=summary["entries"],
            kind=summary["kind"],
            size=summary["size"],
            path=out,
        )
    )


@click.group()
def witness() -> None:
    """Act as an independent witness that cosigns checkpoints (C2SP tlog-witness).

    \b
    Example:
      shuangsui witness cosign --state jiwei.json --key jiwei.key latest.checkpoint p.proof
    """


@witness.command("init")
@click.option(
    "--state",
    "state_file",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
)
@click.option("--name", required=True, help="The witness's name, a schema-less URL.")
@click.option(
    "--log-vkey",
    "log_vkeys",
    multiple=True,
    required=True,
    help="A log's verifier key ('shuangsui checkpoint vkey'); repeatable.",
)
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The witness's key file (prints its cosigning verifier key).",
)
@click.option(
    "--trusted-checkpoint",
    "trusted_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A checkpoint of the log this witness already trusts; without one its first "
    "cosignature must be of the genesis checkpoint (size 3).",
)
@pass_runtime
def witness_init(
    runtime: Runtime,
    state_file: Path,
    name: str,
    log_vkeys: tuple[str, ...],
    key_file: str,
    trusted_file: Path | None,
) -> None:
    """Create a witness state file that trusts the given logs.

    \b
    Example:
      shuangsui witness init --state jiwei.json --name jiwei.anyue.example/witness \\
          --key jiwei.key --log-vkey "$(shuangsui checkpoint vkey)"
    Register the witness key in the ledger with --role witness --note-name NAME.
    """
    from ledger.transparency.witness import Witness

    key = runtime.signing_key(key_file)
    trusted = [read_text(trusted_file)] if trusted_file is not None else []
    Witness.create(state_file, name, list(log_vkeys), trusted)
    say(
        _(
            "witness {name} trusts {count} log(s); state in {path}",
            name=name,
            count=len(log_vkeys),
            path=state_file,
        )
    )
    say(_("cosigning verifier key: {vkey}", vkey=Witness(state_file, key).verifier(name).vkey))


@witness.command("cosign")
@click.option(
    "--state", "state_file", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False))
@click.argument(
    "checkpoint_file", metavar="CHECKPOINT", type=click.Path(dir_okay=False, path_type=Path)
)
@click.argument("proof_file", metavar="PROOF", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def witness_cosign(
    runtime: Runtime, state_file: Path, key_file: str, checkpoint_file: Path, proof_file: Path
) -> None:
    """Cosign CHECKPOINT if PROOF shows it extends the last one cosigned.

    \b
    PROOF is 'shuangsui consistency OLD NEW' output, OLD being the size this
    witness last cosigned (0 the first time). Refuses rollbacks and forks. Prints
    the cosigned checkpoint, ready for 'shuangsui checkpoint attach'.
    Example:
      shuangsui witness cosign --state jiwei.json --key jiwei.key latest.checkpoint p.proof
    """
    from ledger.transparency.witness import Witness, request_text

    witness_ = Witness(state_file, runtime.signing_key(key_file))
    note = read_text(checkpoint_file)
    line = witness_.add_checkpoint(request_text(read_text(proof_file), note))
    click.echo(note + line, nl=False)


@click.command()
@click.argument("url")
@click.option(
    "--state",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The monitor's folder: every checkpoint it has seen, every entry it verified, "
    "the fork proofs and findings it wrote.",
)
@click.option(
    "--log-vkey",
    default=None,
    help="The log's verifier key ('shuangsui checkpoint vkey'); needed the first time.",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="The monitor's own key: it signs the fork proofs and findings it writes and the "
    "reads of the log's entries (register it with an oversight role: auditor, discipline "
    "or office).",
)
@click.option(
    "--reverify/--no-reverify",
    default=None,
    help="Download and re-verify the entries each new checkpoint adds (the default with "
    "--key; it needs the key).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes verifying signatures (default: one per core).",
)
@click.option(
    "--trusted-checkpoint",
    "trusted_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Start from this checkpoint of the log, which you already trust (an earlier "
    "audit's, a witness's, a receipt's): the first one served must extend it. For a new "
    "folder (or the one it already started from).",
)
@click.option(
    "--require-quorum",
    is_flag=True,
    help="Exit 1 when a checkpoint served lacks the witness quorum of the policy the log "
    "records (re-verifying; otherwise it is reported and followed).",
)
@click.option("--polls", type=click.IntRange(1), default=None, help="Stop after N polls.")
@click.option(
    "--interval", type=click.FloatRange(0.1), default=60.0, show_default=True, help="Seconds."
)
@pass_runtime
def monitor(
    runtime: Runtime,
    url: str,
    folder: Path,
    log_vkey: str | None,
    key_file: str | None,
    reverify: bool | None,
    workers: int | None,
    polls: int | None,
    interval: float,
    trusted_file: Path | None = None,
    require_quorum: bool = False,
) -> None:
    """Follow a running service's checkpoints; re-verify what each adds; keep each;
    prove a fork if one appears.

    \b
    Each poll reads the latest checkpoint at URL, checks it is signed by the log's key
    and extends the last one accepted (RFC 9162 consistency proof), and keeps it in
    the state folder. With --key it then downloads the entries the checkpoint adds
    (GET /api/v1/log/entries, signed reads) and re-verifies them as 'verify' does:
    hashes, links, evidence, keys, nonces, seals and signatures; the entries must give
    the checkpoint's root and its state map line (format 3); every new command is
    replayed over the state before it (重新核验). The checkpoint is accepted only then;
    the verified entries are kept in the folder, so the next run continues from them.
    A failure is written to DIR/findings/ as a record signed by the monitor's key
    (the log-signed checkpoint, the failure, the entries served).
    Two roots for one size -- from this service at two times, or from several services
    followed into one folder -- are written as a fork proof, and a checkpoint that does
    not extend the last one accepted as an inconsistency proof ('shuangsui verify-fork
    FILE' checks either offline). Where the service's consistency proof gives no root
    (or, for an old size that is a power of two, leaves out the old tree's root), the
    proof is made from the entries it serves; where they cannot make one either, the
    monitor writes a signed record marked unproved, saying why.
    --trusted-checkpoint starts a new folder from a checkpoint you trust: consistency is
    then proved from it, not taken on first sight (re-verifying, the entries are still
    checked from position 1: the replay needs the state before them).
    Re-verifying, each checkpoint is also judged by the witness policy the log records,
    as 'verify' judges it: one without the quorum of cosignatures is reported
    (未达见证法定数), and with --require-quorum exits 1.
    Exit status: 0 consistent (and re-verified); 1 a fork, an inconsistent checkpoint,
    a failed re-verification (or, with --require-quorum, a checkpoint without the
    quorum); 2 usage error or the service cannot be read.
    Examples:
      shuangsui monitor http://127.0.0.1:8080 --state monitor --key monitor.key \\
          --log-vkey "$(shuangsui checkpoint vkey)" --polls 1
      shuangsui monitor http://127.0.0.1:8080 --state monitor2 --key monitor.key \\
          --log-vkey "$(shuangsui checkpoint vkey)" --trusted-checkpoint audit.checkpoint
    """
    import time

    import requests

    from api.client import ApiError, Client, LogSource
    from ledger.bootstrap import registry, route_table
    from ledger.transparency.monitor import Monitor

    if reverify and key_file is None:
        raise ValidationError(
            _("--reverify reads the log's entries with a signed read: give --key")
        )
    reverifying = key_file is not None and reverify is not False
    key = runtime.signing_key(key_file) if key_file is not None else None
    watcher = (
        Monitor(folder, key, routes=route_table(), registry=registry(), workers=workers)
        if reverifying
        else Monitor(folder, key)
    )
    if log_vkey is not None and not watcher.state_path.exists():
        watcher.init(log_vkey)
    state = watcher.state()
    if trusted_file is not None:
        trusted = watcher.trust(read_text(trusted_file))
        say(_("following from the trusted checkpoint of size {size}", size=trusted.size))
    if log_vkey is not None and log_vkey.strip() != state["vkey"]:
        raise ValidationError(
            _(
                "{folder} follows the log key {vkey}, not the one given",
                folder=folder,
                vkey=state["vkey"],
            )
        )
    if not reverifying:
        say(
            _(
                "note: the entries are not re-verified (only the checkpoints' consistency); "
                "give --key, registered with an oversight role"
            ),
            err=True,
        )
    source = LogSource(
        Client(url, timeout=30), Client(url, key=key, timeout=60) if reverifying else None
    )
    done = 0
    bars: list[Any] = []

    def progress(label: str, total: int) -> Callable[[int], None]:
        bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
        bars.append(bar.__enter__())
        return bar.update

    while True:
        try:
            seen = watcher.poll(source, progress)
        except (requests.RequestException, ApiError, ValueError) as exc:
            if isinstance(exc, ApiError) and exc.status in (401, 403):
                raise ValidationError(
                    _(
                        "cannot read the log's entries at {url}: {exc}; they are a signed "
                        "read: register the monitor's key with the auditor, discipline or "
                        "office role",
                        url=url,
                        exc=exc,
                    )
                ) from exc
            raise ValidationError(
                _("cannot read the log at {url}: {exc}", url=url, exc=exc)
            ) from exc
        finally:
            for bar in bars:
                bar.__exit__(None, None, None)
            bars.clear()
        status = _("new") if seen.new else _("seen before")
        say(
            _(
                "checkpoint {size} {root}… ({status})",
                size=seen.size,
                root=seen.root.hex()[:16],
                status=status,
            )
        )
        extension = seen.extension
        if extension is not None and extension:
            say(
                _(
                    "re-verified: {entries} new entries (positions {first}-{last}), "
                    "{signatures} signatures, {commands} commands replayed; the "
                    "checkpoint's root and state line are the ones the entries give",
                    entries=extension.entries,
                    first=extension.after + 1,
                    last=extension.size,
                    signatures=extension.signatures,
                    commands=extension.commands,
                )
            )
        for proof in seen.forks:
            if proof.name.startswith("inconsistent-"):
                say(_("inconsistency proof in {proof}", proof=proof))
            elif proof.name.startswith("unproved-"):
                say(_("no offline proof; the monitor's signed record in {proof}", proof=proof))
            else:
                say(
                    _(
                        "FORK: two roots for size {size}; proof in {proof}",
                        size=seen.size,
                        proof=proof,
                    )
                )
        for problem in seen.problems:
            say(_("INCONSISTENT: {problem}", problem=problem))
        for finding in seen.findings:
            say(_("finding: {finding}", finding=finding))
        if seen.unwitnessed is not None:
            say(
                _(
                    "WITHOUT THE WITNESS QUORUM: {detail} (the log's witness policy)",
                    detail=seen.unwitnessed,
                )
            )
        elif seen.witnessing_judged:
            say(_("checkpoint {size} has the witness quorum", size=seen.size))
        if not seen or (require_quorum and seen.unwitnessed is not None):
            raise SystemExit(EXIT_TAMPERED)
        done += 1
        if polls is not None and done >= polls:
            return
        time.sleep(interval)


@click.command("verify-fork")
@click.argument("proof_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--vkey",
    default=None,
    help="The log's verifier key as you know it ('shuangsui checkpoint vkey'): the proof "
    "must be about that log. Without it the proof's own key is taken on its word.",
)
def verify_fork(proof_file: Path, vkey: str | None) -> None:
    """Check a fork or inconsistency proof offline: the log signed two roots for one
    size, or a checkpoint that does not extend an earlier one.

    \b
    A fork proof holds two checkpoints of one size with two roots; an inconsistency
    proof two checkpoints of sizes m < n and a consistency path that gives the root of
    size n and another root for its first m entries. Both checkpoints must be signed
    by the log's key (and, with --vkey, that must be the key you know).
    Exit status: 1 the proof holds (the log forked: 日志分叉已证实); 2 the file is
    not a valid proof (named why), or cannot be read.
    Examples:
      shuangsui verify-fork monitor/forks/fork-1200-1a2b3c4d-5e6f7a8b.json \\
          --vkey "$(cat log.vkey)"
      shuangsui verify-fork monitor/forks/inconsistent-1000-1200-5e6f7a8b.json
    """
    from ledger.audit.forks import ForkProofError, load_fork_proof

    text = read_text(proof_file)
    try:
        fork = load_fork_proof(text, vkey)
    except ForkProofError as exc:
        say(_("NOT A FORK PROOF: {path}: {problem}", path=proof_file, problem=exc.message))
        raise SystemExit(2) from None
    by = (
        _("; signed by monitor key {key}", key=fork.monitor_key.hex()[:16])
        if fork.monitor_key
        else ""
    )
    if fork.kind == "inconsistent":
        say(
            _(
                "inconsistency proven: {origin} signed a checkpoint of size {new} whose "
                "first {old} entries have the root {other}…, not the signed {root}…{by}",
                origin=fork.origin,
                new=fork.sizes[1],
                old=fork.sizes[0],
                other=fork.roots[1].hex()[:16],
                root=fork.roots[0].hex()[:16],
                by=by,
            )
        )
    else:
        say(
            _(
                "fork proven: {origin} signed two checkpoints of size {size} with roots "
                "{first}… and {second}…{by}",
                origin=fork.origin,
                size=fork.size,
                first=fork.roots[0].hex()[:16],
                second=fork.roots[1].hex()[:16],
                by=by,
            )
        )
    if vkey is None:
        say(
            _(
                "not anchored: checked under the key the proof names; give --vkey to "
                "prove it is about the log you follow"
            )
        )
    raise SystemExit(EXIT_TAMPERED)
