"""The office's supervision through the API (issue 12): R10.6's report files."""

from __future__ import annotations

import base64
import hashlib

from ledger.clock import china_today
from tests.support.api import Api

#: A binary report: bytes no UTF-8 text has, a NUL, every byte value.
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_r10_6_a_report_file_through_the_api_comes_back_byte_for_byte(sqlite_api: Api) -> None:
    """R10.6: POST a DOCX annual summary, list it (media type, size), GET its bytes
    identical with its media type and its digest (Repr-Digest)."""
    year = china_today().year
    digest = hashlib.sha256(DOCX).digest()
    sqlite_api.ok(
        "SCJGJ",
        "report.submit",
        kind="annual",
        year=year,
        summary_sha256=digest.hex(),
        file=base64.b64encode(DOCX).decode(),
        media_type=DOCX_TYPE,
    )
    [listed] = sqlite_api.get("SCJGJ", "/api/v1/reports", department="SCJGJ").json
    assert listed["media_type"] == DOCX_TYPE and listed["size"] == len(DOCX)
    assert listed["department_name"] == "安岳县市场监督管理局"
    got = sqlite_api.get("SCJGJ", f"/api/v1/reports/SCJGJ/annual/{year}/file")
    assert got.status_code == 200 and got.data == DOCX
    assert got.headers["Content-Type"] == DOCX_TYPE
    assert got.headers["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    missing = sqlite_api.get("SCJGJ", f"/api/v1/reports/SCJGJ/quarterly/{year}-Q1/file")
    assert missing.status_code == 404 and "R10.6" in missing.get_data(as_text=True)


def test_r10_6_an_over_size_report_file_is_refused_by_the_api(sqlite_api: Api) -> None:
    year = china_today().year
    big = b"\x00" * (8 * 1024 * 1024 + 3)
    response = sqlite_api.command(
        "SCJGJ",
        "report.submit",
        kind="annual",
        year=year,
        summary_sha256=hashlib.sha256(big).hexdigest(),
        file=base64.b64encode(big).decode(),
        media_type="application/pdf",
    )
    assert response.status_code == 422 and "file" in response.json["errors"]
    assert sqlite_api.get("SCJGJ", "/api/v1/reports").json == []


def test_r10_2_the_appraisal_draft_and_its_record_through_the_api(sqlite_api: Api) -> None:
    """R10.2: GET the appraisal computed from the log (department names in Chinese), POST
    it as the office, read it back; a changed figure is refused."""
    year = china_today().year
    draft = sqlite_api.get("SCJGJ", f"/api/v1/appraisals/draft/{year}")
    assert draft.status_code == 200, draft.json
    content = draft.json
    names = {d["department"]: d["name"] for d in content["departments"]}
    assert names["SCJGJ"] == "安岳县市场监督管理局" and "SFJ" not in names
    send = {
        "year": year,
        "recipient": "安岳县人民政府绩效考核",
        "sent_on": china_today().isoformat(),
    }
    forged = {**content, "calendar_years": [1999]}
    refused = sqlite_api.command("office", "report.appraise", content=forged, **send)
    assert refused.status_code == 422 and "R10.2" in refused.get_data(as_text=True)
    sqlite_api.ok("office", "report.appraise", content=content, **send)
    [row] = sqlite_api.get("SCJGJ", "/api/v1/appraisals").json
    assert row["year"] == year and row["content"] == content
    bad = sqlite_api.get("SCJGJ", "/api/v1/appraisals/draft/1999")
    assert bad.status_code == 422
