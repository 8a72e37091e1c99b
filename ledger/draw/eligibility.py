"""Who and what a draw may pick (双随机, R4.1, R5.2, R5.3, R6.2, R6.3, R7.2, R7.3).

Pure functions of a folded :class:`~ledger.draw.world.World` and a task's spec.
Invariants:

* eligibility and strata are decided by :func:`strata_for` alone: the commitment, the
  run and verify-draw all call it, so they cannot disagree about an object;
* a stratum's ratio is its credit class's (or the directed checks'), whatever further
  stratifiers split it (:func:`stratum_ratio`);
* the committed inspector set is every person the departments contributed, in person
  order, each with what matching reads: kind, certified on the inspection date
  (:func:`certified_on`, which the duty review asks too), qualifications and declared
  conflicts (:func:`officers_for`);
* what a drawn object needs from each department follows from the task's items only
  (:func:`jobs_for`); under :data:`~ledger.draw.algorithm.MATCHING_V2`, from its
  checklist (:func:`checklist_for`: the task's items for its kind whose department
  supervises it), and an object with an empty checklist is not eligible
  (:func:`jobs_for_v2`).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from ledger.draw.algorithm import Job, Officer
from ledger.draw.world import CreditEntry, ObjectRecord, World

LOWER = {"D": "C", "C": "B", "B": "A", "A": "A"}
#: One credit class worse (信用风险更高: checked more often).
WORSE = {"A": "B", "B": "C", "C": "D", "D": "D"}
#: The credit rules a draw's commitment may name (``credit_rules``, format 4): the class a
#: draw uses follows the log's credit record (:func:`class_from_record`).
CREDIT_RULES_V1 = "shuangsui-credit-v1"
#: How far back the credit record lowers a class: 最近三年 (R5.3).
RECORD_YEARS = 3
#: Item risk grades, lowest first (``ledger.areas.items.events.RISK_GRADES``).
RISK_ORDER = ("low", "medium", "high")


def task_spec(world: World, task: str) -> dict[str, Any]:
    """The task's spec as folded (creation plus joins); ``KeyError`` if there is none."""
    for spec in world.tasks.specs.values():
        if spec["task"] == task:
            return spec
    raise KeyError(task)


# --- eligibility and strata --------------------------------------------------------------


def _years_before(on: dt.date, years: int) -> str:
    try:
        return on.replace(year=on.year - years).isoformat()
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28).isoformat()


def class_from_record(credit: str, entries: Collection[CreditEntry], on: dt.date) -> str:
    """The credit class a draw uses under :data:`CREDIT_RULES_V1`, from the class the
    directory import carries and the object's credit record (R5.1, R5.3, R5.4).

    The source asks for supervision "classified and graded dynamically by the object's
    credit status" (根据抽查对象信用状况实行分类分级动态监管, 一(五)) -- the credit
    information of joint checks entering the object's credit record (将联合抽查的信用信息
    纳入抽查对象的社会信用记录) -- and looks back three years at penalties (对最近三年存在
    行政处罚记录的企业 ... 加大抽查比例). It names no mapping; this is the ledger's, within
    those words: an entry dated within the last :data:`RECORD_YEARS` years up to ``on``
    lowers the class -- a penalty case (立案处罚) or a judicial referral (移送司法机关) to
    D, the highest-risk class; a verified violation alone one class (A to B, ..., C to
    D). A class is never raised by the record; older entries are spent."""
    since, today = _years_before(on, RECORD_YEARS), on.isoformat()
    recent = {e.kind for e in entries if since < e.day <= today}
    if recent & {"penalty_case", "judicial_referral"}:
        return "D"
    if "violation" in recent:
        return WORSE.get(credit, credit)
    return credit


