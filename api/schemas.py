"""Marshmallow schemas for every response of the API, query strings, and the strict
:class:`Body` base of request bodies (the bodies themselves are generated from the
typed commands in :mod:`api.requests`).

The body the caller signed is what the ledger records, never a re-serialised copy,
so schemas validate and document but do not transform.
"""

from __future__ import annotations

from marshmallow import INCLUDE, RAISE, Schema, fields, validate

DATE = {"format": "date", "example": "2026-11-26"}


class Body(Schema):
    class Meta:
        unknown = RAISE


# --- responses -------------------------------------------------------------------------------


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


class Inspector(Schema):
    person = fields.String()
    name = fields.String()
    unit = fields.String()
    section = fields.String(allow_none=True)
    kind = fields.String()
    certificate = fields.String(allow_none=True)
    certificate_until = fields.String(allow_none=True)
    active = fields.Integer()
    record = fields.Dict()


class Plan(Schema):
    department = fields.String()
    year = fields.Integer()
    version = fields.Integer()
    name = fields.String()
    published_on = fields.String(allow_none=True)
    late = fields.Integer(allow_none=True)


class DrawRow(Schema):
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


class Task(Schema):
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


class Assignment(Schema):
    object = fields.String()
    stratum = fields.String()
    team = fields.List(fields.String())
    order = fields.Integer()


class Recusal(Schema):
    object = fields.String()
    person = fields.String()
    reason = fields.String()
    replacement = fields.String()
    position = fields.Integer()


class RecusalRequest(Schema):
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


class TaskLedgerRow(Schema):
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


class Progress(Schema):
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


class SubmittedReport(Schema):
    department = fields.String()
    department_name = fields.String(allow_none=True)
    kind = fields.String()
    period = fields.String()
    submitted_on = fields.String()
    summary_sha256 = fields.String()
    text = fields.String(allow_none=True)
    position = fields.Integer()


class NoticeRow(Schema):
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


class WorkEntryRow(Schema):
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


class PublicDocument(Schema):
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


class BodyRecord(Schema):
    position = fields.Integer()
    body = fields.String()
    department = fields.String()
    department_name = fields.String(allow_none=True)
    kind = fields.String()
    held_on = fields.String()
    finding = fields.String()
    rating = fields.String(allow_none=True)


class BodyRow(Schema):
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


class CollationDraft(Schema):
    period = fields.String()
    kind = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    as_of = fields.String()
    departments = fields.List(fields.Dict())
    reported = fields.Integer()
    not_reported = fields.List(fields.String())
    notices = fields.List(fields.Dict())


class CollationRow(Schema):
    period = fields.String()
    recipient = fields.String()
    sent_on = fields.String()
    content = fields.Dict()
    content_sha256 = fields.String()
    position = fields.Integer()


class Attached(Schema):
    attached = fields.List(fields.String())


class Problem(Open):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    rule = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class Department(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    sections = fields.List(fields.String())


class KeyInfo(Schema):
    key_id = fields.String()
    holder = fields.String()
    roles = fields.List(fields.String())
    organisation = fields.String(allow_none=True)
    person = fields.String(allow_none=True)
    status = fields.String()


class ItemRow(Schema):
    department = fields.String()
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    category = fields.String()
    ratio_cap = fields.String(allow_none=True)
    object_type = fields.String()
    risk_grade = fields.String(allow_none=True)
    published_on = fields.String()


class ResultRow(Schema):
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


class CreditEntry(Schema):
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


class ObjectRecord(Schema):
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


class CreditPolicyVersion(Schema):
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


class CreditPolicyDocument(Schema):
    in_force = fields.Nested(CreditPolicyVersion, allow_none=True)
    versions = fields.List(fields.Nested(CreditPolicyVersion))


class Publication(Schema):
    position = fields.Integer()
    object = fields.String()
    name = fields.String(allow_none=True)
    department = fields.String()
    item = fields.String()
    result = fields.String()
    formed_on = fields.String()
    published_on = fields.String()


class Page(Schema):
    items = fields.List(fields.Nested(Publication))
    next = fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as ?after= for the next page; null on the last page."},
    )


class Deadline(Schema):
    kind = fields.String()
    subject = fields.String()
    department = fields.String()
    due = fields.String(allow_none=True)
    done = fields.String(allow_none=True)
    status = fields.String()
    opened_at = fields.Integer(allow_none=True)
    done_at = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)
    about = fields.String(
        allow_none=True,
        metadata={"description": "What it is about in names (an obligation: 对象、事项、部门)."},
    )


class TrailEntry(Schema):
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


class TrailPage(Schema):
    items = fields.List(fields.Nested(TrailEntry))
    next = fields.Integer(allow_none=True)


class Finding(Schema):
    rule = fields.String()
    r = fields.String()
    status = fields.String()
    detail = fields.String()
    parties = fields.List(fields.String())
    evidence = fields.List(fields.Integer())


class InspectionReview(Schema):
    object = fields.String()
    basis = fields.String()
    reference = fields.String()
    item = fields.String()
    department = fields.String()
    checked_on = fields.String()
    inspectors = fields.List(fields.String())
    result = fields.String(allow_none=True)
    findings = fields.List(fields.Nested(Finding))


class ObligationReview(Schema):
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


class ChecklistItem(Schema):
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


class Checklist(Schema):
    """A drawn object's checklist: every participating department's task items that
    apply to it (its kind, and the departments supervising it) (R6.1, R6.6)."""

    task = fields.String()
    draw = fields.Integer()
    object = fields.String()
    object_name = fields.String(allow_none=True)
    team = fields.List(fields.String())
    as_of = fields.String()
    items = fields.List(fields.Nested(ChecklistItem))


class Defect(Schema):
    """程序瑕疵: a failed rule, with its R-number and evidence positions (R10.4)."""

    rule = fields.String()
    r = fields.String()
    detail = fields.String()
    evidence = fields.List(fields.Integer())


class Verdict(Schema):
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


class Review(Schema):
    kind = fields.String()
    subject = fields.String()
    as_of = fields.String()
    inspections = fields.List(fields.Nested(InspectionReview))
    verdicts = fields.List(fields.Nested(Verdict))
    obligations = fields.List(fields.Nested(ObligationReview))


class Coverage(Schema):
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


class ConsistencyQuery(Schema):
    old = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))
    new = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))
