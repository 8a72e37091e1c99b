"""Fixed TEST-ONLY keys. Their seeds are SHA-256 of public strings: never use them
for anything but tests and golden vectors."""

from __future__ import annotations

import hashlib

from ledger.keys import SigningKey

NAMES = ("office", "ledger", "department", "inspector", "witness")


def fixed_key(name: str) -> SigningKey:
    seed = hashlib.sha256(f"shuangsui TEST-ONLY key: {name}".encode()).digest()
    return SigningKey(seed, f"TEST ONLY {name}")
