"""C2SP signed notes, checkpoints and cosignatures, byte for byte."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ledger.audit.errors import NoteError
from ledger.audit.notes import (
    NOTE_COSIGNATURE,
    Checkpoint,
    NoteSignature,
    NoteVerifier,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from tests.vectors.testkeys import fixed_key

ORIGIN = "test.example/log"
ROOT = hashlib.sha256(b"root").digest()


def signed(text: str, name: str = ORIGIN, key_name: str = "ledger") -> str:
    key = fixed_key(key_name)
    verifier = NoteVerifier(name, key.public_key)
    sig = NoteSignature(name, verifier.key_id, key.sign(text.encode()))
    return text + "\n" + sig.line


def test_checkpoint_text_is_the_c2sp_format() -> None:
    text = Checkpoint(ORIGIN, 20852163, ROOT).text
    assert text == f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\n"
    note = signed(text)
    key = fixed_key("ledger")
    key_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + key.public_key).digest()[:4]
    signature = key.sign(text.encode())
    expected_line = "\u2014 " + ORIGIN + " " + base64.b64encode(key_id + signature).decode() + "\n"
    assert note == text + "\n" + expected_line


def test_note_round_trip() -> None:
    note_text = signed(Checkpoint(ORIGIN, 5, ROOT, ("ext line",)).text)
    note = parse_note(note_text)
    assert note.render() == note_text
    checkpoint = parse_checkpoint(note.text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, 5, ROOT)
    assert checkpoint.extensions == ("ext line",)


def test_verifier_key_round_trip_and_known_format() -> None:
    key = fixed_key("ledger")
    verifier = NoteVerifier(ORIGIN, key.public_key)
    vkey = verifier.vkey
    name, key_hash, data = vkey.split("+", 2)  # base64 may itself contain "+"
    assert name == ORIGIN and len(key_hash) == 8
    assert base64.b64decode(data) == b"\x01" + key.public_key
    assert NoteVerifier.from_vkey(vkey) == verifier
    with pytest.raises(NoteError):
        NoteVerifier.from_vkey(vkey.replace(key_hash, "00000000"))


def test_unknown_signers_are_ignored_known_bad_ones_rejected() -> None:
    text = Checkpoint(ORIGIN, 5, ROOT).text
    log = NoteVerifier(ORIGIN, fixed_key("ledger").public_key)
    stranger = signed(text, "someone.else/log", "witness")
    combined = signed(text) + stranger.split("\n\n", 1)[1]
    assert verify_note(parse_note(combined), [log]) == [log]
    # A signature from the log's key over other text is rejected.
    forged = Checkpoint(ORIGIN, 6, ROOT).text + "\n" + signed(text).split("\n\n", 1)[1]
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(parse_note(forged), [log])
    with pytest.raises(NoteError, match="no signature from a known key"):
        verify_note(parse_note(stranger), [log])


def test_cosignature_v1() -> None:
    text = Checkpoint(ORIGIN, 5, ROOT).text
    witness = fixed_key("witness")
    cosigner = NoteVerifier("w.example/w", witness.public_key, NOTE_COSIGNATURE)
    timestamp = 1_767_225_600
    message = f"cosignature/v1\ntime {timestamp}\n{text}".encode()
    blob = timestamp.to_bytes(8, "big") + witness.sign(message)
    line = NoteSignature(cosigner.name, cosigner.key_id, blob).line
    assert cosigner.key_id == hashlib.sha256(b"w.example/w\n\x04" + witness.public_key).digest()[:4]
    note = parse_note(signed(text) + line)
    log = NoteVerifier(ORIGIN, fixed_key("ledger").public_key)
    assert verify_note(note, [log, cosigner]) == [log, cosigner]
    wrong_time = (timestamp + 1).to_bytes(8, "big") + blob[8:]
    bad = parse_note(signed(text) + NoteSignature(cosigner.name, cosigner.key_id, wrong_time).line)
    with pytest.raises(NoteError):
        verify_note(bad, [log, cosigner])


@pytest.mark.parametrize(
    "bad",
    [
        "no blank line\n\u2014 x AAAA\n",
        "text\n\n",
        "text\n\n\u2014 x\n",
        "text\n\n- x AAAAAAA=\n",
        "text\n\n\u2014 a+b AAAAAAA=\n",
        "te\x01xt\n\n\u2014 x AAAAAAA=\n",
        "text\n\n\u2014 x AAAAAAB=\n",  # non-canonical base64
    ],
)
def test_malformed_notes(bad: str) -> None:
    with pytest.raises(NoteError):
        parse_note(bad)


@pytest.mark.parametrize(
    "body",
    [
        "origin\n01\nAAAA\n",
        "origin\n5\n",
        "origin\nfive\n" + base64.b64encode(ROOT).decode() + "\n",
        # int() reads these as 5 and 12: a checkpoint size is ASCII decimal only (C2SP).
        "origin\n５\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n١٢\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n5\n" + base64.b64encode(b"short").decode() + "\n",
        "origin\n5\n" + base64.b64encode(ROOT).decode() + "\n\n",
    ],
)
def test_malformed_checkpoints(body: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(body)
