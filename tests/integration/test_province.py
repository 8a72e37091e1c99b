"""A provincial deployment (issue 15 part 7; R2.1, R2.3: the county works on the provincial
platform): two counties in one PostgreSQL database, each with its own schema, keys,
chain, nonces and checkpoints; each verifies alone, and one county's tamper never
touches the other's verify. The CLI (``county add``, ``county list``, ``--county``) and
the API (``/c/{county}/...``, a county's host, ``/province/api/v1/counties``) with
their Chinese and English messages.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from werkzeug.test import Client as WsgiClient

from ledger.authorisation import sign_command
from ledger.bootstrap import open_ledger
from ledger.config import Settings
from ledger.counties import Counties, County, county_settings, survey
from ledger.errors import AuthorisationError, ConflictError, NotFoundError
from ledger.keys import read_key_file
from tests.support.backends import PG_BASE, drop_schema, require_postgres
from tests.support.rawdb import RawDB
from tools.cli import cli

pytestmark = pytest.mark.postgres


@dataclass
class Province:
    home: Path
    url: str
    a: str
    b: str

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(
            cli, ["--home", str(self.home), "--database-url", self.url, *args], env=env or {}
        )

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.exit_code == 0, result.output
        return result

    @property
    def settings(self) -> Settings:
        return Settings(home=self.home, database_url=self.url)

    def county(self, code: str) -> Settings:
        return county_settings(self.settings, Counties.load(self.home).get(code))

    def office(self, code: str) -> object:
        return read_key_file(self.county(code).office_key_path)


@pytest.fixture
def province(tmp_path: Path) -> Iterator[Province]:
    require_postgres()
    suffix = uuid.uuid4().hex[:8]
    p = Province(tmp_path / "province", PG_BASE, f"a{suffix}", f"b{suffix}")
    p.ok(
        "county",
        "add",
        p.a,
        "--name",
        "安岳县",
        "--origin",
        f"{p.a}.sc.example/shuangsui",
        "--host",
        f"{p.a}.sc.example",
    )
    p.ok("county", "add", p.b, "--name", "乐至县")
    try:
        p.ok("--county", p.a, "init")
        p.ok("--county", p.b, "init")
        yield p
    finally:
        for code in (p.a, p.b):
            drop_schema(f"county_{code}")


def test_each_county_its_own_schema_home_and_origin(province: Province) -> None:
    a, b = province.county(province.a), province.county(province.b)
    assert a.database_url is not None and f"schema=county_{province.a}" in a.database_url
    assert b.database_url is not None and f"schema=county_{province.b}" in b.database_url
    assert a.home == province.home / "counties" / province.a
    assert a.ledger_key_path.exists() and b.ledger_key_path.exists()
    assert a.ledger_key_path.read_bytes() != b.ledger_key_path.read_bytes()
    status = json.loads(province.ok("--county", province.a, "status", "--json").output)
    assert status["origin"] == f"{province.a}.sc.example/shuangsui"
    status_b = json.loads(province.ok("--county", province.b, "status", "--json").output)
    assert status_b["origin"] == f"{province.b}.example/shuangsui"  # the default origin


def test_keys_chains_and_nonces_are_isolated(province: Province) -> None:
    """A county's keys mean nothing in another county; each chain counts from 1; a
    nonce used in one county does not block the other's (each log its own)."""
    office_a, office_b = province.office(province.a), province.office(province.b)
    with _open(province, province.a) as a, _open(province, province.b) as b:
        before_b = b.head()
        signed = sign_command(office_a, "note.append", {"text": "甲县会议纪要"}, nonce="n-1")
        recorded = a.execute(signed)
        assert recorded.last_position == 4  # genesis 1-3, then this county's own
        assert b.head() == before_b  # the other county's chain did not move
        with pytest.raises(AuthorisationError):  # A's office key is unknown in B
            b.execute(signed)
        assert b.head() == before_b
        with pytest.raises(AuthorisationError):  # replayed in its own county: refused
            a.execute(signed)
        # The same nonce by B's own office key: B's nonces are its own.
        other = sign_command(office_b, "note.append", {"text": "乙县会议纪要"}, nonce="n-1")
        assert b.execute(other).last_position == 4


def test_checkpoints_are_per_county(province: Province) -> None:
    province.ok("--county", province.a, "checkpoint")
    positions = {p.county.code: p for p in survey(province.settings, Counties.load(province.home))}
    assert positions[province.a].checkpoint_size == 3
    assert positions[province.b].checkpoint_size is None
    note = province.ok("--county", province.a, "checkpoint", "show").output
    assert note.startswith(f"{province.a}.sc.example/shuangsui\n3\n")
    missing = province.run("--county", province.b, "checkpoint", "show")
    assert missing.exit_code == 2


