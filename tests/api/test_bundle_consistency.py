"""The API's trail bundle joined to the auditor's trusted checkpoint (issue 11 part 4, as
the CLI's ``export --consistency-from N``): ``GET /api/v1/trails/{kind}/{subject}/bundle
?consistency_from=N`` carries the RFC 9162 consistency proof, which ``shuangsui verify
--bundle --trusted-checkpoint`` accepts, and refuses once tampered. SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.support import cli
from tests.support.api import Api

TRAIL = "/api/v1/trails/department/SCJGJ/bundle"


def trusted_then_grown(api: Api, tmp_path: Path) -> tuple[Path, int]:
    """The auditor keeps a checkpoint; the log grows past it and is checkpointed."""
    t = api.county.ledger.transparency
    note = t.checkpoint()
    trusted = tmp_path / "trusted.checkpoint"
    trusted.write_text(note, encoding="utf-8")
    api.county.run("SCJGJ", "note.append", text="后来的记录 / a later note")
    t.checkpoint()
    return trusted, int(note.splitlines()[1])


def verify(api: Api, bundle: Path, trusted: Path) -> object:
    return cli.run(
        api.county.world.settings, "verify", "--bundle", str(bundle),
        "--trusted-checkpoint", str(trusted), "--allow-unwitnessed", "--workers", "1",
    )  # fmt: skip


def test_the_trail_bundle_carries_the_consistency_proof_verify_accepts(
    api: Api, tmp_path: Path
) -> None:
    trusted, small = trusted_then_grown(api, tmp_path)
    answer = api.get("auditor", TRAIL, consistency_from=small)
    assert answer.status_code == 200, answer.data
    bundle = tmp_path / "trail.jsonl"
    bundle.write_bytes(answer.data)
    assert any(line.startswith('{"t":"consistency"') for line in answer.text.splitlines())
    result = verify(api, bundle, trusted)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"consistency proof {small} -> " in result.stdout  # type: ignore[attr-defined]
    # Without the parameter the bundle pins only the key, as before.
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(api.get("auditor", TRAIL).data)
    plain = verify(api, bare, trusted)
    assert plain.exit_code == 0 and "no consistency proof" in plain.stdout  # type: ignore[attr-defined]


def test_a_tampered_consistency_proof_from_the_api_is_refused(api: Api, tmp_path: Path) -> None:
    trusted, small = trusted_then_grown(api, tmp_path)
    lines = api.get("auditor", TRAIL, consistency_from=small).text.splitlines()
    (at,) = [i for i, line in enumerate(lines) if line.startswith('{"t":"consistency"')]
    record = json.loads(lines[at])
    flipped = bytearray(base64.b64decode(record["proofs"][0]["proof"][0]))
    flipped[0] ^= 1
    record["proofs"][0]["proof"][0] = base64.b64encode(bytes(flipped)).decode()
    lines[at] = json.dumps(record, separators=(",", ":"))
    bundle = tmp_path / "tampered.jsonl"
    bundle.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = verify(api, bundle, trusted)
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert "not consistent" in result.output  # type: ignore[attr-defined]


def test_consistency_from_is_validated(api: Api) -> None:
    for bad in (0, "x", 2**40):
        answer = api.get("auditor", TRAIL, consistency_from=bad)
        assert answer.status_code == 422, (bad, answer.data)
    spec = api.client.get("/openapi.json").json
    parameters = spec["paths"]["/api/v1/trails/{kind}/{subject}/bundle"]["get"]["parameters"]
    assert any(p["name"] == "consistency_from" for p in parameters)
