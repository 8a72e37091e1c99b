"""The API's blueprints, one per area, and their endpoints.

Writes are generated from :data:`ledger.audit.verifier.HTTP_ROUTES` (the route table is
part of the evidence format, so the offline verifier reads the same table): each is
``POST``, signed, gated by :data:`api.auth.WRITES`, validated by its schema, and
executed as one command; it answers 201 with the positions it wrote. Reads come from
the projections (kept current before each read), paged by log position.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, request
from flask_smorest import Blueprint

from api import schemas as s
from api.auth import OVERSIGHT_READ, STATE_READ, WRITES, authenticate, require
from api.problems import PROBLEM
from api.service import Service
from ledger.bootstrap import registry
from ledger.errors import AuthorisationError, NotFoundError, ValidationError
from ledger.transparency.witness import WitnessError
from projections import read
from projections.review import review as duty_review

AREAS = {
    "organisations": "Departments, sections, keys, notes and the calendar (the office).",
    "items": "Item lists (抽查事项清单) and the joint list.",
    "directory": "The object and inspector directories (两库).",
    "plans": "Annual plans (R6).",
    "tasks": "Joint tasks (R7.1-R7.3) and their organisation (R7.4).",
    "draws": "The verifiable draw and its witnesses (R7.4, R7.5).",
    "inspections": "Inspections, results, publication and follow-up (R8, R9).",
    "publications": "The public publication feed (R9.1, R9.3). No signature needed.",
    "reviews": "Trails, deadlines and the duty review (R10). Oversight roles.",
    "ledger": "Checkpoints, proofs and consistency: the transparency log. Public.",
    "witness": "C2SP tlog-witness add-checkpoint, when this service is a witness.",
}
BLUEPRINTS = {name: Blueprint(name, name, description=text) for name, text in AREAS.items()}
COMMAND_ENDPOINTS: dict[str, str] = {}  # endpoint -> action
PUBLIC = "public"
#: Path integers: at most nine digits (the route table's own bound), so nothing larger
#: ever reaches a database column.
INT = "int(max=999999999)"


def service() -> Service:
    found: Service = current_app.extensions["shuangsui"]
    return found


def _rule(template: str) -> str:
    return re.sub(r"\{(\w+):int\}", rf"<{INT}:\1>", re.sub(r"\{(\w+)\}", r"<\1>", template))


def _command_view(action: str) -> Any:
    def view(_body: Any, **_path: Any) -> Any:
        verified = authenticate()
        try:
            authorisation = verified.authorisation(request.get_data(cache=True))
        except AuthorisationError as exc:
            raise ValidationError(str(exc), {"body": [str(exc)]}) from exc
        recorded = service().ledger.execute(
            authorisation, attachment=authorisation.parsed.attachment, verified_actor=verified.key
        )
        return {
            "action": recorded.action,
            "positions": [recorded.first_position, recorded.last_position],
            "result": recorded.result,
        }

    return view


def _register_commands() -> None:
    for command in registry():
        route = command.ROUTE
        if route is None:
            continue
        action = command.ACTION
        area = command.area()
        if area not in BLUEPRINTS:
            package = sys.modules[command.__module__.rpartition(".")[0]]
            BLUEPRINTS[area] = Blueprint(area, area, description=(package.__doc__ or "").strip())
        blp = BLUEPRINTS[area]
        roles = ", ".join(sorted(command.ROLES))
        view = _command_view(action)
        endpoint = action.replace(".", "_")
        view.__name__ = endpoint
        view.__doc__ = (
            f"{command.summary()}\n\nCommand `{action}`. Signed request (RFC 9421); "
            f"roles: {roles}. Path variables are parameters of the command."
        )
        decorated = blp.arguments(s.command_schema(command), location="json")(view)
        decorated = blp.response(201, s.Recorded)(decorated)
        for status, meaning in (
            (401, "Unsigned, or a bad signature"),
            (403, "Not permitted"),
            (404, "No such record"),
            (409, "Conflicts with the log"),
            (422, "Invalid, or refused by a rule"),
        ):
            decorated = blp.alt_response(
                status, schema=s.Problem, description=meaning, content_type=PROBLEM
            )(decorated)
        blp.route(_rule(route.path), methods=[route.method], endpoint=endpoint)(decorated)
        COMMAND_ENDPOINTS[f"{blp.name}.{endpoint}"] = action


def guard() -> None:
    """Before every request: authenticate and gate what is not public."""
    endpoint = request.endpoint or ""
    action = COMMAND_ENDPOINTS.get(endpoint)
    if action is not None:
        require(WRITES[action], f"{action} ({request.method} {request.path})")
        return
    view = current_app.view_functions.get(endpoint)
    access = getattr(view, "access", PUBLIC)
    if isinstance(access, frozenset):
        require(access, f"{request.method} {request.path}")


def access(roles: frozenset[str] | str) -> Any:
    def mark(fn: Any) -> Any:
        fn.access = roles
        return fn

    return mark


def _store() -> Any:
    """The projections, brought up to date once per request (a read sees its writes)."""
    if "projections" not in g:
        g.projections = service().projections().db
    return g.projections


def _today() -> dt.date:
    return read.deadlines.as_of(request.args.get("today"))


# --- organisations ---------------------------------------------------------------------------

orgs = BLUEPRINTS["organisations"]


@orgs.route("/api/v1/departments", methods=["GET"])
@orgs.response(200, s.Department(many=True))
@access(STATE_READ)
def departments() -> Any:
    """The member departments and their sections."""
    return read.departments.departments(_store())


@orgs.route("/api/v1/keys", methods=["GET"])
@orgs.response(200, s.KeyInfo(many=True))
@access(STATE_READ)
def keys() -> Any:
    """Every registered key, its holder, roles and status."""
    return read.keys.keys(_store())


# --- items, directory, plans, tasks, draws ------------------------------------------------------


@BLUEPRINTS["items"].route("/api/v1/item-lists/<department>", methods=["GET"])
@BLUEPRINTS["items"].response(200, s.ItemRow(many=True))
@access(STATE_READ)
def item_list(department: str) -> Any:
    """A department's published item list (the current version)."""
    found = read.items.item_list(_store(), department)
    if found is None:
        raise NotFoundError(f"no department {department}")
    return found


