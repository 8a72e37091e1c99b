"""Stream ids derived from domain identifiers (uuid5), so a stream can be found by
what it is about -- a key id, a department code, a list version -- without an index.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

#: The namespace of every derived stream id in this ledger format.
NAMESPACE = UUID("6f1c3a52-2d0e-4d8e-9a55-5c6b1f0a7e31")
GENESIS_ID = uuid5(NAMESPACE, "genesis")


def stream_id(kind: str, *parts: str) -> UUID:
    """The stream id of the ``kind`` aggregate identified by ``parts``."""
    return uuid5(NAMESPACE, "/".join((kind, *parts)))


@lru_cache(maxsize=4096)
def key_stream_id(key_id: str) -> UUID:
    return stream_id("key", key_id)
