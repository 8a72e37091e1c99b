"""The monitor against the operator, part 3 of issue 11: it starts from a checkpoint the
auditor trusts (not from whatever it is first served), judges each checkpoint by the
witness policy the log records (the rule ``verify`` applies), and turns a checkpoint
that does not extend an earlier one into an inconsistency proof ``verify-fork`` checks
offline -- real signed checkpoints, then the proofs tampered with."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.audit.forks import (
    UNPROVED_REASONS,
    ForkProofError,
    check_fork_proof,
    inconsistency_body,
    load_fork_proof,
)
from ledger.audit.notes import parse_checkpoint, parse_note
from ledger.errors import LedgerError
from ledger.i18n import render
from ledger.transparency.monitor import Monitor
from tests.support import cli
from tests.support.backends import sqlite_settings
from tests.support.monitoring import (
    AlteredEntriesSource,
    LedgerSource,
    ProoflessSource,
    SealedSource,
    ShortSource,
    UnansweringSource,
    forked_worlds,
    rewritten_below,
    watcher,
)
from tests.support.witnesses import Panel
from tests.support.world import World
from tests.vectors.testkeys import fixed_key


def plain_monitor(world: World, folder: Path) -> Monitor:
    """A monitor that checks checkpoints only (no key, no re-verification)."""
    made = Monitor(folder)
    made.init(world.ledger.transparency.log_verifier().vkey)
    return made


# --- (a) a trusted checkpoint to start from --------------------------------------------------


def test_a_monitor_starts_mid_log_from_a_trusted_checkpoint(world: World, tmp_path: Path) -> None:
    """R: 11.3 (a) -- started from the auditor's checkpoint of size k, the first
    checkpoint served is proved consistent with it (not taken on first sight)."""
    world.note("一")
    trusted = world.ledger.transparency.checkpoint()
    for text in ("二", "三"):
        world.note(text)
    world.ledger.transparency.checkpoint()
    monitor = plain_monitor(world, tmp_path / "m")
    start = monitor.trust(trusted)
    assert monitor.state()["latest"]["size"] == start.size
    assert monitor.trust(trusted).size == start.size  # the same one again: nothing changes
    found = monitor.poll(LedgerSource("local", world.ledger.transparency))
    assert found and found.size == start.size + 2
    assert sorted(monitor.seen()) == [start.size, start.size + 2]


def test_a_trusted_checkpoint_catches_a_log_forked_before_the_monitor_started(
    tmp_path: Path,
) -> None:
    """The auditor trusts a checkpoint of log A; the service it follows is the fork B
    (same key, another history): the very first poll is refused, with a proof."""
    a, b = forked_worlds(tmp_path)
    try:
        b.note("后来 / later")
        b.ledger.transparency.checkpoint()
        monitor = plain_monitor(a, tmp_path / "m")
        monitor.trust(a.ledger.transparency.latest())
        found = monitor.poll(LedgerSource("https://b.example", b.ledger.transparency))
        assert not found and "does not extend" in found.problems[0]
        (proof,) = found.forks
        vkey = a.ledger.transparency.log_verifier().vkey
        assert load_fork_proof(proof.read_text(), vkey).kind == "inconsistent"
        assert monitor.state()["latest"]["source"] == "trusted"  # B never accepted
    finally:
        a.ledger.close()
        b.ledger.close()


class StaleSource(LedgerSource):
    """A mirror still serving an older checkpoint of the log."""

    def __init__(self, name: str, world: World, note: str) -> None:
        super().__init__(name, world.ledger.transparency)
        self.note = note

    def checkpoint(self) -> str:
        return self.note


def test_an_older_checkpoint_served_after_a_newer_one_is_named_a_rollback(
    world: World, tmp_path: Path
) -> None:
    """A service that goes back to a smaller checkpoint than one already accepted (a
    rollback, or a stale mirror) is reported, in Chinese and English, and not accepted."""
    world.note("一")
    older = world.ledger.transparency.checkpoint()
    world.note("二")
    world.ledger.transparency.checkpoint()
    monitor = plain_monitor(world, tmp_path / "m")
    latest = monitor.poll(LedgerSource("local", world.ledger.transparency))
    found = monitor.poll(StaleSource("https://mirror.example", world, older))
    assert not found and not found.forks
    (problem,) = found.problems
    assert "https://mirror.example serves a checkpoint of size" in problem
    assert f"older than the {latest.size} already seen" in problem
    assert "日志回滚" in render(problem, "zh")
    assert monitor.state()["latest"]["size"] == latest.size


def test_a_trusted_checkpoint_must_be_the_logs_and_start_the_folder(
    world: World, tmp_path: Path
) -> None:
    monitor = plain_monitor(world, tmp_path / "m")
    note = world.ledger.transparency.latest()
    with pytest.raises(LedgerError, match="not a checkpoint of"):
        monitor.trust(note.replace("\n\n", "\n\nx", 1))
    world.note("一")
    world.ledger.transparency.checkpoint()
    assert monitor.poll(LedgerSource("local", world.ledger.transparency))
    with pytest.raises(LedgerError, match="already follows"):
        monitor.trust(note)


def test_monitor_trusted_checkpoint_over_the_cli(world: World, tmp_path: Path) -> None:
    """The CLI's --trusted-checkpoint: a file that is not the log's is refused (exit 2)."""
    bad = tmp_path / "bad.checkpoint"
    bad.write_text("not a checkpoint\n")
    vkey = world.ledger.transparency.log_verifier().vkey
    result = cli.run(
        world.settings, "monitor", "http://127.0.0.1:9", "--state", str(tmp_path / "s"),
        "--log-vkey", vkey, "--trusted-checkpoint", str(bad), "--polls", "1",
    )  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output


# --- (b) the witness quorum --------------------------------------------------------------------


def test_the_monitor_reports_a_checkpoint_without_the_witness_quorum(
    world: World, tmp_path: Path
) -> None:
    """R: 11.3 (b) -- quorum 2 of 2: a checkpoint cosigned by one witness is reported
    as lacking it (the describe() of verify's rule), one cosigned by both is not."""
    panel = Panel(world, tmp_path)
    panel.register("jiwei", "shenji")
    panel.policy(2, "jiwei", "shenji")
    monitor = watcher(world, tmp_path / "m")
    source = LedgerSource("local", world.ledger.transparency)
    world.note("一")
    panel.witness_head("jiwei")
    found = monitor.poll(source)
    assert found and found.witnessing_judged
    assert found.unwitnessed is not None and found.unwitnessed.endswith("1 of 2 cosignatures")
    world.note("二")
    panel.witness_head("jiwei", "shenji")
    found = monitor.poll(source)
    assert found and found.witnessing_judged and found.unwitnessed is None


def test_without_a_policy_a_format_2_log_lacks_the_quorum(world: World, tmp_path: Path) -> None:
    """No witness policy governs the checkpoint: it is not published (as verify says)."""
    monitor = watcher(world, tmp_path / "m")
    world.ledger.transparency.checkpoint()
    found = monitor.poll(LedgerSource("local", world.ledger.transparency))
    assert found.unwitnessed is not None and "no witness policy" in found.unwitnessed


# --- (c) inconsistency proofs, checked offline -------------------------------------------------


@pytest.mark.parametrize("notes", [1, 4], ids=["size-5", "size-8-power-of-two"])
@pytest.mark.parametrize("how", ["reverifying", "checkpoints-only", "no-root", "no-answer"])
def test_an_inconsistent_checkpoint_is_proved_offline(
    world: World, tmp_path: Path, notes: int, how: str
) -> None:
    """R: 11.3 (c) -- verify-fork FILE --vkey K exits 1: the log signed a checkpoint whose
    first m entries are not the ones it signed before. For m a power of two the RFC's
    path leaves out the old subtree; the monitor adds its hash from the served entries,
    re-verifying or not. A service whose consistency answer gives no root (an empty
    path) or holds no proof at all: the monitor makes the path from the served entries,
    which give the signed new root. Each proof is self-contained and signed by the
    monitor."""
    sources = {"no-root": ProoflessSource, "no-answer": UnansweringSource}
    source = sources[how]("local", world.ledger.transparency) if how in sources else None
    proof = rewritten_below(world, tmp_path, notes, reverify=how == "reverifying", source=source)
    assert proof.name.startswith("inconsistent-")
    vkey = world.ledger.transparency.log_verifier().vkey
    fork = load_fork_proof(proof.read_text(), vkey)
    assert fork.kind == "inconsistent" and fork.sizes[0] == 4 + notes
    assert fork.monitor_key == fixed_key("monitor").public_key
    result = cli.run(world.settings, "verify-fork", str(proof), "--vkey", vkey)
    assert result.exit_code == 1, result.output
    assert "inconsistency proven" in result.output and "日志不一致已证实" in result.output


@pytest.mark.parametrize("notes", [1, 4], ids=["size-5", "size-8-power-of-two"])
@pytest.mark.parametrize(
    ("served", "why"),
    [
        (SealedSource, "its entries could not be read to make one (403 Forbidden"),
        (ShortSource, "it served fewer entries than the larger checkpoint holds (3 of"),
        (AlteredEntriesSource, "do not give the larger checkpoint's signed root"),
    ],
    ids=["entries-refused", "entries-short", "entries-altered"],
)
def test_where_no_offline_proof_can_be_made_the_record_says_why(
    world: World, tmp_path: Path, notes: int, served: type[LedgerSource], why: str
) -> None:
    """R: 11.3 (c) -- the service gives no consistency path and its entries cannot make
    one (refused, too few, not the signed tree's): the monitor still writes what it was
    served, signed, marked unproved with the reason; verify-fork names the reason and
    exits 2 (no proof), and a record whose reason is changed fails the monitor's
    signature."""
    source = served("local", world.ledger.transparency)
    proof = rewritten_below(world, tmp_path, notes, reverify=False, source=source)
    assert proof.name.startswith("unproved-")
    value = json.loads(proof.read_text())
    assert value["unproved"]["reason"] in UNPROVED_REASONS and value["path"] == []
    with pytest.raises(ForkProofError, match="no offline proof") as caught:
        check_fork_proof(value)
    assert why in str(caught.value)
    vkey = world.ledger.transparency.log_verifier().vkey
    result = cli.run(world.settings, "verify-fork", str(proof), "--vkey", vkey)
    assert result.exit_code == 2, result.output
    assert "NOT A FORK PROOF" in result.output and why in result.output
    assert "Traceback" not in result.output
    value["unproved"]["reason"] = "entries-short"
    value["unproved"]["detail"] = "0 of 9"
    with pytest.raises(ForkProofError, match="monitor's signature"):
        check_fork_proof(value)
    value["unproved"] = "not an object"
    with pytest.raises(ForkProofError):
        check_fork_proof(value)


def test_a_consistent_log_behind_a_wrong_proof_is_accepted_from_its_entries(
    world: World, tmp_path: Path
) -> None:
    """R: 11.3 -- the service's consistency answer gives no root, but the log did extend
    the checkpoint (m = 8, a power of two): the entries it serves give both signed
    roots, so the monitor accepts the checkpoint and writes no proof or record."""
    monitor = plain_monitor(world, tmp_path / "m")
    for n in range(4):
        world.note(f"第{n}条")
    world.ledger.transparency.checkpoint()
    assert monitor.poll(LedgerSource("local", world.ledger.transparency))
    world.note("新")
    world.ledger.transparency.checkpoint()
    found = monitor.poll(ProoflessSource("local", world.ledger.transparency))
    assert found, found.problems
    assert monitor.state()["latest"]["size"] == found.size
    assert not (tmp_path / "m" / "forks").exists()


def _flip(value: dict[str, Any]) -> None:
    raw = bytearray(base64.b64decode(value["path"][-1]))
    raw[0] ^= 1
    value["path"][-1] = base64.b64encode(bytes(raw)).decode()


TAMPERS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (_flip, "does not give the root"),
    (lambda v: v["path"].pop(), "does not give the root"),
    (lambda v: v.update(sizes=v["sizes"][::-1]), "sizes the proof names"),
    (lambda v: v["checkpoints"].reverse(), "sizes the proof names"),
    (lambda v: v["checkpoints"].__setitem__(1, v["checkpoints"][0]), "sizes the proof names"),
    (lambda v: v["monitor"].update(signature=v["monitor"]["signature"][::-1]), "monitor"),
    (lambda v: v.update(observed=[{"source": "elsewhere", "at": "x"}]), "monitor"),
    (lambda v: v.pop("path"), "fields"),
    (lambda v: v.update(vkey=v["vkey"].replace("test.example", "other.example")), "verify"),
]


