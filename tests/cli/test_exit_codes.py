"""Exit codes and messages that do not mislead (issue 14 §3): a wrong file is a usage
error (2), not tampering (1); what ``verify`` says it checked is what it checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.config import Settings
from ledger.ids import department_id
from tests.support.cli import run


@pytest.fixture
def home(sqlite_settings: Settings) -> Settings:
    result = run(sqlite_settings, "init", "--origin", "exit.example/ledger")
    assert result.exit_code == 0, result.output
    return sqlite_settings


def note(home: Settings, text: str) -> None:
    office = str(home.keys_dir / "office.key")
    result = run(home, "append-note", "--key", office, text)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("content", [b"", b"# README\n\nnot a bundle\n", b'{"t": "entry"}\n'])
def test_a_file_that_is_not_a_bundle_is_a_usage_error(
    home: Settings, tmp_path: Path, content: bytes
) -> None:
    """Issue 14 §3: not a bundle = exit 2 'not a shuangsui bundle', never 'TAMPERED'."""
    path = tmp_path / "thing"
    path.write_bytes(content)
    for args in (
        ("verify", "--allow-unwitnessed", "--bundle", str(path)),
        ("verify-draw", "T-1/1", "--bundle", str(path)),
    ):
        result = run(home, *args)
        assert result.exit_code == 2, result.output
        assert "not a shuangsui bundle" in result.output
        assert "TAMPERED" not in result.output


def test_a_damaged_bundle_is_still_tampering(home: Settings, tmp_path: Path) -> None:
    out = tmp_path / "ledger.bundle"
    assert run(home, "export", "--out", str(out)).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:-2] + lines[-1:]), encoding="utf-8")
    result = run(home, "verify", "--allow-unwitnessed", "--bundle", str(out))
    assert result.exit_code == 1 and "TAMPERED" in result.output


@pytest.mark.parametrize("kind", ["missing", "not a checkpoint"])
def test_verify_since_a_bad_checkpoint_file_is_a_usage_error(
    home: Settings, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "nope.checkpoint"
    if kind != "missing":
        path.write_text("hello\n", encoding="utf-8")
    result = run(home, "verify", "--allow-unwitnessed", "--since", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert ("cannot read" if kind == "missing" else "is not a checkpoint") in result.output


def test_verify_since_says_which_entries_it_checked(home: Settings, tmp_path: Path) -> None:
    """Issue 14 §3: '--since' names the new positions, not the log's size as if all."""
    trusted = tmp_path / "trusted.checkpoint"
    result = run(home, "checkpoint")
    assert result.exit_code == 0
    trusted.write_text(result.stdout, encoding="utf-8")
    same = run(home, "verify", "--allow-unwitnessed", "--since", str(trusted))
    assert same.exit_code == 0 and "no new entries" in same.stdout
    note(home, "一")
    note(home, "二")
    since = run(home, "verify", "--allow-unwitnessed", "--since", str(trusted))
    assert since.exit_code == 0, since.output
    assert "2 new entries (positions 4-5)" in since.stdout
    assert "trusted checkpoint of size 3" in since.stdout
    report = json.loads(
        run(home, "verify", "--allow-unwitnessed", "--since", str(trusted), "--json").stdout
    )
    assert report["checked"] == {"what": "since", "entries": 2, "after_position": 3}


