"""The permission matrix (README, "Who may do what"), one test per cell.

Writes: every command route for every role. A role outside the route's list is
refused by the gate (403, before the body is even read); a role inside it passes the
gate -- with an empty body it then meets the schema (422) or the handler's own
finer rules, never the gate. Reads: public, any registered key, or oversight.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from api.auth import ANY, OVERSIGHT_READ, ROLES, WRITES
from ledger.bootstrap import registry
from ledger.config import Settings
from tests.support.api import Api, make_api
from tests.support.world import start_world

#: (method, path template, action, attachment, area) of every command with a route.
HTTP_ROUTES = registry().http_routes()

#: One key per role (make_api registers them).
AS = {
    "office": "office",
    "department": "SWJ",
    "inspector": "S1",
    "witness": "witness",
    "judicial": "judge",
    "discipline": "discipline",
    "auditor": "auditor",
}
GATE = "needs a key with role"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One county for every cell: the cells are refusals or write nothing."""
    world = start_world(Settings(home=tmp_path_factory.mktemp("matrix") / "home"))
    api = make_api(world)
    yield api
    api.app.extensions["shuangsui"].close()
    world.ledger.close()


def path_of(template: str) -> str:
    return re.sub(r"\{(\w+):int\}", "1", re.sub(r"\{(\w+)\}", "X", template))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("template", "action"),
    [(t, a) for _, t, a, _, _ in HTTP_ROUTES],
    ids=[a for _, _, a, _, _ in HTTP_ROUTES],
)
def test_write_cell(shared: Api, template: str, action: str, role: str) -> None:
    allowed = ANY in WRITES[action] or role in WRITES[action]
    ledger = shared.app.extensions["shuangsui"].ledger
    size = ledger.head().position
    response = shared.post(AS[role], path_of(template), {})
    detail = response.json.get("detail", "")
    if allowed:
        assert GATE not in detail, (action, role, response.json)
        assert response.status_code in (201, 403, 404, 409, 422), response.json
    else:
        assert response.status_code == 403 and GATE in detail, (action, role, response.json)
        assert ledger.head().position == size  # a refusal writes nothing
    unsigned = shared.post(None, path_of(template), {})
    assert unsigned.status_code == 401


STATE = [
    "/api/v1/departments",
    "/api/v1/keys",
    "/api/v1/results",
    "/api/v1/deadlines",
    "/api/v1/coverage",
    "/api/v1/task-ledger",
    "/api/v1/progress/SCJGJ/2026",
    "/api/v1/reports",
    "/api/v1/notices",
    "/api/v1/worklist",
    "/api/v1/collations",
    "/api/v1/collations/draft/2026?quarter=1",
    "/api/v1/bodies",
]
OVERSIGHT = [
    "/api/v1/trails/department/SCJGJ",
    "/api/v1/reviews/department/SCJGJ",
    "/api/v1/trails/department/SCJGJ/bundle",
    "/api/v1/log/entries?after=0&limit=5",
]
PUBLIC = [
    "/api/v1/publications",
    "/api/v1/item-lists/SCJGJ",  # published to society (R3.4, issue 13)
    "/api/v1/public/documents",  # published lists and plans (R3.4, R6.5)
    "/api/v1/status",
    "/api/v1/checkpoint",
    "/api/v1/log/vkey",
    "/api/v1/proofs/inclusion/1",
    "/api/v1/proofs/consistency?old=1&new=2",
    "/openapi.json",
    "/docs",
]


@pytest.mark.parametrize("role", ROLES)
def test_read_cells(shared: Api, role: str) -> None:
    for path in STATE:
        assert shared.get(AS[role], path).status_code == 200, (path, role)
    for path in OVERSIGHT:
        response = shared.get(AS[role], path)
        expected = 200 if role in OVERSIGHT_READ else 403
        assert response.status_code == expected, (path, role, response.data[:200])
    for path in PUBLIC:
        assert shared.get(AS[role], path).status_code == 200, (path, role)


def test_unsigned_reads(shared: Api) -> None:
    for path in STATE + OVERSIGHT:
        response = shared.get(None, path)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
    for path in PUBLIC:
        assert shared.client.get(path).status_code == 200, path
