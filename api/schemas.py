"""Marshmallow schemas for every response of the API, query strings, and the strict
:class:`Body` base of request bodies (the bodies themselves are generated from the
typed commands in :mod:`api.requests`).

The body the caller signed is what the ledger records, never a re-serialised copy,
so schemas validate and document but do not transform.

Responses (:class:`Response`) carry names beside codes, the same as the CLI's JSON
(issue 12 §7, :mod:`projections.read.names`): every field whose key the helper may name
gets a declared ``<key>_name`` (a list of codes: ``<key>_names``; a :class:`Text`
message: ``<key>_zh``, its Chinese) beside it, generated here so the OpenAPI document
lists each one, and the values are added before the dump from the names of the
projections the request read (``g.names_of``, set by ``api.blueprints.common.store``).
Nothing a response had is removed or changed.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from marshmallow import INCLUDE, RAISE, Schema, fields, pre_dump, validate
from marshmallow.schema import SchemaMeta

from ledger.areas.keys.events import KEY_STATES
from ledger.i18n import render
from projections.read.names import LIST_KEYS, NAME_KEYS, named

DATE = {"format": "date", "example": "2026-11-26"}


class Body(Schema):
    class Meta:
        unknown = RAISE


# --- responses -------------------------------------------------------------------------------


class Text(fields.String):
    """An English message that has a Chinese form: the response adds ``<key>_zh``."""


Field = fields.Field[Any]


def _beside(key: str, field: Field) -> tuple[str, Field] | None:
    """The name field a response adds beside ``key``, if any."""
    if field.data_key not in (None, key):
        return None
    if isinstance(field, Text):
        return f"{key}_zh", fields.String(
            dump_only=True, metadata={"description": f"`{key}` in Chinese"}
        )
    if key in NAME_KEYS and isinstance(field, fields.String):
        return f"{key}_name", fields.String(
            dump_only=True, metadata={"description": f"The name of `{key}` (Chinese)"}
        )
    if key in LIST_KEYS and isinstance(field, fields.List):
        if isinstance(field.inner, fields.String):
            return f"{key}_names", fields.List(
                fields.String(),
                dump_only=True,
                metadata={"description": f"The names of `{key}` (Chinese), in order"},
            )
    return None


def _names_beside(declared: dict[str, Field]) -> dict[str, Field]:
    """``declared`` with each name field right after its code (one declared by hand kept)."""
    out: dict[str, Field] = {}
    for key, field in declared.items():
        out.setdefault(key, field)
        extra = _beside(key, field)
        if extra is not None and extra[0] not in declared:
            out[extra[0]] = extra[1]
    return out


class Naming(SchemaMeta):
    """Declares the names a response adds beside its codes (see the module)."""

    @classmethod
    def get_declared_fields(
        mcs,
        klass: SchemaMeta,
        cls_fields: list[tuple[str, Field]],
        inherited_fields: list[tuple[str, Field]],
        dict_cls: type[dict[str, Any]] = dict,
    ) -> dict[str, Field]:
        declared = super().get_declared_fields(klass, cls_fields, inherited_fields, dict_cls)
        return dict_cls(_names_beside(declared))


def request_names() -> Any:
    """The departments' and items' names of the projections this request read, or
    ``None`` (outside a request, or before any read: vocabulary names only)."""
    if not has_app_context():
        return None
    names_of = g.get("names_of")
    return names_of() if names_of is not None else None


class Response(Schema, metaclass=Naming):
    """A response: names added beside its own codes and messages (each nested response
    names its own); a free-form ``Dict`` (a recorded document, its hash beside it) is
    returned exactly as recorded."""

    def vocabularies(self) -> Any:
        """key -> code -> name where this response's codes mean something else than
        :data:`projections.read.names.VOCABULARIES` says (none by default)."""
        return None

    @pre_dump
    def add_names(self, data: Any, **_kwargs: Any) -> Any:
        return named(data, request_names(), deep=False, vocabularies=self.vocabularies())


class Open(Schema):
    class Meta:
        unknown = INCLUDE


class Recorded(Schema):
    """What a write recorded: the action, its first and last log positions, and what
    the command reports (its own fields, per action)."""

    action = fields.String(required=True)
    positions = fields.List(fields.Integer(), required=True)
    result = fields.Dict(required=True)
    receipt = fields.Dict(
        allow_none=True,
        metadata={
            "description": "The ledger's signed receipt (shuangsui-receipt-v1): the command "
            "hash, the positions and entry hashes it produced, the latest checkpoint; keep "
            "it and check it later with 'shuangsui verify --receipts DIR'."
        },
    )


class Inspector(Response):
    person = fields.String()
    name = fields.String()
    unit = fields.String()
    section = fields.String(allow_none=True)
    kind = fields.String()
    certificate = fields.String(allow_none=True)
    certificate_until = fields.String(allow_none=True)
    active = fields.Integer()
    record = fields.Dict()


class Plan(Response):
    department = fields.String()
    year = fields.Integer()
    version = fields.Integer()
    name = fields.String()
    published_on = fields.String(allow_none=True)
    late = fields.Integer(allow_none=True)


class DrawRow(Response):
    task = fields.String()
    draw = fields.Integer()
    commitment_hash = fields.String()
    as_of_position = fields.Integer()
    eligible = fields.Integer()
    organise_from = fields.String(allow_none=True)
    seed = fields.String(allow_none=True)
    drawn = fields.Integer(allow_none=True)
    position = fields.Integer()
    performed_position = fields.Integer(allow_none=True)


class Task(Response):
    task = fields.String()
    lead = fields.String()
    name = fields.String()
    year = fields.Integer()
    participants = fields.List(fields.String())
    items = fields.List(fields.String())
    inspectors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    organised_on = fields.String(allow_none=True)
    draw = fields.Integer(allow_none=True)
    organised_position = fields.Integer(allow_none=True)
    draws = fields.List(fields.Nested(DrawRow))


class Assignment(Response):
    object = fields.String()
    stratum = fields.String()
    team = fields.List(fields.String())
    order = fields.Integer()


class Recusal(Response):
    object = fields.String()
    person = fields.String()
    reason = fields.String()
    replacement = fields.String()
    position = fields.Integer()


class RecusalRequest(Response):
    """v2: the lead's request to recuse an inspector (回避申请) and its status: pending,
    declared (by the inspector) or approved (by the office)."""

    object = fields.String()
    person = fields.String()
    reason = fields.String()
    requested_by = fields.String()
    position = fields.Integer()
    status = fields.String()
    decided_position = fields.Integer(allow_none=True)


class Draw(DrawRow):
    assignments = fields.List(fields.Nested(Assignment))
    recusals = fields.List(fields.Nested(Recusal))
    recusal_requests = fields.List(fields.Nested(RecusalRequest))


class TaskLedgerRow(Response):
    task = fields.String()
    task_name = fields.String()
    draw = fields.Integer()
    lead = fields.String()
    object = fields.String()
    person = fields.String()
    name = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    section = fields.String(allow_none=True)
    drawn_on = fields.String(allow_none=True)
    organised_on = fields.String(allow_none=True)
    checked_on = fields.String(allow_none=True)
    results = fields.List(fields.Dict())


class Progress(Response):
    department = fields.String()
    period = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    tasks = fields.Integer()
    joint_tasks = fields.Integer()
    inspections = fields.Dict(keys=fields.String(), values=fields.Integer())
    results = fields.Dict(keys=fields.String(), values=fields.Integer())
    published = fields.Integer()
    deadlines = fields.Dict(keys=fields.String(), values=fields.Integer())


class SubmittedReport(Response):
    department = fields.String()
    department_name = fields.String(allow_none=True)
    kind = fields.String()
    period = fields.String()
    submitted_on = fields.String()
    summary_sha256 = fields.String()
    text = fields.String(allow_none=True)
    #: A text's ``text/plain; charset=utf-8`` or a file's own type; its size in bytes
    #: (the bytes: GET /api/v1/reports/{department}/{kind}/{period}/file).
    media_type = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    position = fields.Integer()


class NoticeRow(Response):
    notice = fields.String()
    department = fields.String()
    department_name = fields.String(allow_none=True)
    finding = fields.String()
    rectification = fields.String()
    rule = fields.String()
    issued_on = fields.String()
    due = fields.String()
    done_on = fields.String(allow_none=True)
    account = fields.String(allow_none=True)
    state = fields.String()
    state_zh = fields.String()
    position = fields.Integer()
    done_position = fields.Integer(allow_none=True)


class WorkEntryRow(Response):
    department = fields.String()
    department_name = fields.String(allow_none=True)
    entry = fields.String()
    title = fields.String()
    section = fields.String()
    person = fields.String(allow_none=True)
    person_name = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    assigned_on = fields.String()
    due = fields.String()
    done_on = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    position = fields.Integer()
    done_position = fields.Integer(allow_none=True)


class PublicDocument(Response):
    kind = fields.String()
    kind_name = fields.String()
    owner = fields.String()
    owner_name = fields.String(allow_none=True)
    year = fields.Integer()
    version = fields.Integer()
    reason = fields.String()
    content = fields.Dict()
    published_on = fields.String()
    public = fields.Boolean()
    position = fields.Integer()


class BodyRecord(Response):
    position = fields.Integer()
    body = fields.String()
    department = fields.String()
    department_name = fields.String(allow_none=True)
    kind = fields.String()
    held_on = fields.String()
    finding = fields.String()
    rating = fields.String(allow_none=True)
    #: The delegated check supervised or evaluated (R8.2): basis, reference, object,
    #: item, service; null for general guidance.
    delegation = fields.Dict(allow_none=True)


class BodyRow(Response):
    body = fields.String()
    name = fields.String()
    qualification = fields.String()
    services = fields.List(fields.String())
    scope = fields.String()
    valid_from = fields.String()
    valid_until = fields.String()
    registered_by = fields.String()
    position = fields.Integer()
    records = fields.List(fields.Nested(BodyRecord))
    delegated_checks = fields.List(fields.Dict())


class CollationDraft(Response):
    period = fields.String()
    kind = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    as_of = fields.String()
    departments = fields.List(fields.Dict())
    reported = fields.Integer()
    not_reported = fields.List(fields.String())
    notices = fields.List(fields.Dict())


class AppraisalDraft(Response):
    """The office's appraisal input for a year, computed from the log (R10.2): per member
    department (its code and Chinese ``name``) the facts, as recorded documents are."""

    year = fields.Integer()
    as_of = fields.String()
    calendar_years = fields.List(fields.Integer())
    departments = fields.List(fields.Dict())


class AppraisalRow(Response):
    year = fields.Integer()
    recipient = fields.String()
    sent_on = fields.String()
    content = fields.Dict()
    content_sha256 = fields.String()
    position = fields.Integer()


class CollationRow(Response):
    period = fields.String()
    recipient = fields.String()
    sent_on = fields.String()
    content = fields.Dict()
    content_sha256 = fields.String()
    position = fields.Integer()


class Attached(Response):
    attached = fields.List(fields.String())


class Problem(Open):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    rule = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class Department(Response):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    sections = fields.List(fields.String())


class KeyInfo(Response):
    def vocabularies(self) -> Any:
        """A key's status is its own (有效, 已轮换, 已吊销), not an object's (存续)."""
        return {"status": {code: render(word, "zh") for code, word in KEY_STATES.items()}}

    key_id = fields.String()
    holder = fields.String()
    roles = fields.List(fields.String())
    organisation = fields.String(allow_none=True)
    person = fields.String(allow_none=True)
    status = fields.String()


class ItemRow(Response):
    department = fields.String()
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    category = fields.String()
    ratio_cap = fields.String(allow_none=True)
    object_type = fields.String()
    risk_grade = fields.String(allow_none=True)
    published_on = fields.String()


class ResultRow(Response):
    object = fields.String()
    basis = fields.String()
    reference = fields.String()
    item = fields.String()
    department = fields.String()
    result = fields.String()
    details = fields.String(allow_none=True)
    formed_on = fields.String()
    entered_by = fields.String()
    published_on = fields.String(allow_none=True)
    withheld_on = fields.String(allow_none=True)
    legal_basis = fields.String(allow_none=True)
    followed_up = fields.String(allow_none=True)
    position = fields.Integer()


class CreditEntry(Response):
    kind = fields.String(
        metadata={
            "description": "violation (违法违规), penalty_case (立案处罚) or judicial_referral "
            "(移送司法机关)"
        }
    )
    day = fields.String()
    department = fields.String()
    item = fields.String()
    basis = fields.String()
    reference = fields.String()
    position = fields.Integer()


class ObjectRecord(Response):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    region = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    supervisors = fields.List(fields.String())
    credit_class = fields.String(allow_none=True)
    penalties = fields.List(fields.String())
    complaints = fields.Integer(allow_none=True)
    status = fields.String()
    results = fields.List(fields.Nested(ResultRow))
    credit_record = fields.List(
        fields.Nested(CreditEntry),
        metadata={
            "description": "What the log records under the object's name (记于市场主体名下, R5.4)."
        },
    )


class CreditPolicyVersion(Response):
    version = fields.Integer()
    concentration = fields.Dict(
        allow_none=True,
        metadata={
            "description": "违法违规行为相对集中的行业 (R5.3): min_objects, min_share, years; "
            "null: no industry is made directed."
        },
    )
    yearly_cap = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Checks per object per calendar year, draws and case checks "
            "counted (每户每年检查次数上限, R6.3); null: no cap."
        },
    )
    reason = fields.String()
    effective_on = fields.String(metadata={"description": "The day the office set it."})


class CreditPolicyDocument(Response):
    in_force = fields.Nested(CreditPolicyVersion, allow_none=True)
    versions = fields.List(fields.Nested(CreditPolicyVersion))


class Publication(Response):
    position = fields.Integer()
    object = fields.String()
    name = fields.String(allow_none=True)
    department = fields.String()
    item = fields.String()
    result = fields.String()
    formed_on = fields.String()
    published_on = fields.String()


class Page(Response):
    items = fields.List(fields.Nested(Publication))
    next = fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as ?after= for the next page; null on the last page."},
    )


class Deadline(Response):
    kind = fields.String()
    subject = fields.String()
    department = fields.String()
    due = fields.String(allow_none=True)
    done = fields.String(allow_none=True)
    status = fields.String()
    opened_at = fields.Integer(allow_none=True)
    done_at = fields.Integer(allow_none=True)
    problem = Text(allow_none=True)
    about = fields.String(
        allow_none=True,
        metadata={"description": "What it is about in names (an obligation: 对象、事项、部门)."},
    )


class TrailEntry(Response):
    position = fields.Integer()
    time = fields.String(metadata={"description": "When the log recorded the entry (UTC)"})
    act_date = fields.String(
        allow_none=True,
        metadata={"description": "The act's own date (业务日期), e.g. the day checked"},
    )
    act_date_label = fields.String(
        allow_none=True,
        metadata={"description": "Which date act_date is, e.g. '检查日期 / checked on'"},
    )
    topic = fields.String()
    action = fields.String()
    actor = fields.String()
    signer = fields.String(allow_none=True)
    deadlines = fields.List(fields.String())


class TrailPage(Response):
    items = fields.List(fields.Nested(TrailEntry))
    next = fields.Integer(allow_none=True)


class Finding(Response):
    rule = fields.String()
    r = fields.String()
    status = fields.String()
    detail = Text()
    parties = fields.List(fields.String())
    evidence = fields.List(fields.Integer())


class InspectionReview(Response):
    object = fields.String()
    basis = fields.String()
    reference = fields.String()
    item = fields.String()
    department = fields.String()
    checked_on = fields.String()
    inspectors = fields.List(fields.String())
    result = fields.String(allow_none=True)
    findings = fields.List(fields.Nested(Finding))


class ObligationReview(Response):
    """A checklist item of a joint visit (进一次门、查多项事, R6.1): checked, excused
    (with the department's reason), due, or overdue after the task's planned end."""

    task = fields.String()
    draw = fields.Integer()
    object = fields.String()
    object_name = fields.String(allow_none=True)
    item = fields.String()
    item_name = fields.String(allow_none=True)
    department = fields.String()
    department_name = fields.String(allow_none=True)
    due = fields.String(allow_none=True)
    status = fields.String()
    done = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    sent = fields.List(fields.String())
    findings = fields.List(fields.Nested(Finding))


class ChecklistItem(Response):
    item = fields.String()
    item_name = fields.String(allow_none=True)
    department = fields.String()
    department_name = fields.String(allow_none=True)
    due = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "checked | excused | due | overdue"})
    status_name = fields.String()
    checked_on = fields.String(allow_none=True)
    excused_on = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    sent = fields.List(
        fields.String(), metadata={"description": "the team members of its department"}
    )
    about = fields.String()


class Checklist(Response):
    """A drawn object's checklist: every participating department's task items that
    apply to it (its kind, and the departments supervising it) (R6.1, R6.6)."""

    task = fields.String()
    draw = fields.Integer()
    object = fields.String()
    object_name = fields.String(allow_none=True)
    team = fields.List(fields.String())
    as_of = fields.String()
    items = fields.List(fields.Nested(ChecklistItem))


class Defect(Response):
    """程序瑕疵: a failed rule, with its R-number and evidence positions (R10.4)."""

    rule = fields.String()
    r = fields.String()
    detail = Text()
    evidence = fields.List(fields.Integer())


class Verdict(Response):
    """exempt 尽职照单免责 | defect 程序瑕疵 | analysis 待综合分析 | needs judgement |
    accountable 失职照单问责 (only by a discipline inspector's settlement)."""

    party = fields.String()
    kind = fields.String()
    name = fields.String(allow_none=True)
    verdict = fields.String()
    rules = fields.List(fields.String())
    evidence = fields.List(fields.Integer())
    settled = fields.Dict(allow_none=True)
    defects = fields.List(fields.Nested(Defect))
    analysis = fields.Dict(
        allow_none=True,
        metadata={
            "description": "免责/问责 analysis: problems, the four factors (工作态度、工作程序、"
            "工作方法、客观条件) prefilled and assessed, the department's rules cited, status"
        },
    )


class Review(Response):
    kind = fields.String()
    subject = fields.String()
    as_of = fields.String()
    inspections = fields.List(fields.Nested(InspectionReview))
    verdicts = fields.List(fields.Nested(Verdict))
    obligations = fields.List(fields.Nested(ObligationReview))


class Coverage(Response):
    department = fields.String()
    item = fields.String()
    name = fields.String()
    tasks = fields.Integer()
    joint_tasks = fields.Integer()
    drawn_inspections = fields.Integer()
    case_inspections = fields.Integer()
    arbitrary_inspections = fields.Integer()


class Status(Schema):
    origin = fields.String()
    size = fields.Integer()
    projections = fields.Integer()
    checkpoint = fields.String()


class Health(Schema):
    status = fields.String(metadata={"example": "ok"})


class Ready(Schema):
    status = fields.String(metadata={"example": "ready"})
    ready_lag = fields.Integer(metadata={"description": "entries the projections may trail"})
    log_size = fields.Integer()
    projections_position = fields.Integer()
    projection_lag = fields.Integer()
    checkpoint_size = fields.Integer()
    checkpoint_age_seconds = fields.Float(metadata={"description": "-1: no checkpoint yet"})


class Consistency(Schema):
    old = fields.Integer()
    new = fields.Integer()
    proof = fields.List(fields.String())


class LogEntries(Schema):
    """A page of the log's entries, each a ``shuangsui-bundle-v1`` entry line (the entry,
    its hash, the command's evidence, the ledger's seal, the stored event)."""

    items = fields.List(fields.Dict())
    next = fields.Integer(allow_none=True)


class Cursor(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class FeedQuery(Cursor):
    department = fields.String()


class DeadlineQuery(Schema):
    department = fields.String()
    kind = fields.String(
        validate=validate.OneOf(
            (
                "item_list",
                "annual_plan",
                "organise",
                "publish",
                "follow_up",
                "quarterly",
                "annual",
                "rectification",
                "work",
                "obligation",
                "evaluation",
            )
        )
    )
    status = fields.String(
        validate=validate.OneOf(
            ("met", "met late", "overdue", "due", "no deadline", "done", "calendar unknown")
        )
    )


class ResultQuery(Cursor):
    object = fields.String()
    department = fields.String()


class BundleQuery(Schema):
    consistency_from = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**62)),
        load_default=list,
        metadata={
            "description": "Sizes of checkpoints the auditor trusts (repeatable): the slice "
            "carries an RFC 9162 consistency proof between each and its own checkpoint, so "
            "`shuangsui verify --bundle FILE --trusted-checkpoint T` proves it extends T "
            "(as `shuangsui export --consistency-from N`)."
        },
    )


class ConsistencyQuery(Schema):
    old = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))
    new = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))
