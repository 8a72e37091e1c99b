"""Ed25519 keys and key files.

A key's id is a short, stable digest of its public key (:func:`key_id_for`).
Private keys never enter the ledger. A key file is a small JSON document written
with mode 0600, created exclusively (an existing file is never overwritten), and
optionally sealed with a passphrase: argon2id derives a key that opens a
``SecretBox`` (XSalsa20-Poly1305) around the 32-byte seed, so a wrong passphrase
is detected, not silently turned into a different key.

Public key files (``*.pub``) hold the id, the public key and the label only.

Two rules keep key files from leaking (issue 11, part 7): a private key file whose
mode gives the group or others any permission is refused when read (the operator's
service, the CLI and the API client all read keys through :func:`read_key_file`), and
a key file -- private or public -- is never written through a symbolic link
(``O_CREAT | O_EXCL | O_NOFOLLOW``: a dangling ``.pub`` link fails cleanly before
anything is written).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from ledger.audit.hashing import key_id_for
from ledger.errors import KeyFileError
from ledger.i18n import _, os_reason

KEY_FILE_FORMAT = "shuangsui-ed25519-key-v1"
PUBLIC_KEY_FORMAT = "shuangsui-ed25519-public-key-v1"


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    public_key: bytes
    label: str = ""

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_key).decode("ascii")

    def as_dict(self) -> dict[str, str]:
        return {
            "format": PUBLIC_KEY_FORMAT,
            "key_id": self.key_id,
            "public_key": self.public_b64,
            "label": self.label,
        }

    @classmethod
    def from_b64(cls, text: str, label: str = "") -> PublicKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise KeyFileError(_("public key is not base64: {exc}", exc=exc)) from exc
        if len(raw) != 32:
            raise KeyFileError(_("an Ed25519 public key has 32 bytes, not {count}", count=len(raw)))
        return cls(key_id_for(raw), raw, label)


class SigningKey:
    """An Ed25519 private key with its id. ``sign`` returns the 64-byte signature."""

    __slots__ = ("_key", "key_id", "label", "public_key")

    def __init__(self, seed: bytes, label: str = "") -> None:
        if len(seed) != 32:
            raise KeyFileError(_("an Ed25519 seed has 32 bytes"))
        self._key = nacl.signing.SigningKey(seed)
        self.public_key: bytes = bytes(self._key.verify_key)
        self.key_id: str = key_id_for(self.public_key)
        self.label = label

    @classmethod
    def generate(cls, label: str = "") -> SigningKey:
        return cls(nacl.utils.random(32), label)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message).signature

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.key_id, self.public_key, self.label)

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    def __repr__(self) -> str:
        return f"SigningKey({self.key_id}, {self.label!r})"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(doc: dict[str, Any], name: str, path: Path) -> bytes:
    value = doc.get(name)
    if not isinstance(value, str):
        raise KeyFileError(_("{path}: field {name!r} is missing", path=path, name=name))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFileError(_("{path}: field {name!r} is not base64", path=path, name=name)) from exc


#: ``O_NOFOLLOW`` where the platform has it (POSIX); with ``O_EXCL`` a link is refused anyway.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise KeyFileError(
            _("{path} is a symbolic link; refusing to write a key through it", path=path)
        )


def _write_exclusive(path: Path, text: str, mode: int = 0o600) -> None:
    _refuse_link(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode)
    except FileExistsError:
        _refuse_link(path)  # a link created in between
        raise KeyFileError(
            _("{path} already exists; refusing to overwrite a key", path=path)
        ) from None
    except OSError as exc:
        raise KeyFileError(
            _("cannot create {path}: {strerror}", path=path, strerror=os_reason(exc))
        ) from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def write_key_file(
    path: Path | str,
    key: SigningKey,
    *,
    passphrase: str | None = None,
    opslimit: int = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
    memlimit: int = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
) -> Path:
    """Write ``key`` to a new file (mode 0600) and its public half beside it."""
    path = Path(path)
    public_path = path.with_suffix(".pub")
    # Both names are checked before anything is written: a refused .pub leaves no key.
    _refuse_link(path)
    _refuse_link(public_path)
    doc: dict[str, Any] = {
        "format": KEY_FILE_FORMAT,
        "key_id": key.key_id,
        "public_key": _b64(key.public_key),
        "label": key.label,
    }
    if passphrase:
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        secret = nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit, memlimit
        )
        sealed = nacl.secret.SecretBox(secret).encrypt(key.seed)
        doc["sealed"] = {
            "kdf": "argon2id",
            "opslimit": opslimit,
            "memlimit": memlimit,
            "salt": _b64(salt),
            "box": _b64(bytes(sealed)),
        }
    else:
        doc["seed"] = _b64(key.seed)
    _write_exclusive(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    if not public_path.exists():
        try:
            _write_exclusive(
                public_path,
                json.dumps(key.public.as_dict(), indent=2, ensure_ascii=False) + "\n",
                0o644,
            )
        except KeyFileError:
            path.unlink(missing_ok=True)
            raise
    return path


def check_private_mode(path: Path, mode: int) -> None:
    """Refuse a private key file the group or others may read, write or run."""
    if os.name == "posix" and mode & 0o077:
        shown = f"{stat.S_IMODE(mode):04o}"
        raise KeyFileError(
            _(
                "private key file {path} has mode {shown}: group or other users have "
                "access, so it is refused; run chmod 600 {path}",
                path=path,
                shown=shown,
            )
        )


def _load_json(path: Path, *, private: bool = False) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            if private:
                check_private_mode(path, os.fstat(handle.fileno()).st_mode)
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise KeyFileError(_("{path}: no such key file", path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(_("{path}: cannot read: {exc}", path=path, exc=exc)) from exc
    try:
        doc = json.loads(text)
    except ValueError:
        raise KeyFileError(_("{path}: not a key file (not JSON)", path=path)) from None
    if not isinstance(doc, dict):
        raise KeyFileError(_("{path}: not a key file", path=path))
    return doc


def key_file_is_sealed(path: Path | str) -> bool:
    return "sealed" in _load_json(Path(path))


def read_key_file(path: Path | str, passphrase: str | None = None) -> SigningKey:
    """Read a private key file; raises :class:`KeyFileError` with the reason."""
    path = Path(path)
    doc = _load_json(path, private=True)
    if doc.get("format") != KEY_FILE_FORMAT:
        raise KeyFileError(
            _(
                "{path}: not a private key file (format {value!r})",
                path=path,
                value=doc.get("format"),
            )
        )
    label = str(doc.get("label", ""))
    sealed = doc.get("sealed")
    if sealed is not None:
        if not passphrase:
            raise KeyFileError(_("{path}: the key is sealed; a passphrase is needed", path=path))
        if not isinstance(sealed, dict) or sealed.get("kdf") != "argon2id":
            raise KeyFileError(_("{path}: unknown sealing", path=path))
        try:
            secret = nacl.pwhash.argon2id.kdf(
                nacl.secret.SecretBox.KEY_SIZE,
                passphrase.encode(),
                _unb64(sealed, "salt", path),
                int(sealed["opslimit"]),
                int(sealed["memlimit"]),
            )
            seed = nacl.secret.SecretBox(secret).decrypt(_unb64(sealed, "box", path))
        except nacl.exceptions.CryptoError:
            raise KeyFileError(_("{path}: wrong passphrase", path=path)) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFileError(_("{path}: damaged sealing: {exc}", path=path, exc=exc)) from exc
    else:
        seed = _unb64(doc, "seed", path)
    if len(seed) != 32:
        raise KeyFileError(
            _("{path}: the seed has {count} bytes, not 32", path=path, count=len(seed))
        )
    key = SigningKey(seed, label)
    if doc.get("key_id") != key.key_id or _unb64(doc, "public_key", path) != key.public_key:
        raise KeyFileError(
            _("{path}: key id or public key does not match the private key", path=path)
        )
    return key


def read_public_key(source: Path | str) -> PublicKey:
    """A public key from a ``.pub`` file, a private key file, or base64 text."""
    path = Path(source)
    if not path.exists():
        return PublicKey.from_b64(str(source))
    doc = _load_json(path)
    if doc.get("format") not in (PUBLIC_KEY_FORMAT, KEY_FILE_FORMAT):
        raise KeyFileError(_("{path}: not a key file", path=path))
    public = PublicKey.from_b64(str(doc.get("public_key", "")), str(doc.get("label", "")))
    if doc.get("key_id") != public.key_id:
        raise KeyFileError(_("{path}: key id does not match the public key", path=path))
    return public