def test_a_slice_bundle_reports_its_entries_not_the_head(home: Settings, tmp_path: Path) -> None:
    """Issue 14 §3: a slice says how many entries it held, not the head position."""
    office = str(home.keys_dir / "office.key")
    registered = run(
        home,
        "department",
        "register",
        "--key",
        office,
        "SWJ",
        "--name",
        "县税务局",
        "--kind",
        "tax",
    )
    assert registered.exit_code == 0, registered.output
    for text in ("一", "二", "三"):
        note(home, text)
    out = tmp_path / "slice.bundle"
    exported = run(home, "export", "--stream", str(department_id("SWJ")), "--out", str(out))
    assert exported.exit_code == 0, exported.output
    result = run(home, "verify", "--allow-unwitnessed", "--bundle", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads(
        run(home, "verify", "--allow-unwitnessed", "--bundle", str(out), "--json").stdout
    )
    checked = report["checked"]
    assert checked["what"] == "slice" and checked["entries"] < 7
    assert f"slice of {checked['entries']} entries" in result.stdout
    assert "proven into the signed checkpoint of size 7" in result.stdout


@pytest.mark.parametrize(
    "out", ["/nonexistent/dir/x.bundle", "/proc/no-such/x.bundle", "{tmp}"], ids=str
)
def test_export_to_an_unwritable_path_is_a_message(
    home: Settings, tmp_path: Path, out: str
) -> None:
    size = json.loads(run(home, "status", "--json").stdout)["size"]
    result = run(home, "export", "--out", out.format(tmp=tmp_path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "cannot write" in result.output or "is a directory" in result.output
    # nothing written: not even the checkpoint an export signs first
    assert json.loads(run(home, "status", "--json").stdout)["size"] == size


def test_trail_bundle_to_an_unwritable_path_is_a_message(home: Settings) -> None:
    result = run(home, "trail", "--department", "X", "--bundle", "/nonexistent/t.jsonl")
    assert result.exit_code == 2, result.output
    assert "cannot write /nonexistent/t.jsonl" in result.output


def test_an_unknown_draw_is_no_such_draw_and_writes_no_bundle(
    home: Settings, tmp_path: Path
) -> None:
    """Issue 14 §3: 'export --draw' and 'verify-draw' of a draw nobody made: exit 2."""
    out = tmp_path / "draw.bundle"
    result = run(home, "export", "--draw", "T-9/1", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "no such draw T-9/1" in result.output
    assert not out.exists()
    result = run(home, "verify-draw", "T-9999/1")
    assert result.exit_code == 2, result.output
    assert "no such draw T-9999/1" in result.output and "DIFFERS" not in result.output


class FakeResponse:
    def __init__(self, kind: str, content: bytes) -> None:
        self.headers = {"Content-Type": kind}
        self.content = content

    def json(self) -> object:
        return json.loads(self.content)


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("application/x-ndjson", b'{"t":"header"}\n{"t":"end"}\n'),
        ("application/json", b'{"a": 1}'),
        ("application/problem+json", b'{"status": 401}'),
        ("text/plain; charset=utf-8", "检查点\n".encode()),
        ("application/octet-stream", b"\x00\x01"),
    ],
)
def test_client_prints_or_saves_every_content_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, content: bytes
) -> None:
    """Issue 14 §3: 'client GET .../bundle' (JSON lines) crashed; --out saves any body."""
    from ledger.errors import ValidationError
    from tools.cli.server import show_response

    out = tmp_path / "body"
    show_response(FakeResponse(kind, content), out)
    assert out.read_bytes() == content
    if kind == "application/octet-stream":
        with pytest.raises(ValidationError, match="--out FILE"):
            show_response(FakeResponse(kind, content), None)
    else:
        show_response(FakeResponse(kind, content), None)
        assert capsys.readouterr().out.strip()


def test_demo_hint_names_the_home(tmp_path: Path) -> None:
    """Issue 14 §2: after '--home X demo' the hint says 'shuangsui --home X serve'."""
    from click.testing import CliRunner

    from tools.cli import cli

    home = tmp_path / "county"
    result = CliRunner().invoke(cli, ["--home", str(home), "demo", "--objects", "100"], env={})
    assert result.exit_code == 0, result.output
    assert f"next: shuangsui --home {home} serve" in result.output


def test_a_checkpoint_inside_one_command_is_refused_by_name(home: Settings, tmp_path: Path) -> None:
    """Issue 14 §3 ('say exactly what was checked'): ``verify --since`` reads whole
    commands after a checkpoint, so no checkpoint may end inside one. ``checkpoint --size
    2`` (inside the genesis' entries 1-3) is refused; a note of that size, signed as the
    code once allowed, is refused by ``verify --since`` in the same words -- exit 2,
    never a proof error about position 3."""
    from ledger.audit.notes import Checkpoint, NoteSignature, NoteVerifier
    from ledger.bootstrap import open_ledger
    from ledger.keys import read_key_file

    refused = run(home, "checkpoint", "--size", "2")
    assert refused.exit_code == 2, refused.output
    assert "falls inside one command's entries (positions 1-3)" in refused.output
    assert "use 0 or 3" in refused.output and "检查点只能覆盖完整的命令" in refused.output
    assert run(home, "checkpoint", "--size", "3").exit_code == 0  # whole commands: fine
    ledger = open_ledger(home)
    try:
        origin, root = ledger.transparency.origin, ledger.transparency.root(2)
    finally:
        ledger.close()
    signer = read_key_file(home.ledger_key_path)
    body = Checkpoint(origin, 2, root).text
    verifier = NoteVerifier(origin, signer.public_key)
    line = NoteSignature(origin, verifier.key_id, signer.sign(body.encode())).line
    old = tmp_path / "old.checkpoint"
    old.write_text(body + "\n" + line, encoding="utf-8")
    since = run(home, "verify", "--allow-unwitnessed", "--since", str(old))
    assert since.exit_code == 2, since.output
    assert "falls inside one command's entries (positions 1-3)" in since.output
    assert "not in a tree" not in since.output and "Traceback" not in since.output
