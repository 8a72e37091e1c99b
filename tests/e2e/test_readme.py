"""The README works when followed literally (issue 14 §2).

Every fenced ``sh`` block of README.md runs, in order, with bash (``set -euo pipefail``)
in one scratch folder that the blocks share (each block starts there, as a reader's
terminal would after opening it). The package is already installed, so:

* ``pip`` is not re-run (a shell function says so), and the test command (the second
  block) is marked skip: ``.ci/run`` runs it, and here it would run this test again;
* ``shuangsui serve`` is started in the background on a free port and waited for
  (``/healthz``); ``shuangsui client`` and ``curl`` are pointed at it (the README's
  ``http://127.0.0.1:8080`` becomes that port). It is stopped at the end.

A block the test cannot run carries a marker in the README itself, on the line before
the fence::

    <!-- readme-test: skip -- REASON -->

and the reason must be given; a skipped block is listed in the test's output, never
dropped silently. The first two blocks' commands are the install+serve and the
install+test commands (``.ci/run`` runs the second): this test checks they stay there.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MARKER = re.compile(r"<!--\s*readme-test:\s*skip\s*--\s*(?P<reason>.*?)\s*-->")
FENCE = re.compile(r"^```sh\n(?P<body>.*?)^```", re.S | re.M)


def blocks(text: str) -> list[tuple[str, str | None]]:
    """Each ``sh`` block's text, and the skip reason its marker gives (or None)."""
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        marker = MARKER.search(before[-1]) if before else None
        found.append((match.group("body"), marker.group("reason") if marker else None))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PRELUDE = r"""
set -euo pipefail
pip() { echo "(readme test: 'pip $*' not re-run: the package is installed)"; }
shuangsui() {
    local a
    for a in "$@"; do
        if [ "$a" = serve ]; then
            [ -f "$SCRATCH/serve.pid" ] && return 0   # one server for the whole README
            command shuangsui "$@" --port "$READMETEST_PORT" >"$SCRATCH/serve.log" 2>&1 &
            echo $! > "$SCRATCH/serve.pid"
            for _ in $(seq 1 150); do
                if curl -fs "http://127.0.0.1:$READMETEST_PORT/healthz" >/dev/null; then
                    echo "(readme test: serving on port $READMETEST_PORT in the background)"
                    return 0
                fi
                sleep 0.2
            done
            cat "$SCRATCH/serve.log"; return 1
        fi
    done
    command shuangsui "$@"
}
curl() {
    local args=() a
    for a in "$@"; do args+=("${a//127.0.0.1:8080/127.0.0.1:$READMETEST_PORT}"); done
    command curl -fsS "${args[@]}"
}
"""


def test_the_first_two_commands_are_install_serve_and_install_test() -> None:
    found = blocks(README.read_text(encoding="utf-8"))
    first, second = found[0][0].splitlines()[0], found[1][0].splitlines()[0]
    assert first.startswith("pip install -c constraints.txt . ") and "shuangsui serve" in first
    assert second.startswith("pip install -c constraints.txt '.[test]'") and "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci, ".ci/run must run the README's test command"


def test_every_skip_marker_says_why() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count("readme-test:") == len(MARKER.findall(text))
    assert all(reason for _, reason in blocks(text) if reason is not None)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's blocks use curl")
def test_every_readme_block_runs_in_order(tmp_path: Path) -> None:
    """Issue 14 §2: each shell block of the README runs as written, in order."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHUANGSUI_", "PYTEST_"))}
    env.update(
        SCRATCH=str(tmp_path),
        READMETEST_PORT=str(port),
        SHUANGSUI_URL=f"http://127.0.0.1:{port}",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    shutil.copy(ROOT / "constraints.txt", tmp_path / "constraints.txt")
    ran, skipped = 0, []
    try:
        for number, (body, reason) in enumerate(blocks(README.read_text(encoding="utf-8")), 1):
            if reason is not None:
                skipped.append(f"block {number}: {reason}")
                continue
            result = subprocess.run(
                ["bash", "-c", PRELUDE + body],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, (
                f"README block {number} failed (exit {result.returncode}):\n{body}\n"
                f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
            )
            ran += 1
    finally:
        pid_file = tmp_path / "serve.pid"
        if pid_file.exists():
            subprocess.run(["kill", pid_file.read_text().strip()], check=False)
    print(f"ran {ran} README blocks; skipped: {skipped}")
    assert ran >= 4