def strata_for(
    objects: dict[str, ObjectRecord],
    spec: dict[str, Any],
    *,
    on: dt.date,
    excluded: set[str],
    exclusion_mode: str,
    record: Mapping[str, list[CreditEntry]] | None = None,
    checklists: bool = False,
    concentrated: Collection[str] = frozenset(),
    capped: Collection[str] = frozenset(),
    exempt_directed: bool = False,
    credit_from_record: bool = False,
) -> dict[str, list[tuple[str, str]]]:
    """Eligible (id, kind) per stratum key.

    Eligible: active; of a kind some task item checks (R7.2) and inside the task's scope
    (R6.2); supervised by a department taking part (谁审批谁监管, R4.1). Stratum: the
    credit-risk class (R5.2), or ``directed`` when penalised within ``penalty_years``
    or with at least ``min_complaints`` verified complaints (R5.3). Objects drawn by
    another random draw within the exclusion period are left out or moved one class
    lower (R6.3), as the commitment says.

    ``record`` (draws from ``shuangsui-draw-v3``): the log's credit record per object
    (:class:`~ledger.draw.world.CreditRecord`). A penalty case, a judicial referral or a
    verified violation recorded under an object's name on a day within ``penalty_years``
    up to the inspection date makes it directed from then on (R5.3, R5.4), beside the
    penalties the directory import carries.

    With ``checklists`` (matching v2) an object is eligible only if its checklist is not
    empty: some department taking part both supervises it and brings an item for its
    kind (R4.1, R6.6).

    A task with a ``ratio_table`` (R5.2) splits each class by risk grade: the stratum
    ``C/high`` holds class-C objects whose highest task item for their kind is high risk.

    ``concentrated`` (R5.3): industries whose violations are concentrated, by the office's
    threshold (:func:`concentrated_industries`); their objects are directed when the task
    asks for it (``directed.industries``). ``capped`` (R6.3): objects at their yearly
    check cap, never eligible. ``exempt_directed`` (R6.3 with R5.3, 增加抽查频次): directed
    objects are not left out or lowered by the exclusion period.

    ``credit_from_record`` (draws naming :data:`CREDIT_RULES_V1`, format 4): an object's
    class is :func:`class_from_record` of its imported class and its credit record, so
    a penalty lowers the class a task without directed checks draws it under (R5.1).
    """
    kinds = {item["object_type"] for item in spec["items"]}
    scope = spec["scope"]
    if scope.get("kinds"):
        kinds &= set(scope["kinds"])
    regions, industries = set(scope.get("regions") or ()), set(scope.get("industries") or ())
    departments = {spec["lead"], *spec["participants"]}
    directed = spec.get("directed")
    # R5.2: with a ratio table the class is split by risk grade -- an object's grade is
    # the highest of the task's items for its kind ("C/high").
    grade: dict[str, str] = {}
    if spec.get("ratio_table"):
        for item in spec["items"]:
            kind_of = item["object_type"]
            if RISK_ORDER.index(item["risk_grade"]) >= RISK_ORDER.index(grade.get(kind_of, "low")):
                grade[kind_of] = item["risk_grade"]
    today = on.isoformat()
    since = _years_before(on, directed["penalty_years"]) if directed else today
    by_industry = bool(directed and directed.get("industries"))
    stratify_by = spec.get("stratify_by") or ()
    items = spec["items"]

    def judged(record: ObjectRecord) -> tuple[str, bool, str, str, str] | None:
        """What a record decides alone, whatever object holds it: None when it is not
        eligible; else its class, whether its own fields make it directed, the grade's
        and the further stratifiers' parts of the key, and its kind."""
        kind, region, industry, supervisors, credit, penalties, complaints, status = record
        if status != "active" or kind not in kinds or not departments.intersection(supervisors):
            return None
        if (regions and region not in regions) or (industries and industry not in industries):
            return None
        if checklists and not any(
            i["object_type"] == kind and i["department"] in supervisors for i in items
        ):
            return None
        directed_by_fields = bool(
            directed
            and (
                complaints >= directed["min_complaints"]
                or (penalties and any(since < day <= today for day in penalties))
                or (by_industry and industry in concentrated)
            )
        )
        graded = "/" + grade[kind] if grade else ""
        further = "".join(
            "|" + str(region if name == "region" else industry) for name in stratify_by
        )
        return credit, directed_by_fields, graded, further, kind

    # Equal records are one object in the directory (``Directory._records``): each is
    # judged once, by identity (its id is stable while the directory holds it), and a
    # million objects cost a look-up each (issue 15.4).
    judgements: dict[int, tuple[str, bool, str, str, str] | None] = {}
    strata: dict[str, list[tuple[str, str]]] = {}
    entries_of = record.get if record is not None else None
    for ident, held in objects.items():
        number = id(held)
        if number in judgements:
            judgement = judgements[number]
        else:
            judgement = judgements[number] = judged(held)
        if judgement is None or ident in capped:
            continue
        credit, is_directed, graded, further, kind = judgement
        entries = entries_of(ident) if entries_of is not None else None
        if entries is not None:
            if credit_from_record:
                credit = class_from_record(credit, entries, on)
            if directed and not is_directed:
                is_directed = any(since < entry.day <= today for entry in entries)
        key = "directed" if is_directed else credit
        if ident in excluded and not (exempt_directed and is_directed):
            if exclusion_mode == "exclude":
                continue
            key = LOWER[credit]
        if graded and key != "directed":
            key += graded
        key += further
        strata.setdefault(key, []).append((ident, kind))
    first = operator.itemgetter(0)
    for members in strata.values():
        # Each id is one object (a key of ``objects``), so ordering by id orders the
        # (id, kind) pairs; comparing strings, not pairs, sorts three times as fast.
        members.sort(key=first)
    return strata


