"""The public pages (一公开, R3.4, R6.5, R9.1, R10.5): no login, nothing unpublished.

The feed and an object's page read the projections; a draw, a plan and the checkpoint
read the log itself (the ledger's aggregates and notes), so what they show is what an
auditor's bundle holds.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Response, abort, request

from api import exports
from api.blueprints.common import consistency_sizes, service, store
from api.pages.base import bp, render
from ledger.areas.draws.events import Draw
from ledger.areas.inspections.events import RESULTS
from ledger.audit.errors import NoteError
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.errors import NotFoundError
from ledger.ids import draw_id, plan_id
from projections import read


def _int(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _date(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    return value if len(value) == 10 and value[4] == "-" and value[7] == "-" else None


def feed_filters() -> dict[str, Any]:
    """The feed's filters from the query string (what does not parse is ignored)."""
    result = request.args.get("result") or None
    return {
        "q": (request.args.get("q") or "").strip()[:100] or None,
        "department": request.args.get("department") or None,
        "item": request.args.get("item") or None,
        "result": result if result in RESULTS else None,
        "since": _date("since"),
        "until": _date("until"),
    }


@bp.route("/")
def feed() -> Response:
    """The publication feed: search, filters, paging (R9.1)."""
    db = store()
    filters = feed_filters()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx", "gsxt"):
        return feed_export(db, filters, fmt)
    page = read.public.feed(db, **filters, before=_int("before"))
    names = read.public.names(db)
    return render(
        "feed.html",
        page=page,
        filters=filters,
        names=names,
        results=list(RESULTS),
        args={k: v for k, v in filters.items() if v},
    )


#: At most this many rows in one download (narrow the filters for more).
EXPORT_LIMIT = 100_000


def feed_export(db: Any, filters: dict[str, Any], fmt: str) -> Response:
    """The filtered feed as CSV or XLSX with Chinese headers, or in the national enterprise
    credit publicity system's bulk-upload layout (``gsxt``, see :mod:`api.exports`)."""
    rows: list[dict[str, Any]] = []
    before: int | None = None
    while len(rows) < EXPORT_LIMIT:
        page = read.public.feed(db, **filters, before=before, limit=1000)
        rows += page["items"]
        before = page["next"]
        if before is None:
            break
    rows = rows[:EXPORT_LIMIT]
    names = read.public.names(db)
    if fmt == "gsxt":
        tasks = {r["task"]: r["name"] for r in db.query("SELECT task, name FROM tasks")}

        def basis(row: Mapping[str, Any]) -> Mapping[str, Any] | None:
            found = next(
                iter(
                    db.query(
                        "SELECT basis, reference FROM results WHERE object = ? AND item = ? "
                        "AND decided_position = ?",
                        [row["object"], row["item"], row["position"]],
                    )
                ),
                None,
            )
            if found and found["basis"] == "draw":
                found["task_name"] = tasks.get(found["reference"].rsplit("/", 1)[0], "")
            return found

        headers, body = exports.gsxt_rows(rows, names, basis)
        data = exports.csv_bytes(headers, body)
        return _download(data, "publicity-upload.csv", "text/csv")
    data = exports.render("results", rows, fmt, names, title="抽查结果公示")
    mimetype = "text/csv" if fmt == "csv" else exports.XLSX
    return _download(data, f"publications.{fmt}", mimetype)


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/objects/<key>")
def object_page(key: str) -> Response:
    """An object's published results; withheld ones counted, never shown (R9.1)."""
    db = store()
    found = read.public.object_page(db, key[:64])
    if found is None:
        raise NotFoundError(f"no object {key}")
    return render("object.html", obj=found, names=read.public.names(db))


@bp.route("/departments")
def departments() -> Response:
    """Every department, with links to its item lists and plans."""
    return render("departments.html", departments=read.departments.departments(store()))


