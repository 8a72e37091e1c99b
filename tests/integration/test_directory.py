"""Directory imports on both backends: batches, digests, completeness, trust boundary (R4.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.areas.directory.events import ObjectImport
from ledger.areas.directory.files import batch_digest
from ledger.areas.directory.importer import import_objects
from ledger.errors import ConflictError, ValidationError
from ledger.ids import stream_id
from ledger.transparency.database import verify_ledger
from tests.support.county import County, build_county
from tests.support.world import World
from tools.fakecounty import write_generated_objects


@pytest.fixture
def county(world: World) -> County:
    return build_county(world)


def test_hundred_thousand_rows_import_in_batches(county: County, tmp_path: Path) -> None:
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 100_000, departments=("SCJGJ",))
    before = county.world.ledger.head().position
    summary = import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    assert summary["rows"] == 100_000 and summary["batches"] == 100
    # begin + 100 batches (rows + bookkeeping) + complete: per batch, not per object.
    assert county.world.ledger.head().position == before + 202
    started = county.world.ledger.get(stream_id("object-import", summary["import_id"]))
    assert isinstance(started, ObjectImport) and started.complete
    assert started.recorded_rows == 100_000


def test_batches_carry_their_digest_and_verify(county: County, tmp_path: Path) -> None:
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 1500, departments=("SCJGJ",))
    summary = import_objects(source, "SCJGJ", county.submitter("SCJGJ"))
    ledger = county.world.ledger
    from ledger.areas.directory.events import ImportBatch
    from ledger.ids import batch_id

    batches = [ledger.get(batch_id(summary["import_id"], seq)) for seq in (1, 2)]
    assert all(isinstance(b, ImportBatch) for b in batches)
    assert [len(b.rows) for b in batches] == [1000, 500]
    assert all(b.digest == batch_digest(b.as_rows()) for b in batches)
    assert verify_ledger(ledger, workers=1)


def test_handler_checks_rows_itself(county: County, tmp_path: Path) -> None:
    source = tmp_path / "objects.csv"
    write_generated_objects(source, 3, departments=("SCJGJ",))
    from ledger.areas.directory.columns import OBJECT_COLUMNS
    from ledger.areas.directory.files import iter_rows

    rows = [row for _, row in iter_rows(source, OBJECT_COLUMNS)]
    rows[1] = {**rows[1], "supervisors": ["SWJ"]}
    rows[2] = {**rows[2], "id": rows[2]["id"][:-1] + "I"}
    county.run(
        "SCJGJ",
        "directory.import.begin",
        import_id="import-0001",
        source="x.csv",
        file_sha256="0" * 64,
        rows=3,
        batches=1,
        format="csv",
    )
    with pytest.raises(ValidationError) as caught:
        county.run(
            "SCJGJ",
            "directory.import.batch",
            attachment=rows,
            import_id="import-0001",
            seq=1,
            rows_digest=batch_digest(rows),
        )
    assert set(caught.value.errors) == {"rows[1]", "rows[2]"}
    assert caught.value.rule == "R4.1"


def test_an_interrupted_import_cannot_complete(county: County) -> None:
    county.run(
        "SCJGJ",
        "directory.import.begin",
        import_id="import-0002",
        source="x.csv",
        file_sha256="0" * 64,
        rows=1500,
        batches=2,
        format="csv",
    )
    with pytest.raises(ConflictError, match="0/2 batches"):
        county.run("SCJGJ", "directory.import.complete", import_id="import-0002")
    with pytest.raises(ConflictError, match="expects batch 1"):
        county.run(
            "SCJGJ",
            "directory.import.batch",
            attachment=[],
            import_id="import-0002",
            seq=2,
            rows_digest=batch_digest([]),
        )


def test_only_the_department_imports_into_its_directory(county: County) -> None:
    from ledger.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        county.run(
            "office",
            "directory.import.begin",
            import_id="import-0003",
            source="x",
            file_sha256="0" * 64,
            rows=1,
            batches=1,
            format="csv",
        )


def test_object_update_and_closure(county: County) -> None:
    county.run(
        "SCJGJ",
        "directory.object.update",
        object="91510000MA6CXXXX1X",
        fields={"credit_class": "D", "complaints": 3},
    )
    county.run(
        "SCJGJ",
        "directory.object.close",
        object="91510000MA6CXXXX1X",
        closed_on="2026-11-01",
        reason="注销登记",
    )
    with pytest.raises(ConflictError):
        county.run(
            "SCJGJ",
            "directory.object.update",
            object="91510000MA6CXXXX1X",
            fields={"credit_class": "A"},
        )
    with pytest.raises(ValidationError):
        county.run("SCJGJ", "directory.object.update", object="X1", fields={"status": "closed"})
