"""Issue 11, part 7: private key files with group/other permission bits are refused,
and key files are never written through a symbolic link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger.errors import KeyFileError
from ledger.i18n import render
from ledger.keys import SigningKey, read_key_file, read_public_key, write_key_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o666, 0o610, 0o601, 0o700 | 0o007])
def test_private_key_readable_by_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = write_key_file(tmp_path / "k.key", SigningKey.generate())
    path.chmod(mode)
    with pytest.raises(KeyFileError) as caught:
        read_key_file(path)
    message = str(caught.value)
    assert f"{mode & 0o777:04o}" in message
    assert "chmod 600" in message and "group or other" in message
    assert "私钥文件" in render(caught.value, "zh")


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_private_key_for_the_owner_only_is_read(tmp_path: Path, mode: int) -> None:
    key = SigningKey.generate()
    path = write_key_file(tmp_path / "k.key", key)
    path.chmod(mode)
    assert read_key_file(path).key_id == key.key_id


def test_public_key_files_may_be_world_readable(tmp_path: Path) -> None:
    key = SigningKey.generate()
    path = write_key_file(tmp_path / "k.key", key)
    assert read_public_key(path.with_suffix(".pub")) == key.public


def test_dangling_pub_link_fails_before_anything_is_written(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "planted.pub"
    target.parent.mkdir()
    (tmp_path / "k.pub").symlink_to(target)
    with pytest.raises(KeyFileError, match="symbolic link"):
        write_key_file(tmp_path / "k.key", SigningKey.generate())
    assert not target.exists()
    assert not (tmp_path / "k.key").exists()


def test_pub_link_to_an_existing_file_is_refused_and_the_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("untouched")
    (tmp_path / "k.pub").symlink_to(target)
    with pytest.raises(KeyFileError, match="symbolic link"):
        write_key_file(tmp_path / "k.key", SigningKey.generate())
    assert target.read_text() == "untouched"
    assert not (tmp_path / "k.key").exists()


@pytest.mark.parametrize("dangling", [True, False])
def test_private_key_is_never_written_through_a_link(tmp_path: Path, dangling: bool) -> None:
    target = tmp_path / "target.key"
    if not dangling:
        target.write_text("")
    (tmp_path / "k.key").symlink_to(target)
    with pytest.raises(KeyFileError, match="symbolic link"):
        write_key_file(tmp_path / "k.key", SigningKey.generate())
    assert not dangling or not target.exists()
    assert dangling or target.read_text() == ""
    assert not (tmp_path / "k.pub").exists()
