"""The column-wise checks of a whole batch say "sound" only where the row-by-row rules
find nothing (R4.1): the unified social credit code's check character and structure, the
kind it is filed as, and the ledger's own re-check of every imported row (issue 15 part 6).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.areas.directory.events import (
    OBJECT_FIELDS,
    object_row_problems,
    object_rows_sound,
)
from ledger.areas.directory.uscc import (
    ALPHABET,
    AUTHORITIES,
    PROVINCES,
    codes_sound,
    kinds_match,
    make_uscc,
    organisation_check,
    structure_findings,
    uscc_problem,
)

ENTITIES = ("enterprise", "individual", "cooperative")


@st.composite
def sound_codes(draw: st.DrawFn) -> str:
    """A code that passes every check, mostly of the market regulator (91, 92, 93)."""
    authority = draw(st.sampled_from(["9", "9", "9", *AUTHORITIES]))
    category = draw(st.sampled_from(["1", "2", "3", *ALPHABET]))
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.text("0123456789", min_size=4, max_size=4))
    body = draw(st.text(ALPHABET, min_size=8, max_size=8).filter(lambda b: b != "0" * 8))
    return make_uscc(authority + category + province + county + body + organisation_check(body))


@st.composite
def codes(draw: st.DrawFn) -> str:
    """Sound codes, and sound codes with one thing wrong."""
    code = draw(sound_codes())
    change = draw(st.sampled_from(["none", "none", "character", "cut", "zeros", "lower"]))
    if change == "character":
        at = draw(st.integers(0, 17))
        new = draw(st.sampled_from([*ALPHABET, "I", "O", "a", " ", "中"]))
        code = code[:at] + new + code[at + 1 :]
    elif change == "cut":
        code = code[: draw(st.integers(0, 17))]
    elif change == "zeros":
        code = make_uscc("0" * 17) if draw(st.booleans()) else make_uscc(code[:8] + "0" * 9)
    elif change == "lower":
        code = code.lower()
    return code


def one_by_one(code: str) -> bool:
    return uscc_problem(code) is None and not structure_findings(code, "enterprise")[0]


@settings(max_examples=300)
@given(st.lists(codes(), max_size=20))
def test_r4_1_codes_sound_is_every_code_sound(batch: list[str]) -> None:
    assert codes_sound(batch) == all(one_by_one(code) for code in batch)


@settings(max_examples=300)
@given(st.lists(st.tuples(sound_codes(), st.sampled_from(ENTITIES)), max_size=20))
def test_r4_1_kinds_match_is_no_warning(pairs: list[tuple[str, str]]) -> None:
    batch, kinds = [code for code, __ in pairs], [kind for __, kind in pairs]
    expected = all(not structure_findings(code, kind)[1] for code, kind in pairs)
    assert kinds_match(batch, kinds) == expected


def test_r4_1_the_batch_checks_on_known_codes() -> None:
    assert codes_sound(["91350100M000100Y43"]) and codes_sound([])
    assert not codes_sound(["91350100M000100Y4Z"])  # check character
    assert not codes_sound(["91350100M000100Y43", "91350100M000100Y4"])  # one too short
    assert not codes_sound([make_uscc("0" * 17)])
    assert kinds_match(["91350100M000100Y43"], ["enterprise"])
    assert not kinds_match(["91350100M000100Y43"], ["individual"])


def good_row(code: str, kind: str) -> dict[str, Any]:
    return {
        "id": code,
        "name": "安岳县宏远商贸有限公司",
        "kind": kind,
        "region": "石羊镇",
        "industry": None,
        "scope": "日用百货",
        "supervisors": ["SCJGJ"],
        "credit_class": "B",
        "penalties": ["2024-03-01"],
        "complaints": 0,
        "status": "active",
    }


#: Per field, values some of which break a rule (or its type).
ODD: dict[str, list[Any]] = {
    "id": ["", "a b", "x" * 65, 7, None, "P-1"],
    "name": ["", "  ", None, 3, "x"],
    "kind": ["product", "company", None, ["enterprise"], "behaviour"],
    "region": ["", None, "镇"],
    "industry": [None, "x", 5, ["x"]],
    "scope": [None, "", 1.5],
    "supervisors": [[], ["WJJ"], ["SCJGJ", "WJJ"], "SCJGJ", [1], None],
    "credit_class": ["A", "E", None, ["A"]],
    "penalties": [[], ["2024-02-30"], ["x"], [None], "2024-03-01", ["20240301"]],
    "complaints": [0, 5, -1, True, "1", None, 2**60],
    "status": ["active", "closed", "gone", None],
}


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from([*ENTITIES, *ENTITIES, "product", "project"]))
    code = draw(codes()) if kind in ENTITIES else draw(st.sampled_from(["P-1", "项目2"]))
    row = good_row(code, kind)
    for name in draw(st.lists(st.sampled_from(OBJECT_FIELDS), max_size=2)):
        row[name] = draw(st.sampled_from(ODD[name]))
    if draw(st.integers(0, 30)) == 0:
        row.pop(draw(st.sampled_from(OBJECT_FIELDS)))
    if draw(st.integers(0, 30)) == 0:
        row = dict(reversed(row.items()))  # the same fields in another order
    return row


@settings(max_examples=300)
@given(st.lists(rows(), max_size=12), st.booleans(), st.booleans())
def test_r4_1_sound_batch_means_no_row_problem(
    batch: list[dict[str, Any]], structure: bool, confirmed: bool
) -> None:
    problems = [
        object_row_problems(row, "SCJGJ", structure=structure, confirmed=confirmed) for row in batch
    ]
    if object_rows_sound(batch, "SCJGJ", structure=structure, confirmed=confirmed):
        assert not any(problems)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(sound_codes(), st.sampled_from([*ENTITIES, "product"])), max_size=12),
    st.booleans(),
)
def test_r4_1_a_clean_batch_is_sound(pairs: list[tuple[str, str]], structure: bool) -> None:
    """The batch check is not merely cautious: a batch without problems passes it (when
    no code needs a warning confirmed), so imports take the fast path."""
    batch = [good_row(code, kind) for code, kind in pairs]
    warned = any(structure_findings(code, kind)[1] for code, kind in pairs if kind in ENTITIES)
    assert object_rows_sound(batch, "SCJGJ", structure=structure) == (not (structure and warned))
    assert object_rows_sound(batch, "SCJGJ", structure=structure, confirmed=True)
    assert not any(object_row_problems(row, "SCJGJ", structure=structure) for row in batch) or (
        structure and warned
    )


def test_r4_1_a_foreign_department_or_odd_type_is_not_sound() -> None:
    row = good_row("91350100M000100Y43", "enterprise")
    assert object_rows_sound([row], "SCJGJ", structure=True)
    assert not object_rows_sound([row], "WJJ", structure=True)
    assert not object_rows_sound([{**row, "kind": ["enterprise"]}], "SCJGJ")  # unhashable
    assert not object_rows_sound([{**row, "complaints": True}], "SCJGJ")
    assert not object_rows_sound([{**row, "penalties": ["2024-02-30"]}], "SCJGJ")
