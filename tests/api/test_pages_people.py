"""Pages behind a role (issue 13, clauses 3-5; R7.5, R10.3, R10.4): sign-in by a signed
challenge, reads behind the role, writes still signed request by request, exports."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.pages.session import CHALLENGE_SECONDS
from tests.support.api import Api
from tests.support.draws import statement
from tests.support.pages import (
    TASK,
    Published,
    commit_draw,
    publish_county,
    today,
    witness_secret,
)


@pytest.fixture
def site(sqlite_api: Api, tmp_path: Path) -> tuple[Api, Published]:
    return sqlite_api, publish_county(sqlite_api.county, tmp_path)


def challenge(api: Api) -> str:
    html = api.client.get("/login").data.decode()
    found = re.search(r'data-challenge="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def sign_in(api: Api, who: str) -> None:
    response = api.post(who, "/login", {"challenge": challenge(api)})
    assert response.status_code == 200, response.json


def test_sign_in_needs_a_signed_fresh_challenge(site: tuple[Api, Published]) -> None:
    """Clause 4: the login is a signed request over a challenge this service made, once."""
    api, _ = site
    assert api.client.get("/mine").status_code == 401
    assert "用密钥文件登录" in api.client.get("/mine").data.decode()
    token = challenge(api)
    unsigned = api.client.post("/login", json={"challenge": token})
    assert unsigned.status_code == 401
    assert api.post("auditor", "/login", {"challenge": "1.2.3"}).status_code == 401
    stale = f"{int(time.time()) - CHALLENGE_SECONDS - 5}.00.x"
    assert api.post("auditor", "/login", {"challenge": stale}).status_code == 401
    assert api.post("auditor", "/login", {"nothing": 1}).status_code == 422
    assert api.client.get("/mine").status_code == 401  # none of these signed anyone in
    elsewhere = challenge(api)  # made for this browser, then the cookie is gone
    cookie = api.client.get_cookie("shuangsui_session")
    assert cookie is not None and cookie.same_site == "Strict" and cookie.http_only
    api.client.delete_cookie("shuangsui_session")
    assert api.post("auditor", "/login", {"challenge": elsewhere}).status_code == 401
    token = challenge(api)
    signed = api.post("auditor", "/login", {"challenge": token})
    assert signed.status_code == 200 and signed.json["roles"] == ["auditor"]
    assert api.post("auditor", "/login", {"challenge": token}).status_code == 401  # once
    mine = api.client.get("/mine").data.decode()
    assert "我的工作台" in mine and "auditor" in mine
    api.client.post("/logout")
    assert api.client.get("/mine").status_code == 401


def test_a_trail_is_refused_without_the_role(site: tuple[Api, Published]) -> None:
    """R10.4: trails and reviews are for the office, discipline and audit only."""
    api, facts = site
    path = f"/trails/object/{facts.published}"
    assert api.client.get(path).status_code == 401
    sign_in(api, "SWJ")
    refused = api.client.get(path)
    assert refused.status_code == 403 and "出错了" in refused.data.decode()
    assert api.client.get(f"/reviews/object/{facts.published}").status_code == 403
    assert api.client.get(path + "/bundle").status_code == 403


def test_an_auditor_reads_a_trail_with_signers_proofs_and_bundle(
    site: tuple[Api, Published],
) -> None:
    api, facts = site
    sign_in(api, "auditor")
    html = api.client.get(f"/trails/object/{facts.published}").data.decode()
    assert "履职记录" in html and "result.publish" in html
    assert f'href="/api/v1/proofs/inclusion/{facts.position}"' in html
    bundle = api.client.get(f"/trails/object/{facts.published}/bundle")
    assert bundle.status_code == 200 and bundle.data.startswith(b'{"t":"header"')
    assert api.client.get("/trails/object/NOPE").status_code == 404


def test_a_discipline_inspector_settles_a_review_with_a_signed_write(
    site: tuple[Api, Published],
) -> None:
    """R10.4 and clause 4: the page offers the settle action; the write is a signed API
    request (the session alone writes nothing)."""
    api, facts = site
    sign_in(api, "discipline")
    html = api.client.get(f"/reviews/object/{facts.withheld}").data.decode()
    assert "尽职审查" in html and "依据规则" in html
    # R10.4 (format 5): no analysis open here, so the form offers no 问责 the ledger
    # would refuse, and says why
    assert 'value="accountable"' not in html and "未启动免责问责综合分析" in html
    found = re.search(r'data-path="([^"]+)"', html)
    path = found.group(1) if found else "/api/v1/reviews/settlements"
    body = {
        "subject": {"kind": "object", "id": facts.withheld},
        "party": "SCJGJ",
        "verdict": "exempt",
        "reasoning": "已核实：依法不予公示，理由充分",
        "evidence": [facts.position],
    }
    size = api.app.extensions["shuangsui"].ledger.head().position
    assert api.client.post(path, json=body).status_code == 401  # the cookie signs nothing
    assert api.app.extensions["shuangsui"].ledger.head().position == size
    assert api.post("discipline", path, body).status_code == 201
    after = api.client.get(f"/reviews/object/{facts.withheld}").data.decode()
    assert "已核实：依法不予公示" in after


def test_the_settle_form_offers_accountable_once_the_analysis_is_open(
    site: tuple[Api, Published],
) -> None:
    """R10.4 (format 5): after an incident at the object whose clean check the team did,
    the analysis is open for the team and the inspecting department: each one's form
    offers 失职照单问责 (the department's too, as the ledger allows it), and the ledger
    takes it."""
    api, facts = site
    api.county.run(
        "office",
        "review.problem",
        object=facts.published,
        kind="incident",
        occurred_on=today(),
        item="SCJGJ:SC-001",
        reference="安岳县应急〔2026〕1号",
        description="食品中毒事故",
    )
    sign_in(api, "discipline")
    html = api.client.get(f"/reviews/object/{facts.published}").data.decode()
    assert 'value="accountable"' in html
    rows = re.findall(r'data-party="([^"]+)" data-evidence', html)
    team = [party for party in rows if party != "SCJGJ"]
    assert team, rows
    found = re.search(r'data-path="([^"]+)"', html)
    path = found.group(1) if found else "/api/v1/reviews/settlements"
    body = {
        "subject": {"kind": "object", "id": facts.published},
        "party": team[0],
        "verdict": "accountable",
        "reasoning": "未按清单核查进货查验记录",
        "evidence": [],
    }
    assert api.post("discipline", path, body).status_code == 201
    forms = re.findall(r'<tr data-party="([^"]+)">(.*?)</tr>', html, re.S)
    offered = {party for party, row in forms if 'value="accountable"' in row}
    assert {"SCJGJ", *team} <= offered, offered
    department = {**body, "party": "SCJGJ", "reasoning": "本部门检查未按清单核查"}
    assert api.post("discipline", path, department).status_code == 201


def test_boards_ledgers_and_coverage_by_role(site: tuple[Api, Published]) -> None:
    """A department sees its own board; the office sees every department's."""
    api, facts = site
    sign_in(api, "SWJ")
    board = api.client.get("/board?department=SCJGJ").data.decode()
    assert "时限看板" in board and facts.published not in board
    assert api.client.get("/task-ledger").status_code == 200
    assert api.client.get("/coverage").status_code == 200
    api.client.post("/logout")
    sign_in(api, "office")
    office = api.client.get("/board?department=SCJGJ").data.decode()
    assert facts.published in office
    assert TASK in api.client.get("/task-ledger").data.decode()
    assert "SC-001" in api.client.get("/coverage").data.decode()


@pytest.mark.parametrize("path", ["/board", "/task-ledger", "/coverage", "/reviews/task/T-PAGE-1"])
def test_every_listing_exports_csv_and_xlsx_with_chinese_headers(
    site: tuple[Api, Published], path: str
) -> None:
    """Clause 5: CSV (UTF-8 with BOM, for Excel) and XLSX, headers in Chinese."""
    api, _ = site
    sign_in(api, "office")
    data = api.client.get(path + "?format=csv")
    assert data.status_code == 200 and data.mimetype == "text/csv"
    text = data.data.decode("utf-8")
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in header), header
    book = load_workbook(io.BytesIO(api.client.get(path + "?format=xlsx").data))
    assert [c.value for c in next(book.active.iter_rows(max_row=1))] == header