def stratum_ratio(ratios: dict[str, str], key: str) -> str:
    """A stratum's ratio: its credit class's (or its cell's of the ratio table,
    ``C/high``), or the directed checks' (R5.2, R5.3); further stratifiers
    (``C|岳阳镇``) split a class without changing its ratio."""
    return ratios[key.split("|", 1)[0]]


def concentrated_industries(
    objects: Mapping[str, ObjectRecord],
    record: Mapping[str, list[CreditEntry]],
    rule: Mapping[str, Any],
    on: dt.date,
) -> list[str]:
    """Industries whose violations are concentrated on ``on`` (违法违规行为相对集中的行业,
    R5.3), by the office's threshold ``rule``: of the industry's active objects in the
    directory, at least ``min_objects``, and at least ``min_share`` of them, have a
    violation, penalty case or judicial referral on record within the last ``years``
    up to ``on``. Computed from the log alone; sorted."""
    since, today = _years_before(on, int(rule["years"])), on.isoformat()
    totals: dict[str, int] = {}
    flagged: dict[str, int] = {}
    for ident, (_, _, industry, _, _, _, _, status) in objects.items():
        if status != "active" or not industry:
            continue
        totals[industry] = totals.get(industry, 0) + 1
        if any(since < e.day <= today for e in record.get(ident, ())):
            flagged[industry] = flagged.get(industry, 0) + 1
    share = Decimal(rule["min_share"])
    return sorted(
        name
        for name, n in flagged.items()
        if n >= int(rule["min_objects"]) and Decimal(n) >= share * totals[name]
    )


def checks_this_year(world: World, task: str | None, on: dt.date) -> dict[str, int]:
    """How many checks each object has had in ``on``'s calendar year up to ``on`` (R6.3,
    the yearly cap): every basis it was checked under -- a draw, a case lead (个案处理),
    none -- and every other task's draw organised that year that drew it, counted once
    per draw or case however many items were checked (进一次门、查多项事). ``task``'s
    own draws are not counted against it."""
    start, today = f"{on.year}-01-01", on.isoformat()
    own = f"draw:{task}/" if task else None
    visits: dict[str, set[str]] = {}
    for ident, checks in world.credit.checks.items():
        for day, basis in checks:
            if start <= day <= today and not (own and basis.startswith(own)):
                visits.setdefault(ident, set()).add(basis)
    for reference, (day, ids) in world.draws.performed.items():
        if start <= day <= today and not (own and f"draw:{reference}".startswith(own)):
            for ident in ids:
                visits.setdefault(ident, set()).add(f"draw:{reference}")
    return {ident: len(bases) for ident, bases in visits.items()}


def checked_within(world: World, task: str, on: dt.date, days: int) -> set[str]:
    """Objects checked on a day within ``days`` before ``on`` -- by another draw or a
    case lead alike (R6.3: case checks count too) -- other than under ``task``'s draws."""
    if days <= 0:
        return set()
    since, today = (on - dt.timedelta(days=days)).isoformat(), on.isoformat()
    own = f"draw:{task}/"
    return {
        ident
        for ident, checks in world.credit.checks.items()
        if any(since <= day <= today and not basis.startswith(own) for day, basis in checks)
    }


def excluded_by_earlier_draws(world: World, task: str, on: dt.date, days: int) -> set[str]:
    """Objects another task's random draw selected within ``days`` before ``on`` (R6.3)."""
    if days <= 0:
        return set()
    since = (on - dt.timedelta(days=days)).isoformat()
    out: set[str] = set()
    for other, (day, ids) in world.draws.drawn_on.items():
        if other != task and since <= day <= on.isoformat():
            out.update(ids)
    return out


def certified_on(record: Mapping[str, Any], day: str) -> bool:
    """Whether an inspector record is an enforcement officer's whose certificate is
    valid on ``day`` (ISO date), first and last day included (R4.2, R7.4). The one
    definition: the draw's matching and the duty review both ask it."""
    return (
        record.get("kind") == "officer"
        and bool(record.get("certificate"))
        and str(record.get("certificate_from")) <= day <= str(record.get("certificate_until"))
    )


