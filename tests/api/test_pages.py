"""The public pages (issue 13, clause 1 and 2; R3.4, R6.5, R7.5, R9.1, R10.5): every page
answers without a login, in Chinese (English with ?lang=en), and shows only what was
published: a withheld result never appears, only its count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.pages import PLAN, TASK, WITHHELD_BASIS, Published, publish_county


@pytest.fixture
def site(sqlite_api: Api, tmp_path: Path) -> tuple[Api, Published]:
    return sqlite_api, publish_county(sqlite_api.county, tmp_path)


def page(api: Api, path: str, status: int = 200, **headers: str) -> str:
    response = api.client.get(path, headers=headers)
    assert response.status_code == status, (path, response.data[:300])
    assert response.mimetype == "text/html"
    return response.data.decode()


def visible(html: str) -> str:
    """The page's text without tags (what a reader sees)."""
    return re.sub(r"<[^>]+>", " ", html)


def listing(html: str) -> str:
    """The text of the page's tables (the filters' options aside)."""
    return " ".join(visible(t) for t in re.findall(r"<tbody>.*?</tbody>", html, flags=re.S))


def test_the_feed_shows_published_results_by_name_not_withheld_ones(
    site: tuple[Api, Published],
) -> None:
    """R9.1: the feed lists results with names; a withheld result is not there."""
    api, facts = site
    html = page(api, "/")
    assert "抽查结果公示" in html and "未发现问题" in html
    assert "安岳县市场监督管理局" in html or "市场监督管理局" in html
    assert facts.published in html
    assert facts.withheld not in html
    assert "发现违法违规行为" not in listing(html)
    assert f'href="/r/{facts.position}"' in html


def test_the_feed_searches_by_credit_code_and_name_and_filters(
    site: tuple[Api, Published],
) -> None:
    api, facts = site
    assert facts.published in page(api, f"/?q={facts.published}")
    assert facts.published not in page(api, "/?q=91000000000000000X")
    assert "没有符合条件的公示结果" in page(api, "/?q=91000000000000000X")
    name = api.client.get(f"/objects/{facts.published}").data.decode()
    title = re.search(r"<h1>([^<]+)</h1>", name)
    assert title is not None
    assert facts.published in page(api, "/?q=" + title.group(1)[2:6])
    assert facts.published in page(api, "/?department=SCJGJ&result=no_problem")
    assert facts.published not in page(api, "/?department=SWJ")
    assert facts.published not in page(api, "/?result=corrected")
    assert facts.published in page(api, "/?item=SCJGJ:SC-001&since=2000-01-01")
    assert facts.published not in page(api, "/?until=2000-01-01")
    # what does not parse is ignored, never an error
    assert facts.published in page(api, "/?before=abc&since=yesterday&result=<script>")
    # keyset paging: the page after the newest one holds older entries only
    assert facts.published not in page(api, f"/?before={facts.position}")


def test_an_object_page_counts_withheld_results_without_showing_them(
    site: tuple[Api, Published],
) -> None:
    """R9.1: a result withheld by law is counted on its object's page, never shown."""
    api, facts = site
    html = page(api, f"/objects/{facts.published}")
    assert "已公示的抽查结果" in html and "未发现问题" in html
    withheld = page(api, f"/objects/{facts.withheld}")
    assert "1 条（只计数，不显示内容）" in withheld
    assert "发现违法违规行为" not in visible(withheld)
    assert WITHHELD_BASIS not in withheld
    # the directory's working data is not published
    for secret in ("credit_class", "complaints", "penalties"):
        assert secret not in withheld
    assert "出错了" in page(api, "/objects/NOPE", 404)


