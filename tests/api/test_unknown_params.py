"""Issue 11: a command whose body holds a key its declaration does not know is a 422
problem, at the top or inside a declared object (the ledger refuses it too, format 2 on:
tests/integration/test_genesis_and_params.py)."""

from __future__ import annotations

from tests.support.api import Api


def test_an_unknown_body_key_is_a_422_problem(api: Api) -> None:
    size = api.app.extensions["shuangsui"].ledger.head().position
    response = api.command("office", "note.append", text="会议纪要", txet="撤回处罚")
    assert response.status_code == 422, response.data[:400]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "txet" in response.get_data(as_text=True)
    assert api.app.extensions["shuangsui"].ledger.head().position == size