def officers_for(world: World, spec: dict[str, Any], inspection_date: str) -> list[Officer]:
    """The committed inspector set: every person the departments contributed (R7.3)."""
    officers = []
    for department, people in sorted(spec["contributed"].items()):
        for person in people:
            record = world.inspectors.effective.get(person)
            if record is None or not world.inspectors.active.get(person):
                continue
            officers.append(
                Officer(
                    person,
                    department,
                    record["kind"],
                    certified_on(record, inspection_date),
                    frozenset(record["qualifications"]),
                    frozenset(record["conflicts"]),
                    record.get("region") or "",
                    frozenset(record.get("expertise") or ()),
                )
            )
    officers.sort(key=lambda o: o.person)
    return officers


def jobs_for(
    spec: dict[str, Any], drawn: list[tuple[str, str, int]], kinds: dict[str, str]
) -> list[Job]:
    """What each drawn object needs: per department with items for its kind, the
    qualification tokens of each item (its code, object type, category, or "all")."""
    by_kind: dict[str, list[tuple[str, tuple[frozenset[str], ...]]]] = {}
    for kind in set(kinds.values()):
        needs: dict[str, list[frozenset[str]]] = {}
        for item in spec["items"]:
            if item["object_type"] == kind:
                tokens = frozenset({item["code"], item["object_type"], item["category"], "all"})
                needs.setdefault(item["department"], []).append(tokens)
        by_kind[kind] = [(d, tuple(t)) for d, t in sorted(needs.items())]
    return [
        Job(ident, stratum, ticket, tuple(by_kind[kinds[ident]]))
        for ident, stratum, ticket in drawn
    ]


def checklist_for(
    items: list[dict[str, Any]], kind: str, supervisors: tuple[str, ...] | list[str]
) -> list[dict[str, Any]]:
    """A drawn object's checklist (进一次门、查多项事, R6.1, R6.6): the task's items, in
    the task's order, for the object's kind whose department supervises it (谁审批谁监管,
    R4.1). Each is an obligation of that department on the joint visit."""
    return [i for i in items if i["object_type"] == kind and i["department"] in supervisors]


def item_key(item: dict[str, Any]) -> str:
    """An item record as ``DEPARTMENT:CODE``."""
    return f"{item['department']}:{item['code']}"


def job_v2(
    items: list[dict[str, Any]],
    ident: str,
    stratum: str,
    ticket: int,
    checklist: list[str],
    region: str = "",
    industry: str = "",
) -> Job:
    """What a drawn object needs under matching v2: per department with items on its
    ``checklist`` (``DEPARTMENT:CODE``), the tokens of each; the texts that department's
    officers' expertise is matched against (the industry, the items' names)."""
    needs: dict[str, list[frozenset[str]]] = {}
    topics: dict[str, list[str]] = {}
    for item in items:
        if item_key(item) not in checklist:
            continue
        tokens = frozenset({item["code"], item["object_type"], item["category"], "all"})
        needs.setdefault(item["department"], []).append(tokens)
        topics.setdefault(item["department"], [industry] if industry else []).append(
            item.get("name") or ""
        )
    return Job(
        ident,
        stratum,
        ticket,
        tuple((d, tuple(t)) for d, t in sorted(needs.items())),
        region,
        tuple((d, tuple(t)) for d, t in sorted(topics.items())),
    )


def jobs_for_v2(
    spec: dict[str, Any], drawn: list[tuple[str, str, int]], objects: dict[str, ObjectRecord]
) -> tuple[list[Job], dict[str, list[str]]]:
    """The jobs of drawn objects under matching v2, and each object's checklist
    (``DEPARTMENT:CODE``, in the task's order)."""
    jobs, checklists = [], {}
    # What a job needs follows from the object's kind, 片区, industry and supervisors:
    # worked out once for each such combination (tens of thousands of drawn objects
    # share a few hundred), the same values as job_v2 of each (issue 15.4).
    shapes: dict[tuple[Any, ...], tuple[list[str], Job]] = {}
    for ident, stratum, ticket in drawn:
        kind, region, industry, supervisors = objects[ident][:4]
        shape = (kind, region, industry, tuple(supervisors))
        known = shapes.get(shape)
        if known is None:
            checklist = [item_key(i) for i in checklist_for(spec["items"], kind, supervisors)]
            known = shapes[shape] = (
                checklist,
                job_v2(spec["items"], "", "", 0, checklist, region or "", industry or ""),
            )
        checklist, job = known
        checklists[ident] = list(checklist)
        jobs.append(Job(ident, stratum, ticket, job.needs, job.region, job.topics))
    return jobs, checklists
