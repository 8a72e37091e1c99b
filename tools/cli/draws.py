"""draw commit / witness-commit / witness-reveal / dice / beacon / run / recuse / void / show,
verify-draw: the ceremony and its check (``ledger/areas/draws``, ``ledger/draw``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from ledger.draw.ceremony import quicknet_verifier, witness_commitment
from ledger.errors import NotFoundError, ValidationError
from ledger.i18n import _, os_reason
from projections.read.names import named
from tools.cli.projected import display_names
from tools.cli.runtime import (
    EXIT_TAMPERED,
    KEY,
    Runtime,
    bundle_header,
    echo_json,
    parse_draw_ref,
    pass_runtime,
    say,
)


@click.group()
def draw() -> None:
    """The verifiable draw (摇号): commit, witnesses, entropy, run, recusal.

    \b
    Example:
      shuangsui draw show T-2027-001/1
    """


@draw.command("commit")
@KEY
@click.argument("task")
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    help="Key id of a registered witness (纪检监察, 公证, ...); repeatable.",
)
@click.option("--dice", is_flag=True, help="Dice digits will be thrown at the ceremony.")
@click.option(
    "--beacon-round",
    type=click.IntRange(1),
    default=None,
    help="A future drand quicknet round to mix in.",
)
@click.option(
    "--reveal-by",
    required=True,
    help="Deadline for witnesses' reveals, ISO with zone: 2027-04-01T10:00:00+08:00.",
)
@click.option(
    "--fallback",
    type=click.Choice(["skip", "wait"]),
    default="skip",
    show_default=True,
    help="After the deadline: run without a silent witness, or keep waiting.",
)
@click.option(
    "--exclude-days",
    type=click.IntRange(0),
    default=None,
    help="Objects drawn by another random draw -- or, on format-3 ledgers, checked on a "
    "case lead -- in this many days ... (R6.3; default: 365 on format-3 ledgers, none "
    "before; directed objects stay in)",
)
@click.option(
    "--exclusion-mode",
    type=click.Choice(["exclude", "lower"]),
    default="exclude",
    help="... are left out, or moved one credit class lower.",
)
@click.option("--experts", type=click.IntRange(0, 5), default=0, help="Experts per object.")
@click.option(
    "--daily",
    type=click.IntRange(0, 5),
    default=0,
    help="Daily-supervision staff (从事日常监管工作的人员) per object beside its officers "
    "(R4.2; format-4 ledgers).",
)
@pass_runtime
def draw_commit(
    runtime: Runtime,
    key_file: str,
    task: str,
    witnesses: tuple[str, ...],
    dice: bool,
    beacon_round: int | None,
    reveal_by: str,
    fallback: str,
    exclude_days: int | None,
    exclusion_mode: str,
    experts: int,
    daily: int,
) -> None:
    """Commit the draw of TASK: snapshot roots, strata, rules, witnesses, entropy sources.

    \b
    Nothing about the draw can change afterwards (R7.5).
    Example:
      shuangsui draw commit --key scjgj.key T-2027-001 --witness 3f9a1c2b4d5e6f70 \\
          --dice --reveal-by 2027-04-01T10:00:00+08:00
    """
    params: dict[str, Any] = {
        "task": task,
        "witnesses": list(witnesses),
        "dice": dice,
        "reveal_by": reveal_by,
        "fallback": fallback,
        "experts_per_object": experts,
    }
    if daily:
        params["daily_per_object"] = daily
    if exclude_days is not None:
        params["exclusion"] = {"days": exclude_days, "mode": exclusion_mode}
    if beacon_round is not None:
        params["beacon"] = {"round": beacon_round}
    result = runtime.run(key_file, "draw.commit", params)
    snapshot = result["snapshot"]
    say(
        _(
            "committed draw {task}/{draw}: {objects} eligible objects in strata {strata}, "
            "{inspectors} inspectors",
            task=task,
            draw=result["draw"],
            objects=snapshot["objects"]["count"],
            strata=snapshot["objects"]["strata"],
            inspectors=snapshot["inspectors"]["count"],
        )
    )
    say(_("commitment {hash}", hash=result["commitment_hash"]))


def _signed(
    runtime: Runtime, key_file: str, task: str, number: int, kind: str, **fields: str
) -> dict[str, str]:
    """A v2 draw: the witness's signature of its statement over the draw's commitment
    hash, as the ledger shows it (printed, so the witness can compare it with the hash
    the lead published); a v1 draw takes none."""
    from ledger.draw.ceremony import sign_witness_statement, steer_proof
    from ledger.ids import draw_id

    ledger = runtime.open(write=False)
    try:
        found = ledger.find(draw_id(task, number))
    finally:
        ledger.close()
    if found is None:
        raise NotFoundError(_("no draw {task}/{number}", task=task, number=number))
    if not steer_proof(json.loads(found.commitment)):
        return {}
    key = runtime.signing_key(key_file)
    say(_("signing over the commitment {hash}", hash=found.commitment_hash))
    signature = sign_witness_statement(
        key.sign,
        kind,
        task=task,
        draw=number,
        commitment_hash=found.commitment_hash,
        witness=key.key_id,
        **fields,
    )
    return {"signature": signature}


@draw.command("witness-commit")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.option(
    "--secret",
    "secret_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to keep your value and nonce until the reveal (mode 0600).",
)
@pass_runtime
def draw_witness_commit(runtime: Runtime, key_file: str, ref: str, secret_file: Path) -> None:
    """As a witness, commit to a fresh secret value (SHA-256 of value || nonce).

    \b
    Example:
      shuangsui draw witness-commit --key jiwei.key T-2027-001/1 --secret jiwei.secret
    """
    task, number = parse_draw_ref(ref)
    value, nonce = os.urandom(32).hex(), os.urandom(16).hex()
    digest = witness_commitment(value, nonce)
    try:
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationError(
            _("{secret_file} exists; refusing to overwrite a secret", secret_file=secret_file)
        ) from None
    with os.fdopen(fd, "w") as handle:
        json.dump({"task": task, "draw": number, "value": value, "nonce": nonce}, handle)
    try:
        params = {"task": task, "draw": number, "commitment": digest}
        params.update(_signed(runtime, key_file, task, number, "commit", commitment=digest))
        runtime.run(key_file, "draw.witness_commit", params)
    except BaseException:
        secret_file.unlink(missing_ok=True)
        raise
    say(_("committed {digest}; keep {path} until the reveal", digest=digest, path=secret_file))


@draw.command("witness-reveal")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.option(
    "--secret", "secret_file", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@pass_runtime
def draw_witness_reveal(runtime: Runtime, key_file: str, ref: str, secret_file: Path) -> None:
    """As a witness, reveal the value you committed to (after every witness committed).

    \b
    Example:
      shuangsui draw witness-reveal --key jiwei.key T-2027-001/1 --secret jiwei.secret
    """
    task, number = parse_draw_ref(ref)
    try:
        secret = json.loads(secret_file.read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("cannot read {secret_file}: {exc}", secret_file=secret_file, exc=os_reason(exc))
        ) from exc
    try:
        value, nonce = str(secret["value"]), str(secret["nonce"])
    except (KeyError, TypeError):
        raise ValidationError(
            _("{secret_file} holds no value and nonce", secret_file=secret_file)
        ) from None
    params = {"task": task, "draw": number, "value": value, "nonce": nonce}
    params.update(_signed(runtime, key_file, task, number, "reveal", value=value, nonce=nonce))
    runtime.run(key_file, "draw.witness_reveal", params)
    say(_("revealed for {task}/{number}", task=task, number=number))


@draw.command("dice")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.argument("digits")
@pass_runtime
def draw_dice(runtime: Runtime, key_file: str, ref: str, digits: str) -> None:
    """Record the dice thrown at the ceremony (10 to 100 throws, digits 1-6).

    \b
    Example:
      shuangsui draw dice --key scjgj.key T-2027-001/1 4261536214
    """
    task, number = parse_draw_ref(ref)
    runtime.run(key_file, "draw.dice", {"task": task, "draw": number, "digits": digits})
    say(_("dice recorded"))


@draw.command("beacon")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.option("--round", "round_number", required=True, type=click.IntRange(1))
@click.option("--signature", required=True, help="The round's BLS signature (hex).")
@pass_runtime
def draw_beacon(
    runtime: Runtime, key_file: str, ref: str, round_number: int, signature: str
) -> None:
    """Record the committed drand quicknet round; it is verified offline.

    \b
    Example:
      shuangsui draw beacon --key scjgj.key T-2027-001/1 --round 5123456 --signature b71371...
    """
    task, number = parse_draw_ref(ref)
    result = runtime.run(
        key_file,
        "draw.beacon",
        {"task": task, "draw": number, "round": round_number, "signature": signature},
    )
    say(
        _(
            "beacon round {round} verified: randomness {randomness}",
            round=round_number,
            randomness=result["randomness"],
        )
    )


@draw.command("run")
@KEY
@click.argument("ref", metavar="TASK/N")
@pass_runtime
def draw_run(runtime: Runtime, key_file: str, ref: str) -> None:
    """Run the draw once every entropy source is in (or its fallback applies).

    \b
    Example:
      shuangsui draw run --key scjgj.key T-2027-001/1
    """
    task, number = parse_draw_ref(ref)
    result = runtime.run(key_file, "draw.run", {"task": task, "draw": number})
    say(_("drew {drawn} objects; seed {seed}", drawn=result["drawn"], seed=result["seed"]))
    for key, stratum in result["strata"].items():
        say(
            _(
                "  {stratum}: {n} of {count} at {ratio}",
                stratum=key,
                n=stratum["n"],
                count=stratum["count"],
                ratio=stratum["ratio"],
            )
        )
    say(
        _(
            "organise the checks within 5 working days of {day} (R7.4)",
            day=result["organise_from"],
        )
    )


@draw.command("recuse")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.argument("object_id", metavar="OBJECT")
@click.argument("person")
@click.option("--reason", required=True, help="The conflict (回避事由), recorded.")
@pass_runtime
def draw_recuse(
    runtime: Runtime, key_file: str, ref: str, object_id: str, person: str, reason: str
) -> None:
    """Recuse PERSON from OBJECT; the next eligible officer by ticket replaces them.

    \b
    With the inspector's own key this is their signed declaration and takes effect.
    With the lead's key, on a v2 draw, it is a request that takes effect only when
    the office approves it (draw approve-recusal) or the inspector declares it.
    Example:
      shuangsui draw recuse --key s001.key T-2027-001/1 91512021MA6... S001 --reason 近亲属
    """
    task, number = parse_draw_ref(ref)
    result = runtime.run(
        key_file,
        "draw.recuse",
        {"task": task, "draw": number, "object": object_id, "person": person, "reason": reason},
    )
    if result.get("status") == "requested":
        runtime.say(
            _(
                "recusal of {person} from {object} requested; it takes effect with the "
                "inspector's own declaration or the office's approval",
                person=person,
                object=object_id,
            )
        )
    else:
        say(
            _(
                "{person} recused from {object}; replaced by {replacement}",
                person=person,
                object=object_id,
                replacement=result["replacement"],
            )
        )


@draw.command("approve-recusal")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.argument("object_id", metavar="OBJECT")
@click.argument("person")
@pass_runtime
def draw_approve_recusal(
    runtime: Runtime, key_file: str, ref: str, object_id: str, person: str
) -> None:
    """Approve the lead's pending request to recuse PERSON from OBJECT (office; 批准回避).

    The recusal then takes effect: the next eligible officer by ticket replaces them.

    \b
    Example:
      shuangsui draw approve-recusal --key office.key T-2027-001/1 91512021MA6... S001
    """
    task, number = parse_draw_ref(ref)
    result = runtime.run(
        key_file,
        "draw.approve_recusal",
        {"task": task, "draw": number, "object": object_id, "person": person},
    )
    runtime.say(
        _(
            "recusal approved: {person} recused from {object}; replaced by {replacement}",
            person=person,
            object=object_id,
            replacement=result["replacement"],
        )
    )


@draw.command("reject-recusal")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.argument("object_id", metavar="OBJECT")
@click.argument("person")
@click.option("--reason", required=True, help="Why the request is rejected (驳回理由), recorded.")
@pass_runtime
def draw_reject_recusal(
    runtime: Runtime, key_file: str, ref: str, object_id: str, person: str, reason: str
) -> None:
    """Reject the lead's pending request to recuse PERSON from OBJECT (office; 驳回回避申请).

    \b
    The team stays as drawn and the request is settled. A request can no longer be
    decided once the object's check under the draw is recorded (it lapsed).
    Example:
      shuangsui draw reject-recusal --key office.key T-2027-001/1 91512021MA6... S001 \\
        --reason 未提供回避事由的证明
    """
    task, number = parse_draw_ref(ref)
    runtime.run(
        key_file,
        "draw.reject_recusal",
        {"task": task, "draw": number, "object": object_id, "person": person, "reason": reason},
    )
    click.echo(
        _(
            "recusal request rejected: {person} stays on the team for {obj}",
            person=person,
            obj=object_id,
        )
    )


@draw.command("void")
@KEY
@click.argument("ref", metavar="TASK/N")
@click.option("--reason", required=True, help="Why the draw is given up (作废事由), recorded.")
@pass_runtime
def draw_void(runtime: Runtime, key_file: str, ref: str, reason: str) -> None:
    """Void an unrun draw with its reason, before any witness reveals (作废).

    \b
    A task has one open draw at a time: commit it again only after a void. A draw
    that ran, or whose witnesses began to reveal, cannot be voided (R7.5).
    Example:
      shuangsui draw void --key scjgj.key T-2027-001/1 --reason 见证人名单有误
    """
    task, number = parse_draw_ref(ref)
    runtime.run(key_file, "draw.void", {"task": task, "draw": number, "reason": reason})
    runtime.say(_("draw {task}/{number} voided: {reason}", task=task, number=number, reason=reason))


@draw.command("show")
@click.argument("ref", metavar="TASK/N")
@pass_runtime
def draw_show(runtime: Runtime, ref: str) -> None:
    """Show a draw: commitment, witnesses, entropy, result, recusals.

    \b
    Example:
      shuangsui draw show T-2027-001/1
    """
    from ledger.ids import draw_id

    task, number = parse_draw_ref(ref)
    ledger = runtime.open(write=False)
    try:
        found = ledger.find(draw_id(task, number))
        if found is None:
            raise NotFoundError(_("no draw {ref}", ref=ref))
        shown = found.as_dict()
    finally:
        ledger.close()
    shown["commitment"] = json.loads(shown["commitment"])
    echo_json(named(shown, display_names(runtime)))


@click.command("verify-draw")
@click.argument("ref", metavar="TASK/N")
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check against an export bundle (offline) instead of the database.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_runtime
def verify_draw_cmd(runtime: Runtime, ref: str, bundle: Path | None, as_json: bool) -> None:
    """Recompute a draw and compare it byte for byte with what was recorded.

    \b
    Recomputes the snapshot roots from the directory entries, the seed from the
    recorded entropy (reveals against commitments, the beacon with drand-verify),
    the selection, the matching and every recusal; for a v2 draw also the rules
    against steering (dice first, one open draw, the beacon margin, witness
    signatures, recusals declared by the inspector or approved by the office, no
    request decided after the object's check under the draw lapsed it -- an approval
    from ledger format 4). A bundle must hold every event of the draw's stream up to
    its last version; a slice of a ledger before format 3 cannot show that (its
    checkpoints commit to no state map), and verify-draw says so (--json:
    complete_proven false).
    Exit 0 identical, 1 naming the first difference, 2 usage or I/O error.
    Examples:
      shuangsui verify-draw T-2027-001/1
      shuangsui verify-draw T-2027-001/1 --bundle draw.bundle
    """
    from ledger.draw.verify import stream_gap, verify_draw
    from ledger.draw.world import bundle_keys, bundle_reader, bundle_stream_versions
    from ledger.ids import draw_id

    task, number = parse_draw_ref(ref)
    beacon_check = quicknet_verifier()
    unproven = False  # a slice whose completeness nothing proves
    if bundle is not None:
        from ledger.audit.bundles import verify_bundle
        from ledger.bootstrap import route_table

        header = bundle_header(bundle)
        with bundle.open(encoding="utf-8") as lines:
            report = verify_bundle(lines, route_table(), workers=1)
        if not report:
            from ledger.audit.report import INCOMPLETE_SLICE

            assert report.failure is not None
            if report.failure.reason == INCOMPLETE_SLICE:
                # Issue 11 part 4: the checkpoint's state map proves what is left out.
                runtime.say(
                    _(
                        "draw {ref}: the bundle does not hold every event of the draw: {detail}",
                        ref=ref,
                        detail=report.failure.detail,
                    )
                )
            else:
                say(_("the bundle itself is damaged: {failure}", failure=report.failure.message))
            raise SystemExit(EXIT_TAMPERED)
        with bundle.open(encoding="utf-8") as lines:
            keys = bundle_keys(lines)
        with bundle.open(encoding="utf-8") as lines:
            versions = bundle_stream_versions(lines, str(draw_id(task, number)))
        gap = stream_gap(versions)
        if gap is not None and versions:
            runtime.say(_("draw {ref}: incomplete: {gap}", ref=ref, gap=gap))
            raise SystemExit(EXIT_TAMPERED)
        problem, facts = verify_draw(
            bundle_reader(lambda: bundle.open(encoding="utf-8")),
            task,
            number,
            beacon_check,
            keys=keys.get,
        )
        if problem is None:
            # A decision on a recusal request is judged against the object's check:
            # the slice must show it holds that check, or that the log holds none.
            from ledger.audit.bundles import slice_state
            from ledger.draw.verify import check_lapse_provable

            with bundle.open(encoding="utf-8") as lines:
                proofs = slice_state(lines)
            problem = check_lapse_provable(
                bundle_reader(lambda: bundle.open(encoding="utf-8")), task, number, proofs
            )
        if versions:
            facts["complete_to_version"] = versions[-1]
        if header.get("kind") == "slice":
            # Issue 11 part 4: only a checkpoint's state map proves a slice whole.
            unproven = report.complete is None
            facts["complete_proven"] = not unproven
    else:
        ledger = runtime.open(write=False)

        def key_of(key_id: str) -> bytes | None:
            key = ledger.key(key_id)
            return None if key is None else bytes(key.public_key_bytes)

        try:
            problem, facts = verify_draw(
                ledger.topic_events, task, number, beacon_check, keys=key_of
            )
        finally:
            ledger.close()
    if as_json:
        echo_json({"ok": problem is None, "difference": problem, **facts})
    elif problem is None:
        state = (
            _("identical")
            if facts.get("performed")
            else _("committed, not yet performed; inputs verified")
        )
        say(
            _(
                "draw {ref}: {state} (commitment {commitment}..., {drawn} objects, "
                "{recusals} recusals)",
                ref=ref,
                state=state,
                commitment=facts["commitment_hash"][:16],
                drawn=facts.get("drawn", 0),
                recusals=facts.get("recusals", 0),
            )
        )
    else:
        runtime.say(_("draw {ref} DIFFERS: {problem}", ref=ref, problem=problem))
    if unproven and not as_json:
        say(
            _(
                "note: this bundle proves nothing complete: its log's checkpoints commit to "
                "no state map (a ledger before format 3), so events of the draw could have "
                "been left out of it without this check noticing"
            )
        )
    if problem is not None:
        raise SystemExit(EXIT_TAMPERED)