@bp.route("/departments/<code>")
def department(code: str) -> Response:
    """A department's published item lists (every version, with reasons) and annual
    plans (every published version): published to society (R3.4, R6.5)."""
    db = store()
    found = next((d for d in read.departments.departments(db) if d["code"] == code), None)
    if found is None:
        raise NotFoundError(f"no department {code}")
    ledger = service().ledger
    plans = []
    years = [r["year"] for r in db.query("SELECT year FROM plans WHERE department = ?", [code])]
    for year in sorted(years, reverse=True):
        plan = ledger.find(plan_id(code, year))
        if plan is None:
            continue
        versions = [v for v in plan.as_dict()["versions"] if v["published_on"]]
        if versions:
            plans.append({"year": year, "versions": list(reversed(versions))})
    return render(
        "department.html",
        department=found,
        lists=read.public.item_versions(db, code),
        plans=plans,
        names=read.public.names(db),
    )


@bp.route("/credit")
def credit() -> Response:
    """The office's credit policy, published (R6.3, R5.3): the yearly check cap per
    object (每户每年检查次数上限) and the concentration threshold, every version."""
    from api.blueprints.credit import policy_document

    return render("credit.html", policy=policy_document(service().ledger))


@bp.route("/draws")
def draws() -> Response:
    """The latest draws."""
    db = store()
    return render("draws.html", draws=read.public.draws(db), names=read.public.names(db))


def draw_facts(task: str, number: int) -> dict[str, Any]:
    """Everything the draw page and the ceremony show, from the log: the commitment and
    its hash, each witness's commitment and reveal, dice, beacon, seed, drawn list."""
    ledger = service().ledger
    draw = ledger.find(draw_id(task, number))
    if draw is None:
        raise NotFoundError(f"no draw {task}/{number}")
    commitment = json.loads(draw.commitment)
    witnesses = []
    for key_id in commitment.get("witnesses", []):
        key = ledger.key(key_id)
        witnesses.append(
            {
                "key_id": key_id,
                "holder": key.holder if key is not None else key_id,
                "commitment": draw.witness_commitments.get(key_id),
                "value": draw.reveals.get(key_id),
            }
        )
    performed = draw.performed
    drawn: list[dict[str, Any]] = []
    if performed is not None:
        keys = [a["object"] for a in performed["assignments"]]
        names = read.public.object_names(store(), keys)
        drawn = [
            {"order": a["order"], "object": a["object"], "name": names.get(a["object"], "")}
            for a in sorted(performed["assignments"], key=lambda a: a["order"])
        ]
    return {
        "task": task,
        "number": number,
        "commitment": commitment,
        "commitment_text": json.dumps(commitment, ensure_ascii=False, indent=1),
        "commitment_hash": draw.commitment_hash,
        "witnesses": witnesses,
        "dice_expected": bool(commitment.get("dice")),
        "dice": draw.dice,
        "beacon": draw.beacon,
        "seed": performed["seed"] if performed else None,
        "drawn": drawn,
        "recusals": len(draw.recusals),
        "command": f"shuangsui verify-draw {task}/{number} --bundle draw-{task}-{number}.jsonl",
    }


#: What each of a draw's events is called on its page, in the order of the ceremony.
DRAW_EVENTS = {
    Draw.Created.TOPIC: "摇号承诺",
    Draw.DiceRecorded.TOPIC: "录入现场骰子",
    Draw.DiceThrown.TOPIC: "录入现场骰子",
    Draw.WitnessCommitted.TOPIC: "见证人承诺",
    Draw.WitnessSignedCommitment.TOPIC: "见证人承诺",
    Draw.WitnessRevealed.TOPIC: "见证人揭示随机数",
    Draw.WitnessSignedReveal.TOPIC: "见证人揭示随机数",
    Draw.BeaconRecorded.TOPIC: "公共随机信标",
    Draw.Performed.TOPIC: "摇号完成",
    Draw.Recused.TOPIC: "回避与替换",
    Draw.Voided.TOPIC: "作废",
}