def test_the_feed_exports_and_the_publicity_upload_layout(site: tuple[Api, Published]) -> None:
    """Clause 5: the public feed exports too, and in the publicity system's layout; a
    withheld result is in neither."""
    api, facts = site
    text = api.client.get("/?format=csv").data.decode("utf-8")
    assert "统一社会信用代码" in text and facts.published in text and facts.withheld not in text
    assert "未发现问题" in text
    upload = api.client.get("/?format=gsxt").data.decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(upload)))
    assert rows[0][:3] == ["序号", "统一社会信用代码", "企业名称"]
    assert rows[1][1] == facts.published and rows[1][3] == TASK and rows[1][7] == "双随机抽查"
    assert len(rows) == 2
    book = load_workbook(io.BytesIO(api.client.get("/?format=xlsx&department=SCJGJ").data))
    assert book.active.max_row == 2


def test_the_ceremony_page_follows_the_draw(sqlite_api: Api, tmp_path: Path) -> None:
    """R7.5: the ceremony page and its state follow commitments, reveals, dice, the run."""
    from tests.support.pages import import_county_objects

    api = sqlite_api
    import_county_objects(api.county, tmp_path)
    commit_draw(api.county)
    page = api.client.get(f"/draws/{TASK}/1/ceremony").data.decode()
    assert "摇号现场" in page and 'id="dice-form"' in page and "ceremony.js" in page
    state = api.client.get(f"/draws/{TASK}/1/state").json
    assert state["witnesses"][0]["commitment"] is None and state["seed"] is None
    dice = re.search(r'data-path="([^"]+)"', page)
    assert dice is not None
    # draw v2: the lead records the dice before the first witness commitment
    assert api.client.post(dice.group(1), json={"digits": "1234561234"}).status_code == 401
    assert api.post("SCJGJ", dice.group(1), {"digits": "1234561234"}).status_code == 201
    assert api.client.get(f"/draws/{TASK}/1/state").json["dice"] == "1234561234"
    value, nonce, digest = witness_secret()
    signature = statement(api.county, "witness", "commit", 1, TASK, commitment=digest)
    api.county.run(
        "witness", "draw.witness_commit", task=TASK, draw=1, commitment=digest, signature=signature
    )
    assert api.client.get(f"/draws/{TASK}/1/state").json["witnesses"][0]["commitment"] == digest
    signature = statement(api.county, "witness", "reveal", 1, TASK, value=value, nonce=nonce)
    api.county.run(
        "witness",
        "draw.witness_reveal",
        task=TASK,
        draw=1,
        value=value,
        nonce=nonce,
        signature=signature,
    )
    assert api.client.get(f"/draws/{TASK}/1/state").json["witnesses"][0]["value"] == value
    api.county.run("SCJGJ", "draw.run", task=TASK, draw=1)
    state = api.client.get(f"/draws/{TASK}/1/state").json
    assert state["dice"] == "1234561234" and state["seed"] and state["drawn"]
    assert [a["order"] for a in state["drawn"]] == sorted(a["order"] for a in state["drawn"])


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example"])
def test_the_sign_in_page_never_sends_elsewhere(sqlite_api: Api, target: str) -> None:
    """After sign-in the page goes only to a path of this service (no open redirect)."""
    html = sqlite_api.client.get("/login", query_string={"next": target}).data.decode()
    assert 'data-next="/mine"' in html
    good = sqlite_api.client.get("/login", query_string={"next": "/board?kind=publish"})
    assert 'data-next="/board?kind=publish"' in good.data.decode()
