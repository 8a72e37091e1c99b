"""The demo county: a realistic Anyue County (安岳县) ledger built by signed commands.

Everything goes through ``Ledger.execute`` with signed commands, exactly as the CLI
and the API would write it; the commands are dated (signed "on" a day of 2026) so the
year's timeline -- plans in January, a joint task in summer, a witnessed draw in
September, inspections, results and publications in the autumn -- can be replayed in
seconds. It leaves things for the duty review to find: a plan published late, a
result published after its 20 working days, an arbitrary inspection (随意检查), a
violation with no follow-up yet -- each a procedural defect -- and a real 问责 case: an
incident after a clean check, assessed by the department and settled
(``tools/demo_review.py``). The demo's keys are written unsealed under
``HOME/keys/demo/`` -- demo keys, never for real use. The county's made-up names and
data come from ``tools/fakecounty.py``; this is only the script, one step per stage of
the year (over 400 lines: the steps are one story and read best in order).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.application import Ledger
from ledger.areas.directory.importer import import_objects
from ledger.areas.reports.appraisal import appraise
from ledger.audit.hashing import sha256
from ledger.authorisation import sign_command
from ledger.canonical import canonical_bytes
from ledger.clock import CHINA
from ledger.draw.ceremony import sign_witness_statement, witness_commitment
from ledger.keys import SigningKey, write_key_file
from ledger.transparency.witness import GENESIS_SIZE, Witness, request_text
from projections.read.reports import collation
from projections.runner import update
from projections.store import Store
from tools import demo_review
from tools.fakecounty import (
    DEPARTMENTS,
    ITEMS,
    JUDICIAL,
    inspector_rows,
    item_rows,
    write_generated_objects,
)

TASK = "T-2026-001"
#: The next year's task, committed at the end of 2026 (the credit record feeds it, R5.3).
NEXT_TASK = "T-2027-001"
#: The demo's first day: its genesis is signed then, and every later command after it
#: (from ledger format 2 the log's signed times only move forward).
FIRST_DAY = "2026-01-05"


def day(text: str, hour: int = 10) -> int:
    return int(
        dt.datetime.fromisoformat(f"{text}T{hour:02d}:00:00").replace(tzinfo=CHINA).timestamp()
    )


class Demo:
    """Signs and runs the demo's commands; keys are kept by name."""

    def __init__(
        self, ledger: Ledger, office: SigningKey, key_dir: Path, progress: Callable[[str], None]
    ) -> None:
        self.ledger, self.office, self.key_dir, self.say = ledger, office, key_dir, progress
        self.keys: dict[str, SigningKey] = {"office": office}
        self.rng = random.Random(2026)
        self.commands = 0
        #: When an undated command is signed: the latest day used so far.
        self.clock = day(FIRST_DAY)
        #: Commands waiting for their day: (time, order, who, action, day, params).
        self.agenda: list[tuple[int, int, str, str, str, dict[str, Any]]] = []

    def run(
        self,
        who: str,
        command: str,
        /,
        at: str | None = None,
        attachment: Any = None,
        **params: Any,
    ) -> dict[str, Any]:
        # From ledger format 2 the log's signed times only move forward: what the agenda
        # holds for earlier days runs first, and nothing is signed before the latest day
        # used (a step dated earlier than one already run is run then).
        wanted = day(at) if at else self.clock
        self.flush(wanted)
        created = max(wanted, self.clock)
        self.clock = created
        recorded = self.ledger.execute(
            sign_command(self.keys[who], command, params, created=created),
            attachment=attachment,
            now=created,
        )
        self.commands += 1
        return recorded.as_dict()

    def later(self, who: str, command: str, /, at: str, **params: Any) -> None:
        """Put a command whose answer the demo does not need on the agenda: it runs, in
        date order, before the first command dated after it (or at :meth:`flush`)."""
        self.agenda.append((day(at), len(self.agenda), who, command, at, params))

    def flush(self, until: int | None = None) -> None:
        """Run the agenda's commands dated up to ``until`` (all: ``None``), in date order."""
        due = sorted(a for a in self.agenda if until is None or a[0] <= until)
        self.agenda = [a for a in self.agenda if not (until is None or a[0] <= until)]
        for _, _, who, command, at, params in due:
            self.run(who, command, at=at, **params)

    def key(self, name: str, holder: str, roles: list[str], **extra: Any) -> SigningKey:
        key = SigningKey.generate(f"demo {name}")
        write_key_file(self.key_dir / f"{name}.key", key)
        self.run(
            "office",
            "key.register",
            public_key=key.public.public_b64,
            holder=holder,
            roles=roles,
            **extra,
        )
        self.keys[name] = key
        return key


#: An item row's fields that an item file may give by their Chinese names (ledger.terms).
ITEM_TERMS = {
    "object_type": "object_kind",
    "method": "item_method",
    "category": "category",
    "risk_grade": "risk_grade",
}


