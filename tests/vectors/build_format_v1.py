"""Build the format-v1 fixture ledger: a small, complete county, byte for byte reproducible.

(Over 400 lines: it is one script, the county's whole story in log order.)

TEST-ONLY data, signed with TEST-ONLY keys (``tests.vectors.testkeys.fixed_key``: seeds
are SHA-256 of public strings). The artifacts in ``tests/vectors/format-v1/`` were made
by running this script against commit a7f3c09 -- the last commit before the
reorganisation of issue 10 -- in a detached worktree of that commit, with this file and
``tests/vectors/projection_dump.py`` copied in::

    git worktree add --detach ../wt-old a7f3c09
    python -m tests.vectors.build_format_v1 tests/vectors/format-v1 --twice

It imports that commit's module paths (``ledger.application``, ``ledger.imports``,
``ledger.directory_files``, ...), so it does NOT run under the reorganised code; it is
kept as the exact record of how the fixture was made. The reorganised code is checked
against the artifacts by ``tests/integration/test_format_v1.py``.

Everything is fixed: every command is signed with an explicit ``created`` time and a
counter nonce and executed as of that time (``Ledger.execute(now=...)``); the events'
timestamps, the checkpoints' and cosignatures' times, and the directory import's id
are pinned to the same script clock; the directory is generated from a fixed seed;
witnesses' secrets and the notes' (otherwise random) stream ids are derived from fixed
strings. Running it twice gives the same files, bit for bit (``--twice`` checks that).

The county, in log order (September to November 2023, China Standard Time):
genesis; three departments and two sections; keys for departments, inspectors, a
discipline inspector, draw witnesses, a log witness and a clerk; item lists drafted,
published and amended, and the joint list; a directory import of 400 generated objects,
an object update and a closure; inspector proposals (one rejected) and the judicial
decisions; an annual plan (published, then a second draft); joint task T-2023-01 with a
participant, drawn with two witnesses (commit/reveal) and dice, run, one recusal,
organised; task T-2023-02 drawn from drand quicknet round 657413 (its published
signature, verified offline) in grouped mode; inspections on the draw and on a case,
results, publications, a withholding, a follow-up; a quarterly report; a calendar
amendment; a settled review; notes; a key rotation and a revocation; two checkpoints,
each cosigned by the log witness (the second with a consistency proof).
"""

from __future__ import annotations

# The imports below name a7f3c09's modules, several of which no longer exist: ruff's
# import sorting would class them as third-party here and first-party there.
# ruff: noqa: I001

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

from click.testing import CliRunner

from ledger.application import Ledger, open_ledger
from ledger.authorisation import sign_command
from ledger.canonical import canonical_bytes
from ledger.config import Settings
from ledger.directory_files import write_generated_objects
from ledger.domain.draws import draw_id
from ledger.imports import import_objects
from ledger.keys import SigningKey
from ledger.verifier import parse_checkpoint, parse_note, sha256
from ledger.witness import Witness, request_text
from projections.runner import rebuild
from projections.store import Store
from tests.vectors.projection_dump import dump_projections
from tests.vectors.testkeys import fixed_key
from tools.cli import cli

CST = dt.timezone(dt.timedelta(hours=8))
ORIGIN = "format-v1.test/shuangsui"
LOG_WITNESS = "witness.test/county"
TASK = "T-2023-01"
BEACON_TASK = "T-2023-02"
# drand quicknet round 657413 (published 2023-09-15T11:00:03Z) and its signature, as in
# tests/integration/test_draws.py.
QUICKNET_ROUND = 657413
QUICKNET_SIGNATURE = (
    "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be41076862b98"
    "fad56e91a6b85b89cd97b"
)
IMPORT_ID = UUID("00000000-0000-4000-8000-00000000f001")
OBJECTS = 400
OBJECT_SEED = 2023

DEPARTMENTS = {
    "SCJGJ": ("安岳县市场监督管理局", "market_supervision"),
    "SWJ": ("国家税务总局安岳县税务局", "tax"),
    "SFJ": ("安岳县司法局", "judicial"),
}
INSPECTORS = {"SCJGJ": ("S1", "S2", "S3", "S4", "S5"), "SWJ": ("T1", "T2")}


def key(name: str) -> SigningKey:
    """Every key of the fixture: TEST-ONLY, from a public seed."""
    return fixed_key(f"format-v1 {name}")


