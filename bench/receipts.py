"""Receipt overhead on the signed-command rate (issue 11, part 2).

Same machine, same run, same ledger: ``note.append`` commands through
``Ledger.execute`` with the signed receipt (as the API and CLI run them) against the same
commands with the receipt switched off, alternating (off, on, off, ...); the medians of
the repeats and their ratio are reported.

    python bench/receipts.py                 # SQLite, 3 repeats of 2000 commands
    python bench/receipts.py --repeats 5 --commands 5000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.authorisation import sign_command  # noqa: E402
from ledger.config import Settings  # noqa: E402
from tests.support.world import start_world  # noqa: E402
from tests.vectors.testkeys import fixed_key  # noqa: E402

TEXT = "抽查结果公示 / result published " * 4


def rate(ledger: Any, commands: int, receipts: bool) -> float:
    office = fixed_key("office")
    signed = [sign_command(office, "note.append", {"text": f"{TEXT}{i}"}) for i in range(commands)]
    transparency = ledger.transparency
    original = transparency.receipt
    if not receipts:
        transparency.receipt = lambda *_a, **_k: None  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        for authorisation in signed:
            recorded = ledger.execute(authorisation)
            assert (recorded.receipt is not None) == receipts
        return commands / (time.perf_counter() - start)
    finally:
        transparency.receipt = original  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = start_world(Settings(home=Path(tmp)))
        try:
            off, on = [], []
            rate(world.ledger, 200, True)  # warm up
            for _ in range(args.repeats):
                off.append(rate(world.ledger, args.commands, False))
                on.append(rate(world.ledger, args.commands, True))
        finally:
            world.ledger.close()
    result = {
        "commands": args.commands,
        "repeats": args.repeats,
        "without_receipt_per_s": round(statistics.median(off), 1),
        "with_receipt_per_s": round(statistics.median(on), 1),
        "ratio": round(statistics.median(on) / statistics.median(off), 3),
    }
    print("| backend | commands | without receipt /s | with receipt /s | ratio |")
    print("|---|---|---|---|---|")
    print(
        f"| SQLite | {args.commands} | {result['without_receipt_per_s']} | "
        f"{result['with_receipt_per_s']} | {result['ratio']} |"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