def chinese_file(demo: Demo, name: str, rows: Any, fields: dict[str, str]) -> Any:
    """Chinese in (issue 12 §7): write ``rows`` as the file an official would, each code
    of ``fields`` (and a scope's object kinds) given by its Chinese name (实地核查,
    重点检查事项, 中, 企业 ...), into ``HOME/demo/``; then read it back as ``shuangsui items
    draft FILE`` or ``plans draft YEAR FILE`` does: each name becomes its code by
    :func:`ledger.terms.code` before the command is signed (the demo cannot import the
    CLI, which imports the demo)."""
    from ledger import terms

    def mapped(row: dict[str, Any], convert: Callable[[str, Any], Any]) -> dict[str, Any]:
        out = dict(row)
        for field, vocabulary in fields.items():
            if field in out:
                out[field] = convert(vocabulary, out[field])
        if isinstance(out.get("scope"), dict):
            kinds = [convert("object_kind", k) for k in out["scope"].get("kinds", [])]
            out["scope"] = {**out["scope"], "kinds": kinds}
        return out

    path = demo.key_dir.parent.parent / "demo" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    items = isinstance(rows, list)
    shown = [mapped(r, terms.name) for r in rows] if items else mapped(rows, terms.name)
    path.write_text(json.dumps(shown, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    read = json.loads(path.read_text(encoding="utf-8"))
    return [mapped(r, terms.code) for r in read] if items else mapped(read, terms.code)


def build(
    ledger: Ledger,
    office: SigningKey,
    home: Path,
    *,
    objects: int = 20_000,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    key_dir = home / "keys" / "demo"
    key_dir.mkdir(parents=True, exist_ok=True)
    demo = Demo(ledger, office, key_dir, progress)
    organisations(demo)
    inspectors = people(demo)
    plans(demo)
    directory(demo, home, objects)
    drawn = joint_task(demo, inspectors)
    carry_out(demo, drawn)
    reports(demo)
    supervision(demo)
    demo.flush()
    demo_review.incident_after_a_clean_check(demo, TASK, drawn)
    third_party(demo, drawn)
    demo.flush()
    next_year(demo, inspectors)
    appraisal(demo)
    cosigned = witness_checkpoint(demo, home)
    return {
        "commands": demo.commands,
        "size": ledger.head().position,
        "drawn": len(drawn),
        "keys": str(key_dir),
        "checkpoint": cosigned,
    }


#: The Sichuan provincial joint list the county's follows (R3.5), and what goes with it.
PROVINCIAL_JOINT_LIST = "四川省市场监管领域部门联合抽查事项清单（第二版）"
JOINT_STANDARDS = [
    "安岳县市场监管领域部门联合双随机抽查工作规则",
    "联合抽查检查标准（食品、公共场所）",
]
JOINT_ENTRIES = [("SCJGJ", "SCJG-SP-001"), ("SCJGJ", "SCJG-DJ-002"), ("WJJ", "WJ-GG-001")]


def organisations(demo: Demo) -> None:
    demo.say("departments, sections and keys")
    for code, (name, kind, sections, _) in {**DEPARTMENTS, **JUDICIAL}.items():
        demo.run("office", "department.register", at="2026-01-05", code=code, name=name, kind=kind)
        for section in sections:
            demo.run(
                "office",
                "department.add_section",
                at="2026-01-05",
                department=code,
                section=section,
            )
        roles = ["department", "judicial"] if kind == "judicial" else ["department"]
        demo.key(code.lower(), name, roles, organisation=code)
    demo.key(
        "jiwei",
        "安岳县纪委监委第三派驻纪检监察组",
        ["discipline", "witness"],
        note_name="jiwei.anyue.example/witness",
    )
    demo.key("notary", "安岳县公证处", ["witness"], note_name="notary.anyue.example/witness")
    demo.key("audit", "安岳县审计局", ["auditor"])
    demo.run(
        "office",
        "calendar.amend",
        at="2026-01-05",
        days={"2027-01-01": False},
        declare_years=[2027],
        note="2027年元旦放假（国务院办公厅通知前的临时安排，演示）",
    )
    for code in ITEMS:
        demo.run(
            code.lower(),
            "items.draft",
            at="2026-01-08",
            reason="enact",
            items=chinese_file(demo, f"items-{code}.json", item_rows(code), ITEM_TERMS),
            note="2026年版随机抽查事项清单",
        )
        demo.run(code.lower(), "items.publish", at="2026-01-09", version=1)
    # R3.5, R3.6: the office's joint list, following the provincial one, with its rules;
    # from then on a joint task's items come from it.
    demo.run(
        "office",
        "items.draft_joint",
        at="2026-01-12",
        reason="enact",
        follows=PROVINCIAL_JOINT_LIST,
        standards=JOINT_STANDARDS,
        entries=[{"department": d, "code": c} for d, c in JOINT_ENTRIES],
        note="安岳县市场监管领域部门联合抽查事项清单（2026年版）",
    )
    demo.run("office", "items.publish_joint", at="2026-01-13", version=1)


def people(demo: Demo) -> dict[str, list[str]]:
    demo.say("inspector directory: proposals and the judicial bureau's approval")
    out: dict[str, list[str]] = {}
    for index, (code, (_, _, sections, _)) in enumerate(DEPARTMENTS.items()):
        rows = inspector_rows(code, index, sections, demo.rng)
        ids = [str(row["id"]) for row in rows]
        proposed = demo.run(
            code.lower(),
            "inspectors.propose",
            at="2026-01-12",
            attachment=rows,
            action="enrol",
            rows_digest=sha256(canonical_bytes(rows)).hex(),
        )
        demo.run(
            "sfj",
            "inspectors.decide",
            at="2026-01-14",
            decisions=[
                {"person": p, "proposal": proposed["proposals"][p], "approve": True} for p in ids
            ],
        )
        out[code] = ids[:7]
        for person in ids[:7]:
            demo.key(
                person.lower(),
                str(rows[ids.index(person)]["name"]),
                ["inspector"],
                organisation=code,
                person=person,
            )
    return out


#: Industries the market and health bureaus both supervise in the demo (食品 and 餐饮:
#: a food licence and a public-places hygiene licence), the joint task's scope with one
#: the market bureau supervises alone (农副食品加工).
JOINTLY_SUPERVISED = ("食品制造业", "餐饮业")
JOINT_SCOPE = (*JOINTLY_SUPERVISED, "农副食品加工业")


def directory(demo: Demo, home: Path, count: int) -> None:
    demo.say(f"object directory: {count:,} entities across the county's townships")
    with tempfile.TemporaryDirectory() as where:
        source = Path(where) / "all.csv"
        write_generated_objects(source, count, seed=512021, departments=tuple(DEPARTMENTS))
        with source.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            at = header.index("supervisors")
            industry = header.index("industry")
            split: dict[str, list[list[str]]] = {code: [] for code in DEPARTMENTS}
            for row in reader:
                first = row[at].split(";")[0]
                if first in ("SCJGJ", "WJJ") and row[industry] in JOINTLY_SUPERVISED:
                    # 谁审批谁监管 (R4.1): food and catering businesses hold both a food
                    # licence (market bureau) and a public-places hygiene licence (health
                    # bureau): the joint task's visits check both departments' items.
                    row[at] = "SCJGJ;WJJ" if first == "SCJGJ" else "WJJ;SCJGJ"
                split[first].append(row)
        for code, rows in split.items():
            path = Path(where) / f"{code}.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows(rows)

            def submit(
                action: str, params: dict[str, Any], attachment: Any, who: str = code.lower()
            ) -> dict[str, Any]:
                return demo.run(who, action, at="2026-02-02", attachment=attachment, **params)

            import_objects(path, code, submit)


def plans(demo: Demo) -> None:
    demo.say("annual plans (one published late)")
    for code in DEPARTMENTS:
        items = [i[0] for i in ITEMS[code]]
        demo.run(
            code.lower(),
            "plans.draft",
            at="2026-01-20",
            year=2026,
            reason="enact",
            name=f"{DEPARTMENTS[code][0]}2026年度双随机抽查工作计划",
            items=items,
            scope={"kinds": ["enterprise"], "regions": [], "industries": []},
            method="实地核查与书面检查相结合",
            ratios={"A": "0.01", "B": "0.015", "C": "0.02", "D": "0.025"},
            directed={"ratio": "0.03", "penalty_years": 3, "min_complaints": 2},
            quantity=300,
            participants=[],
            start="2026-03-01",
            end="2026-11-30",
        )
        late = code == "YJGLJ"
        demo.run(
            code.lower(),
            "plans.publish",
            at="2026-02-06" if late else "2026-01-28",
            year=2026,
            version=1,
        )


def joint_task(demo: Demo, inspectors: dict[str, list[str]]) -> list[dict[str, Any]]:
    demo.say("a joint task, a witnessed draw (two witnesses' commit-reveal and dice)")
    demo.run(
        "scjgj",
        "task.create",
        at="2026-08-20",
        task=TASK,
        name="2026年安岳县食品生产经营和公共场所卫生联合双随机抽查",
        year=2026,
        items=["SCJG-SP-001"],
        plan="SCJGJ/2026",  # the annual plan it carries out (R7.6)
        inspectors=inspectors["SCJGJ"],
        matching="dispersed",
        team_size=2,
        workload_cap=60,
        planned_start="2026-09-07",
        planned_end="2026-10-30",
        ratios={"A": "0.01", "B": "0.015", "C": "0.03", "D": "0.06"},
        directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
        scope={"kinds": ["enterprise"], "regions": [], "industries": list(JOINT_SCOPE)},
    )
    demo.run(
        "wjj",
        "task.join",
        at="2026-08-24",
        task=TASK,
        items=["WJ-GG-001"],
        inspectors=inspectors["WJJ"],
    )
    reveal_by = dt.datetime.fromtimestamp(day("2026-09-02", 17), CHINA).isoformat()
    committed = demo.run(
        "scjgj",
        "draw.commit",
        at="2026-09-01",
        task=TASK,
        witnesses=[demo.keys["jiwei"].key_id, demo.keys["notary"].key_id],
        dice=True,
        fallback="skip",
        reveal_by=reveal_by,
    )
    demo.run("scjgj", "draw.dice", at="2026-09-01", task=TASK, draw=1, digits="4163552615")

    def signed(name: str, kind: str, **fields: str) -> str:
        """The witness's own signature over the draw's commitment (draw v2)."""
        return sign_witness_statement(
            demo.keys[name].sign,
            kind,
            task=TASK,
            draw=1,
            commitment_hash=committed["commitment_hash"],
            witness=demo.keys[name].key_id,
            **fields,
        )

    secrets = {}
    for name in ("jiwei", "notary"):
        value, nonce = f"{demo.rng.getrandbits(256):064x}", f"{demo.rng.getrandbits(128):032x}"
        secrets[name] = (value, nonce)
        digest = witness_commitment(value, nonce)
        demo.run(
            name,
            "draw.witness_commit",
            at="2026-09-01",
            task=TASK,
            draw=1,
            commitment=digest,
            signature=signed(name, "commit", commitment=digest),
        )
    for name, (value, nonce) in secrets.items():
        demo.run(
            name,
            "draw.witness_reveal",
            at="2026-09-02",
            task=TASK,
            draw=1,
            value=value,
            nonce=nonce,
            signature=signed(name, "reveal", value=value, nonce=nonce),
        )
    ran = demo.run("scjgj", "draw.run", at="2026-09-03", task=TASK, draw=1)
    demo.say(f"  drew {ran['drawn']} objects")
    demo.run(
        "scjgj", "task.organise", at="2026-09-07", task=TASK, draw=1, organised_on="2026-09-07"
    )
    from ledger.areas.draws.events import Draw
    from ledger.ids import draw_id

    drawn = demo.ledger.find(draw_id(TASK, 1))
    assert isinstance(drawn, Draw) and drawn.performed is not None
    return list(drawn.performed["assignments"])


def carry_out(demo: Demo, assignments: list[dict[str, Any]]) -> None:
    demo.say(f"inspections, results and publication for {len(assignments)} drawn objects")
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    start = dt.date(2026, 9, 8)
    outcomes = ["no_problem"] * 14 + ["corrected"] * 3 + ["violation", "not_found"]
    late_done = withheld = False
    # Each job's steps are planned in draw order (the same random results), then run in
    # date order: from ledger format 2 the log's signed times only move forward.
    steps: list[tuple[str, int, int, str, str, dict[str, Any]]] = []
    # 进一次门、查多项事 (R6.1): on each visit every department checks its own items on
    # the object's checklist with its own inspectors. On the first joint visit the health
    # bureau's item is left unchecked (overdue on the board after the task's end); on the
    # second it is excused with the bureau's reason.
    joint = [j for j in assignments if len({i.split(":")[0] for i in j["checklist"]}) > 1]
    skipped = joint[0]["object"] if joint else None
    excused = joint[1]["object"] if len(joint) > 1 else None
    visits = [
        (n, job, item)
        for n, job in enumerate(assignments)
        for item in job["checklist"]
        if not (item.startswith("WJJ:") and job["object"] in (skipped, excused))
    ]
    for n, job, item in visits:
        checked = start + dt.timedelta(days=n % 40)
        while checked.weekday() >= 5 or dt.date(2026, 10, 1) <= checked <= dt.date(2026, 10, 8):
            checked += dt.timedelta(days=1)
        on = checked.isoformat()
        department = item.split(":")[0]
        team = [p for p in job["team"] if p.startswith(department + "-")]
        who = team[0].lower() if team[0].lower() in demo.keys else department.lower()
        target = {"basis": basis, "object": job["object"], "item": item}
        steps.append(
            (
                on,
                n,
                0,
                who,
                "inspection.record",
                {"method": "on_site", "inspectors": team, "checked_on": on, **target},
            )
        )
        result = demo.rng.choice(outcomes)
        enterer = next((p.lower() for p in team if p.lower() in demo.keys), None)
        if enterer is None:
            continue  # no key for anyone on this team: the result is still to be entered
        details = None if result == "no_problem" else "现场检查发现问题，已记录"
        steps.append(
            (
                on,
                n,
                1,
                enterer,
                "result.enter",
                {"result": result, "formed_on": on, "details": details, **target},
            )
        )
        publish_on = checked + dt.timedelta(days=3)
        decided = publish_on.isoformat()
        if result == "violation" and not withheld:
            withheld = True
            legal_basis = "《行政处罚法》第四十八条：案件尚在调查，处罚决定作出前不予公示"
            steps.append(
                (
                    decided,
                    n,
                    2,
                    department.lower(),
                    "result.withhold",
                    {"legal_basis": legal_basis, "decided_on": decided, **target},
                )
            )
            steps.append(
                (
                    decided,
                    n,
                    3,
                    department.lower(),
                    "result.follow_up",
                    {
                        "kind": "penalty_case",
                        "reference": "安市监罚〔2026〕217号",
                        "on": decided,
                        **target,
                    },
                )
            )
            continue
        if not late_done and result == "no_problem" and department == "SCJGJ":
            late_done = True
            publish_on = checked + dt.timedelta(days=40)  # after its 20 working days
        published = publish_on.isoformat()
        steps.append(
            (
                published,
                n,
                2,
                department.lower(),
                "result.publish",
                {"published_on": published, **target},
            )
        )
    if excused is not None:
        steps.append(
            (
                "2026-10-21",
                len(assignments),
                0,
                "wjj",
                "inspection.excuse",
                {
                    "basis": basis,
                    "object": excused,
                    "item": "WJJ:WJ-GG-001",
                    "reason": "该场所已停止对外营业，公共场所卫生许可证已注销"
                    "（注销决定 安卫公〔2026〕58号）",
                    "excused_on": "2026-10-21",
                },
            )
        )
    for at, _, _, who, action, params in sorted(steps, key=lambda s: s[:3]):
        demo.later(who, action, at=at, **params)
    # An inspection outside any draw or case lead: 随意检查, which the review flags.
    some = assignments[0]["object"]
    target = {
        "basis": {"kind": "none", "reference": "分管领导口头安排"},
        "object": some,
        "item": "WJJ:WJ-GG-001",
    }
    demo.later(
        "wjj",
        "inspection.record",
        at="2026-10-19",
        method="on_site",
        inspectors=["WJJ-001"],
        checked_on="2026-10-19",
        **target,
    )
    demo.later(
        "wjj-001",
        "result.enter",
        at="2026-10-19",
        result="no_problem",
        formed_on="2026-10-19",
        **target,
    )
    # A case lead: a complaint (投诉举报) checked by market supervision (R1.1).
    case = {
        "basis": {
            "kind": "case",
            "case": "TS-2026-0815",
            "trigger": "complaint",
            "reference": "12315平台投诉 20261012-0815",
        },
        "object": _supervised_by(demo, "SCJGJ", assignments)[-1],
        "item": "SCJGJ:SCJG-SP-001",
    }
    demo.later(
        "scjgj",
        "inspection.record",
        at="2026-10-13",
        method="on_site",
        inspectors=["SCJGJ-001", "SCJGJ-002"],
        checked_on="2026-10-13",
        **case,
    )
    demo.later(
        "scjgj-001",
        "result.enter",
        at="2026-10-13",
        result="violation",
        formed_on="2026-10-13",
        details="超范围生产",
        **case,
    )
    demo.later("scjgj", "result.publish", at="2026-10-16", published_on="2026-10-16", **case)
    # Its penalty case, recorded under the object's name (R5.4): the object is in the
    # directed stratum of the next year's draw (:func:`next_year`, R5.3).
    demo.later(
        "scjgj",
        "result.follow_up",
        at="2026-10-20",
        kind="penalty_case",
        reference="安市监罚〔2026〕231号",
        on="2026-10-20",
        **case,
    )


def _supervised_by(demo: Demo, department: str, assignments: list[dict[str, Any]]) -> list[str]:
    """The drawn objects ``department`` supervises (谁审批谁监管, R4.1), in draw order."""
    from ledger.draw.world import DIRECTORY_TOPICS, fold

    objects = fold(demo.ledger.topic_events(DIRECTORY_TOPICS)).directory.objects
    return [a["object"] for a in assignments if department in objects[a["object"]][3]]


def reports(demo: Demo) -> None:
    demo.say("quarterly reports")
    for code in DEPARTMENTS:
        for quarter, on in ((1, "2026-04-08"), (2, "2026-07-09"), (3, "2026-10-10")):
            text = f"{DEPARTMENTS[code][0]} 2026年第{quarter}季度双随机抽查工作进展"
            demo.later(
                code.lower(),
                "report.submit",
                at=on,
                kind="quarterly",
                year=2026,
                quarter=quarter,
                summary_sha256=sha256(text.encode()).hex(),
                text=text,
            )


def supervision(demo: Demo) -> None:
    """The office supervises (R10.2, R10.3, R10.6): a notice naming a unit (通报批评) that
    is rectified (整改) through the unit's task ledger, one left open past its due date,
    and the third quarter's collation for the city's joint conference."""
    demo.say("the office's supervision: notices, rectification, the collation")
    demo.run(
        "office",
        "notice.issue",
        at="2026-10-20",
        notice="TB-2026-03",
        department="SSTHJJ",
        finding="安市监联办通〔2026〕3号：第三季度工作推进情况未列明抽查发现问题的后续处置，工作推进不力",
        rectification="补报后续处置情况，建立问题整改台账",
        due="2026-11-10",
        rule="R10.6",
    )
    demo.run(
        "ssthjj",
        "worklist.assign",
        at="2026-10-21",
        entry="TZ-2026-01",
        title="补报第三季度抽查发现问题的后续处置情况",
        section="环境监察执法大队",
        due="2026-11-05",
        source="TB-2026-03（安市监联办通〔2026〕3号）",
    )
    demo.run(
        "ssthjj", "worklist.complete", at="2026-11-03", entry="TZ-2026-01", done_on="2026-11-03"
    )
    demo.run(
        "ssthjj",
        "notice.rectify",
        at="2026-11-04",
        notice="TB-2026-03",
        done_on="2026-11-04",
        account="已补报后续处置情况3件，建立问题整改台账并明确责任股室和责任人",
    )
    demo.run(
        "office",
        "notice.issue",
        at="2026-11-06",
        notice="TB-2026-04",
        department="WJJ",
        finding="安市监联办通〔2026〕4号：联合抽查中本单位事项未按期检查，消极懈怠",
        rectification="完成剩余检查并报送说明",
        due="2026-11-20",
        rule="R10.2",
    )
    demo.flush(day("2026-11-06"))
    with tempfile.TemporaryDirectory() as scratch:  # the collation reads the projections
        store = Store(Path(scratch) / "projections.sqlite3")
        try:
            update(demo.ledger, store)
            content = collation(store.db, 2026, 3, dt.date(2026, 11, 6))
        finally:
            store.close()
    demo.run(
        "office",
        "report.collate",
        at="2026-11-06",
        year=2026,
        quarter=3,
        recipient="资阳市市场监管领域部门联合双随机一公开监管联席会议",
        sent_on="2026-11-06",
        content=content,
    )


#: The third-party test report whose conclusion the demo's case check adopts by digest.
THIRD_PARTY_REPORT = "资阳市食品药品检验检测中心 检验报告 ZYSJ-2026-1124：所检项目符合GB 2762-2022"


def third_party(demo: Demo, drawn: list[dict[str, Any]]) -> None:
    """A third-party test report (R8.1, R8.2): a body in the register, qualified for
    testing, tests a sample for a case check; its conclusion is adopted by digest, and the
    delegating department records its evaluation of the body, citing that delegation."""
    demo.say("a third-party test report and the body's evaluation")
    demo.run(
        "scjgj",
        "body.register",
        at="2026-11-23",
        body="ZYSJ",
        name="资阳市食品药品检验检测中心",
        qualification="CMA 182321340123（检验检测机构资质认定证书）",
        services=["testing"],
        scope="食品、食用农产品、食品相关产品",
        valid_from="2024-03-01",
        valid_until="2030-02-28",
    )
    report = THIRD_PARTY_REPORT
    case = {
        "basis": {
            "kind": "case",
            "case": "TS-2026-0901",
            "trigger": "data_monitoring",
            "reference": "省级平台抽检数据监测 20261120-0901",
        },
        "object": drawn[0]["object"],
        "item": "SCJGJ:SCJG-SP-001",
    }
    demo.run(
        "scjgj",
        "inspection.record",
        at="2026-11-24",
        method="on_site",
        inspectors=["SCJGJ-001", "SCJGJ-002"],
        checked_on="2026-11-24",
        delegated={
            "kind": "testing",
            "body": "ZYSJ",
            "conclusion_sha256": sha256(report.encode()).hex(),
        },
        **case,
    )
    demo.run(
        "scjgj-001",
        "result.enter",
        at="2026-11-24",
        result="no_problem",
        formed_on="2026-11-24",
        **case,
    )
    demo.run("scjgj", "result.publish", at="2026-11-25", published_on="2026-11-25", **case)
    demo.run(
        "scjgj",
        "body.oversee",
        at="2026-11-26",
        body="ZYSJ",
        kind="evaluation",
        held_on="2026-11-26",
        finding="检验报告要素齐全、按时出具，抽样过程记录完整",
        rating="good",
        # R8.2: the evaluation is of the delegation it cites (the check above)
        delegation={
            "basis": "case",
            "reference": "TS-2026-0901",
            "object": case["object"],
            "item": case["item"],
        },
    )


#: The 2027 plan's ratios per credit class and item risk grade (R5.2).
NEXT_RATIO_TABLE = {
    "A": {"low": "0.005", "medium": "0.01", "high": "0.015"},
    "B": {"low": "0.01", "medium": "0.015", "high": "0.02"},
    "C": {"low": "0.02", "medium": "0.03", "high": "0.04"},
    "D": {"low": "0.04", "medium": "0.05", "high": "0.06"},
}
#: The trade whose verified complaints make it an industry with concentrated violations.
CONCENTRATED = "食品制造业"


def concentrated_complaints(demo: Demo) -> str:
    """Three complaints (投诉举报) against food manufacturers, checked by the market bureau
    as case leads (个案处理, R1.1) and verified as violations: with the office's threshold
    (3 objects, 0.2% of the trade) the industry's violations are concentrated (R5.3), so
    the 2027 task's directed stratum takes its objects. Each check's method is given as
    the CLI option takes it (``--method 实地核查``)."""
    from ledger import terms
    from ledger.draw.world import DIRECTORY_TOPICS, fold

    objects = fold(demo.ledger.topic_events(DIRECTORY_TOPICS)).directory.objects
    targets = [
        ident
        for ident, (kind, _, industry, supervisors, *_rest, status) in sorted(objects.items())
        if kind == "enterprise"
        and industry == CONCENTRATED
        and "SCJGJ" in supervisors
        and status == "active"
    ][:3]
    method = terms.code("inspection_method", "实地核查")  # as --method 实地核查 is read
    for n, obj in enumerate(targets, start=1):
        on = f"2026-10-{20 + n}"
        case = {
            "basis": {
                "kind": "case",
                # Not TS-2026-0901: the third party's case (one object may be both's).
                "case": f"TS-2026-10{20 + n:02d}",
                "trigger": "complaint",
                "reference": f"12315平台投诉 202610{20 + n}-10{20 + n:02d}",
            },
            "object": obj,
            "item": "SCJGJ:SCJG-SP-001",
        }
        demo.later(
            "scjgj",
            "inspection.record",
            at=on,
            method=method,
            inspectors=["SCJGJ-003", "SCJGJ-004"],
            checked_on=on,
            **case,
        )
        demo.later(
            "scjgj-003",
            "result.enter",
            at=on,
            result="violation",
            formed_on=on,
            details="投诉举报经查实：标签标识不符合食品安全标准",
            **case,
        )
    demo.flush()
    return CONCENTRATED


def next_year(demo: Demo, inspectors: dict[str, list[str]]) -> None:
    """The next year's task is committed: the object whose violation led to a penalty
    case in 2026 (记于市场主体名下, R5.4) is in its directed stratum (定向抽查, R5.3)."""
    from ledger.areas.draws.events import Draw
    from ledger.draw.eligibility import task_spec
    from ledger.draw.snapshot import snapshot
    from ledger.draw.world import SNAPSHOT_TOPICS, fold
    from ledger.ids import draw_id

    demo.say("the next year's draw: the penalty recorded in 2026 feeds its directed stratum")
    industry = concentrated_complaints(demo)
    # R5.3, R6.3: the office's credit policy -- when an industry's violations count as
    # concentrated, and each object's yearly number of checks (published in the log).
    demo.run(
        "office",
        "credit.policy",
        at="2026-11-04",
        concentration={"min_objects": 3, "min_share": "0.002", "years": 3},
        yearly_cap=3,
        reason="县联席会议决定：违法违规行为相对集中的行业列入定向抽查；每户每年检查不超过3次",
    )
    # The market bureau's 2027 plan from a file in Chinese terms (企业), its reason given
    # as the CLI option takes it (--reason 制定); its ratios, which the task carrying it
    # out takes (format 4: per credit class and item risk grade, R5.2).
    from ledger import formats, terms

    # A plan entry's ratio table is a format-4 rule; an older ledger's plan gives ratios.
    ratios: dict[str, Any] = (
        {"ratio_table": NEXT_RATIO_TABLE}
        if formats.since(demo.ledger, 4)
        else {"ratios": {"A": "0.01", "B": "0.015", "C": "0.03", "D": "0.06"}}
    )
    plan = chinese_file(
        demo,
        "plan-2027-SCJGJ.json",
        {
            "name": "安岳县市场监督管理局2027年度双随机抽查工作计划",
            "items": ["SCJG-SP-001"],
            "scope": {"kinds": ["enterprise"], "regions": [], "industries": []},
            "method": "实地核查",
            **ratios,
            "directed": {
                "ratio": "0.1",
                "penalty_years": 3,
                "min_complaints": 2,
                "industries": True,
            },
            "quantity": 400,
            "participants": [],
            "start": "2027-03-01",
            "end": "2027-11-30",
        },
        {},
    )
    reason = terms.code("reason", "制定")  # as --reason 制定 is read
    demo.run("scjgj", "plans.draft", at="2026-11-05", year=2027, reason=reason, **plan)
    demo.run("scjgj", "plans.publish", at="2026-11-05", year=2027, version=1)
    demo.run(
        "scjgj",
        "task.create",
        at="2026-11-05",
        task=NEXT_TASK,
        name="2027年安岳县食品生产经营双随机抽查（含定向抽查）",
        year=2027,
        plan="SCJGJ/2027",  # its ratios: the plan entry's (R5.2, R7.6; format 4)
        **({} if formats.since(demo.ledger, 4) else ratios),
        items=["SCJG-SP-001"],
        inspectors=inspectors["SCJGJ"],
        matching="dispersed",
        team_size=2,
        workload_cap=60,
        planned_start="2027-03-01",
        planned_end="2027-04-30",
        directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2, "industries": True},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    committed = demo.run(
        "scjgj",
        "draw.commit",
        at="2026-11-06",
        task=NEXT_TASK,
        witnesses=[demo.keys["jiwei"].key_id, demo.keys["notary"].key_id],
        dice=False,
        fallback="skip",
        # The demo's clock may already stand later in November: reveals by that day's end.
        reveal_by=dt.datetime.fromtimestamp(
            max(day("2026-11-06"), demo.clock) + 6 * 3600, CHINA
        ).isoformat(),
    )
    world = fold(demo.ledger.topic_events(SNAPSHOT_TOPICS))
    penalised = sorted(
        o
        for o, entries in world.credit.entries.items()
        if any(e.kind == "penalty_case" for e in entries)
    )
    # The stratum of each object, as the commitment counted it (its roots commit to it).
    commitment = demo.ledger.find(draw_id(NEXT_TASK, 1))
    assert isinstance(commitment, Draw)
    snap = snapshot(world, task_spec(world, NEXT_TASK), json.loads(commitment.commitment))
    assert snap.summary() == committed["snapshot"]
    strata = snap.strata
    directed = {i for i, _ in strata.get("directed", [])}
    concentrated = committed["snapshot"]["concentrated_industries"]
    objects = world.directory.objects
    of_industry = [i for i in directed if objects[i][2] == industry]
    demo.say(
        f"  {len(penalised)} object(s) with a penalty case on record; in the directed stratum "
        f"of {NEXT_TASK}: {sum(o in directed for o in penalised)}; industries with "
        f"concentrated violations (违法违规行为相对集中的行业): "
        f"{', '.join(concentrated) or 'none'}; "
        f"{len(of_industry)} {industry} object(s) in the directed stratum (定向抽查)"
    )


#: Where the office sends its yearly appraisal input (纳入政府绩效考核体系, R10.2).
APPRAISAL_RECIPIENT = "安岳县人民政府绩效考核办公室"


def appraisal(demo: Demo) -> None:
    """R10.2: the office's appraisal input for 2026 -- per member department, what the log
    gives (list, plan, reports, tasks led, publication, notices) -- recorded as sent, the
    figures the ledger recomputes when it records them."""
    demo.say("the office's appraisal input for 2026, recorded as sent")
    demo.flush()
    content = appraise(demo.ledger, 2026, dt.date(2026, 11, 27))
    demo.run(
        "office",
        "report.appraise",
        at="2026-11-27",
        year=2026,
        recipient=APPRAISAL_RECIPIENT,
        sent_on="2026-11-27",
        content=content,
    )


def witness_checkpoint(demo: Demo, home: Path) -> str:
    demo.say("the witness policy (2 of 2) and a checkpoint both witnesses cosign")
    demo.run(
        "office",
        "witness.policy",
        at="2026-11-07",
        witnesses=[demo.keys["jiwei"].key_id, demo.keys["notary"].key_id],
        quorum=2,
        reason="联席会议决定：检查点须经县纪委监委与公证处共同见证",
    )
    transparency = demo.ledger.transparency
    note = transparency.checkpoint()
    size = demo.ledger.head().position
    lines = ""
    for name in ("jiwei", "notary"):
        state = home / "witness" / f"{name}.json"
        state.parent.mkdir(parents=True, exist_ok=True)
        state.unlink(missing_ok=True)
        Witness.create(state, f"{name}.anyue.example/witness", [transparency.log_verifier().vkey])
        witness = Witness(state, demo.keys[name])
        genesis = transparency.checkpoint(GENESIS_SIZE)  # a witness's first contact
        witness.add_checkpoint(
            request_text(transparency.consistency_text(0, GENESIS_SIZE), genesis)
        )
        lines += witness.add_checkpoint(
            request_text(transparency.consistency_text(GENESIS_SIZE, size), note)
        )
    transparency.attach_cosignatures(note + lines)
    return transparency.note(size)