def test_one_countys_tamper_leaves_the_other_verifying(province: Province) -> None:
    with _open(province, province.a) as a:
        a.execute(sign_command(province.office(province.a), "note.append", {"text": "x"}))
        raw = RawDB(a)
        raw.drop_guards()
        raw.flip_chain_byte(4)
    tampered = province.run("--county", province.a, "verify")
    assert tampered.exit_code == 1, tampered.output
    assert "4" in tampered.output
    fine = province.run("--county", province.b, "verify")
    assert fine.exit_code == 0, fine.output


def test_county_list_states_each_position(province: Province) -> None:
    with _open(province, province.b) as b:
        b.execute(sign_command(province.office(province.b), "note.append", {"text": "乙"}))
    rows = json.loads(province.ok("county", "list", "--json").output)
    by_code = {r["code"]: r for r in rows}
    assert by_code[province.a]["size"] == 3 and by_code[province.b]["size"] == 4
    assert by_code[province.a]["name"] == "安岳县"
    assert all(r["problem"] is None for r in rows)
    table = province.ok("county", "list").output
    assert province.a in table and "安岳县" in table
    csv = province.ok("county", "list", "--csv").output
    assert csv.splitlines()[0].startswith("code,name,origin,database,size")


def test_a_county_without_a_log_is_listed_with_why(province: Province) -> None:
    code = f"c{uuid.uuid4().hex[:8]}"
    province.ok("county", "add", code, "--name", "丙县")
    try:
        rows = json.loads(province.ok("--lang", "en", "county", "list", "--json").output)
        row = next(r for r in rows if r["code"] == code)
        assert row["size"] is None and row["problem"]
    finally:
        drop_schema(f"county_{code}")


