"""/metrics counts the whole service, not the process a scrape happens to reach (issue 14
§4): ``serve --workers 2`` runs two processes behind one port, and every scrape shows
the requests both of them answered (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

CLI = [sys.executable, "-m", "tools.cli"]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthz_count(text: str) -> float:
    found = re.search(
        r'^shuangsui_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
        text,
        re.MULTILINE,
    )
    return float(found.group(1)) if found else 0.0


def test_every_scrape_sums_the_requests_of_every_worker(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init = subprocess.run(
        [*CLI, "--home", str(home), "init"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert init.returncode == 0, init.stderr
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "--home", str(home), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(url + "/api/v1/status", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                # not listening yet, or a worker still importing on a loaded machine
                time.sleep(0.1)
        else:
            pytest.fail("serve did not start")
        for _ in range(40):  # each on a new connection: either process may accept it
            with requests.Session() as fresh:
                assert fresh.get(url + "/healthz", timeout=10).status_code == 200
        for _ in range(6):
            with requests.Session() as fresh:
                scraped = fresh.get(url + "/metrics", timeout=10)
            assert scraped.status_code == 200
            assert healthz_count(scraped.text) == 40.0, scraped.text
            assert "shuangsui_log_entries" in scraped.text
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "2 process(es)" in output
    # The folder of counts is removed when the service stops.
    assert not list(Path(tempfile.gettempdir()).glob(f"shuangsui-metrics-*/*_{server.pid}.db"))
