"""The pages in a real browser (issue 13): Debian's ``chromium`` driven by Selenium through
Debian's ``chromium-driver`` (nothing downloaded). The public feed search, an object and
its result page with the QR code decoded back to the page's URL, the draw ceremony
updating as witnesses reveal and the lead enters the dice, a sign-in with a key file and a
signed settlement from the review page; on every page no console error and no request to
any host but the service, and the pages at 375 px wide. Screenshots of the main pages are
kept in ``test-artefacts/screenshots/`` (git-ignored).

``.ci/run`` installs ``chromium`` and ``chromium-driver`` with apt-get when they are
missing; in CI (``CI=true``) a missing browser fails these tests, elsewhere it skips them.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.keys import write_key_file
from tests.support.api import Api, make_api
from tests.support.draws import statement
from tests.support.pages import (
    TASK,
    Published,
    commit_draw,
    import_county_objects,
    publish_county,
    witness_secret,
)
from tests.support.world import World

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        pytest.fail("chromium and chromium-driver are needed (apt-get install)", pytrace=False)
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screenshots"
WAIT = 30  # seconds a step may take on a loaded machine (a wait, not a timed assertion)


class Site:
    """The app served on a free port over the test county, and its base URL."""

    def __init__(self, api: Api) -> None:
        from werkzeug.serving import make_server

        self.api = api
        self.server = make_server("127.0.0.1", 0, api.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()


@pytest.fixture
def site(sqlite_world: World) -> Iterator[Site]:
    api = make_api(sqlite_world)
    served = Site(api)
    yield served
    served.close()
    api.app.extensions["shuangsui"].close()


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--lang=zh-CN",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def shot(driver: Any, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTEFACTS / f"{name}.png"))


def clean(driver: Any, site: Site) -> None:
    """No console error, and every request went to the service (or was a data: URL)."""
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith("data:"):
                hosts.add(re.sub(r"^(https?://[^/]+).*$", r"\1", url))
    assert hosts <= {site.base}, hosts


def wait_for(driver: Any, condition: Any) -> Any:
    return WebDriverWait(driver, WAIT).until(condition)


def text_of(driver: Any, selector: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, selector).text)


def fits(driver: Any) -> bool:
    return bool(
        driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1"
        )
    )


def test_feed_search_object_page_and_qr_code(site: Site, browser: Any, tmp_path: Path) -> None:
    """A citizen searches the feed by credit code, opens the result, and its QR code
    decodes to the result's own URL; the pages fit a 375 px phone."""
    import zxingcpp
    from PIL import Image

    facts: Published = publish_county(site.api.county, tmp_path)
    browser.get(site.base + "/")
    assert "抽查结果公示" in browser.title
    shot(browser, "feed")
    field = browser.find_element(By.ID, "q")
    field.send_keys(facts.published)
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait_for(browser, lambda d: "q=" in d.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.listing tbody tr")
    assert len(rows) == 1 and facts.published in rows[0].text and "未发现问题" in rows[0].text
    assert facts.withheld not in browser.page_source
    rows[0].find_element(By.CSS_SELECTOR, "a.result").click()
    wait_for(browser, lambda d: f"/r/{facts.position}" in d.current_url)
    assert "如何自己核对" in browser.page_source
    shot(browser, "result")
    qr = browser.find_element(By.CSS_SELECTOR, "figure.qr svg")
    image = Image.open(io.BytesIO(qr.screenshot_as_png)).convert("L")
    decoded = [b.text for b in zxingcpp.read_barcodes(image)]
    assert decoded == [site.base + f"/r/{facts.position}"]
    assert browser.current_url == decoded[0]
    browser.find_element(By.CSS_SELECTOR, "dl.facts dd a").click()
    wait_for(browser, lambda d: f"/objects/{facts.published}" in d.current_url)
    assert "已公示的抽查结果" in browser.page_source
    shot(browser, "object")
    clean(browser, site)
    browser.set_window_size(375, 812)
    for path in ("/", f"/r/{facts.position}", f"/objects/{facts.withheld}", "/departments/SCJGJ"):
        browser.get(site.base + path)
        assert fits(browser), path
    browser.get(site.base + f"/r/{facts.position}")
    shot(browser, "result-375px")
    browser.get(site.base + "/")
    shot(browser, "feed-375px")
    clean(browser, site)


def test_the_ceremony_updates_as_witnesses_reveal(site: Site, browser: Any, tmp_path: Path) -> None:
    """R7.5: projected at the drawing, the page takes the lead's dice (signed in the
    browser; before any witness commits, draw v2), shows each commitment and reveal as it
    arrives, then the seed and the list."""
    county = site.api.county
    import_county_objects(county, tmp_path)
    commit_draw(county)
    key_file = tmp_path / "scjgj.key"
    write_key_file(key_file, county.key("SCJGJ"))
    sign_in(browser, site, key_file, f"/draws/{TASK}/1/ceremony")
    assert "摇号现场" in browser.page_source
    witness_cell = '[data-witness] [data-k="commitment"]'
    assert text_of(browser, witness_cell) == "等待中"
    # draw v2: the lead enters the dice on this screen before the first witness commits
    browser.find_element(By.ID, "digits").send_keys("6543216543")
    browser.find_element(By.CSS_SELECTOR, "#dice-form button").click()
    wait_for(browser, lambda d: text_of(d, '[data-k="dice"]') == "6543216543")
    assert county.ledger.find_draw_for(TASK).dice == "6543216543"
    value, nonce, digest = witness_secret()
    signature = statement(county, "witness", "commit", 1, TASK, commitment=digest)
    county.run(
        "witness", "draw.witness_commit", task=TASK, draw=1, commitment=digest, signature=signature
    )
    wait_for(browser, lambda d: text_of(d, witness_cell) == digest)
    signature = statement(county, "witness", "reveal", 1, TASK, value=value, nonce=nonce)
    county.run(
        "witness",
        "draw.witness_reveal",
        task=TASK,
        draw=1,
        value=value,
        nonce=nonce,
        signature=signature,
    )
    wait_for(browser, lambda d: text_of(d, '[data-witness] [data-k="value"]') == value)
    shot(browser, "ceremony-revealed")
    county.run("SCJGJ", "draw.run", task=TASK, draw=1)
    seed = county.ledger.find_draw_for(TASK).performed["seed"]
    wait_for(browser, lambda d: text_of(d, '[data-k="seed"]') == seed)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#drawn li"))
    shot(browser, "ceremony-drawn")
    clean(browser, site)


def sign_in(browser: Any, site: Site, key_file: Path, then: str) -> None:
    browser.get(site.base + "/login?next=" + then)
    browser.find_element(By.ID, "keyfile").send_keys(str(key_file))
    browser.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    wait_for(browser, lambda d: d.current_url == site.base + then)


def test_sign_in_and_a_signed_settlement_from_the_page(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    """Clause 4: a discipline inspector signs in with the key file and settles a verdict;
    the write is an RFC 9421 request signed by that key, stored as its evidence."""
    from ledger.audit.evidence import parse_evidence
    from ledger.bootstrap import route_table

    facts = publish_county(site.api.county, tmp_path)
    key = site.api.county.key("discipline")
    key_file = tmp_path / "discipline.key"
    write_key_file(key_file, key)
    browser.get(site.base + "/mine")
    assert "用密钥文件登录" in browser.page_source  # 401 page: the console notes it
    browser.get_log("browser")
    sign_in(browser, site, key_file, "/mine")
    assert text_of(browser, "#holder") == "县纪委监委派驻纪检组"
    shot(browser, "mine")
    browser.get(site.base + f"/reviews/object/{facts.withheld}")
    forms = browser.find_elements(By.CSS_SELECTOR, "form.settle")
    assert forms, "a verdict to settle"
    ledger = site.api.app.extensions["shuangsui"].ledger
    size = ledger.head().position
    form = forms[0]
    opener = browser.find_elements(By.CSS_SELECTOR, "details.settle summary")
    if opener and not form.is_displayed():
        opener[0].click()  # an exempt verdict's settle form is folded away
    form.find_element(By.CSS_SELECTOR, "textarea").send_keys("已核实，依法不予公示，理由充分")
    shot(browser, "review")
    form.find_element(By.CSS_SELECTOR, "button").click()
    wait_for(
        browser, lambda d: "已核实，依法不予公示" in d.page_source and "已研判" in d.page_source
    )
    rows = ledger.select_chain(size, 10)
    assert rows and rows[0].command is not None
    evidence = parse_evidence(rows[0].command, route_table())
    assert evidence.scheme == "rfc9421"
    assert json.loads(rows[0].command)["key"] == key.key_id
    shot(browser, "review-settled")
    # R6.1 (issue 12): the review page lists the joint visits' checklist items as the
    # JSON, API and CLI reviews do -- each with its object, item, department, due day,
    # status and who was sent: the object's checked item, and the task's items still due.
    obligation = browser.find_element(By.CSS_SELECTOR, '#obligations tr[data-item="SCJGJ:SC-001"]')
    assert obligation.get_attribute("data-status") == "checked"
    assert "已检查" in obligation.text and "SCJGJ:SC-001" in obligation.text
    browser.get(site.base + f"/reviews/task/{TASK}")
    rows = browser.find_elements(By.CSS_SELECTOR, "#obligations tbody tr")
    drawn = ledger.find_draw_for(TASK).performed["assignments"]
    expected = {(a["object"], item) for a in drawn for item in a["checklist"]}
    assert len(rows) == len(expected) >= 2
    statuses = [r.get_attribute("data-status") for r in rows]
    assert statuses.count("checked") == 2  # the published and the withheld result's checks
    assert set(statuses) <= {"checked", "due", "overdue"}
    shown = {(r.get_attribute("data-object"), r.get_attribute("data-item")) for r in rows}
    assert shown == expected
    shot(browser, "review-obligations")
    clean(browser, site)
