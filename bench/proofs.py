"""Merkle proofs on a large log, and what keeping the tree costs an append.

    python bench/proofs.py                      # 1,000,000 entries, 100,000 appends
    python bench/proofs.py --size 200000 --appends 20000

1. Proof latency: a 1,000,000-entry tree on SQLite (the chain's entry hashes and the
   tree table, laid down in bulk -- proofs read nothing else), then inclusion and
   consistency proofs for random positions through ``Transparency`` (each a query
   for O(log n) stored nodes): median and p99. pymerkle's in-memory tree of the
   same size answers the same questions in the same run.
2. Append cost: 100,000 note events (100 per commit) through the chained recorder
   with the tree maintained, and through the same recorder with the tree switched
   off, alternating, median of the repeats; pymerkle appending the same entries.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pymerkle  # noqa: E402

from ledger.areas.notes.events import Note  # noqa: E402
from ledger.audit.hashing import MerkleFrontier, leaf_hash, verify_consistency, verify_inclusion  # noqa: E402
from ledger.authorisation import sign_command  # noqa: E402
from ledger.bootstrap import open_ledger  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.storage.chain import SealedRow  # noqa: E402
from ledger.storage.recorders import ChainedSQLiteRecorder  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402


class NoTreeSQLiteRecorder(ChainedSQLiteRecorder):
    """The chained recorder with the Merkle tree switched off (baseline only)."""

    def _grow_tree(self, rows: Sequence[SealedRow], frontier: MerkleFrontier) -> list[Any]:
        self._sealed(rows, frontier)
        return []

    def _cached_frontier(self, head: Any) -> MerkleFrontier:
        return MerkleFrontier()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def build_large(home: Path, size: int) -> Settings:
    """A ledger whose chain and tree hold ``size`` entries (bulk-laid, for proofs)."""
    settings = Settings(home=home)
    marker = home / f"size-{size}"
    if marker.exists():
        return settings
    world = start_world(settings)
    start = world.ledger.head().position
    leaves = [leaf_hash(r.entry) for r in world.ledger.select_chain(0, start)]
    frontier = MerkleFrontier()
    for leaf in leaves:
        frontier.append(leaf)
    db = world.ledger.chain.datastore
    began = time.perf_counter()
    batch = 50_000
    for first in range(start + 1, size + 1, batch):
        chain_rows, tree_rows = [], []
        for position in range(first, min(first + batch, size + 1)):
            entry = f'{{"bulk":{position}}}'.encode()
            h = leaf_hash(entry)
            chain_rows.append((position, position, entry, h, None, None, None, None, None))
            tree_rows += frontier.append(h)
        with db.transaction(commit=True) as c:
            c.executemany("INSERT INTO ledger_chain VALUES (?,?,?,?,?,?,?,?,?)", chain_rows)
            c.executemany("INSERT INTO ledger_tree VALUES (?,?,?)", tree_rows)
        print(
            f"  laid {min(first + batch - 1, size):,}/{size:,} "
            f"({time.perf_counter() - began:.0f} s)",
            file=sys.stderr,
        )
    world.ledger.close()
    marker.write_text("")
    return settings


def proof_latency(settings: Settings, size: int, samples: int) -> dict[str, Any]:
    ledger = open_ledger(settings)
    t = ledger.transparency
    rng = random.Random(1)
    root = t.root(size)
    inclusion, consistency = [], []
    for _ in range(samples):
        position = rng.randint(1, size)
        start = time.perf_counter()
        proof = t.inclusion_proof(position, size)
        inclusion.append(time.perf_counter() - start)
        leaf = leaf_hash(ledger.chain.select_positions([position])[0].entry)
        assert verify_inclusion(leaf, position - 1, size, proof, root)
    for _ in range(samples):
        old = rng.randint(1, size - 1)
        start = time.perf_counter()
        proof = t.consistency_proof(old, size)
        consistency.append(time.perf_counter() - start)
    assert verify_consistency(old, size, proof, t.root(old), root)
    ledger.close()
    return {
        "inclusion_ms_median": round(statistics.median(inclusion) * 1000, 3),
        "inclusion_ms_p99": round(percentile(inclusion, 0.99) * 1000, 3),
        "consistency_ms_median": round(statistics.median(consistency) * 1000, 3),
        "consistency_ms_p99": round(percentile(consistency, 0.99) * 1000, 3),
    }


def pymerkle_latency(size: int, samples: int) -> dict[str, Any]:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    began = time.perf_counter()
    for i in range(size):
        tree.append_entry(f'{{"bulk":{i}}}'.encode())
    build = time.perf_counter() - began
    rng = random.Random(1)
    inclusion, consistency = [], []
    for _ in range(samples):
        index = rng.randint(1, size)
        start = time.perf_counter()
        tree.prove_inclusion(index, size)
        inclusion.append(time.perf_counter() - start)
    for _ in range(samples):
        old = rng.randint(1, size - 1)
        start = time.perf_counter()
        tree.prove_consistency(old, size)
        consistency.append(time.perf_counter() - start)
    return {
        "build_s": round(build, 1),
        "inclusion_ms_median": round(statistics.median(inclusion) * 1000, 3),
        "inclusion_ms_p99": round(percentile(inclusion, 0.99) * 1000, 3),
        "consistency_ms_median": round(statistics.median(consistency) * 1000, 3),
        "consistency_ms_p99": round(percentile(consistency, 0.99) * 1000, 3),
    }


def append_rate(tree: bool, events: int, per_commit: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        extra = {} if tree else {"APPLICATION_RECORDER_TOPIC": "bench.proofs:NoTreeSQLiteRecorder"}
        settings = Settings(home=Path(tmp), extra=extra)
        world = start_world(settings)
        department = fixed_key("department")
        auths = [
            sign_command(department, "note.append", {"text": "x"})
            for _ in range(events // per_commit)
        ]
        start = time.perf_counter()
        for auth in auths:
            world.ledger.save(
                *[Note(text="检查记录", author="bench") for _ in range(per_commit)],
                authorisation=auth,
            )
        rate = events / (time.perf_counter() - start)
        world.ledger.close()
    return rate


def pymerkle_append_rate(events: int) -> float:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    start = time.perf_counter()
    for i in range(events):
        tree.append_entry(f"entry {i}".encode())
    return events / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    home = ROOT / "bench" / "out" / f"proofs-{args.size}"
    settings = build_large(home, args.size)
    ours = proof_latency(settings, args.size, args.samples)
    theirs = pymerkle_latency(args.size, args.samples)
    with_tree, without_tree = [], []
    for rep in range(args.repeats):
        without_tree.append(append_rate(False, args.appends, 100))
        with_tree.append(append_rate(True, args.appends, 100))
        print(
            f"  rep {rep + 1}: appends with tree {with_tree[-1]:,.0f}/s, "
            f"without {without_tree[-1]:,.0f}/s",
            file=sys.stderr,
        )
    pm_append = pymerkle_append_rate(args.appends)
    result = {
        "size": args.size,
        "ours": ours,
        "pymerkle": theirs,
        "appends": args.appends,
        "append_with_tree_per_s": round(statistics.median(with_tree)),
        "append_without_tree_per_s": round(statistics.median(without_tree)),
        "append_ratio": round(statistics.median(with_tree) / statistics.median(without_tree), 2),
        "pymerkle_append_per_s": round(pm_append),
    }
    print(
        f"| proof on {args.size:,} entries | ours median | ours p99 | pymerkle median | "
        "pymerkle p99 |"
    )
    print("|---|---|---|---|---|")
    for kind in ("inclusion", "consistency"):
        print(
            f"| {kind} | {ours[kind + '_ms_median']} ms | {ours[kind + '_ms_p99']} ms | "
            f"{theirs[kind + '_ms_median']} ms | {theirs[kind + '_ms_p99']} ms |"
        )
    print()
    print("| 100 events/commit | with tree | without tree | ratio | pymerkle in-memory appends |")
    print("|---|---|---|---|---|")
    print(
        f"| {args.appends:,} events | {result['append_with_tree_per_s']:,}/s | "
        f"{result['append_without_tree_per_s']:,}/s | {result['append_ratio']} | "
        f"{result['pymerkle_append_per_s']:,}/s |"
    )
    (ROOT / "bench" / "out" / "proofs.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
