"""Ledgers of older formats, written by the code of their time, still verify, replay and
recompute their draw under the current code: a rule added after format N asks
``formats.since(ledger, N + 1)``, so the signed commands of an older ledger still produce,
byte for byte, the events they produced then, and its stored rows and bundles are still
read as they were written.

``tests/vectors/format-v2/`` holds the demo county's ledger as commit 524ebf5 (the last
before format 3) wrote it; ``tests/vectors/format-v3/`` the demo ledger as 9de1452 (the last
before format 4) wrote it and ``tests/vectors/format-v4/`` as eb8a5b2 (the last before
format 5), each with the draw bundle that code exported from it (see the READMEs there;
TEST-ONLY data). Here the current code opens copies. Format 1 has its own module
(``test_format_v1.py``: golden outputs as well).
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tools.cli import cli

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


@dataclass(frozen=True)
class Old:
    """What the code of its time said about an old ledger (its vector's README)."""

    format: int
    head: str
    entries: int
    commands: int
    signatures: int
    objects: int

    @property
    def fixture(self) -> Path:
        return VECTORS / f"format-v{self.format}"


V2 = Old(2, "c272823cb257b93a7c21e8c958514d8363f32757d7af5e37c5e614afac315bfb", 826, 534, 1068, 113)
V3 = Old(3, "f56f3e10dee7eef696221afc8ae0455e008c2e8bb2d3912b7373b65d31bbff24", 731, 488, 976, 63)
V4 = Old(4, "1a93394c8ed03d790d0dc0fffe5a6c34c07d3d97fd9095f366a0345ac4531bf6", 758, 511, 1022, 63)


@dataclass(frozen=True)
class OldBundle:
    """A draw bundle the code of its time exported from its old ledger."""

    old: Old
    vkey: str  # the log's verifier key, as that code printed it
    streams: int  # the streams its state proofs prove complete


B3 = OldBundle(
    V3, "anyue.example/shuangsui+3e76e83a+AcE137chWM9ctNqsSPwzwqzAmeJWNCMH+WLEmHwsCjCe", 205
)
B4 = OldBundle(
    V4, "anyue.example/shuangsui+ae86e24f+Aa+gXG5VrZz9PFcl2kp4tvrL18/qiYAl7Pj/kT5WWLNd", 208
)


def unpack(old: Old, name: str, to: Path) -> Path:
    with gzip.open(old.fixture / f"{name}.gz") as packed, open(to / name, "wb") as out:
        shutil.copyfileobj(packed, out)
    return to / name


@pytest.fixture(scope="module", params=[V2, V3, V4], ids=["format-v2", "format-v3", "format-v4"])
def old(request: pytest.FixtureRequest) -> Old:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def home(old: Old, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger home holding a copy of the old ledger (and nothing else)."""
    home = tmp_path_factory.mktemp(f"format-v{old.format}")
    unpack(old, "ledger.sqlite3", home)
    return home


@pytest.fixture(scope="module", params=[B3, B4], ids=["format-v3", "format-v4"])
def old_bundle(request: pytest.FixtureRequest) -> OldBundle:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def bundle_home(old_bundle: OldBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp(f"format-v{old_bundle.old.format}-home")
    unpack(old_bundle.old, "ledger.sqlite3", home)
    return home


@pytest.fixture(scope="module")
def bundle(old_bundle: OldBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    fmt = old_bundle.old.format
    return unpack(old_bundle.old, "draw.bundle", tmp_path_factory.mktemp(f"format-v{fmt}-bundle"))


def shuangsui(home: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--home", str(home), "--lang", "en", *args], env={}, catch_exceptions=False
    )


def test_it_is_a_ledger_of_its_format(old: Old, home: Path) -> None:
    connection = sqlite3.connect(f"file:{home / 'ledger.sqlite3'}?mode=ro", uri=True)
    try:
        (state,) = connection.execute(
            "SELECT state FROM stored_events WHERE topic LIKE '%genesis%' LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    assert f'"format":{old.format}'.encode() in bytes(state)


def test_it_verifies_and_replays(old: Old, home: Path) -> None:
    # An older format is accepted only by name (ledger/audit/standing.py)
    refused = shuangsui(home, "verify")
    assert refused.exit_code == 1 and f"--accept-format {old.format}" in refused.output
    result = shuangsui(home, "verify", "--accept-format", str(old.format))
    assert result.exit_code == 0, result.output
    assert f"{old.entries} events identical" in result.output
    assert (
        f"ok: {old.entries} entries, {old.commands} commands, "
        f"{old.signatures} signatures verified" in result.output
    )
    assert old.head in result.output


def test_its_draw_recomputes(old: Old, home: Path) -> None:
    result = shuangsui(home, "verify-draw", "T-2026-001/1")
    assert result.exit_code == 0, result.output
    assert "identical" in result.output and f"{old.objects} objects" in result.output


def test_its_projections_rebuild(old: Old, home: Path) -> None:
    result = shuangsui(home, "projections", "rebuild")
    assert result.exit_code == 0, result.output
    assert str(old.entries) in result.output


def test_its_old_draw_bundle_still_verifies(
    old_bundle: OldBundle, bundle_home: Path, bundle: Path
) -> None:
    """A bundle exported by the code of its format: its state proofs (the state map of
    its time) still prove it complete, anchored by the log's verifier key."""
    old = old_bundle.old
    drawn = shuangsui(bundle_home, "verify-draw", "T-2026-001/1", "--bundle", str(bundle))
    assert drawn.exit_code == 0, drawn.output
    assert "identical" in drawn.output and f"{old.objects} objects" in drawn.output
    assert "proves nothing complete" not in drawn.output  # its state map proves it
    result = shuangsui(
        bundle_home,
        *("verify", "--bundle", str(bundle), "--vkey", old_bundle.vkey),
        *("--accept-format", str(old.format)),
    )
    assert result.exit_code == 0, result.output
    assert "(anchored by vkey)" in result.output
    assert f"complete: {old_bundle.streams} stream(s)" in result.output


@pytest.mark.parametrize("tamper", ["omit", "alter"])
def test_a_tampered_old_bundle_is_refused(
    old_bundle: OldBundle, bundle_home: Path, bundle: Path, tmp_path: Path, tamper: str
) -> None:
    """The old bundle is not trusted because it is old: an entry left out, or one entry's
    bytes changed, is caught."""
    lines = bundle.read_bytes().splitlines(keepends=True)
    entries = [i for i, line in enumerate(lines) if line.startswith(b'{"t":"entry"')]
    at = entries[len(entries) // 2]
    if tamper == "omit":
        del lines[at]
    else:
        head, _, rest = lines[at].partition(b'"entry":"')
        lines[at] = head + b'"entry":"' + (b"f" if rest[:1] != b"f" else b"e") + rest[1:]
    forged = tmp_path / "forged.bundle"
    forged.write_bytes(b"".join(lines))
    result = shuangsui(
        bundle_home,
        *("verify", "--bundle", str(forged), "--vkey", old_bundle.vkey),
        *("--accept-format", str(old_bundle.old.format)),
    )
    assert result.exit_code != 0, result.output


def test_a_format_2_draw_bundle_says_it_proves_nothing_complete(tmp_path: Path) -> None:
    """Issue 11 part 4 / R2.2: a format-2 ledger's checkpoints commit to no state map, so
    its draw bundle (exported here by the current code, from the stored checkpoint:
    the ledger's key is not kept) cannot prove it holds every event of the draw.
    verify-draw --bundle still recomputes the draw, and says so rather than nothing --
    in Chinese and English, or English with --lang en; --json gives complete_proven."""
    import json

    from ledger.bootstrap import open_ledger
    from ledger.config import Settings
    from ledger.draw.world import SNAPSHOT_TOPICS

    home = tmp_path / "home"
    home.mkdir()
    unpack(V2, "ledger.sqlite3", home)
    out = tmp_path / "draw.bundle"
    ledger = open_ledger(Settings(home=home))
    try:
        positions = ledger.chain.positions_of_topics(SNAPSHOT_TOPICS)
        ledger.transparency.export(out, positions=positions, query={"draw": "T-2026-001/1"})
    finally:
        ledger.close()
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["kind"] == "slice"
    drawn = shuangsui(home, "verify-draw", "T-2026-001/1", "--bundle", str(out))
    assert drawn.exit_code == 0, drawn.output
    assert "identical" in drawn.output and f"{V2.objects} objects" in drawn.output
    assert "note: this bundle proves nothing complete" in drawn.output
    assert "(a ledger before format 3)" in drawn.output
    both = CliRunner().invoke(
        cli,
        ["--home", str(home), "--lang", "zh", "verify-draw", "T-2026-001/1", "--bundle", str(out)],
        env={},
        catch_exceptions=False,
    )
    assert both.exit_code == 0, both.output
    assert "此证据包不能证明其内容完整" in both.output and "proves nothing complete" in both.output
    as_json = shuangsui(home, "verify-draw", "T-2026-001/1", "--bundle", str(out), "--json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["complete_proven"] is False
    assert "proves nothing complete" not in as_json.output
