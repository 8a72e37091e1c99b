"""Complete slices on the command line (issue 11 part 4): ``verify --bundle`` names the
log key and what anchors it (``--vkey``, ``--trusted-checkpoint``) and what a slice is
proved complete for; ``verify --save-state`` and ``verify --since ... --state``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.config import Settings
from tests.support.cli import run


@pytest.fixture
def home(sqlite_settings: Settings) -> Settings:
    result = run(sqlite_settings, "init", "--origin", "slices.example/ledger")
    assert result.exit_code == 0, result.output
    office = str(sqlite_settings.keys_dir / "office.key")
    assert run(sqlite_settings, "append-note", "--key", office, "纪要").exit_code == 0
    return sqlite_settings


def stream_of_last_note(out: Path) -> str:
    entries = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    return str([r for r in entries if r["t"] == "entry"][-1]["event"]["stream"])


def test_bundle_names_its_log_key_and_anchor(home: Settings, tmp_path: Path) -> None:
    full = tmp_path / "ledger.bundle"
    assert run(home, "export", "--out", str(full)).exit_code == 0
    piece = tmp_path / "slice.bundle"
    assert (
        run(home, "export", "--stream", stream_of_last_note(full), "--out", str(piece)).exit_code
        == 0
    )
    vkey = run(home, "checkpoint", "vkey").stdout.strip()
    plain = run(home, "verify", "--allow-unwitnessed", "--bundle", str(piece))
    assert plain.exit_code == 0, plain.output
    assert f"log key: {vkey}" in plain.stdout and "NOT ANCHORED" in plain.stdout
    assert "完整性已证明" in plain.stdout and " / complete: " in plain.stdout
    english = run(home, "--lang", "en", "verify", "--allow-unwitnessed", "--bundle", str(piece))
    assert english.exit_code == 0, english.output
    assert f"log key: {vkey} -- NOT ANCHORED" in english.stdout
    said = [line for line in english.stdout.splitlines() if not line.startswith("ok: ")]
    assert said and not any("\u4e00" <= ch <= "\u9fff" for line in said for ch in line)
    pinned = run(home, "verify", "--allow-unwitnessed", "--bundle", str(piece), "--vkey", vkey)
    assert pinned.exit_code == 0, pinned.output
    assert "anchored by vkey" in pinned.stdout and "NOT ANCHORED" not in pinned.stdout
    trusted = tmp_path / "trusted.checkpoint"
    trusted.write_text(run(home, "checkpoint").stdout, encoding="utf-8")
    document = json.loads(
        run(
            home,
            "verify",
            "--allow-unwitnessed",
            "--bundle",
            str(full),
            "--trusted-checkpoint",
            str(trusted),
            "--json",
        ).stdout
    )
    assert document["log_key"] == vkey and document["anchored_by"][0].startswith("trusted")
    # Another log's key: exit 1, said as a look-alike.
    other = vkey.split("+")[0] + "+00000000+" + "A" * 44
    wrong = run(home, "verify", "--allow-unwitnessed", "--bundle", str(piece), "--vkey", other)
    assert wrong.exit_code == 1 and "TAMPERED" in wrong.output


def test_anchor_options_need_a_bundle(home: Settings, tmp_path: Path) -> None:
    result = run(home, "verify", "--vkey", "x+00000000+AAAA")
    assert result.exit_code == 2 and "--bundle" in result.output
    result = run(home, "verify", "--state", str(tmp_path / "s.json"))
    assert result.exit_code == 2 and "--since" in result.output


def test_save_state_then_since_with_it(home: Settings, tmp_path: Path) -> None:
    trusted = tmp_path / "trusted.checkpoint"
    trusted.write_text(run(home, "checkpoint").stdout, encoding="utf-8")
    state = tmp_path / "auditor.state"
    saved = run(home, "verify", "--allow-unwitnessed", "--save-state", str(state))
    assert saved.exit_code == 0, saved.output
    assert json.loads(state.read_text(encoding="utf-8"))["nonces"]
    office = str(home.keys_dir / "office.key")
    assert run(home, "append-note", "--key", office, "之后").exit_code == 0
    since = run(
        home,
        "verify",
        "--allow-unwitnessed",
        "--since",
        str(trusted),
        "--state",
        str(state),
        "--save-state",
        str(state),
    )
    assert since.exit_code == 0, since.output
    assert "auditor's state file" in since.output
    blind = run(home, "verify", "--allow-unwitnessed", "--since", str(trusted))
    assert blind.exit_code == 0 and "nonces before it not checked" in blind.output
    bad = tmp_path / "bad.state"
    bad.write_text("{}", encoding="utf-8")
    refused = run(home, "verify", "--since", str(trusted), "--state", str(bad))
    assert refused.exit_code == 2 and "auditor state file" in refused.output