def test_the_result_page_has_a_qr_code_a_proof_and_offline_instructions(
    site: tuple[Api, Published],
) -> None:
    """Clause 2: a stable URL per published result, its QR code, its inclusion proof."""
    api, facts = site
    html = page(api, f"/r/{facts.position}")
    assert "<svg" in html and f"http://localhost/r/{facts.position}" in html
    assert "c2sp.org/tlog-proof@v1" in html
    assert f"shuangsui verify --bundle result-{facts.position}.jsonl" in html
    assert "如何自己核对" in html
    proof = api.client.get(f"/r/{facts.position}/proof")
    assert proof.status_code == 200 and proof.data.startswith(b"c2sp.org/tlog-proof@v1\n")
    qr = api.client.get(f"/r/{facts.position}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    bundle = api.client.get(f"/r/{facts.position}/bundle")
    assert bundle.status_code == 200 and b'"t":"header"' in bundle.data[:200]
    # a withheld result has no address; nor has a position that is not a publication
    assert "出错了" in page(api, f"/r/{facts.position - 1}", 404)
    assert api.client.get("/r/1/proof").status_code == 404


def test_the_result_bundle_verifies_offline(site: tuple[Api, Published], tmp_path: Path) -> None:
    """Clause 2: what the page tells the reader to run does verify the bundle it offers."""
    from ledger.audit.bundles import verify_bundle
    from ledger.bootstrap import route_table

    api, facts = site
    data = api.client.get(f"/r/{facts.position}/bundle").data.decode()
    report = verify_bundle(data.splitlines(), route_table(), workers=1)
    assert report.failure is None


def test_department_page_lists_every_published_version_and_plan(
    site: tuple[Api, Published],
) -> None:
    """R3.4, R6.5: the item lists (every version, with reasons) and the annual plans."""
    api, _ = site
    html = page(api, "/departments/SCJGJ")
    assert "随机抽查事项清单" in html and "第 1 版" in html and "制定" in html
    assert PLAN["name"] in html and "2026 年度" in html
    assert "出错了" in page(api, "/departments/NOPE", 404)
    assert "SCJGJ" in page(api, "/departments")


def test_item_lists_and_published_plans_are_public_in_the_api(
    site: tuple[Api, Published],
) -> None:
    """Issue 13: the lists and plans are published to society, so no signature is needed;
    a draft plan is not published and still needs one."""
    api, _ = site
    assert api.client.get("/api/v1/item-lists/SCJGJ").status_code == 200
    assert api.client.get("/api/v1/plans/SCJGJ/2026").json["name"] == PLAN["name"]
    draft = {**PLAN, "items": ["SW-001"], "participants": []}
    api.county.run("SWJ", "plans.draft", year=2026, reason="enact", **draft)
    assert api.client.get("/api/v1/plans/SWJ/2026").status_code == 401
    assert api.get("SCJGJ", "/api/v1/plans/SWJ/2026").status_code == 200


def test_the_draw_page_shows_the_ceremony_and_how_to_recompute_it(
    site: tuple[Api, Published],
) -> None:
    """R7.4, R7.5: commitment, witnesses, dice, seed, drawn list, the verify-draw command."""
    api, _ = site
    html = page(api, f"/draws/{TASK}/1")
    draw = api.county.ledger.find_draw_for(TASK)
    assert draw.commitment_hash in html and draw.performed["seed"] in html
    assert "3141552653" in html and "witness" in html
    assert f"shuangsui verify-draw {TASK}/1 --bundle draw-{TASK}-1.jsonl" in html
    # the entropy as it arrived: each event of the draw with its position and signer
    timeline = re.search(r'<table class="listing" id="timeline">.*?</table>', html, re.S)
    assert timeline is not None
    steps = re.findall(r"<td data-label=\"操作\">([^<]+)</td>", timeline.group(0))
    assert steps == ["摇号承诺", "录入现场骰子", "见证人承诺", "见证人揭示随机数", "摇号完成"]
    order = [a["object"] for a in sorted(draw.performed["assignments"], key=lambda a: a["order"])]
    shown = [m for m in re.findall(r"/objects/([0-9A-Z]{18})", html) if m in order]
    assert shown == order
    assert TASK in page(api, "/draws")
    assert "出错了" in page(api, f"/draws/{TASK}/2", 404)


def test_the_draw_bundle_recomputes_the_draw(site: tuple[Api, Published]) -> None:
    from ledger.draw.verify import verify_draw
    from ledger.draw.world import bundle_events, bundle_keys

    api, _ = site
    data = api.client.get(f"/draws/{TASK}/1/bundle").data.decode()
    keys = bundle_keys(data.splitlines())
    problem, facts = verify_draw(bundle_events(data.splitlines()), TASK, 1, keys=keys.get)
    assert problem is None and facts["drawn"] >= 2


def test_the_draw_bundle_joins_a_trusted_checkpoint(site: tuple[Api, Published]) -> None:
    """Issue 11 part 4: ?consistency_from=N on a page's bundle, as on the API's trail
    bundle -- the slice then proves it extends the auditor's checkpoint of size N."""
    from ledger.audit.bundles import Anchor, verify_bundle
    from ledger.bootstrap import route_table

    api, _ = site
    t = api.county.ledger.transparency
    trusted = t.checkpoint()
    small = int(trusted.splitlines()[1])
    api.county.run("SCJGJ", "note.append", text="后来的记录 / a later note")
    t.checkpoint()
    data = api.client.get(f"/draws/{TASK}/1/bundle?consistency_from={small}").data.decode()
    report = verify_bundle(
        data.splitlines(), route_table(), workers=1, anchor=Anchor(trusted=trusted)
    )
    assert report, report.failure
    assert any(f"consistency proof {small} -> " in a for a in report.anchors), report.anchors
    for bad in ("0", "x", "-3"):
        answer = api.client.get(f"/draws/{TASK}/1/bundle?consistency_from={bad}")
        assert answer.status_code == 422, (bad, answer.status_code)


def test_the_log_page_shows_the_checkpoint_and_its_signers(
    site: tuple[Api, Published],
) -> None:
    api, _ = site
    html = page(api, "/log")
    assert "检查点" in html and "日志本身" in html
    assert "/api/v1/checkpoint" in html


def test_the_yearly_check_cap_is_published(site: tuple[Api, Published]) -> None:
    """R6.3 (防止检查过多和执法扰民; each enterprise's yearly checks capped and published):
    the office's credit policy -- the cap and the concentration threshold, every version
    -- is public on the page ``/credit`` and at ``GET /api/v1/credit/policy``, without a
    signature; before the office sets one both say there is no cap."""
    api, _ = site
    assert api.client.get("/api/v1/credit/policy").json == {"in_force": None, "versions": []}
    assert "不设检查次数上限" in page(api, "/credit")
    reason = "联席会议决定（测试）"
    api.county.run("office", "credit.policy", reason=reason, yearly_cap=2)
    api.county.run(
        "office",
        "credit.policy",
        reason=reason,
        yearly_cap=3,
        concentration={"min_objects": 2, "min_share": "0.01", "years": 3},
    )
    document = api.client.get("/api/v1/credit/policy").json
    assert document["in_force"]["version"] == 2 and document["in_force"]["yearly_cap"] == 3
    assert [v["yearly_cap"] for v in document["versions"]] == [2, 3]
    html = page(api, "/credit")
    cap = re.search(r'<dd id="yearly-cap">([^<]+)</dd>', html)
    assert cap is not None and cap.group(1) == "3 次"
    assert "近 3 年内至少 2 户" in html and reason in html and "历次版本" in html
    english = page(api, "/credit?lang=en")
    assert "3 checks" in english and "Credit policy" in english
    assert 'href="/credit"' in page(api, "/")  # on every page's navigation
    spec = api.client.get("/openapi.json").json
    assert "get" in spec["paths"]["/api/v1/credit/policy"]


@pytest.mark.parametrize("path", ["/", "/departments", "/draws", "/log", "/credit"])
def test_english_on_request(site: tuple[Api, Published], path: str) -> None:
    """Chinese by default; English with ?lang=en or Accept-Language, links keep ?lang=."""
    api, _ = site
    assert "公示信息" in page(api, path)
    english = page(api, path + "?lang=en")
    assert "Publications" in english and "公示信息" not in english
    assert 'href="/departments?lang=en"' in english
    assert "Publications" in page(api, path, **{"Accept-Language": "en-GB,en;q=0.8"})
    assert "公示信息" in page(api, path, **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})


