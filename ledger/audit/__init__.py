"""The auditor's verifier: standard library and PyNaCl only.

This package can be read in one sitting and run on a machine that has only a copy of
the ledger (an export bundle, or the rows of its database). It imports nothing from
the rest of ``ledger``; the writer imports its definitions (hashes, key ids, evidence
parsing) from here, so the two cannot drift. The HTTP route table that names the
commands of signed API requests is part of the evidence format but is *passed in*
(a :class:`RouteTable`); the ledger builds it from its typed commands
(:meth:`ledger.commanding.Registry.route_table`), and
``tests/vectors/http-routes-v1.json`` holds it as data.

Modules, each one idea:

* :mod:`~ledger.audit.hashing` -- RFC 9162 leaf and node hashes, key ids, inclusion
  and consistency proofs, the Merkle frontier; the one Ed25519 check.
* :mod:`~ledger.audit.notes` -- C2SP signed notes, checkpoints and cosignatures.
* :mod:`~ledger.audit.evidence` -- command evidence: ``shuangsui-command-v1`` and
  RFC 9421 signed requests (``rfc9421``); :class:`ActionRoute` and :class:`RouteTable`.
* :mod:`~ledger.audit.keystate` -- the key history (:class:`KeyState`), the topics
  that change it, and checking a checkpoint against it.
* :mod:`~ledger.audit.report` -- rows as stored, failure reasons, :class:`Failure`
  and :class:`Report`.
* :mod:`~ledger.audit.rows` -- compact chain rows (format 4): what a row stores of
  its entry and evidence, and how they are recomputed from it.
* :mod:`~ledger.audit.chain` -- the entry format and the sequential
  :class:`~ledger.audit.chain.ChainChecker`.
* :mod:`~ledger.audit.signatures` -- signature checks on every core, and
  :func:`verify_rows`.
* :mod:`~ledger.audit.bundles` -- the bundle line format and :func:`verify_bundle`.
* :mod:`~ledger.audit.statemap` -- the state map a format-3 checkpoint commits to (each
  stream's last version and position, the key-history digest, the trail index), its
  bucket proofs; :mod:`~ledger.audit.subjects` -- which subjects an event names.
* :mod:`~ledger.audit.auditstate` -- the auditor's trusted state file for
  ``verify --since``.
* :mod:`~ledger.audit.errors` -- :class:`LedgerError` (the root of the ledger's one
  exception tree) and :class:`NoteError`, :class:`EvidenceError`,
  :class:`BundleError`.

What :func:`verify` checks, in order (the first failure is reported, with its
position and a stable reason from :mod:`~ledger.audit.report`):

1. The bundle's header, checkpoints, entry lines, key history and end record have
   exactly the fields of ``shuangsui-bundle-v1``; base64 is strict.
2. Each entry's hash is the RFC 9162 leaf hash of its bytes; its position is the next
   one and its ``prev`` the previous entry's hash (a slice: between consecutive
   positions, and each entry is proved into the checkpoint by an inclusion proof).
3. Each entry's stored event has the id, version and topic the entry names, and the
   SHA-256 of its bytes is the entry's ``event`` digest.
4. Each command's evidence hashes to the entry's ``command`` digest and parses
   (``shuangsui-command-v1`` or ``rfc9421`` through the route table); its (key,
   nonce) pair is used once; its entries are consecutive parts ``0..n-1``.
5. Key changes (genesis, register, rotate, revoke) follow the key rules; the actor's
   key is valid at the command's position, and the ledger key that seals the
   command's last entry is valid there.
6. Every actor signature and every ledger seal verifies (Ed25519, on every core).
7. The key history and the entry count and head match the bundle's own records; a
   full bundle's entries give every checkpoint's root; each checkpoint is signed by
   the ledger key valid at its size and cosigned only by registered witnesses.
8. From format 3 each checkpoint carries the state map's root (a full bundle's entries
   must give it); a slice holds every stream it touches up to the last version the map
   proves, the whole key history, and (a trail) every stream naming its subject; the
   log key is named, and pinned by an :class:`~ledger.audit.bundles.Anchor` if given.

The database check, over the same rules plus the stored Merkle tree and unchained
events, is :mod:`ledger.transparency.database` (it reads the rows and calls
:func:`verify_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ledger.audit.bundles import verify_bundle
from ledger.audit.errors import BundleError, EvidenceError, LedgerError, NoteError
from ledger.audit.evidence import ActionRoute, RouteTable
from ledger.audit.report import Failure, Report
from ledger.audit.signatures import verify_rows

__all__ = [
    "ActionRoute",
    "BundleError",
    "EvidenceError",
    "Failure",
    "LedgerError",
    "NoteError",
    "Report",
    "RouteTable",
    "verify",
    "verify_bundle",
    "verify_rows",
]


def verify(
    bundle: Iterable[str],
    routes: RouteTable,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify an export bundle's lines offline (steps 1-7 above); the report is truthy
    when the bundle is intact, and otherwise names the first failure."""
    return verify_bundle(bundle, routes, workers=workers, progress=progress)
