"""Names beside codes in the API's JSON, the same as the CLI's (issue 12 §7: outputs show
department, item and result names, not only codes; one helper, projections.read.names).

The joint flow (tests/api/test_flow.py) checks the names on item lists (R3.4), the public
feed (R9.1), results, the deadline board, a task and the duty review's findings (R10.4);
here: the OpenAPI document declares each name, a code that means something else is not
misnamed, a recorded document is returned exactly as recorded, and the CLI and the API
show the same names for the same rows."""

from __future__ import annotations

import json
from typing import Any

from api import schemas
from tests.support.api import Api
from tests.support.cli import ok


def properties(api: Api, schema: str) -> dict[str, Any]:
    document = api.client.get("/openapi.json").json
    found: dict[str, Any] = document["components"]["schemas"][schema]["properties"]
    return found


def test_the_openapi_document_declares_every_name_beside_its_code(api: Api) -> None:
    item = properties(api, "ItemRow")
    for key in ("department", "category", "object_type", "risk_grade"):
        assert item[f"{key}_name"]["type"] == "string", key
        assert item[f"{key}_name"]["readOnly"] is True
    task = properties(api, "Task")
    assert {"lead_name", "participants_names", "items_names"} <= task.keys()
    assert task["participants_names"]["items"]["type"] == "string"
    assert "detail_zh" in properties(api, "Finding") and "detail_zh" in properties(api, "Defect")
    feed = properties(api, "Publication")
    assert {"department_name", "item_name", "result_name"} <= feed.keys()
    # a key that holds no code, a query, or the log's evidence entries get no names
    assert "name_name" not in properties(api, "Inspector")
    assert "object_name" in properties(api, "Checklist")  # declared by hand, kept once
    assert not [k for k in properties(api, "LogEntries") if k.endswith("_name")]
    assert not [k for k in schemas.DeadlineQuery._declared_fields if k.endswith("_name")]


def test_a_name_declared_by_hand_is_kept_and_not_replaced(api: Api) -> None:
    declared = schemas.NoticeRow._declared_fields
    assert list(declared).count("department_name") == 1
    dumped = schemas.NoticeRow().dump({"department": "SCJGJ", "department_name": "由读取给出"})
    assert dumped["department_name"] == "由读取给出"


def test_a_key_status_is_named_as_a_key_not_as_an_object(api: Api) -> None:
    # ``active`` is 存续 for a market entity; for a key it is 启用 (KEY_STATES)
    keys = api.get("auditor", "/api/v1/keys").json
    assert keys and {k["status"] for k in keys} == {"active"}
    assert {k["status_name"] for k in keys} == {"启用"}
    record = schemas.ObjectRecord().dump({"id": "X", "status": "active"})
    assert record["status_name"] == "存续"


def test_a_recorded_document_is_returned_as_recorded(api: Api) -> None:
    documents = api.client.get("/api/v1/public/documents", query_string={"kind": "item_list"})
    rows = documents.json
    assert rows and {r["owner_name"] for r in rows} >= {"安岳县市场监督管理局"}
    assert {r["reason_name"] for r in rows} == {"立"}  # enact: 立 (改 废 释)
    content = json.dumps([r["content"] for r in rows], ensure_ascii=False)
    assert "_name" not in content  # the list's own items: no key added inside
    assert '"category": "general"' in content


def test_the_cli_and_the_api_show_the_same_names(api: Api) -> None:
    settings = api.county.world.settings
    api_rows = api.get("auditor", "/api/v1/deadlines", today="2026-12-31").json
    cli_rows = json.loads(ok(settings, "deadlines", "--json", "--today", "2026-12-31").stdout)

    def names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(
            (
                {k: v for k, v in r.items() if k.endswith(("_name", "_names")) or k == "subject"}
                for r in rows
            ),
            key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True),
        )

    assert api_rows and names(api_rows) == names(cli_rows)
    assert any(r.get("department_name") == "国家税务总局安岳县税务局" for r in api_rows)
