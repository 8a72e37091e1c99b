"""``verify --accept-format`` with ``--since`` (with and without ``--state``) and
``--bundle`` (a full export and a slice), on the two older-format vectors
(``tests/vectors/format-v1``, ``format-v2``; issue 11, ledger/audit/standing.py).

Whatever the auditor checks -- the whole database, what follows a trusted checkpoint,
a bundle -- an older-format ledger is refused without ``--accept-format N`` naming its
format, refused with another format named, and accepted with it.

(The ``--state`` case found a bug: the auditor state file of any log whose state map
indexes a subject could not be read back, the parser rebinding the document's name.)
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from ledger.bootstrap import open_ledger
from ledger.config import Settings
from tools.cli import cli

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def shuangsui(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args], env={}, catch_exceptions=False)


@pytest.fixture(scope="module", params=[1, 2], ids=["format-v1", "format-v2"])
def old(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(format, home holding a copy of the vector, its checkpoints, a full bundle, a slice
    bundle of one stream); the bundles are written without the ledger key (none is kept
    for format-v2): both are proved to stored checkpoints."""
    version: int = request.param
    home = tmp_path_factory.mktemp(f"format-v{version}")
    folder = VECTORS / f"format-v{version}"
    if version == 1:
        shutil.copyfile(folder / "ledger.sqlite3", home / "ledger.sqlite3")
    else:
        with (
            gzip.open(folder / "ledger.sqlite3.gz") as packed,
            open(home / "ledger.sqlite3", "wb") as out,
        ):
            shutil.copyfileobj(packed, out)
    ledger = open_ledger(Settings(home=home))
    try:
        sizes = sorted(ledger.chain.checkpoint_sizes())
        checkpoints = {}
        for size in sizes:
            checkpoints[size] = home / f"{size}.checkpoint"
            checkpoints[size].write_text(ledger.transparency.note(size), encoding="utf-8")
        stream = UUID(json.loads(ledger.select_chain(39, 1)[0].entry)["stream"])
        ledger.transparency.export(home / "full.bundle")
        ledger.transparency.export(home / "slice.bundle", stream=stream)
    finally:
        ledger.close()
    return version, home, checkpoints


def judged(home: Path, version: int, *args: str) -> None:
    """Refused without --accept-format and with another format; accepted with its own."""
    refused = shuangsui(home, "verify", "--workers", "1", *args)
    assert refused.exit_code == 1, refused.output
    assert "FORMAT:" in refused.stdout and f"--accept-format {version}" in refused.stdout
    wrong = shuangsui(home, "verify", "--workers", "1", "--accept-format", str(version + 1), *args)
    assert wrong.exit_code == 1 and "FORMAT:" in wrong.stdout, wrong.output
    accepted = shuangsui(home, "verify", "--workers", "1", "--accept-format", str(version), *args)
    assert accepted.exit_code == 0, accepted.output
    assert "FORMAT" not in accepted.stdout and "TAMPERED" not in accepted.stdout
    assert f"format-{version} ledger accepted" in accepted.stderr
    document = json.loads(
        shuangsui(
            home, "verify", "--workers", "1", "--json", "--accept-format", str(version), *args
        ).stdout
    )
    assert document["ok"] and document["started"]["accepted"]
    assert document["started"]["format"] == version


def test_since_a_trusted_checkpoint(old: Any) -> None:
    version, home, checkpoints = old
    first = min(checkpoints)
    judged(home, version, "--since", str(checkpoints[first]))


def test_since_with_the_auditors_state(old: Any, tmp_path: Path) -> None:
    version, home, checkpoints = old
    state = tmp_path / "auditor.state"
    saved = shuangsui(
        home,
        "verify",
        "--workers",
        "1",
        "--no-replay",
        "--accept-format",
        str(version),
        "--save-state",
        str(state),
    )
    assert saved.exit_code == 0, saved.output
    latest = checkpoints[max(checkpoints)]
    judged(home, version, "--since", str(latest), "--state", str(state))


def test_a_full_bundle(old: Any) -> None:
    version, home = old[:2]
    judged(home, version, "--bundle", str(home / "full.bundle"), "--no-replay")
    replayed = shuangsui(
        home,
        "verify",
        "--workers",
        "1",
        "--bundle",
        str(home / "full.bundle"),
        "--accept-format",
        str(version),
    )
    assert replayed.exit_code == 0 and "replay ok" in replayed.stdout, replayed.output


def test_a_slice_bundle_anchored_or_not(old: Any) -> None:
    version, home, checkpoints = old
    bundle = str(home / "slice.bundle")
    judged(home, version, "--bundle", bundle)
    judged(
        home,
        version,
        "--bundle",
        bundle,
        "--trusted-checkpoint",
        str(checkpoints[max(checkpoints)]),
    )
