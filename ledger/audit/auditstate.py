"""The auditor's trusted state (issue 11 part 4): what ``verify --since`` needs from
before a trusted checkpoint, kept by the auditor instead of read from the database it
audits.

``shuangsui verify --save-state FILE`` writes it after a verification accepted the
log: at the largest checkpoint the verification covered, the checkpoint itself (the
note as stored, with its cosignatures), the entry hash at its size, the key history
(every key with its roles and validity), every (key, nonce) pair used, the ledger
format, the latest signed ``created`` time and its position, and (format 3) the
state map's leaves. ``verify --since CHECKPOINT --state FILE`` then continues from
exactly that: a key revoked or a nonce used before the checkpoint is known without
reading a row before it, and every new checkpoint's state line is recomputed.

Invariants:

* the file is JSON (``shuangsui-auditor-state-v1``); every field is checked on reading
  (:class:`~ledger.audit.errors.NoteError` names what is wrong);
* a state is used only for the checkpoint it was written at: same origin, size and root;
* nothing in it is trusted beyond the auditor's own earlier verification: keep it where
  the operator cannot write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from ledger.audit.errors import NoteError
from ledger.audit.keystate import KeyState
from ledger.audit.messages import _
from ledger.audit.notes import b64, b64strict, parse_checkpoint, parse_note
from ledger.audit.statemap import StateMap

AUDITOR_STATE_FORMAT = "shuangsui-auditor-state-v1"


@dataclass
class AuditorState:
    origin: str
    checkpoint: str
    prev: bytes
    keys: dict[str, KeyState]
    nonces: set[tuple[str, str]]
    ledger_format: int
    latest_time: int | None
    latest_position: int
    last_notification_id: int
    #: bucket -> {key: value} and the key-history (count, last, digest); format 3 on.
    state: StateMap | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return parse_checkpoint(parse_note(self.checkpoint).text).size

    @property
    def root(self) -> bytes:
        return parse_checkpoint(parse_note(self.checkpoint).text).root

    def to_json(self) -> str:
        state = self.state
        document: dict[str, Any] = {
            "format": AUDITOR_STATE_FORMAT,
            "origin": self.origin,
            "checkpoint": self.checkpoint,
            "prev": b64(self.prev),
            "ledger_format": self.ledger_format,
            "latest_time": self.latest_time,
            "latest_position": self.latest_position,
            "last_notification_id": self.last_notification_id,
            "keys": [
                {**k.summary(), "predecessor": k.predecessor}
                for _id, k in sorted(self.keys.items())
            ],
            "nonces": sorted([k, n] for k, n in self.nonces),
            "state": None
            if state is None
            else {
                "size": state.size,
                "history": [state.history[0], state.history[1], b64(state.history[2])],
                "leaves": sorted(
                    [k, v] for bucket in state.buckets.values() for k, v in bucket.items()
                ),
                "links": sorted([k, s] for k, s in state.links),
            },
        }
        return json.dumps(document, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> AuditorState:
        try:
            d = json.loads(text)
            if not isinstance(d, dict) or d.get("format") != AUDITOR_STATE_FORMAT:
                raise NoteError(
                    _("not an auditor state file ({format})", format=AUDITOR_STATE_FORMAT)
                )
            checkpoint = str(d["checkpoint"])
            parse_checkpoint(parse_note(checkpoint).text)
            keys = {}
            for k in d["keys"]:
                key = KeyState(
                    str(k["key_id"]),
                    b64strict(k["public_key"], _("public key")),
                    frozenset(str(r) for r in k["roles"]),
                    int(k["valid_from"]),
                    None if k["valid_to"] is None else int(k["valid_to"]),
                    predecessor=k["predecessor"],
                    note_name=k["note_name"],
                )
                keys[key.key_id] = key
            state = None
            if d["state"] is not None:
                s = d["state"]
                state = StateMap()
                state.ledger_format = int(d["ledger_format"])
                for key_name, value in s["leaves"]:
                    state.set(str(key_name), str(value))
                count, last, digest = s["history"]
                state.history = (int(count), int(last), b64strict(digest, _("history digest")))
                state.size = int(s["size"])
                state.links = {(str(k), str(stream)) for k, stream in s["links"]}
                for key_name, value in s["leaves"]:
                    if str(key_name).startswith("subject/"):
                        # Not ``d``: that is the document still being read.
                        n, at, digest = str(value).split()
                        state.subjects[str(key_name)] = (
                            int(n),
                            int(at),
                            b64strict(digest, "digest"),
                        )
            return cls(
                origin=str(d["origin"]),
                checkpoint=checkpoint,
                prev=b64strict(d["prev"], "prev"),
                keys=keys,
                nonces={(str(k), str(n)) for k, n in d["nonces"]},
                ledger_format=int(d["ledger_format"]),
                latest_time=None if d["latest_time"] is None else int(d["latest_time"]),
                latest_position=int(d["latest_position"]),
                last_notification_id=int(d["last_notification_id"]),
                state=state,
            )
        except NoteError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise NoteError(_("the auditor state file is malformed: {exc}", exc=exc)) from None


def copy_keys(keys: dict[str, KeyState]) -> dict[str, KeyState]:
    return {k: replace(v) for k, v in keys.items()}