def draw_timeline(task: str, number: int) -> list[dict[str, Any]]:
    """The draw's entries as they arrived: position, time, what, who signed."""
    positions = service().ledger.chain.positions_of_stream(draw_id(task, number))
    if not positions:
        return []
    marks = ",".join("?" * len(positions))
    rows = store().query(
        "SELECT e.position, e.time, e.topic, e.actor, k.holder FROM entries e "
        f"LEFT JOIN keys k ON k.key_id = e.actor WHERE e.position IN ({marks}) "
        "ORDER BY e.position",
        positions,
    )
    return [{**r, "event": DRAW_EVENTS.get(r["topic"], r["topic"])} for r in rows]


@bp.route("/draws/<task>/<int(max=999999999):number>")
def draw(task: str, number: int) -> Response:
    """A draw (R7.4, R7.5): how it was committed, what went in as it arrived, what came
    out, and how to recompute it."""
    facts = draw_facts(task, number)
    db = store()
    row = next(iter(db.query("SELECT name, lead FROM tasks WHERE task = ?", [task])), None)
    return render(
        "draw.html",
        draw=facts,
        task_row=row,
        names=read.public.names(db),
        timeline=draw_timeline(task, number),
    )


@bp.route("/draws/<task>/<int(max=999999999):number>/ceremony")
def ceremony(task: str, number: int) -> Response:
    """The page the lead projects at the public drawing (R7.5): it follows the draw as
    witnesses commit and reveal, takes the dice on this screen (signed in the browser by
    the lead's key), then shows the seed and the drawn list; no reload."""
    from api.client import command_request

    facts = draw_facts(task, number)
    _, dice_path, _ = command_request("draw.dice", {"task": task, "draw": number, "digits": ""})
    return render("ceremony.html", draw=facts, dice_path=dice_path)


@bp.route("/draws/<task>/<int(max=999999999):number>/state")
def draw_state(task: str, number: int) -> Response:
    """The draw's facts as JSON, for the ceremony page's polling."""
    from flask import jsonify

    facts = draw_facts(task, number)
    facts.pop("commitment")
    facts.pop("commitment_text")
    response = jsonify(facts)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/draws/<task>/<int(max=999999999):number>/bundle")
def draw_bundle(task: str, number: int) -> Response:
    """What ``verify-draw --bundle`` needs, with inclusion proofs to one checkpoint."""
    from ledger.draw.world import SNAPSHOT_TOPICS

    ledger = service().ledger
    if ledger.find(draw_id(task, number)) is None:
        raise NotFoundError(f"no draw {task}/{number}")
    return bundle_download(
        ledger.chain.positions_of_topics(SNAPSHOT_TOPICS),
        {"draw": f"{task}/{number}"},
        f"draw-{task}-{number}.jsonl",
    )


def bundle_download(positions: list[int], query: dict[str, Any], filename: str) -> Response:
    """A slice as a download; ``?consistency_from=N`` (repeatable) adds the consistency
    proof from the auditor's checkpoint of size N, as the API's trail bundle does."""
    joined = consistency_sizes()
    with tempfile.TemporaryDirectory() as where:
        out = Path(where) / "bundle.jsonl"
        service().ledger.transparency.export(
            out, positions=positions, query=query, consistency_from=joined
        )
        data = out.read_bytes()
    return Response(
        data,
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def checkpoint_facts() -> dict[str, Any]:
    """The latest checkpoint note, parsed: origin, size, root, and who signed it."""
    ledger = service().ledger
    text = ledger.transparency.latest()
    try:
        note = parse_note(text)
        checkpoint = parse_checkpoint(note.text)
    except NoteError:  # pragma: no cover - the ledger writes only well-formed notes
        abort(500)
    witnesses = {k.note_name: k.holder for k in ledger.keys_with_role("witness") if k.note_name}
    signers = [
        {
            "name": s.name,
            "role": "log" if s.name == checkpoint.origin else "witness",
            "holder": witnesses.get(s.name, ""),
        }
        for s in note.signatures
    ]
    return {
        "text": text,
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": note.text.splitlines()[2],
        "signers": signers,
        "cosigned": sum(1 for s in signers if s["role"] == "witness"),
    }


@bp.route("/log")
def log() -> Response:
    """The log's current checkpoint, its witnesses' cosignatures, and the downloads."""
    return render("log.html", checkpoint=checkpoint_facts())