@pytest.mark.parametrize(("change", "why"), TAMPERS)
def test_a_tampered_inconsistency_proof_is_no_proof(
    world: World,
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    why: str,
) -> None:
    proof = rewritten_below(world, tmp_path, 1)
    value = json.loads(proof.read_text())
    change(value)
    with pytest.raises(ForkProofError, match=why):
        check_fork_proof(value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(value))
    result = cli.run(sqlite_settings(tmp_path), "verify-fork", str(bad))
    assert result.exit_code == 2 and "NOT A FORK PROOF" in result.output, result.output


def test_a_consistent_pair_is_no_inconsistency_proof(world: World, tmp_path: Path) -> None:
    """Two checkpoints the log really extended, with the honest path (the old root in
    front): no proof (exit 2)."""
    t = world.ledger.transparency
    world.note("一")
    older = t.checkpoint()
    old = parse_checkpoint(parse_note(older).text)
    world.note("二")
    newer = t.checkpoint()
    path = [old.root, *t.consistency_proof(old.size, old.size + 1)]
    if old.size & (old.size - 1):
        path = path[1:]  # the RFC's path already holds the old tree's last subtree
    value = inconsistency_body(t.log_verifier().vkey, older, newer, path, [])
    value["monitor"] = None
    with pytest.raises(ForkProofError, match="consistent"):
        check_fork_proof(value)
    bad = tmp_path / "consistent.json"
    bad.write_text(json.dumps(value))
    result = cli.run(sqlite_settings(tmp_path), "verify-fork", str(bad))
    assert result.exit_code == 2 and "consistent" in result.output, result.output


@pytest.mark.parametrize(
    "answer",
    [{"title": "Not Found"}, {"proof": "AAAA"}, {"proof": [1]}, ["AAAA"], {"proof": ["!!"]}],
)
def test_a_consistency_answer_holding_no_proof_is_settled_from_the_entries(
    answer: Any,
) -> None:
    """R: 11.3 -- a service whose consistency answer holds no proof (no list of base64
    hashes) raises ValueError in api.client's LogSource, never a KeyError's stack
    trace: the monitor then takes the path as empty and settles consistency from the
    entries (the no-root tests above)."""
    from api.client import LogSource

    class Stub:
        base_url = "http://stub.example"

        def get(self, path: str, **params: Any) -> Any:
            return answer

    with pytest.raises(ValueError):
        LogSource(Stub()).consistency(5, 9)  # type: ignore[arg-type]