class Clock:
    """The script's clock: commands, event timestamps and checkpoint times all read it."""

    def __init__(self, start: str) -> None:
        self.now = int(dt.datetime.fromisoformat(start).timestamp())

    def at(self, moment: str) -> None:
        """Move to ``moment`` (ISO, with zone); time never goes back."""
        target = int(dt.datetime.fromisoformat(moment).timestamp())
        if target < self.now:
            raise RuntimeError(f"the script's clock would go back to {moment}")
        self.now = target

    def tick(self, seconds: int = 30) -> int:
        self.now += seconds
        return self.now

    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now, dt.UTC)

    def iso(self) -> str:
        return self.datetime().isoformat()


@contextmanager
def pinned(clock: Clock) -> Iterator[None]:
    """Pin what would otherwise read the wall clock or a random source."""
    with ExitStack() as stack:
        stack.enter_context(
            mock.patch("eventsourcing.domain.datetime_now_with_tzinfo", clock.datetime)
        )
        stack.enter_context(mock.patch("ledger.transparency._now", clock.iso))
        # Notes are the one stream whose id is the library's random default.
        stack.enter_context(mock.patch("eventsourcing.domain.uuid4", counted_uuids()))
        yield


def counted_uuids() -> Any:
    made = 0

    def uuid4() -> UUID:
        nonlocal made
        made += 1
        seed = hashlib.sha256(f"format-v1 TEST-ONLY stream {made}".encode()).digest()
        return UUID(bytes=seed[:16], version=4)

    return uuid4


def rows_digest(rows: list[dict[str, Any]]) -> str:
    return sha256(canonical_bytes(rows)).hex()


def item(code: str, category: str = "general", cap: str | None = "0.1") -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": code,
        "name": f"事项 {code}",
        "legal_basis": "《市场主体登记管理条例》",
        "object_type": "enterprise",
        "content": "检查内容",
        "method": "on_site",
        "category": category,
        "risk_grade": "medium",
    }
    if category == "general":
        row["ratio_cap"] = cap
    return row


def inspector_row(
    person: str, unit: str, key_id: str | None, kind: str = "officer"
) -> dict[str, Any]:
    officer = kind == "officer"
    return {
        "id": person,
        "name": f"检查员{person}",
        "position": "科员",
        "unit": unit,
        "section": None,
        "kind": kind,
        "certificate": f"5120{person}" if officer else None,
        "certificate_from": "2021-01-01" if officer else None,
        "certificate_until": "2026-12-31" if officer else None,
        "qualifications": ["general"] if officer else [],
        "expertise": [] if officer else ["食品检验"],
        "region": None,
        "key_id": key_id,
        "conflicts": [],
    }


class County:
    """Runs signed commands on the ledger, each at the script clock's next tick."""

    def __init__(self, ledger: Ledger, clock: Clock) -> None:
        self.ledger = ledger
        self.clock = clock
        self.keys: dict[str, SigningKey] = {"office": key("office")}
        self.nonce = 0

    def run(self, who: str, action: str, attachment: Any = None, /, **params: Any) -> Any:
        created = self.clock.tick()
        self.nonce += 1
        auth = sign_command(
            self.keys[who], action, params, created=created, nonce=f"{self.nonce:032x}"
        )
        return self.ledger.execute(auth, attachment=attachment, now=created)

    def register(self, name: str, roles: list[str], **extra: Any) -> str:
        new = key(name)
        self.keys[name] = new
        self.run(
            "office",
            "key.register",
            public_key=new.public.public_b64,
            holder=extra.pop("holder", name),
            roles=roles,
            **extra,
        )
        return new.key_id


def genesis(settings: Settings, clock: Clock) -> County:
    ledger = open_ledger(settings, signer=key("ledger"), must_exist=False)
    county = County(ledger, clock)
    county.run(
        "office",
        "ledger.genesis",
        origin=ORIGIN,
        office_public_key=key("office").public.public_b64,
        ledger_public_key=key("ledger").public.public_b64,
        office_holder="TEST ONLY 安岳县双随机联席会议办公室",
    )
    return county