def test_every_field_is_labelled_and_nothing_comes_from_elsewhere(
    site: tuple[Api, Published],
) -> None:
    """Accessibility basics and closed county networks: every input has a label; every
    asset is served by the service; the viewport is set for phones."""
    api, facts = site
    for path in ("/", f"/objects/{facts.published}", f"/r/{facts.position}", f"/draws/{TASK}/1"):
        html = page(api, path)
        assert 'name="viewport"' in html
        for field in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{field}"' in html, (path, field)
        unlabelled = r'<(?:input|select|textarea)(?![^>]*\bid=)(?![^>]*type="hidden")'
        assert not re.search(unlabelled, html), path
        assert not re.search(r'(?:src|href)="(?:https?:)?//(?!localhost/)', html), path
    css = api.client.get("/static/pages/site.css")
    assert css.status_code == 200 and b"@media" in css.data


def test_the_docs_page_header_says_how_to_sign(sqlite_api: Api) -> None:
    """Issue 13, clause 6: the docs keep working and their header explains signing."""
    spec = sqlite_api.client.get("/openapi.json").json
    header = spec["info"]["description"]
    for needed in ("RFC 9421", "shuangsui client", "api.client", "content-digest", "@query"):
        assert needed in header
    assert sqlite_api.client.get("/docs").status_code == 200


