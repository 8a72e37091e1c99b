"""The one helper that puts names beside codes (issue 12 §7), for the CLI's JSON and the
API's: ``deep=False`` names a mapping's own keys only, and a vocabulary given for a key
replaces the default one (a key's ``active`` is not an object's 存续)."""

from __future__ import annotations

from ledger.i18n import _
from projections.read.names import LIST_KEYS, NAME_KEYS, named

NAMES = {"departments": {"SCJGJ": "安岳县市场监督管理局"}, "items": {}}


def test_shallow_naming_leaves_the_values_as_they_are() -> None:
    row = {"department": "SCJGJ", "content": {"department": "SCJGJ", "result": "violation"}}
    deep = named(row, NAMES)
    assert deep["content"]["department_name"] == "安岳县市场监督管理局"
    shallow = named(row, NAMES, deep=False)
    assert shallow["department_name"] == "安岳县市场监督管理局"
    assert shallow["content"] is row["content"] and "department_name" not in row["content"]
    # a list of rows is still named row by row
    assert named([row], NAMES, deep=False)[0]["department_name"] == "安岳县市场监督管理局"


def test_a_vocabulary_given_for_a_key_replaces_the_default() -> None:
    assert named({"status": "active"})["status_name"] == "存续"
    mine = named({"status": "active"}, vocabularies={"status": {"active": "启用"}})
    assert mine["status_name"] == "启用"
    # a code the given vocabulary lacks gets no name, not the default one
    assert "status_name" not in named({"status": "closed"}, vocabularies={"status": {}})
    # other keys keep the default vocabularies
    other = named({"result": "no_problem", "status": "x"}, vocabularies={"status": {}})
    assert other["result_name"] == "未发现问题"


def test_messages_get_their_chinese_and_the_declared_keys_are_the_named_ones() -> None:
    shown = named({"detail": _("no result entered yet"), "plain": "text"}, deep=False)
    assert shown["detail_zh"] == "尚未录入检查结果" and "plain_zh" not in shown
    assert {"department", "item", "result", "status", "kind"} <= NAME_KEYS
    assert {"participants", "items"} <= LIST_KEYS and not NAME_KEYS & LIST_KEYS
    for key in NAME_KEYS:  # every key the helper names is one a schema can declare
        assert key.isidentifier() and not key.endswith("_name")