def organisations(county: County) -> None:
    for code, (name, kind) in DEPARTMENTS.items():
        county.run("office", "department.register", code=code, name=name, kind=kind)
        roles = ["judicial", "department"] if kind == "judicial" else ["department"]
        county.register(code, roles, holder=name, organisation=code)
    county.run("office", "department.add_section", department="SCJGJ", section="市场监管股")
    county.run("SCJGJ", "department.add_section", department="SCJGJ", section="食品安全股")
    for person in (*INSPECTORS["SCJGJ"], *INSPECTORS["SWJ"]):
        unit = "SWJ" if person.startswith("T") else "SCJGJ"
        county.register(
            person, ["inspector"], holder=f"检查员{person}", organisation=unit, person=person
        )
    county.register("discipline", ["discipline"], holder="县纪委监委派驻纪检组")
    for name in ("jiwei", "notary"):
        county.register(name, ["witness"], holder=f"见证人 {name}", note_name=f"{name}.test/w")
    county.register("log witness", ["witness"], holder="县纪委监委", note_name=LOG_WITNESS)
    county.register("clerk", ["department"], holder="市场监管局 录入员", organisation="SCJGJ")
    county.run("office", "note.append", text="联席会议第一次会议纪要（TEST ONLY）")


def item_lists(county: County) -> None:
    county.run(
        "SCJGJ",
        "items.draft",
        reason="enact",
        items=[item("SC-001"), item("SC-002", cap="0.05"), item("SC-KEY", "key", None)],
    )
    county.run("SCJGJ", "items.publish", version=1)
    county.run(
        "SCJGJ",
        "items.draft",
        reason="amend",
        note="SC-002 的抽查比例上限调整",
        items=[item("SC-001"), item("SC-002", cap="0.06"), item("SC-KEY", "key", None)],
    )
    county.run("SCJGJ", "items.publish", version=2)
    county.run("SWJ", "items.draft", reason="enact", items=[item("SW-001", cap="0.2")])
    county.run("SWJ", "items.publish", version=1)
    county.run(
        "office",
        "items.draft_joint",
        reason="enact",
        entries=[
            {"department": "SCJGJ", "code": "SC-001"},
            {"department": "SWJ", "code": "SW-001"},
        ],
    )
    county.run("office", "items.publish_joint", version=1)


def directory(county: County, work: Path) -> list[str]:
    source = work / "objects.csv"
    write_generated_objects(source, OBJECTS, departments=("SCJGJ",), seed=OBJECT_SEED)

    def submit(action: str, params: dict[str, Any], attachment: Any) -> dict[str, Any]:
        result: dict[str, Any] = county.run("SCJGJ", action, attachment, **params).as_dict()
        return result

    with mock.patch("uuid.uuid4", return_value=IMPORT_ID):
        import_objects(source, "SCJGJ", submit)
    ids = sorted(row[0] for row in _csv_rows(source))
    county.run("SCJGJ", "directory.object.update", object=ids[1], fields={"complaints": 3})
    county.run(
        "SCJGJ",
        "directory.object.close",
        object=ids[2],
        closed_on="2023-09-01",
        reason="注销登记（TEST ONLY）",
    )
    return ids


def _csv_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def inspectors(county: County) -> None:
    for unit, people in INSPECTORS.items():
        rows = [inspector_row(p, unit, county.keys[p].key_id) for p in people]
        if unit == "SCJGJ":
            rows.append(inspector_row("E1", unit, None, kind="expert"))
        proposed = county.run(
            unit, "inspectors.propose", rows, action="enrol", rows_digest=rows_digest(rows)
        )
        proposals = proposed.result["proposals"]
        county.run(
            "SFJ",
            "inspectors.decide",
            decisions=[
                {"person": p, "proposal": proposals[p], "approve": True}
                if p != "S5"
                else {"person": p, "proposal": proposals[p], "approve": False, "reason": "证件过期"}
                for p in proposals
            ],
        )