def test_unknown_county_is_a_clear_error_in_both_languages(province: Province) -> None:
    result = province.run("--county", "nowhere", "status")
    assert result.exit_code == 2
    assert "no county 'nowhere'" in result.output
    assert province.a in result.output and province.b in result.output
    assert "没有县" in result.output  # the Chinese comes first
    assert "Traceback" not in result.output
    english = province.run("--lang", "en", "--county", "nowhere", "status")
    assert "没有县" not in english.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("county", "add", "Bad-Code", "--name", "x"), "not valid"),
        (("county", "add", "zz", "--name", " "), "needs a name"),
        (("county", "add", "zz", "--name", "x", "--origin", "has space"), "schema-less"),
        (("county", "add", "zz", "--name", "x", "--host", "Bad_Host:80"), "host name"),
    ],
)
def test_county_add_refuses_bad_input(
    province: Province, args: tuple[str, ...], needle: str
) -> None:
    before = (province.home / "counties.json").read_text(encoding="utf-8")
    result = province.run("--lang", "en", *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert (province.home / "counties.json").read_text(encoding="utf-8") == before


def test_county_add_refuses_a_second_use(province: Province) -> None:
    counties = Counties.load(province.home)
    with pytest.raises(ConflictError):
        counties.add(County(province.a, "又一个", "other.example/s"))
    with pytest.raises(ConflictError):
        counties.add(County("zz", "又一个", f"{province.a}.sc.example/shuangsui"))
    with pytest.raises(ConflictError):
        counties.add(County("zz", "又一个", "zz.example/s", (f"{province.a}.sc.example",)))
    with pytest.raises(NotFoundError):
        counties.get("zz")
    result = province.run("--county", province.a, "county", "list")
    assert result.exit_code == 2 and "leave out --county" in result.output


def test_init_keeps_the_configured_origin(province: Province) -> None:
    code = f"d{uuid.uuid4().hex[:8]}"
    province.ok("county", "add", code, "--name", "丁县", "--origin", "d.example/s")
    try:
        wrong = province.run("--lang", "en", "--county", code, "init", "--origin", "e.example/s")
        assert wrong.exit_code == 2 and "d.example/s" in wrong.output
        assert not province.county(code).ledger_key_path.exists()
    finally:
        drop_schema(f"county_{code}")


def test_a_broken_counties_file_is_a_clear_error(province: Province) -> None:
    (province.home / "counties.json").write_text("{not json", encoding="utf-8")
    result = province.run("--lang", "en", "county", "list")
    assert result.exit_code == 2 and "is not a county list" in result.output


# -- the API ---------------------------------------------------------------------------


@pytest.fixture
def app(province: Province) -> Iterator[object]:
    from api.province import create_province_app

    app = create_province_app(
        {"SHUANGSUI_HOME": str(province.home), "SHUANGSUI_DATABASE_URL": province.url}
    )
    yield app
    for county_app in app.apps().values():
        county_app.extensions["shuangsui"].close()


def test_api_selects_the_county_by_path_and_by_host(province: Province, app: object) -> None:
    client = WsgiClient(app)
    by_path = client.get(f"/c/{province.a}/api/v1/checkpoint")
    assert by_path.status_code == 200, by_path.text
    assert by_path.text.startswith(f"{province.a}.sc.example/shuangsui\n")
    other = client.get(f"/c/{province.b}/api/v1/checkpoint")
    assert other.text.startswith(f"{province.b}.example/shuangsui\n")
    by_host = client.get("/api/v1/checkpoint", headers={"Host": f"{province.a}.sc.example"})
    assert by_host.text == by_path.text


def test_api_signed_write_through_the_path_lands_in_that_county_only(
    province: Province, app: object
) -> None:
    """A write signed by county A's office through /c/A/ is stored with the route as its
    signed path, so A's log (and its replay) verifies alone; through /c/B/ it is refused."""
    from api.client import Client

    client_a = _wsgi_client(
        app, f"http://province.test/c/{province.a}", province.office(province.a)
    )
    answer = client_a.command("note.append", text="经由省平台写入")
    assert answer["positions"] == [4, 4]
    assert answer["receipt"]["origin"] == f"{province.a}.sc.example/shuangsui"
    client_b = _wsgi_client(
        app, f"http://province.test/c/{province.b}", province.office(province.a)
    )
    from api.client import ApiError

    with pytest.raises(ApiError) as refused:
        client_b.command("note.append", text="跨县写入")
    assert refused.value.status == 403
    assert "not registered in this ledger" in refused.value.problem["detail"]
    assert isinstance(client_a, Client)
    assert province.run("--county", province.a, "verify").exit_code == 0
    assert province.run("--county", province.b, "verify").exit_code == 0
    with _open(province, province.b) as b:
        assert b.head().position == 3


def test_api_province_read_lists_every_county(province: Province, app: object) -> None:
    client = WsgiClient(app)
    answer = client.get("/province/api/v1/counties")
    assert answer.status_code == 200
    rows = {r["code"]: r for r in answer.get_json()["counties"]}
    assert rows[province.a]["size"] == 3 and rows[province.b]["size"] == 3
    assert rows[province.a]["origin"] == f"{province.a}.sc.example/shuangsui"
    document = client.get("/province/openapi.json").get_json()
    assert "/province/api/v1/counties" in document["paths"]
    county_document = client.get(f"/c/{province.a}/openapi.json").get_json()
    assert "/api/v1/notes" in county_document["paths"]


def test_api_unknown_county_is_a_problem_in_the_requested_language(
    province: Province, app: object
) -> None:
    client = WsgiClient(app)
    english = client.get("/c/nowhere/api/v1/departments")
    assert english.status_code == 404
    assert english.headers["Content-Type"] == "application/problem+json"
    assert "no county 'nowhere'" in english.get_json()["detail"]
    chinese = client.get("/c/nowhere/api/v1/departments", headers={"Accept-Language": "zh-CN"})
    assert "没有县" in chinese.get_json()["detail"]
    bare = client.get("/api/v1/departments")
    assert bare.status_code == 404 and "names no county" in bare.get_json()["detail"]
    write = client.post("/api/v1/notes", json={"text": "x"})
    assert write.status_code == 404 and "names no county" in write.get_json()["detail"]
    unknown_write = client.post("/c/nowhere/api/v1/notes", json={"text": "x"})
    assert unknown_write.status_code == 404


# -- helpers ---------------------------------------------------------------------------


class _open:
    """A county's ledger opened with its ledger key, closed on exit."""

    def __init__(self, province: Province, code: str) -> None:
        settings = province.county(code)
        self.ledger = open_ledger(settings, signer=read_key_file(settings.ledger_key_path))

    def __enter__(self) -> object:
        return self.ledger

    def __exit__(self, *exc: object) -> None:
        self.ledger.close()


def _wsgi_client(app: object, base_url: str, key: object) -> object:
    """api.client.Client whose requests go to the WSGI app in-process."""
    import requests
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from api.client import Client

    class Adapter(requests.adapters.BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
            builder = EnvironBuilder(
                method=request.method,
                base_url="http://province.test",
                path=request.path_url,
                data=request.body,
                headers=dict(request.headers),
            )
            environ = builder.get_environ()
            environ["REQUEST_URI"] = request.path_url
            body_iter, status, headers = run_wsgi_app(app, environ)
            response = requests.Response()
            response.status_code = int(status.split()[0])
            response.headers.update(dict(headers))
            response._content = b"".join(body_iter)
            response.request = request
            return response

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount("http://", Adapter())
    return Client(base_url, key=key, session=session)


def test_api_a_county_without_a_ledger_is_a_problem(province: Province, app: object) -> None:
    """Configured but not initialised: a problem document, not a crash; the other
    counties keep answering."""
    from api.province import ProvinceApp

    code = f"e{uuid.uuid4().hex[:8]}"
    province.ok("county", "add", code, "--name", "戊县")
    try:
        fresh = ProvinceApp(app.config, app._make_app)  # type: ignore[attr-defined]
        client = WsgiClient(fresh)
        answer = client.get(f"/c/{code}/api/v1/checkpoint")
        assert answer.status_code == 500
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert "shuangsui init" in answer.get_json()["detail"]
        assert client.get(f"/c/{province.a}/api/v1/checkpoint").status_code == 200
        for county_app in fresh.apps().values():
            county_app.extensions["shuangsui"].close()
    finally:
        drop_schema(f"county_{code}")
