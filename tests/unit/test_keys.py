"""Key ids, key files (0600, exclusive), sealing, and every malformed file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ledger.audit.hashing import key_id_for
from ledger.errors import KeyFileError
from ledger.keys import PublicKey, SigningKey, read_key_file, read_public_key, write_key_file
from tests.vectors.testkeys import fixed_key

FAST = {"opslimit": 1, "memlimit": 8192}


def test_key_id_is_a_stable_digest_of_the_public_key() -> None:
    key = fixed_key("office")
    assert key.key_id == key_id_for(key.public_key) == "517eb486d4df7693"
    assert len(key.key_id) == 16


def test_round_trip_and_mode(tmp_path: Path) -> None:
    key = SigningKey.generate("县市场监管局")
    path = write_key_file(tmp_path / "k.key", key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_key_file(path)
    assert again.key_id == key.key_id and again.label == "县市场监管局"
    assert read_public_key(path.with_suffix(".pub")) == key.public


def test_sealed_round_trip_and_wrong_passphrase(tmp_path: Path) -> None:
    key = SigningKey.generate()
    path = write_key_file(tmp_path / "k.key", key, passphrase="correct horse", **FAST)
    assert "seed" not in json.loads(path.read_text())
    assert read_key_file(path, "correct horse").key_id == key.key_id
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        read_key_file(path, "wrong")
    with pytest.raises(KeyFileError, match="passphrase is needed"):
        read_key_file(path)


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = write_key_file(tmp_path / "k.key", SigningKey.generate())
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        write_key_file(path, SigningKey.generate())
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not JSON"),
        ("[1, 2]", "not a key file"),
        ('{"format": "something-else"}', "not a private key file"),
        ('{"format": "shuangsui-ed25519-key-v1"}', "'seed' is missing"),
        ('{"format": "shuangsui-ed25519-key-v1", "seed": "%%%"}', "not base64"),
        ('{"format": "shuangsui-ed25519-key-v1", "seed": "AAAA"}', "not 32"),
    ],
)
def test_malformed_key_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(content)
    path.chmod(0o600)  # a private key file for its owner only (issue 11 part 7)
    with pytest.raises(KeyFileError, match=message):
        read_key_file(path)


def test_key_file_whose_id_does_not_match(tmp_path: Path) -> None:
    path = write_key_file(tmp_path / "k.key", SigningKey.generate())
    doc = json.loads(path.read_text())
    doc["key_id"] = "0000000000000000"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match="does not match"):
        read_key_file(path)


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="no such key file"):
        read_key_file(tmp_path / "absent.key")


def test_public_key_from_base64() -> None:
    key = fixed_key("witness")
    assert PublicKey.from_b64(key.public.public_b64).key_id == key.key_id
    with pytest.raises(KeyFileError):
        PublicKey.from_b64("AAAA")
