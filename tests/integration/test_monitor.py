"""``shuangsui monitor`` and fork proofs (issue 11, part 3): a monitor follows a log's
checkpoints, keeps every one, checks each extends the last, and turns two roots for one
size into a signed, self-contained fork proof that ``verify-fork`` checks offline."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api import create_app
from ledger.audit.forks import ForkProofError, check_fork_proof, load_fork_proof
from ledger.keys import write_key_file
from tests.support import cli
from tests.support.backends import sqlite_settings
from tests.support.monitoring import LedgerSource, forked_worlds, rewritten_below, watcher
from tests.support.rawdb import RawDB
from tests.support.world import World
from tests.vectors.testkeys import fixed_key


def test_a_monitor_keeps_every_checkpoint_and_checks_growth(world: World, tmp_path: Path) -> None:
    monitor = watcher(world, tmp_path / "m")
    source = LedgerSource("local", world.ledger.transparency)
    world.ledger.transparency.checkpoint()
    first = monitor.poll(source)
    assert first and first.new and first.size == 4
    world.note("一")
    world.note("二")
    world.ledger.transparency.checkpoint()
    second = monitor.poll(source)
    assert second and second.new and second.size == 6
    assert monitor.poll(source) and not monitor.poll(source).new
    assert sorted(monitor.seen()) == [4, 6]
    assert monitor.state()["latest"]["size"] == 6


def test_a_resigned_checkpoint_for_a_seen_size_is_a_fork(world: World, tmp_path: Path) -> None:
    """R: 11.3 -- the operator rewrites entry 4 after checkpoint 6 was seen, reseals,
    deletes the stored checkpoint and signs a new one of size 6: two roots for size 6."""
    monitor = watcher(world, tmp_path / "m")
    source = LedgerSource("local", world.ledger.transparency)
    world.note("S1 录入：违法 / violation")
    world.note("二")
    world.ledger.transparency.checkpoint()
    assert monitor.poll(source)
    raw = RawDB(world.ledger)
    raw.drop_guards()
    raw.rewrite_event(
        5, "违法 / violation".encode(), "无问题 / no_problem".encode(), world.ledger_key
    )
    raw.execute("DELETE FROM {checkpoints}")
    world.ledger.transparency._signed = None
    world.ledger.transparency.checkpoint(6)
    found = monitor.poll(source)
    assert not found and len(found.forks) == 1
    fork = load_fork_proof(found.forks[0].read_text())
    assert fork.size == 6 and fork.roots[0] != fork.roots[1]
    assert fork.monitor_key == fixed_key("monitor").public_key
    assert monitor.state()["latest"]["size"] == 6  # the fork is never accepted as the latest


def test_a_rewrite_below_the_last_seen_checkpoint_is_inconsistent(
    world: World, tmp_path: Path
) -> None:
    proof = rewritten_below(world, tmp_path, 1, key=False)
    # The service's own consistency path proves it offline (issue 11.3).
    fork = load_fork_proof(proof.read_text(), world.ledger.transparency.log_verifier().vkey)
    assert fork.kind == "inconsistent" and fork.sizes == (5, 6)
    assert fork.roots[0] != fork.roots[1] and fork.monitor_key is None


@pytest.fixture
def fork_proof(tmp_path: Path) -> Iterator[Path]:
    """A fork proof from following two services that equivocate."""
    a, b = forked_worlds(tmp_path)
    monitor = watcher(a, tmp_path / "m")
    assert monitor.poll(LedgerSource("https://a.example", a.ledger.transparency))
    found = monitor.poll(LedgerSource("https://b.example", b.ledger.transparency))
    assert len(found.forks) == 1
    yield found.forks[0]
    a.ledger.close()
    b.ledger.close()


def test_equivocation_to_two_parties_is_proved_offline(fork_proof: Path) -> None:
    """Exit 1: the proof holds (the log forked); pinned to the log's key with --vkey it
    still holds, under another log's key it is no proof about that log (exit 2)."""
    settings = sqlite_settings(fork_proof.parent)
    result = cli.run(settings, "verify-fork", str(fork_proof))
    assert result.exit_code == 1, result.output
    assert "fork proven" in result.output and "size 5" in result.output
    assert "not anchored" in result.output
    vkey = json.loads(fork_proof.read_text())["vkey"]
    pinned = cli.run(settings, "verify-fork", str(fork_proof), "--vkey", vkey)
    assert pinned.exit_code == 1 and "not anchored" not in pinned.output, pinned.output
    other = vkey.replace("test.example", "other.example")
    wrong = cli.run(settings, "verify-fork", str(fork_proof), "--vkey", other)
    assert wrong.exit_code == 2 and "NOT A FORK PROOF" in wrong.output, wrong.output


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda p: p["checkpoints"].__setitem__(1, p["checkpoints"][0]), "same root"),
        (lambda p: p.update(size=6), "size the proof names"),
        (lambda p: p.update(vkey=p["vkey"].replace("test.example", "other.example")), "verify"),
        (lambda p: p["monitor"].update(signature=p["monitor"]["signature"][::-1]), "monitor"),
        (lambda p: p.pop("observed"), "fields"),
    ],
)
def test_a_changed_fork_proof_does_not_verify(
    fork_proof: Path, change: object, why: str, tmp_path: Path
) -> None:
    value = json.loads(fork_proof.read_text())
    change(value)  # type: ignore[operator]
    with pytest.raises(ForkProofError, match=why):
        check_fork_proof(value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(value))
    result = cli.run(sqlite_settings(tmp_path), "verify-fork", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_verify_fork_bad_inputs(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    missing = cli.run(settings, "verify-fork", str(tmp_path / "nowhere.json"))
    assert missing.exit_code == 2 and "cannot read" in missing.output
    (tmp_path / "x.json").write_text("{")
    assert cli.run(settings, "verify-fork", str(tmp_path / "x.json")).exit_code == 2
    (tmp_path / "y.json").write_text("[]")
    not_a_proof = cli.run(settings, "verify-fork", str(tmp_path / "y.json"))
    assert not_a_proof.exit_code == 2 and "NOT A FORK PROOF" in not_a_proof.output


@pytest.fixture
def served(world: World) -> Iterator[str]:
    settings = world.settings
    settings.keys_dir.mkdir(parents=True, exist_ok=True)
    write_key_file(settings.ledger_key_path, fixed_key("ledger"))
    config: dict[str, object] = {"SHUANGSUI_HOME": str(settings.home), "TESTING": True}
    if settings.database_url:
        config["SHUANGSUI_DATABASE_URL"] = settings.database_url
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["shuangsui"].close()


def test_monitor_follows_a_running_service(world: World, served: str, tmp_path: Path) -> None:
    """R: 11.3 -- ``shuangsui monitor URL`` over HTTP, twice, the log growing between."""
    vkey = world.ledger.transparency.log_verifier().vkey
    state = tmp_path / "watch"
    first = cli.run(
        world.settings, "monitor", served, "--state", str(state), "--log-vkey", vkey, "--polls", "1"
    )
    assert first.exit_code == 0, first.output
    world.note("more")
    world.ledger.transparency.checkpoint()
    again = cli.run(world.settings, "monitor", served, "--state", str(state), "--polls", "1")
    assert again.exit_code == 0, again.output
    assert "(new)" in again.output
    assert len(list((state / "checkpoints").glob("*.checkpoint"))) == 2


def test_monitor_bad_inputs(world: World, tmp_path: Path) -> None:
    no_state = cli.run(
        world.settings, "monitor", "http://127.0.0.1:9", "--state", str(tmp_path / "s")
    )
    assert no_state.exit_code == 2 and "--log-vkey" in no_state.output
    bad_key = cli.run(
        world.settings,
        "monitor",
        "http://127.0.0.1:9",
        "--state",
        str(tmp_path / "s"),
        "--log-vkey",
        "nonsense",
    )
    assert bad_key.exit_code == 2 and "Traceback" not in bad_key.output
    vkey = world.ledger.transparency.log_verifier().vkey
    down = cli.run(
        world.settings,
        "monitor",
        "http://127.0.0.1:9",
        "--state",
        str(tmp_path / "t"),
        "--log-vkey",
        vkey,
        "--polls",
        "1",
    )
    assert down.exit_code == 2 and "cannot read the log" in down.output


def test_monitor_re_verifies_over_http_with_signed_reads(
    world: World, served: str, tmp_path: Path
) -> None:
    """R2.2 -- with --key (registered with an oversight role) the monitor downloads the
    new entries through GET /api/v1/log/entries, pages of them, and re-verifies them."""
    from api.client import Client

    key = fixed_key("monitor")
    world.register(key, "auditor", holder="监测 monitor")
    key_file = tmp_path / "monitor.key"
    write_key_file(key_file, key)
    page = Client(served, key=key).get("/api/v1/log/entries", after=1, limit=2)
    assert [line["position"] for line in page["items"]] == [2, 3] and page["next"] == 3
    vkey = world.ledger.transparency.log_verifier().vkey
    state = tmp_path / "watch"
    args = ("monitor", served, "--state", str(state), "--key", str(key_file), "--polls", "1")
    first = cli.run(world.settings, *args, "--log-vkey", vkey, "--workers", "1")
    assert first.exit_code == 0, first.output
    assert "re-verified: 5 new entries (positions 1-5)" in first.stdout
    world.note("more")
    world.ledger.transparency.checkpoint()
    again = cli.run(world.settings, *args, "--workers", "1")
    assert again.exit_code == 0, again.output
    assert "re-verified: 1 new entries (positions 6-6)" in again.stdout
    assert "重新核验通过" in again.stdout


def test_monitor_re_verification_needs_a_key_with_an_oversight_role(
    world: World, served: str, tmp_path: Path
) -> None:
    vkey = world.ledger.transparency.log_verifier().vkey
    no_key = cli.run(
        world.settings, "monitor", served, "--state", str(tmp_path / "a"), "--log-vkey", vkey,
        "--reverify", "--polls", "1",
    )  # fmt: skip
    assert no_key.exit_code == 2 and "--key" in no_key.output
    key = fixed_key("monitor")
    world.register(key, "department")
    key_file = tmp_path / "monitor.key"
    write_key_file(key_file, key)
    refused = cli.run(
        world.settings, "monitor", served, "--state", str(tmp_path / "b"), "--log-vkey", vkey,
        "--key", str(key_file), "--polls", "1",
    )  # fmt: skip
    assert refused.exit_code == 2, refused.output
    assert "auditor" in refused.output and "Traceback" not in refused.output
    unverified = cli.run(
        world.settings, "monitor", served, "--state", str(tmp_path / "c"), "--log-vkey", vkey,
        "--key", str(key_file), "--no-reverify", "--polls", "1",
    )  # fmt: skip
    assert unverified.exit_code == 0, unverified.output
    assert "not re-verified" in unverified.stderr


def test_monitor_reports_and_with_require_quorum_refuses_an_unwitnessed_checkpoint(
    world: World, served: str, tmp_path: Path
) -> None:
    """R: 11.3 (b) -- no witness policy governs the log's checkpoints: re-verifying, the
    monitor reports each as without the quorum (exit 0, still followed), and with
    --require-quorum exits 1."""
    key = fixed_key("monitor")
    world.register(key, "auditor", holder="监测 monitor")
    key_file = tmp_path / "monitor.key"
    write_key_file(key_file, key)
    vkey = world.ledger.transparency.log_verifier().vkey
    args = ("monitor", served, "--key", str(key_file), "--workers", "1", "--polls", "1")
    args += ("--log-vkey", vkey)
    reported = cli.run(world.settings, *args, "--state", str(tmp_path / "a"))
    assert reported.exit_code == 0, reported.output
    assert "未达见证法定数" in reported.stdout and "no witness policy" in reported.stdout
    refused = cli.run(world.settings, *args, "--state", str(tmp_path / "b"), "--require-quorum")
    assert refused.exit_code == 1, refused.output
    assert "WITHOUT THE WITNESS QUORUM" in refused.stdout


def test_monitor_starts_from_a_trusted_checkpoint_over_http(
    world: World, served: str, tmp_path: Path
) -> None:
    """R: 11.3 (a) -- ``monitor --trusted-checkpoint FILE`` over HTTP: the first
    checkpoint served is proved to extend the auditor's; a second run on the folder may
    name the same checkpoint again, another one is refused (exit 2)."""
    vkey = world.ledger.transparency.log_verifier().vkey
    world.note("一")
    trusted = tmp_path / "trusted.checkpoint"
    trusted.write_text(world.ledger.transparency.checkpoint(), encoding="utf-8")
    world.note("二")
    world.ledger.transparency.checkpoint()
    state = tmp_path / "watch"
    args = ("monitor", served, "--state", str(state), "--polls", "1")
    first = cli.run(world.settings, *args, "--log-vkey", vkey, "--trusted-checkpoint", str(trusted))
    assert first.exit_code == 0, first.output
    assert "可信检查点" in first.output and "(new)" in first.output
    assert len(list((state / "checkpoints").glob("*.checkpoint"))) == 2
    world.note("三")
    other = tmp_path / "other.checkpoint"
    other.write_text(world.ledger.transparency.checkpoint(), encoding="utf-8")
    refused = cli.run(world.settings, *args, "--trusted-checkpoint", str(other))
    assert refused.exit_code == 2 and "already follows" in refused.output, refused.output
