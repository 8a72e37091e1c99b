"""The column-wise checks of a whole batch say "sound" only where the row-by-row rules
find nothing (R4.1): the unified social credit code's check character and structure, the
kind it is filed as, and the ledger's own re-check of every imported row (issue 15 part 6).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.areas.directory.events import (
    OBJECT_FIELDS,
    object_row_problems,
    object_rows_sound,
    object_rows_sound_and_plain,
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
from ledger.canonical import canonical_bytes

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
    sound, plain = object_rows_sound_and_plain(
        batch, "SCJGJ", structure=structure, confirmed=confirmed
    )
    assert sound == object_rows_sound(batch, "SCJGJ", structure=structure, confirmed=confirmed)
    if plain:  # the digest may skip its own check: the same bytes as the reference
        assert canonical_bytes(batch, plain=True) == rfc8785.dumps(batch)


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


# --- the checking pass: blocks of records column by column = record by record ----------------

CELLS: dict[str, list[str]] = {
    "id": ["", "a b", "P-1", "x" * 65, " 91350100M000100Y43 ", "91350100M000100Y44"],
    "name": ["", "安岳县宏远商贸有限公司", "x" * 201, "a\x01b", " 名称 "],
    "kind": ["enterprise", "企业", "product", "个体工商户", "company", ""],
    "region": ["石羊镇", "", "x" * 65],
    "industry": ["", "批发业", "a\tb"],
    "scope": ["", "日用百货", "x" * 2001],
    "supervisors": ["SCJGJ", "SCJGJ;WJJ", "WJJ", ";", "SCJGJ；SCJGJ", "scjgj", ""],
    "credit_class": ["A", "B", "E", ""],
    "penalties": ["", "2024-03-01", "2024-02-30;", "2024-03-01;2024-03-01", "x"],
    "complaints": ["", "0", "7", "-1", "1000000000"],
    "status": ["", "active", "注销", "gone"],
}


@st.composite
def object_files(draw: st.DrawFn) -> list[list[str]]:
    """A header (sometimes reordered or short of optional columns) and rows, mostly good:
    sound codes of the declared kind, with now and then a bad cell, a repeated id, a
    blank, short or long record."""
    header = [
        c for c in OBJECT_FIELDS if c not in draw(st.sets(st.sampled_from(["industry", "status"])))
    ]
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    records: list[list[str]] = [list(header)]
    ids: list[str] = []
    for __ in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from([*ENTITIES, "product"]))
        code = draw(sound_codes())
        if kind in ENTITIES:
            code = {"enterprise": "91", "individual": "92", "cooperative": "93"}[kind] + code[2:]
            code = make_uscc(code[:17])
        cells = {**{k: v for k, v in good_row(code, kind).items()}, "supervisors": "SCJGJ"}
        cells.update(industry="", scope="日用百货", penalties="", complaints="0", status="")
        if ids and draw(st.integers(0, 8)) == 0:
            cells["id"] = draw(st.sampled_from(ids))
        for name in draw(st.lists(st.sampled_from(OBJECT_FIELDS), max_size=2)):
            if draw(st.integers(0, 2)) == 0:
                cells[name] = draw(st.sampled_from(CELLS[name]))
        ids.append(str(cells["id"]))
        record = [str(cells[name]) for name in header]
        shape = draw(st.integers(0, 20))
        if shape == 0:
            record = [""] * len(header)
        elif shape == 1:
            record = record[:-1]
        elif shape == 2:
            record = [*record, "extra"]
        records.append(record)
    return records


@settings(max_examples=150, deadline=None)
@given(object_files(), st.sampled_from([2, 3, 1000]), st.sampled_from([3, 5000]))
def test_r4_1_the_block_path_finds_what_the_record_path_finds(
    records: list[list[str]], block: int, seen_block: int
) -> None:
    """Issue 15 part 6: the same rows, problems (R4.1), duplicates and digest, whether
    the records are checked a block at a time or one by one."""
    import csv
    import tempfile
    from pathlib import Path
    from unittest import mock

    from ledger.areas.directory import files
    from ledger.areas.directory.importer import objects_spec

    spec = objects_spec("SCJGJ")
    one_by_one = dataclasses.replace(spec, check_rows=None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "objects.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(records)
        found = {}
        for name, used in (("blocks", spec), ("records", one_by_one)):
            rows: list[dict[str, Any]] = []
            several: list[dict[str, Any]] = []
            with (
                mock.patch.object(files, "BLOCK_RECORDS", block),
                mock.patch.object(files.SeenIds, "BLOCK", seen_block),
            ):
                check = files.check_file(
                    path, used, on_row=rows.append, on_rows=several.extend, max_errors=4
                )
            assert several == rows
            found[name] = (check, rows)
    assert found["blocks"] == found["records"]


def test_r4_1_the_block_path_is_taken_for_a_clean_file(tmp_path: Any) -> None:
    from unittest import mock

    from ledger.areas.directory import files
    from ledger.areas.directory.importer import objects_spec
    from tools.fakecounty import write_generated_objects

    path = tmp_path / "objects.csv"
    write_generated_objects(path, 3000, seed=5, departments=("SCJGJ",))
    with mock.patch.object(files._RowCheck, "__call__", side_effect=AssertionError):
        check = files.check_file(path, objects_spec("SCJGJ"))
    assert check.ok and check.rows == 3000


@settings(max_examples=200)
@given(sound_codes(), st.sampled_from([*ENTITIES, "product"]))
def test_r4_1_a_rows_warnings_are_the_structures(code: str, kind: str) -> None:
    from ledger.areas.directory.importer import row_warnings

    expected = (
        [f"{code}: {w}" for w in structure_findings(code, kind)[1]] if kind in ENTITIES else []
    )
    assert row_warnings(iter([{"id": code, "kind": kind}])) == ({1: expected} if expected else {})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(sound_codes(), st.sampled_from(ENTITIES)), min_size=1, max_size=30))
def test_r4_1_an_import_lists_each_rows_warnings(pairs: list[tuple[str, str]]) -> None:
    """The warnings an importer must confirm (R4.1), found a block at a time, are each
    row's own, numbered from 1."""
    import csv
    import tempfile
    from pathlib import Path

    from ledger.areas.directory.importer import check_objects, row_warnings

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "objects.csv"
        rows = [good_row(code, kind) for code, kind in pairs]
        for i, row in enumerate(rows):  # distinct ids, each sound
            row["id"] = make_uscc(row["id"][:4] + f"{i:04d}" + row["id"][8:17])
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(OBJECT_FIELDS)
            for row in rows:
                cells = {**row, "supervisors": "SCJGJ", "penalties": ";".join(row["penalties"])}
                writer.writerow(["" if cells[n] is None else cells[n] for n in OBJECT_FIELDS])
        with check_objects(path, "SCJGJ") as checked:
            assert checked.warnings == row_warnings(iter(rows))
            assert checked.warned == len(checked.warnings)


def test_a_checked_files_batches_carry_the_digest_of_their_rows(tmp_path: Any) -> None:
    """The spooled rows' digests are taken without the plain-JSON check (the check made
    the rows): the same digest as any client's, R4.1's batch binding."""
    from ledger.areas.directory.files import batch_digest
    from ledger.areas.directory.importer import check_objects
    from tools.fakecounty import write_generated_objects

    path = tmp_path / "objects.csv"
    write_generated_objects(path, 2500, seed=9, departments=("SCJGJ",))
    with check_objects(path, "SCJGJ") as checked:
        batches = list(checked.batches(1000))
    assert [len(batch) for batch, __ in batches] == [1000, 1000, 500]
    assert all(digest == batch_digest(batch) for batch, digest in batches)