def test_every_message_of_the_pages_has_its_english() -> None:
    """Chinese first, English kept: every message a template or view passes to _() is in
    the catalogue."""
    from api.pages import i18n

    root = Path(i18n.__file__).parent
    from babel.messages.pofile import read_po

    with (root / "translations" / "en.po").open("rb") as handle:
        catalogue = {m.id for m in read_po(handle) if m.id and m.string and not m.fuzzy}
    sources = [*root.glob("templates/*.html"), *root.glob("*.py")]
    used = {
        m for f in sources for m in re.findall(r"""_\(\s*["']([^"']+)["']""", f.read_text("utf-8"))
    }
    assert used and not used - set(catalogue)
    from api.pages.public import DRAW_EVENTS  # passed to _() by name on the draw page

    assert not set(DRAW_EVENTS.values()) - set(catalogue)


def test_the_result_proves_to_a_witnessed_checkpoint(
    site: tuple[Api, Published], tmp_path: Path
) -> None:
    """Clause 2: the proof goes to a checkpoint a witness cosigned, when one covers it,
    even if a newer checkpoint has no cosignature yet."""
    from ledger.audit.notes import parse_checkpoint, parse_note
    from ledger.transparency.witness import Witness, request_text

    api, facts = site
    ledger = api.app.extensions["shuangsui"].ledger
    transparency = ledger.transparency
    state = tmp_path / "witness.json"
    note = transparency.checkpoint()
    size = parse_checkpoint(parse_note(note).text).size
    # The witness starts from a checkpoint it trusts (its first contact, issue 11.3).
    Witness.create(state, "jiwei.test/w", [transparency.log_verifier().vkey], [note])
    witness = Witness(state, api.county.keys["witness"])
    cosigned = note + witness.add_checkpoint(
        request_text(transparency.consistency_text(size, size), note)
    )
    assert transparency.attach_cosignatures(cosigned)
    api.county.run("SCJGJ", "note.append", text="日志继续增长")  # the log grows
    transparency.checkpoint(ledger.head().position)  # a newer, uncosigned checkpoint
    html = page(api, f"/r/{facts.position}")
    assert "jiwei.test/w" in html and f"共 {size} 条记录" in html