@BLUEPRINTS["directory"].route("/api/v1/directory/objects/<key>", methods=["GET"])
@BLUEPRINTS["directory"].response(200, s.ObjectRecord)
@access(STATE_READ)
def directory_object(key: str) -> Any:
    """One object with every result any department entered for it (R5.1, R9.3)."""
    record = read.directory.object_record(_store(), key)
    if record is None:
        raise NotFoundError(f"no object {key} in the directory")
    return record


@BLUEPRINTS["directory"].route("/api/v1/inspectors/<person>", methods=["GET"])
@BLUEPRINTS["directory"].response(200, s.Inspector)
@access(STATE_READ)
def inspector(person: str) -> Any:
    """One inspector's effective record."""
    found = read.inspectors.inspector(_store(), person)
    if found is None:
        raise NotFoundError(f"no inspector {person}")
    return found


@BLUEPRINTS["plans"].route("/api/v1/plans/<department>/<int(max=999999999):year>", methods=["GET"])
@BLUEPRINTS["plans"].response(200, s.Plan)
@access(STATE_READ)
def plan(department: str, year: int) -> Any:
    """A department's plan for a year: name, version, publication date, late or not."""
    found = read.plans.plan(_store(), department, year)
    if found is None:
        raise NotFoundError(f"no {year} plan of {department}")
    return found


@BLUEPRINTS["tasks"].route("/api/v1/tasks/<task>", methods=["GET"])
@BLUEPRINTS["tasks"].response(200, s.Task)
@access(STATE_READ)
def task(task: str) -> Any:
    """A joint task with its participants, items, inspectors and draws."""
    found = read.tasks.task(_store(), task)
    if found is None:
        raise NotFoundError(f"no task {task}")
    return found


@BLUEPRINTS["draws"].route(
    "/api/v1/tasks/<task>/draws/<int(max=999999999):number>", methods=["GET"]
)
@BLUEPRINTS["draws"].response(200, s.Draw)
@access(STATE_READ)
def draw(task: str, number: int) -> Any:
    """A draw: its commitment, seed and assignments (after recusals)."""
    found = read.draws.draw(_store(), task, number)
    if found is None:
        raise NotFoundError(f"no draw {task}/{number}")
    return found


# --- inspections and results ------------------------------------------------------------------

insp = BLUEPRINTS["inspections"]


@insp.route("/api/v1/results", methods=["GET"])
@insp.arguments(s.ResultQuery, location="query")
@insp.response(200, s.ResultRow(many=True))
@access(STATE_READ)
def results(args: dict[str, Any]) -> Any:
    """Results, across departments (结果互认, R9.3), paged by position (?after=)."""
    return read.results.results(
        _store(),
        after=args["after"],
        limit=args["limit"],
        object=args.get("object"),
        department=args.get("department"),
    )