def plans(county: County) -> None:
    plan = {
        "name": "2024年度双随机抽查计划（TEST ONLY）",
        "items": ["SC-001", "SC-KEY"],
        "method": "实地核查",
        "ratios": {"A": "0.03", "B": "0.05", "C": "0.08", "D": "0.1"},
        "quantity": 40,
        "participants": ["SWJ"],
        "start": "2024-03-01",
        "end": "2024-11-30",
        "directed": {"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
        "scope": {"kinds": ["enterprise"], "regions": [], "industries": []},
    }
    county.run("SCJGJ", "plans.draft", year=2024, reason="enact", **plan)
    county.run("SCJGJ", "plans.publish", year=2024, version=1)
    county.run("SCJGJ", "plans.draft", year=2024, reason="amend", **{**plan, "quantity": 45})


def tasks(county: County) -> None:
    county.run(
        "SCJGJ",
        "task.create",
        task=TASK,
        name="2023年食品安全与纳税信用联合抽查（TEST ONLY）",
        year=2023,
        items=["SC-001"],
        inspectors=["S1", "S2", "S3", "S4"],
        matching="dispersed",
        team_size=2,
        planned_start="2023-10-09",
        planned_end="2023-10-31",
        ratios={"A": "0.02", "B": "0.04", "C": "0.06", "D": "0.08"},
        directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
        plan="SCJGJ/2024",
    )
    county.run("SWJ", "task.join", task=TASK, items=["SW-001"], inspectors=["T1", "T2"])


def witness_secret(name: str) -> tuple[str, str]:
    value = hashlib.sha256(f"format-v1 TEST-ONLY witness value: {name}".encode()).hexdigest()
    nonce = hashlib.sha256(f"format-v1 TEST-ONLY witness nonce: {name}".encode()).hexdigest()[:32]
    return value, nonce


def ceremony(county: County) -> None:
    witnesses = [county.keys["jiwei"].key_id, county.keys["notary"].key_id]
    reveal_by = dt.datetime.fromtimestamp(county.clock.now + 3600, CST).isoformat()
    county.run(
        "SCJGJ",
        "draw.commit",
        task=TASK,
        witnesses=witnesses,
        dice=True,
        fallback="skip",
        reveal_by=reveal_by,
        exclusion={"days": 30, "mode": "exclude"},
    )
    for name in ("jiwei", "notary"):
        value, nonce = witness_secret(name)
        digest = hashlib.sha256(bytes.fromhex(value) + bytes.fromhex(nonce)).hexdigest()
        county.run(name, "draw.witness_commit", task=TASK, draw=1, commitment=digest)
    for name in ("jiwei", "notary"):
        value, nonce = witness_secret(name)
        county.run(name, "draw.witness_reveal", task=TASK, draw=1, value=value, nonce=nonce)
    county.run("SCJGJ", "draw.dice", task=TASK, draw=1, digits="3141552653")
    county.run("SCJGJ", "draw.run", task=TASK, draw=1)


def assignments(county: County, task: str) -> list[dict[str, Any]]:
    performed = county.ledger.get(draw_id(task, 1)).performed
    return list(performed["assignments"])


def recusal(county: County) -> None:
    first = assignments(county, TASK)[0]
    county.run(
        "SCJGJ",
        "draw.recuse",
        task=TASK,
        draw=1,
        object=first["object"],
        person=first["team"][0],
        reason="近亲属关系（TEST ONLY）",
    )


def beacon_draw(county: County) -> None:
    """A second task drawn from a public beacon alone, matched in grouped mode."""
    county.run(
        "SCJGJ",
        "task.create",
        task=BEACON_TASK,
        name="2023年产品质量专项抽查（TEST ONLY）",
        year=2023,
        items=["SC-002"],
        inspectors=["S1", "S2", "S3"],
        matching="grouped",
        team_size=2,
        workload_cap=12,
        planned_start="2023-10-16",
        planned_end="2023-11-15",
        ratios={"A": "0.01", "B": "0.02", "C": "0.04", "D": "0.06"},
        scope={"kinds": [], "regions": [], "industries": []},
    )
    county.clock.at("2023-09-15T18:50:03+08:00")  # ten minutes before the round
    county.run(
        "SCJGJ",
        "draw.commit",
        task=BEACON_TASK,
        witnesses=[],
        dice=False,
        fallback="wait",
        beacon={"round": QUICKNET_ROUND},
        reveal_by=dt.datetime.fromtimestamp(county.clock.now + 3600, CST).isoformat(),
    )
    county.clock.at("2023-09-15T19:05:00+08:00")
    county.run(
        "SCJGJ",
        "draw.beacon",
        task=BEACON_TASK,
        draw=1,
        round=QUICKNET_ROUND,
        signature=QUICKNET_SIGNATURE,
    )
    county.run("SCJGJ", "draw.run", task=BEACON_TASK, draw=1)


def on(county: County, day: str) -> None:
    county.clock.at(f"{day}T09:30:00+08:00")


def carrying_out(county: County, case_object: str) -> list[int]:
    """Inspections, results and their fate; returns the positions a review relies on."""
    drawn = assignments(county, TASK)
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    item_ref = "SCJGJ:SC-001"
    fates = ("publish", "violation", "withhold")
    on(county, "2023-10-10")
    for assignment, fate in zip(drawn, fates, strict=False):
        obj, team = assignment["object"], list(assignment["team"])
        target = {"basis": basis, "object": obj, "item": item_ref}
        county.run(
            team[0],
            "inspection.record",
            **target,
            method="on_site",
            inspectors=team,
            checked_on="2023-10-10",
        )
        county.run(
            team[1],
            "result.enter",
            **target,
            result="violation" if fate == "violation" else "no_problem",
            details="TEST ONLY",
            formed_on="2023-10-10",
        )
    on(county, "2023-10-16")
    for assignment, fate in zip(drawn, fates, strict=False):
        target = {"basis": basis, "object": assignment["object"], "item": item_ref}
        if fate == "withhold":
            county.run(
                "SCJGJ",
                "result.withhold",
                **target,
                legal_basis="《政府信息公开条例》第十四条（TEST ONLY）",
                decided_on="2023-10-16",
            )
        else:
            county.run(
                "SCJGJ",
                "result.publish",
                **target,
                published_on="2023-10-16",
                channels=["national_enterprise_credit_publicity"],
            )
    violation = {"basis": basis, "object": drawn[1]["object"], "item": item_ref}
    on(county, "2023-10-20")
    county.run(
        "SCJGJ",
        "result.follow_up",
        **violation,
        kind="penalty_case",
        reference="安市监罚〔2023〕12号（TEST ONLY）",
        on="2023-10-20",
    )
    case = {
        "kind": "case",
        "case": "TS-2023-0042",
        "trigger": "complaint",
        "reference": "12315 投诉 20231011-0042（TEST ONLY）",
    }
    target = {"basis": case, "object": case_object, "item": item_ref}
    on(county, "2023-10-23")
    checked = county.run(
        "S1",
        "inspection.record",
        **target,
        method="on_site",
        inspectors=["S1", "S2"],
        checked_on="2023-10-23",
    )
    entered = county.run("S2", "result.enter", **target, result="corrected", formed_on="2023-10-23")
    county.run("SCJGJ", "result.publish", **target, published_on="2023-10-23")
    return [checked.last_position, entered.last_position]


def main(out_dir: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        home = work / "home"
        settings = Settings(home=home, checkpoint_every=0)
        clock = Clock("2023-09-01T09:00:00+08:00")
        with pinned(clock):
            summary = build(settings, clock, work)
        ledger_file = settings.target
        assert isinstance(ledger_file, Path)
        leftovers = [p.name for p in home.iterdir() if p.name.startswith("ledger.sqlite3-")]
        if leftovers:
            raise RuntimeError(f"the ledger left {leftovers} behind; it was not closed cleanly")
        shutil.copyfile(ledger_file, out_dir / "ledger.sqlite3")
        record(home, out_dir, summary)
    return summary


def build(settings: Settings, clock: Clock, work: Path) -> dict[str, Any]:
    county = genesis(settings, clock)
    try:
        organisations(county)
        item_lists(county)
        ids = directory(county, work)
        inspectors(county)
        on(county, "2023-09-04")
        plans(county)
        on(county, "2023-09-05")
        tasks(county)
        on(county, "2023-09-11")
        ceremony(county)
        first_checkpoint = cosign(county, work, old=0)
        on(county, "2023-09-12")
        recusal(county)
        on(county, "2023-09-13")
        county.run("SCJGJ", "task.organise", task=TASK, draw=1, organised_on="2023-09-13")
        on(county, "2023-09-14")
        beacon_draw(county)
        drawn = {a["object"] for a in assignments(county, TASK)}
        case_object = next(i for i in ids[3:] if i not in drawn)
        evidence = carrying_out(county, case_object)
        on(county, "2023-10-24")
        county.run(
            "SCJGJ",
            "report.submit",
            kind="quarterly",
            year=2023,
            quarter=3,
            summary_sha256=hashlib.sha256(b"TEST ONLY 2023-Q3 summary").hexdigest(),
            note="第三季度工作情况（TEST ONLY）",
        )
        on(county, "2023-11-01")
        county.run(
            "office",
            "calendar.amend",
            days={"2023-11-03": False, "2023-11-04": True},
            declare_years=[],
            note="TEST ONLY 调整",
        )
        county.run(
            "discipline",
            "review.settle",
            subject={"kind": "object", "id": case_object},
            party="S1",
            verdict="exempt",
            reasoning="经调查，检查人员已按清单履职（TEST ONLY）",
            evidence=evidence,
        )
        on(county, "2023-11-02")
        county.run("clerk", "note.append", text="录入员的备注（TEST ONLY）")
        rotated = key("SWJ 2023-11")
        county.run(
            "SWJ",
            "key.rotate",
            key_id=county.keys["SWJ"].key_id,
            public_key=rotated.public.public_b64,
        )
        county.keys["SWJ"] = rotated
        county.run("SWJ", "note.append", text="新密钥的第一条备注（TEST ONLY）")
        county.run("office", "key.revoke", key_id=county.keys["clerk"].key_id, reason="人员调离")
        county.run("office", "note.append", text="本年度抽查工作结束（TEST ONLY）")
        second_checkpoint = cosign(county, work, old=first_checkpoint)
        return {
            "origin": ORIGIN,
            "size": county.ledger.head().position,
            "checkpoints": [first_checkpoint, second_checkpoint],
            "commands": county.nonce,
            "draws": [f"{TASK}/1", f"{BEACON_TASK}/1"],
            "case_object": case_object,
        }
    finally:
        county.ledger.close()


def cosign(county: County, work: Path, *, old: int) -> int:
    """Checkpoint the head and have the log witness cosign it; return its size."""
    county.clock.tick()
    state = work / "witness.json"
    transparency = county.ledger.transparency
    if not state.exists():
        Witness.create(state, LOG_WITNESS, [transparency.log_verifier().vkey])
    witness = Witness(state, county.keys["log witness"])
    note = transparency.checkpoint()
    size = parse_checkpoint(parse_note(note).text).size
    request = request_text(transparency.consistency_text(old, size), note)
    cosigned = note + witness.add_checkpoint(request, now=county.clock.now)
    if not transparency.attach_cosignatures(cosigned):
        raise RuntimeError("the witness's cosignature was not attached")
    return size


def record(home: Path, out_dir: Path, summary: dict[str, Any]) -> None:
    """What the old code says about the fixture: verify, verify-draw, the projections."""

    def shuangsui(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--home", str(home), *args], env={})
        if result.exit_code != 0:
            raise RuntimeError(f"shuangsui {' '.join(args)}: {result.output}")
        return result.stdout

    write_json(out_dir / "verify.json", json.loads(shuangsui("verify", "--json", "--workers", "1")))
    draws = {}
    lines = [shuangsui("verify", "--workers", "1")]
    for ref in summary["draws"]:
        draws[ref] = json.loads(shuangsui("verify-draw", ref, "--json"))
        lines.append(shuangsui("verify-draw", ref))
    write_json(out_dir / "verify-draw.json", draws)
    (out_dir / "cli-output.txt").write_text("".join(lines), encoding="utf-8")
    ledger = open_ledger(Settings(home=home))
    try:
        performed = {}
        for ref in summary["draws"]:
            task, number = ref.split("/")
            performed[ref] = ledger.get(draw_id(task, int(number))).performed
        write_json(out_dir / "draws.json", performed)
        store = Store(home.parent / "projections-scratch.sqlite3")
        try:
            rebuild(ledger, store)
        finally:
            store.close()
    finally:
        ledger.close()
    dumped = dump_projections(home.parent / "projections-scratch.sqlite3")
    write_json(out_dir / "projections-v1.json", dumped)
    connection = sqlite3.connect(f"file:{home / 'ledger.sqlite3'}?mode=ro", uri=True)
    try:
        topics = [t for (t,) in connection.execute("SELECT DISTINCT topic FROM stored_events")]
        streams = connection.execute("SELECT COUNT(DISTINCT originator_id) FROM stored_events")
        summary = {**summary, "topics": sorted(topics), "streams": streams.fetchone()[0]}
    finally:
        connection.close()
    write_json(out_dir / "summary.json", summary)


def write_json(path: Path, value: Any) -> None:
    path.write_text(
        json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m tests.vectors.build_format_v1 OUT_DIR [--twice]")
    target = Path(sys.argv[1])
    print(json.dumps(main(target), ensure_ascii=False))
    if "--twice" in sys.argv[2:]:
        with tempfile.TemporaryDirectory() as again:
            main(Path(again))
            for name in sorted(p.name for p in target.iterdir() if p.is_file()):
                if name == "README.md":
                    continue
                same = (target / name).read_bytes() == (Path(again) / name).read_bytes()
                print(f"{name}: {'identical' if same else 'DIFFERS'} on a second run")
