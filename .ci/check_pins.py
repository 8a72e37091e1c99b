"""Fail when the installed dependency closure of shuangsui-ledger[test] is not exactly
what constraints.txt pins (a new transitive dependency, or a different version)."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# The installer's own tools: sqlite-utils lists pip as a dependency, but pip belongs to
# the Python installation, not to the project, so it is neither pinned nor checked.
INSTALLER = {"pip", "setuptools", "wheel"}


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[canonicalize_name(name)] = version.strip()
    return found


def closure(root: str, extras: set[str]) -> dict[str, str]:
    """Installed name -> version for ``root`` with ``extras`` and everything it needs."""
    seen: dict[str, str] = {}
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        dist = metadata.distribution(name)
        key = canonicalize_name(dist.metadata["Name"])
        first = key not in seen
        seen[key] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            env_ok = req.marker is None or any(
                req.marker.evaluate({"extra": extra}) for extra in (wanted or {""})
            )
            if env_ok and (first or req.marker is not None):
                if canonicalize_name(req.name) not in seen or req.extras:
                    todo.append((req.name, set(req.extras)))
    return seen


def main() -> int:
    pinned = pins()
    installed = closure("shuangsui-ledger", {"test"})
    installed.pop("shuangsui-ledger", None)
    for name in INSTALLER:
        installed.pop(name, None)
    problems = [
        f"{name} {version} is installed but constraints.txt pins {pinned.get(name, 'nothing')}"
        for name, version in sorted(installed.items())
        if pinned.get(name) != version
    ]
    for problem in problems:
        print(f"check_pins: {problem}", file=sys.stderr)
    if problems:
        print("check_pins: regenerate constraints.txt (see its header)", file=sys.stderr)
        return 1
    print(f"check_pins: {len(installed)} distributions match constraints.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