@insp.route("/api/v1/coverage", methods=["GET"])
@insp.response(200, s.Coverage(many=True))
@access(STATE_READ)
def coverage() -> Any:
    """Per department and item: tasks, joint tasks, inspections by basis (R1.2)."""
    return read.items.coverage(_store())


@insp.route("/api/v1/task-ledger", methods=["GET"])
@insp.response(200, s.TaskLedgerRow(many=True))
@access(STATE_READ)
def task_ledger() -> Any:
    """Tasks assigned to sections and people, with dates (R10.3); filter by
    ?department=, ?section=, ?person=."""
    return read.tasks.task_ledger(
        _store(),
        department=request.args.get("department"),
        section=request.args.get("section"),
        person=request.args.get("person"),
    )


@insp.route("/api/v1/progress/<department>/<int(max=999999999):year>", methods=["GET"])
@insp.response(200, s.Progress)
@access(STATE_READ)
def progress(department: str, year: int) -> Any:
    """The annual summary as data, or a quarter's report with ?quarter=1..4 (R10.6)."""
    quarter = request.args.get("quarter", type=int)
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError("quarter is 1-4", {"quarter": ["1, 2, 3 or 4"]})
    return read.reports.progress_report(_store(), department, year, quarter, _today())


# --- the public feed ---------------------------------------------------------------------------


@BLUEPRINTS["publications"].route("/api/v1/publications", methods=["GET"])
@BLUEPRINTS["publications"].arguments(s.FeedQuery, location="query")
@BLUEPRINTS["publications"].response(200, s.Page)
def publications(args: dict[str, Any]) -> Any:
    """Published results in log order. Public. Page with ?after=<next>."""
    return read.results.feed(
        _store(), after=args["after"], limit=args["limit"], department=args.get("department")
    )


# --- trails, deadlines, reviews ---------------------------------------------------------------

rev = BLUEPRINTS["reviews"]
KIND = "<any(object, task, person, department):kind>"


@rev.route(f"/api/v1/trails/{KIND}/<subject>", methods=["GET"])
@rev.arguments(s.Cursor, location="query")
@rev.response(200, s.TrailPage)
@access(OVERSIGHT_READ)
def trail(args: dict[str, Any], kind: str, subject: str) -> Any:
    """Every entry that touched a subject, in order, its signer and deadlines."""
    store = _store()
    entries = read.trails.trail(
        store, kind, subject, _today(), after=args["after"], limit=args["limit"] + 1
    )
    if not entries and not args["after"]:
        raise NotFoundError(f"nothing in the log touches {kind} {subject}")
    more = len(entries) > args["limit"]
    entries = entries[: args["limit"]]
    return {"items": [e.as_dict() for e in entries], "next": entries[-1].position if more else None}


@rev.route(f"/api/v1/trails/{KIND}/<subject>/bundle", methods=["GET"])
@rev.response(
    200,
    content_type="application/x-ndjson",
    description="An evidence bundle: `shuangsui verify --bundle FILE` checks it.",
)
@access(OVERSIGHT_READ)
def trail_bundle(kind: str, subject: str) -> Any:
    """The trail's entries with inclusion proofs to one signed checkpoint (offline check)."""
    positions = read.trails.trail_positions(_store(), kind, subject)
    if not positions:
        raise NotFoundError(f"nothing in the log touches {kind} {subject}")
    with tempfile.TemporaryDirectory() as where:
        out = Path(where) / "bundle.jsonl"
        service().ledger.transparency.export(out, positions=positions, query={kind: subject})
        data = out.read_bytes()
    return Response(
        data,
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="trail-{kind}-{subject}.jsonl"'},
    )


@rev.route(f"/api/v1/reviews/{KIND}/<subject>", methods=["GET"])
@rev.response(200, s.Review)
@access(OVERSIGHT_READ)
def review(kind: str, subject: str) -> Any:
    """The duty review (R10.4): each party exempt, accountable (rule, evidence) or
    needs judgement; settled verdicts marked. ?today= judges as of that day."""
    return duty_review(_store(), kind, subject, _today()).as_dict()


@rev.route("/api/v1/deadlines", methods=["GET"])
@rev.arguments(s.DeadlineQuery, location="query")
@rev.response(200, s.Deadline(many=True))
@access(STATE_READ)
def deadlines(args: dict[str, Any]) -> Any:
    """The deadline board: due, overdue, met late, met (R6.5, R7.4, R9.1, R10.6)."""
    board = read.deadlines.deadlines(
        _store(),
        _today(),
        department=args.get("department"),
        kind=args.get("kind"),
        status=args.get("status"),
    )
    return [d.as_dict() for d in board]


