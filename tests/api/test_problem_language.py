"""Chinese out on the API (issue 12 §7): a problem's ``title``, ``detail`` and field
reasons are Chinese when the request's Accept-Language prefers Chinese, English
otherwise; the problem type and the field names never change."""

from __future__ import annotations

from typing import Any

import pytest

from api.client import command_request
from tests.support.api import Api


def asking(language: str) -> Any:
    """Add Accept-Language after signing (it is not a signed component)."""

    def tamper(headers: dict[str, str], data: Any) -> tuple[dict[str, str], Any]:
        return {**headers, "Accept-Language": language}, data

    return tamper


def refused(api: Api, language: str | None) -> Any:
    _, path, body = command_request(
        "department.register", {"code": "X1", "name": "某局", "kind": "no-such-kind"}
    )
    kw = {"tamper": asking(language)} if language else {}
    response = api.post("office", path, body, **kw)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    return response


def test_english_by_default_and_for_english(sqlite_api: Api) -> None:
    for language in (None, "en", "en-US,en;q=0.9,zh;q=0.5"):
        response = refused(sqlite_api, language)
        body = response.json
        assert body["type"] == "urn:shuangsui:problem:invalid-input"
        assert body["title"] == "Invalid input" and body["detail"] == "invalid parameters"
        assert body["errors"]["kind"][0].startswith("must be one of ")
        assert "Content-Language" not in response.headers
        assert "Accept-Language" in response.headers.get("Vary", "")


@pytest.mark.parametrize("language", ["zh-CN", "zh", "zh-CN,zh;q=0.9,en;q=0.8"])
def test_chinese_when_the_request_prefers_it(sqlite_api: Api, language: str) -> None:
    response = refused(sqlite_api, language)
    body = response.json
    assert body["type"] == "urn:shuangsui:problem:invalid-input"
    assert body["title"] == "输入有误" and body["detail"] == "参数有误"
    assert body["errors"]["kind"][0].startswith("应为以下之一：")
    assert response.headers["Content-Language"] == "zh-CN"


def test_framework_problems_are_chinese_too(sqlite_api: Api) -> None:
    client = sqlite_api.client
    body = client.get("/api/v1/nowhere", headers={"Accept-Language": "zh-CN"}).json
    assert body["status"] == 404 and body["title"] == "未找到"
    assert client.get("/api/v1/nowhere").json["title"] == "Not Found"


def test_the_request_schema_reasons_are_chinese_too(sqlite_api: Api) -> None:
    _, path, _body = command_request("department.register", {"code": "X1"})
    body = sqlite_api.post(
        "office", path, {"code": 7, "kind": "x", "extra": True}, tamper=asking("zh-CN")
    ).json
    assert set(body["errors"]) == {"code", "name", "extra"}
    assert body["errors"]["name"] == ["缺少必填字段。"]
    assert body["errors"]["extra"] == ["未知字段。"]
    english = sqlite_api.post("office", path, {"code": 7, "kind": "x", "extra": True}).json
    assert english["errors"]["name"] == ["Missing data for required field."]
