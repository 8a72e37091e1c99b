"""End to end (issue 15 part 7): `shuangsui serve --province` under waitress, two counties
on SQLite; a write signed through /c/{county}/ by `shuangsui client`, the county picked
by its host, the province's listing; then each county verifies alone."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CLI = [sys.executable, "-m", "tools.cli"]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shuangsui(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--home", str(home), *args], capture_output=True, text=True, timeout=600, cwd=ROOT
    )


def test_serve_province(tmp_path: Path) -> None:
    home = tmp_path / "province"
    for args in (
        ("county", "add", "anyue", "--name", "安岳县", "--host", "anyue.test"),
        ("county", "add", "lezhi", "--name", "乐至县"),
        ("--county", "anyue", "init"),
        ("--county", "lezhi", "init"),
    ):
        done = shuangsui(home, *args)
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "--home", str(home), "serve", "--province", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a loaded 2-core machine starts it slowly
        while time.monotonic() < deadline and server.poll() is None:
            try:
                requests.get(url + "/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        note = tmp_path / "note.json"
        note.write_text(json.dumps({"text": "省平台写入"}, ensure_ascii=False), encoding="utf-8")
        office = str(home / "counties" / "anyue" / "keys" / "office.key")
        wrote = shuangsui(
            home, "client", "--url", f"{url}/c/anyue", "POST", "/api/v1/notes",
            "--key", office, "--data", str(note),
        )  # fmt: skip
        assert wrote.returncode == 0, wrote.stdout + wrote.stderr
        assert json.loads(wrote.stdout)["positions"] == [4, 4]
        elsewhere = shuangsui(
            home, "client", "--url", f"{url}/c/lezhi", "POST", "/api/v1/notes",
            "--key", office, "--data", str(note),
        )  # fmt: skip
        assert elsewhere.returncode == 1  # anyue's key means nothing in lezhi
        by_host = requests.get(url + "/api/v1/checkpoint", headers={"Host": "anyue.test"})
        assert by_host.text.startswith("anyue.example/shuangsui\n")
        listing = requests.get(url + "/province/api/v1/counties").json()["counties"]
        assert [(c["code"], c["size"]) for c in listing] == [("anyue", 4), ("lezhi", 3)]
        page = requests.get(url + "/c/lezhi/").text
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert 'href="/c/lezhi/departments"' in page, output  # the server's log says why not
    assert "listening on" in output and "/c/anyue" in output
    for code in ("anyue", "lezhi"):
        verified = shuangsui(home, "--county", code, "verify", "--allow-unwitnessed")
        assert verified.returncode == 0, verified.stdout + verified.stderr