# --- the transparency log ---------------------------------------------------------------------

log_bp = BLUEPRINTS["ledger"]
TEXT = "text/plain; charset=utf-8"


@log_bp.route("/api/v1/status", methods=["GET"])
@log_bp.response(200, s.Status)
def status() -> Any:
    """The ledger's origin, size and latest checkpoint. Public."""
    svc = service()
    transparency = svc.ledger.transparency
    return {
        "origin": transparency.origin,
        "size": svc.ledger.head().position,
        "projections": svc.store().position(),
        "checkpoint": transparency.latest(),
    }


@log_bp.route("/api/v1/checkpoint", methods=["GET"])
@log_bp.response(200, content_type="text/plain", description="A C2SP signed checkpoint note.")
def checkpoint() -> Any:
    """The latest checkpoint (C2SP tlog-checkpoint), with its cosignatures. Public."""
    return Response(service().ledger.transparency.latest(), mimetype="text/plain")


@log_bp.route("/api/v1/log/vkey", methods=["GET"])
@log_bp.response(200, content_type="text/plain", description="The log's note verifier key.")
def vkey() -> Any:
    """The log's verifier key (name+hash+key) for witnesses and auditors. Public."""
    return Response(service().ledger.transparency.log_verifier().vkey + "\n", mimetype="text/plain")


@log_bp.route("/api/v1/proofs/inclusion/<int(max=999999999):position>", methods=["GET"])
@log_bp.response(200, content_type="text/plain", description="A C2SP tlog-proof.")
def inclusion(position: int) -> Any:
    """An inclusion proof for the entry at ``position`` (C2SP tlog-proof, with the
    checkpoint it proves against). Public."""
    ledger = service().ledger
    if not 1 <= position <= ledger.head().position:
        raise NotFoundError(f"no entry at position {position}")
    return Response(ledger.transparency.prove(position), mimetype="text/plain")


@log_bp.route("/api/v1/proofs/consistency", methods=["GET"])
@log_bp.arguments(s.ConsistencyQuery, location="query")
@log_bp.response(200, s.Consistency)
def consistency(args: dict[str, Any]) -> Any:
    """An RFC 9162 consistency proof between two tree sizes (base64 hashes). Public."""
    old, new = args["old"], args["new"]
    size = service().ledger.head().position
    if not old <= new <= size:
        raise ValidationError(f"need 1 <= old <= new <= {size}", {"new": [f"at most {size}"]})
    from ledger.audit.verifier import b64

    proof = service().ledger.transparency.consistency_proof(old, new)
    return {"old": old, "new": new, "proof": [b64(h) for h in proof]}


@log_bp.route("/api/v1/checkpoint/cosignatures", methods=["POST"])
@log_bp.response(200, s.Attached)
@access(frozenset({"office", "witness"}))
def attach() -> Any:
    """Attach a witness's cosignatures (a cosigned checkpoint note, text/plain body)."""
    text = request.get_data(cache=True).decode("utf-8", "replace")
    added = service().ledger.transparency.attach_cosignatures(text)
    return {"attached": added}


# --- a witness (C2SP tlog-witness) ------------------------------------------------------------


@BLUEPRINTS["witness"].route("/add-checkpoint", methods=["POST"])
@BLUEPRINTS["witness"].response(
    200, content_type="text/x.tlog.signature", description="The witness's cosignature lines."
)
def add_checkpoint() -> Any:
    """C2SP tlog-witness add-checkpoint: ``old N``, the consistency proof, a blank line
    and the checkpoint. 409 (with the known size) if ``old`` is not what this witness
    last cosigned; 422 if the proof fails; 403/404 for an unknown log or bad signature."""
    witness = service().witness
    if witness is None:
        raise NotFoundError("this service is not configured as a witness")
    try:
        lines = witness.add_checkpoint(request.get_data(cache=True).decode("utf-8"))
    except UnicodeDecodeError:
        return Response("not UTF-8\n", status=400, mimetype="text/plain")
    except WitnessError as exc:
        if exc.status == 409 and exc.known_size is not None:
            return Response(f"{exc.known_size}\n", status=409, mimetype="text/x.tlog.size")
        return Response(f"{exc.message}\n", status=exc.status, mimetype="text/plain")
    return Response(lines, mimetype="text/x.tlog.signature")


_register_commands()
__all__ = ["BLUEPRINTS", "guard"]
