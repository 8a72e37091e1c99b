"""A joint task through the API, area by area, on both backends; then the evidence is
checked offline: the chain (with the API's RFC 9421 evidence) and the draw."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from ledger.areas.directory.importer import import_objects
from ledger.audit.bundles import verify_bundle
from ledger.audit.evidence import parse_evidence
from ledger.bootstrap import route_table
from ledger.draw.verify import verify_draw
from ledger.draw.world import SNAPSHOT_TOPICS
from ledger.transparency.database import replay_ledger, verify_ledger
from tests.support.api import Api
from tests.support.draws import keys_of, statement
from tools.fakecounty import write_generated_objects

TASK = "T-API-1"
TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data[:400]
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json
    assert body["status"] == status and body["type"].startswith("urn:shuangsui:problem:")
    return body


def import_through_api(api: Api, tmp_path: Path, count: int = 400) -> None:
    source = tmp_path / "objects.csv"
    write_generated_objects(source, count, departments=("SCJGJ",), seed=3)

    def submit(action: str, params: dict[str, Any], attachment: Any) -> dict[str, Any]:
        return api.ok("SCJGJ", action, attachment, **params)

    import_objects(source, "SCJGJ", submit)


def test_a_joint_task_through_the_api(api: Api, tmp_path: Path) -> None:
    ledger = api.app.extensions["shuangsui"].ledger
    # organisations: a section; a department adds one only to itself (R10.3)
    api.ok("SCJGJ", "department.add_section", department="SCJGJ", section="信用监督管理股")
    problem(api.command("SWJ", "department.add_section", department="SCJGJ", section="x"), 403)
    departments = api.get("auditor", "/api/v1/departments").json
    assert next(d for d in departments if d["code"] == "SCJGJ")["sections"] == ["信用监督管理股"]
    # items: a published list is readable by every key
    listed = api.get("S1", "/api/v1/item-lists/SCJGJ").json
    assert {i["code"] for i in listed} == {"SC-001", "SC-002", "SC-KEY"}
    # names beside codes, as the CLI's JSON has them (issue 12 §7, R3.4)
    assert {i["department_name"] for i in listed} == {"安岳县市场监督管理局"}
    assert {i["code"]: i["category_name"] for i in listed}["SC-KEY"] == "重点检查事项"
    assert {i["object_type_name"] for i in listed} == {"企业"}
    problem(api.get("S1", "/api/v1/item-lists/NOPE"), 404)
    # directory: an import through the API, rows attached to each batch's body
    import_through_api(api, tmp_path)
    some = json.loads(api.get("SWJ", "/api/v1/results").data)
    assert some == []
    # tasks and draws
    api.ok(
        "SCJGJ",
        "task.create",
        task=TASK,
        name="联合抽查（API）",
        year=2026,
        items=["SC-001"],
        inspectors=["S1", "S2", "S3"],
        matching="dispersed",
        team_size=2,
        planned_start="2026-12-01",
        planned_end="2026-12-20",
        ratios={"A": "0.05", "B": "0.05", "C": "0.05", "D": "0.05"},
        directed={"ratio": "0.1", "penalty_years": 3, "min_complaints": 2},
        scope={"kinds": ["enterprise"], "regions": [], "industries": []},
    )
    witness = api.county.keys["witness"].key_id
    reveal_by = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    api.ok(
        "SCJGJ",
        "draw.commit",
        task=TASK,
        witnesses=[witness],
        dice=False,
        fallback="skip",
        reveal_by=reveal_by,
    )
    value, nonce = os.urandom(32).hex(), os.urandom(16).hex()
    digest = hashlib.sha256(bytes.fromhex(value) + bytes.fromhex(nonce)).hexdigest()
    problem(api.command("SCJGJ", "draw.witness_commit", task=TASK, draw=1, commitment=digest), 403)
    unsigned = problem(
        api.command("witness", "draw.witness_commit", task=TASK, draw=1, commitment=digest), 422
    )
    assert "signature" in unsigned["errors"]  # v2: signed over the commitment (issue 11)
    signed = statement(api.county, "witness", "commit", 1, TASK, commitment=digest)
    api.ok("witness", "draw.witness_commit", task=TASK, draw=1, commitment=digest, signature=signed)
    signed = statement(api.county, "witness", "reveal", 1, TASK, value=value, nonce=nonce)
    api.ok(
        "witness",
        "draw.witness_reveal",
        task=TASK,
        draw=1,
        value=value,
        nonce=nonce,
        signature=signed,
    )
    problem(api.command("SWJ", "draw.run", task=TASK, draw=1), 403)  # not the lead (R7.1)
    ran = api.ok("SCJGJ", "draw.run", task=TASK, draw=1)
    assert ran["drawn"] > 0
    shown = api.get("SWJ", f"/api/v1/tasks/{TASK}/draws/1").json
    first = shown["assignments"][0]
    obj, team = first["object"], first["team"]
    api.ok("SCJGJ", "task.organise", task=TASK, draw=1, organised_on=TODAY)
    # inspections and results: only an assigned inspector enters (谁检查谁录入, R9.1)
    basis = {"kind": "draw", "task": TASK, "draw": 1}
    target = {"basis": basis, "object": obj, "item": "SCJGJ:SC-001"}
    api.ok(
        team[0], "inspection.record", method="on_site", inspectors=team, checked_on=TODAY, **target
    )
    outsider = next(p for p in ("S1", "S2", "S3") if p not in team)
    refused = problem(
        api.command(outsider, "result.enter", result="no_problem", formed_on=TODAY, **target), 403
    )
    assert refused["rule"] == "R9.1"
    bad = problem(
        api.command(team[1], "result.enter", result="maybe", formed_on="soon", **target), 422
    )
    assert set(bad["errors"]) >= {"formed_on"}
    api.ok(team[1], "result.enter", result="no_problem", formed_on=TODAY, **target)
    api.ok("SCJGJ", "result.publish", published_on=TODAY, **target)
    # the public feed, with no signature; cursor paging by position
    feed = api.client.get("/api/v1/publications?limit=1").json
    assert feed["items"][0]["object"] == obj and feed["next"] is None
    published = feed["items"][0]  # the public feed names what it publishes (R9.1, §7)
    assert published["department_name"] == "安岳县市场监督管理局"
    assert (published["item_name"], published["result_name"]) == ("事项 SC-001", "未发现问题")
    assert api.client.get(f"/api/v1/publications?after={feed['items'][0]['position']}").json == {
        "items": [],
        "next": None,
    }
    # reads across departments (结果互认), deadlines, coverage, the task ledger
    record = api.get("SWJ", f"/api/v1/directory/objects/{obj}").json
    assert record["results"][0]["result"] == "no_problem"
    board = api.get("SCJGJ", "/api/v1/deadlines", kind="publish").json
    assert [d["status"] for d in board] == ["met"]
    assert record["results"][0]["result_name"] == "未发现问题"
    assert record["results"][0]["item_name"] == "事项 SC-001"
    assert (board[0]["kind_name"], board[0]["status_name"]) == (
        "结果形成后20个工作日内公示",
        "按时完成",
    )
    assert board[0]["department_name"] == "安岳县市场监督管理局"
    task = api.get("SWJ", f"/api/v1/tasks/{TASK}").json
    assert task["lead_name"] == "安岳县市场监督管理局" and task["items"] == ["SCJGJ:SC-001"]
    assert task["items_names"] == ["事项 SC-001"]
    assert any(r["drawn_inspections"] == 1 for r in api.get("S1", "/api/v1/coverage").json)
    assert api.get("S1", "/api/v1/task-ledger", person=team[0]).json[0]["object"] == obj
    # trails and reviews: oversight
    trail = api.get("auditor", f"/api/v1/trails/object/{obj}", limit=2).json
    assert len(trail["items"]) == 2 and trail["next"] == trail["items"][-1]["position"]
    rest = api.get("auditor", f"/api/v1/trails/object/{obj}", after=trail["next"]).json
    assert rest["items"] and rest["items"][0]["position"] > trail["next"]
    review = api.get("discipline", f"/api/v1/reviews/object/{obj}").json
    assert {v["verdict"] for v in review["verdicts"]} == {"exempt"}
    assert {v["verdict_name"] for v in review["verdicts"]} == {"尽职照单免责"}
    checked = review["inspections"][0]
    assert (checked["item_name"], checked["result_name"]) == ("事项 SC-001", "未发现问题")
    english = [f for i in review["inspections"] for f in i["findings"] if f["detail"].isascii()]
    assert english and all(re.search("[\u4e00-\u9fff]", f["detail_zh"]) for f in english)
    problem(api.get("discipline", "/api/v1/reviews/object/NOPE"), 404)
    problem(api.get("discipline", "/api/v1/reviews/galaxy/NOPE"), 404)
    bundle = api.get("auditor", f"/api/v1/trails/object/{obj}/bundle")
    assert bundle.status_code == 200
    path = tmp_path / "trail.jsonl"
    path.write_bytes(bundle.data)
    assert (
        verify_bundle(
            path.read_text(encoding="utf-8").splitlines(), route_table(), workers=1
        ).failure
        is None
    )
    # the log: status, proofs, consistency; all public
    status = api.client.get("/api/v1/status").json
    assert status["size"] == ledger.head().position
    assert api.client.get("/api/v1/proofs/inclusion/5").data.startswith(b"c2sp.org/tlog-proof")
    problem(api.client.get(f"/api/v1/proofs/inclusion/{status['size'] + 5}"), 404)
    problem(api.client.get("/api/v1/proofs/consistency?old=9&new=3"), 422)
    # offline: every entry, including the API's RFC 9421 evidence, and the draw
    assert verify_ledger(ledger, workers=1).failure is None
    problem_, facts = verify_draw(
        list(ledger.topic_events(SNAPSHOT_TOPICS)), TASK, 1, keys=keys_of(api.county)
    )
    assert problem_ is None and facts["drawn"] == ran["drawn"]
    schemes = {
        parse_evidence(r.command, route_table()).scheme
        for r in ledger.select_chain(0, 10_000)
        if r.command is not None
    }
    assert schemes == {"shuangsui-command-v1", "rfc9421"}
    # issue 11.1: every signed request re-runs through its handler to the same events,
    # the import batches' rows read back from their RFC 9421 bodies
    replayed = replay_ledger(ledger)
    assert replayed, replayed.failure
    assert replayed.events == status["size"]


def test_validation_lists_every_field(sqlite_api: Api) -> None:
    body = problem(
        sqlite_api.command("office", "department.register", code=7, kind="x", extra=True), 422
    )
    assert set(body["errors"]) == {"code", "name", "extra"}
    body = problem(sqlite_api.post("office", "/api/v1/departments", raw=b"{not json"), 400)
    assert "Traceback" not in json.dumps(body)
    body = problem(
        sqlite_api.command(
            "office", "department.register", code="X1", name="某局", kind="no-such-kind"
        ),
        422,
    )
    assert body["errors"] == {"kind": [body["errors"]["kind"][0]]}
    problem(sqlite_api.client.get("/api/v1/nowhere"), 404)
    problem(sqlite_api.client.delete("/api/v1/departments"), 405)


# --- signature failures: refused, and nothing written -----------------------------------------


@pytest.fixture
def size(sqlite_api: Api) -> Any:
    ledger = sqlite_api.app.extensions["shuangsui"].ledger
    return lambda: ledger.head().position


def note(api: Api, who: Any = "SCJGJ", **kw: Any) -> Any:
    return api.post(who, "/api/v1/notes", {"text": "签名测试"}, **kw)


def test_a_good_signature_writes(sqlite_api: Api, size: Any) -> None:
    before = size()
    assert note(sqlite_api).status_code == 201
    assert size() == before + 1


def test_no_signature(sqlite_api: Api, size: Any) -> None:
    before = size()
    body = problem(note(sqlite_api, None), 401)
    assert body["type"].endswith("signature-required")
    assert size() == before


def test_wrong_key(sqlite_api: Api, size: Any) -> None:
    """Signed by one key, claiming another's keyid."""
    before = size()

    def claim(headers: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
        theirs = sqlite_api.county.keys["SWJ"].key_id
        mine = sqlite_api.county.keys["SCJGJ"].key_id
        headers["Signature-Input"] = headers["Signature-Input"].replace(mine, theirs)
        return headers, data

    problem(note(sqlite_api, tamper=claim), 401)
    from tests.support.county import key_for

    problem(note(sqlite_api, key_for("never registered")), 403)
    assert size() == before


def test_revoked_key(sqlite_api: Api, size: Any) -> None:
    sqlite_api.county.run(
        "office", "key.revoke", key_id=sqlite_api.county.keys["SWJ"].key_id, reason="调离"
    )
    before = size()
    body = problem(note(sqlite_api, "SWJ"), 403)
    assert "revoked" in body["detail"]
    assert size() == before


def test_key_revoked_by_another_process_after_it_wrote(sqlite_api: Api, size: Any) -> None:
    # The service keeps a command's key between commands (issue 15.2); the county's own
    # ledger stands for another process revoking it. The next command is refused by the
    # write transaction, and a signed read, which no transaction re-checks, looks the
    # key up afresh.
    assert note(sqlite_api, "SWJ").status_code == 201
    assert sqlite_api.get("SWJ", "/api/v1/deadlines").status_code == 200
    sqlite_api.county.run(
        "office", "key.revoke", key_id=sqlite_api.county.keys["SWJ"].key_id, reason="调离"
    )
    before = size()
    for _ in range(2):
        assert "revoked" in problem(note(sqlite_api, "SWJ"), 403)["detail"]
    assert size() == before
    assert "revoked" in problem(sqlite_api.get("SWJ", "/api/v1/deadlines"), 403)["detail"]


def test_stale_or_future_created(sqlite_api: Api, size: Any) -> None:
    before = size()
    import time

    for created in (int(time.time()) - 3600, int(time.time()) + 3600):
        body = problem(note(sqlite_api, created=created), 401)
        assert "window" in body["detail"]
    assert size() == before


def test_reused_nonce(sqlite_api: Api, size: Any) -> None:
    assert note(sqlite_api, nonce="nonce-0001").status_code == 201
    before = size()
    body = problem(note(sqlite_api, nonce="nonce-0001"), 401)
    assert "nonce" in body["detail"]
    assert size() == before


def test_body_or_path_changed_after_signing(sqlite_api: Api, size: Any) -> None:
    before = size()

    def body(headers: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
        return headers, data.replace("签名测试".encode(), "篡改".encode())

    problem(note(sqlite_api, tamper=body), 401)

    def digest_too(headers: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
        changed = data.replace("签名测试".encode(), "篡改".encode())
        import base64

        headers["Content-Digest"] = (
            f"sha-256=:{base64.b64encode(hashlib.sha256(changed).digest()).decode()}:"
        )
        return headers, changed

    problem(note(sqlite_api, tamper=digest_too), 401)

    def strip_digest(headers: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
        del headers["Content-Digest"]
        return headers, data

    problem(note(sqlite_api, tamper=strip_digest), 401)
    # A signature for one path replayed on another.
    signed = {}

    def capture(headers: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
        signed.update(headers)
        return headers, data

    sqlite_api.post("SCJGJ", "/api/v1/item-lists/publications", {"version": 1}, tamper=capture)
    moved = sqlite_api.client.post(
        "/api/v1/joint-item-list/publications",
        data=json.dumps({"version": 1}).encode(),
        headers=signed,
    )
    problem(moved, 401)
    assert size() == before


def test_an_unparseable_signature(sqlite_api: Api, size: Any) -> None:
    before = size()

    def garble(headers: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
        headers["Signature"] = "sig=:not base64:"
        return headers, data

    problem(note(sqlite_api, tamper=garble), 401)

    def untagged(headers: dict[str, str], data: bytes) -> tuple[dict[str, str], bytes]:
        headers["Signature-Input"] = headers["Signature-Input"].replace(
            ';tag="shuangsui-api-v1"', ""
        )
        return headers, data

    problem(note(sqlite_api, tamper=untagged), 401)
    assert size() == before


def test_the_witness_endpoint(sqlite_api: Api, tmp_path: Path) -> None:
    """C2SP tlog-witness add-checkpoint, when the service is configured as a witness."""
    problem(sqlite_api.client.post("/add-checkpoint", data=b"old 0\n\n"), 404)
    from api import create_app
    from ledger.keys import write_key_file
    from ledger.transparency.witness import Witness, request_text
    from tests.support.county import key_for

    service = sqlite_api.app.extensions["shuangsui"]
    transparency = service.ledger.transparency
    key = key_for("witness")
    state = tmp_path / "w.json"
    Witness.create(state, "jiwei.test/w", [transparency.log_verifier().vkey])
    key_file = write_key_file(tmp_path / "w.key", key)
    app = create_app(
        {
            "SHUANGSUI_HOME": str(service.settings.home),
            "SHUANGSUI_WITNESS_STATE": str(state),
            "SHUANGSUI_WITNESS_KEY": str(key_file),
        }
    )
    client = app.test_client()
    genesis = request_text(transparency.consistency_text(0, 3), transparency.checkpoint(3))
    note_text = transparency.checkpoint()
    size_ = service.ledger.head().position
    request = request_text(transparency.consistency_text(0, size_), note_text)
    first = client.post("/add-checkpoint", data=request.encode())  # issue 11.3
    assert first.status_code == 409 and first.data == b"0\n"  # not at first contact
    assert client.post("/add-checkpoint", data=genesis.encode()).status_code == 200
    request = request_text(transparency.consistency_text(3, size_), note_text)
    answered = client.post("/add-checkpoint", data=request.encode())
    assert answered.status_code == 200 and answered.data.startswith("— jiwei.test/w".encode())
    again = client.post("/add-checkpoint", data=request.replace("old 0", "old 3", 1).encode())
    assert again.status_code == 409 and again.data == f"{size_}\n".encode()
    bad = client.post("/add-checkpoint", data=b"old 0\n\nnot a checkpoint\n")
    assert bad.status_code == 400 and bad.data.startswith(b"not a checkpoint: ")
    # the status is the protocol's; the reason, for a person, follows Accept-Language
    chinese = client.post(
        "/add-checkpoint",
        data=b"old 0\n\nnot a checkpoint\n",
        headers={"Accept-Language": "zh-CN"},
    )
    assert chinese.status_code == 400 and chinese.data.decode().startswith("不是检查点：")
    # the cosignature is attached through the API by the witness's signed request
    attached = sqlite_api.post(
        "witness",
        "/api/v1/checkpoint/cosignatures",
        raw=(note_text + answered.data.decode()).encode(),
    )
    assert attached.status_code == 200, attached.json
    assert "jiwei.test/w" in sqlite_api.client.get("/api/v1/checkpoint").data.decode()
    app.extensions["shuangsui"].close()
